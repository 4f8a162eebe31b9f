//! The `LEVEL| message` line every binary logs on stderr (and compare-perf
//! in its `--log` file), the reference's `%(levelname)-5s| %(message)s`.
//!
//! A message-only event is written in one piece when it holds nothing
//! tracing's sanitizer would escape; the bytes are the same either way.

use std::fmt::Write as _;

use tracing::field::{Field, Visit};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// `LEVEL| message`, the reference's `%(levelname)-5s| %(message)s`.
pub(super) struct LevelBar;

impl<S, N> FormatEvent<S, N> for LevelBar
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        write!(writer, "{:<5}| ", level_label(*event.metadata().level()))?;
        let fields = event.metadata().fields();
        if fields.len() == 1 && fields.field("message").is_some() {
            message_only(&mut writer, event)?;
        } else {
            ctx.field_format().format_fields(writer.by_ref(), event)?;
        }
        writeln!(writer)
    }
}

thread_local! {
    /// Reused buffer of [`message_only`].
    static MESSAGE: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Collects the `message` field as text.
struct MessageVisitor<'a>(&'a mut String);

impl Visit for MessageVisitor<'_> {
    fn record_str(&mut self, _field: &Field, value: &str) {
        self.0.push_str(value);
    }
    fn record_debug(&mut self, _field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, "{value:?}");
    }
}

/// Writes the message of an event whose only field is `message`, exactly
/// as tracing's default field formatter does (including its escaping of
/// terminal control characters), but in one piece when nothing needs
/// escaping.
fn message_only(writer: &mut Writer<'_>, event: &tracing::Event<'_>) -> std::fmt::Result {
    MESSAGE.with(|buffer| {
        let Ok(mut buffer) = buffer.try_borrow_mut() else {
            let mut text = String::new();
            event.record(&mut MessageVisitor(&mut text));
            return write_escaped(writer, &text);
        };
        buffer.clear();
        event.record(&mut MessageVisitor(&mut buffer));
        write_escaped(writer, &buffer)
    })
}

/// Whether tracing's sanitizer would change `text`: it rewrites ESC, BEL,
/// BS, FF, DEL and the C1 controls U+0080..U+009F (UTF-8 lead byte 0xC2).
fn needs_escaping(text: &str) -> bool {
    const ESCAPED: [bool; 256] = {
        let mut table = [false; 256];
        table[0x1b] = true;
        table[0x07] = true;
        table[0x08] = true;
        table[0x0c] = true;
        table[0x7f] = true;
        table[0xc2] = true;
        table
    };
    text.bytes().any(|b| ESCAPED[b as usize])
}

fn write_escaped(writer: &mut Writer<'_>, text: &str) -> std::fmt::Result {
    let sanitize = writer.sanitizes_ansi_escapes();
    escape_into(writer, text, sanitize)
}

/// Writes `text` escaped like tracing's sanitizer when `sanitize`.
pub(super) fn escape_into(
    writer: &mut impl std::fmt::Write,
    text: &str,
    sanitize: bool,
) -> std::fmt::Result {
    if !sanitize || !needs_escaping(text) {
        return writer.write_str(text);
    }
    for ch in text.chars() {
        match ch {
            '\x1b' => writer.write_str("\\x1b")?,
            '\x07' => writer.write_str("\\x07")?,
            '\x08' => writer.write_str("\\x08")?,
            '\x0c' => writer.write_str("\\x0c")?,
            '\x7f' => writer.write_str("\\x7f")?,
            ch if ('\u{80}'..='\u{9f}').contains(&ch) => write!(writer, "\\u{{{:x}}}", ch as u32)?,
            _ => writer.write_char(ch)?,
        }
    }
    Ok(())
}

/// The label of `level` in the reference format.
pub(super) fn level_label(level: tracing::Level) -> &'static str {
    match level {
        tracing::Level::ERROR => "ERROR",
        tracing::Level::WARN => "WARNING",
        tracing::Level::INFO => "INFO",
        tracing::Level::DEBUG => "DEBUG",
        tracing::Level::TRACE => "TRACE",
    }
}

#[cfg(test)]
mod tests {
    use super::needs_escaping;

    #[test]
    fn detects_what_tracing_escapes() {
        assert!(!needs_escaping("PASS: a/b/c:./d/e/f.mean 1.00 (é ü)"));
        assert!(needs_escaping("a\x1b[31m"));
        assert!(needs_escaping("\u{9b}"));
        assert!(needs_escaping("\x7f"));
    }
}
