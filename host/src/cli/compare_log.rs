//! compare-perf's log output, in the reference's `LEVEL| message` format:
//! stderr (warnings, `-v` info, `-vv` debug) and the `--log` file (debug).
//!
//! A comparison logs tens of thousands of per-check lines, so both sinks
//! are buffered (flushed by [`flush_log`]) and messages are formatted
//! without tracing's per-character escaping writer when they contain
//! nothing to escape; the bytes written are the same either way.

use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::{LazyLock, Mutex};

use anyhow::Context;
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{Layer, Registry};

/// Stderr behind a buffer.
static STDERR: LazyLock<Mutex<BufWriter<std::io::Stderr>>> =
    LazyLock::new(|| Mutex::new(BufWriter::with_capacity(1 << 16, std::io::stderr())));

/// The `--log` file behind a buffer, once opened.
static LOG_FILE: Mutex<Option<BufWriter<std::fs::File>>> = Mutex::new(None);

/// Writer handle of the buffered stderr.
struct BufferedStderr;

impl Write for BufferedStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match STDERR.lock() {
            Ok(mut stderr) => stderr.write(buf),
            Err(_) => std::io::stderr().write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match STDERR.lock() {
            Ok(mut stderr) => stderr.flush(),
            Err(_) => Ok(()),
        }
    }
}

/// Writer handle of the buffered log file.
struct BufferedLogFile;

impl Write for BufferedLogFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match LOG_FILE.lock() {
            Ok(mut file) => match file.as_mut() {
                Some(file) => file.write(buf),
                None => Ok(buf.len()),
            },
            Err(_) => Ok(buf.len()),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match LOG_FILE.lock() {
            Ok(mut file) => file.as_mut().map_or(Ok(()), |file| file.flush()),
            Err(_) => Ok(()),
        }
    }
}

/// Writes out the buffered log lines (stderr and the log file).
pub(super) fn flush_log() {
    let _ = BufferedStderr.flush();
    let _ = BufferedLogFile.flush();
}

/// `LEVEL| message`, the reference's compare-perf log format.
struct ReferenceFormat;

impl<S, N> FormatEvent<S, N> for ReferenceFormat
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
fn escape_into(writer: &mut impl std::fmt::Write, text: &str, sanitize: bool) -> std::fmt::Result {
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

/// The stderr level filter, once logging is set up.
static STDERR_LEVEL: std::sync::OnceLock<LevelFilter> = std::sync::OnceLock::new();

/// The label of `level` in the reference format.
fn level_label(level: tracing::Level) -> &'static str {
    match level {
        tracing::Level::ERROR => "ERROR",
        tracing::Level::WARN => "WARNING",
        tracing::Level::INFO => "INFO",
        tracing::Level::DEBUG => "DEBUG",
        tracing::Level::TRACE => "TRACE",
    }
}

/// The [`crate::log_note::DirectSink`] of compare-perf: the line
/// [`ReferenceFormat`] makes for a message-only event, written to the
/// sinks whose filter lets `level` through (both sanitize messages, as
/// tracing's formatter does by default).
fn direct_sink(level: tracing::Level, message: &str) -> bool {
    let Some(stderr_level) = STDERR_LEVEL.get() else {
        return false;
    };
    if level == tracing::Level::TRACE {
        return false;
    }
    let mut line = String::with_capacity(message.len() + 10);
    let label = level_label(level);
    line.push_str(label);
    for _ in label.len()..5 {
        line.push(' ');
    }
    line.push_str("| ");
    if escape_into(&mut line, message, true).is_err() {
        return false;
    }
    line.push('\n');
    if *stderr_level >= level {
        let _ = BufferedStderr.write_all(line.as_bytes());
    }
    // The --log file takes everything down to debug.
    let _ = BufferedLogFile.write_all(line.as_bytes());
    true
}

/// Installs the stderr and `--log` sinks.
pub(super) fn setup_logging(verbose: u8, log: Option<&Path>) -> anyhow::Result<()> {
    let level = match verbose {
        0 => LevelFilter::WARN,
        1 => LevelFilter::INFO,
        _ => LevelFilter::DEBUG,
    };
    let stderr = tracing_subscriber::fmt::layer()
        .event_format(ReferenceFormat)
        .with_writer(|| BufferedStderr)
        .with_filter(level);
    let file = match log {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create the log file {}", path.display()))?;
            if let Ok(mut slot) = LOG_FILE.lock() {
                *slot = Some(BufWriter::with_capacity(1 << 16, file));
            }
            Some(
                tracing_subscriber::fmt::layer()
                    .event_format(ReferenceFormat)
                    .with_writer(|| BufferedLogFile)
                    .with_ansi(false)
                    .with_filter(LevelFilter::DEBUG),
            )
        }
        None => None,
    };
    let subscriber = Registry::default().with(stderr).with(file);
    // Ignored when a subscriber is already set (e.g. in-process tests);
    // the direct sink imitates this subscriber, so only with it.
    if tracing::subscriber::set_global_default(subscriber).is_ok() {
        let _ = STDERR_LEVEL.set(level);
        crate::log_note::set_direct_sink(direct_sink);
    }
    Ok(())
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
