//! compare-perf's log output, in the reference's `LEVEL| message` format
//! ([`LevelBar`], as every binary writes on stderr): stderr (warnings, `-v`
//! info, `-vv` debug) and the `--log` file (debug).
//!
//! Why compare-perf does not use the common logger ([`super::logging`]): a
//! comparison logs tens of thousands of per-check lines, which unbuffered
//! writes and tracing's per-event work would dominate, so its sinks are
//! buffered and per-check lines bypass tracing ([`crate::log_note`]'s
//! direct sink); buffered lines must be written out before a progress bar
//! or an error shows, which the other binaries' interleaved output cannot
//! promise. The buffers are the explicit [`CompareLog`] value: its holder
//! flushes it where the output must be complete, and dropping it flushes.

use std::fs::File;
use std::io::{BufWriter, Stderr, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::Context;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{Layer, Registry};

use super::log_format::{LevelBar, escape_into, level_label};

/// Buffer size of each sink.
const BUFFER: usize = 1 << 16;

/// One buffered sink, shared by the subscriber, the direct sink and the
/// [`CompareLog`] holding it.
struct Sink<W: Write>(Mutex<BufWriter<W>>);

impl<W: Write> Sink<W> {
    fn new(inner: W) -> Arc<Self> {
        Arc::new(Self(Mutex::new(BufWriter::with_capacity(BUFFER, inner))))
    }

    fn lock(&self) -> Option<MutexGuard<'_, BufWriter<W>>> {
        self.0.lock().ok()
    }

    fn write_all(&self, bytes: &[u8]) {
        if let Some(mut sink) = self.lock() {
            let _ = sink.write_all(bytes);
        }
    }

    fn flush(&self) {
        if let Some(mut sink) = self.lock() {
            let _ = sink.flush();
        }
    }
}

/// A sink's writer for the tracing layer (one per event).
struct SinkWriter<'a, W: Write>(&'a Sink<W>);

impl<W: Write> Write for SinkWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.lock() {
            Some(mut sink) => sink.write(buf),
            // A panic while writing poisoned it: drop the line.
            None => Ok(buf.len()),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.lock().map_or(Ok(()), |mut sink| sink.flush())
    }
}

/// A sink as tracing's layer asks for writers.
struct MakeSink<W: Write>(Arc<Sink<W>>);

impl<'a, W: Write + 'a> MakeWriter<'a> for MakeSink<W> {
    type Writer = SinkWriter<'a, W>;
    fn make_writer(&'a self) -> Self::Writer {
        SinkWriter(&self.0)
    }
}

/// compare-perf's log sinks: stderr and the `--log` file, each behind a
/// buffer. Flush it with [`CompareLog::flush`] wherever everything logged
/// so far must be out (before a progress bar draws, at the end); dropping
/// it flushes too.
pub(super) struct CompareLog {
    stderr: Arc<Sink<Stderr>>,
    file: Option<Arc<Sink<File>>>,
}

impl CompareLog {
    /// Installs the stderr (`verbose`: 0 warnings, 1 info, 2 debug) and
    /// `--log` sinks as the process's logger. When a logger is already
    /// installed (in-process tests), that one stays and so do its sinks.
    pub(super) fn install(verbose: u8, log: Option<&Path>) -> anyhow::Result<Self> {
        let level = match verbose {
            0 => LevelFilter::WARN,
            1 => LevelFilter::INFO,
            _ => LevelFilter::DEBUG,
        };
        let stderr = Sink::new(std::io::stderr());
        let file = match log {
            Some(path) => Some(Sink::new(File::create(path).with_context(|| {
                format!("cannot create the log file {}", path.display())
            })?)),
            None => None,
        };
        let subscriber = Registry::default()
            .with(
                tracing_subscriber::fmt::layer()
                    .event_format(LevelBar)
                    .with_writer(MakeSink(stderr.clone()))
                    .with_filter(level),
            )
            .with(file.clone().map(|file| {
                tracing_subscriber::fmt::layer()
                    .event_format(LevelBar)
                    .with_writer(MakeSink(file))
                    .with_ansi(false)
                    .with_filter(LevelFilter::DEBUG)
            }));
        // The direct sink imitates this subscriber, so only with it.
        if tracing::subscriber::set_global_default(subscriber).is_ok() {
            let (direct_stderr, direct_file) = (stderr.clone(), file.clone());
            crate::log_note::set_direct_sink(Box::new(move |event_level, message| {
                direct_line(
                    level,
                    &direct_stderr,
                    direct_file.as_deref(),
                    event_level,
                    message,
                )
            }));
        }
        Ok(Self { stderr, file })
    }

    /// Writes out the buffered lines of both sinks.
    pub(super) fn flush(&self) {
        self.stderr.flush();
        if let Some(file) = &self.file {
            file.flush();
        }
    }
}

impl Drop for CompareLog {
    fn drop(&mut self) {
        self.flush();
    }
}

/// The direct sink: the line [`LevelBar`] makes for a message-only event,
/// written to the sinks whose filter lets `level` through (both sanitize
/// messages, as tracing's formatter does by default).
fn direct_line(
    stderr_level: LevelFilter,
    stderr: &Sink<Stderr>,
    file: Option<&Sink<File>>,
    level: tracing::Level,
    message: &str,
) -> bool {
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
    if stderr_level >= level {
        stderr.write_all(line.as_bytes());
    }
    // The --log file takes everything down to debug.
    if let Some(file) = file {
        file.write_all(line.as_bytes());
    }
    true
}
