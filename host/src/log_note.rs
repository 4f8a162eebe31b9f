//! Log messages made on worker threads and emitted later, in a fixed
//! order: result trees are read and compared in parallel, but their
//! messages must come out in command-line order, exactly as a sequential
//! run would log them.

use std::sync::OnceLock;

use tracing::Level;

/// Writes a message straight to the log output exactly as the installed
/// subscriber would, or returns false (the message then goes through
/// tracing). Per-check lines come by the tens of thousands; a front end
/// that owns its log format can write them without tracing's per-event
/// work.
pub type DirectSink = Box<dyn Fn(Level, &str) -> bool + Send + Sync>;

static DIRECT_SINK: OnceLock<DirectSink> = OnceLock::new();

/// Installs the [`DirectSink`] (once per process; later calls are
/// ignored). Install it only together with the global subscriber it
/// imitates.
pub fn set_direct_sink(sink: DirectSink) {
    let _ = DIRECT_SINK.set(sink);
}

/// One log message waiting to be emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogNote {
    /// Its level.
    pub level: Level,
    /// The message.
    pub message: String,
}

impl LogNote {
    /// A message at `level`.
    pub fn new(level: Level, message: String) -> Self {
        Self { level, message }
    }

    /// Logs the message now.
    pub fn emit(&self) {
        Self::emit_str(self.level, &self.message);
    }

    fn emit_str(level: Level, message: &str) {
        if let Some(sink) = DIRECT_SINK.get()
            && sink(level, message)
        {
            return;
        }
        match level {
            Level::ERROR => tracing::error!("{message}"),
            Level::WARN => tracing::warn!("{message}"),
            Level::INFO => tracing::info!("{message}"),
            Level::DEBUG => tracing::debug!("{message}"),
            Level::TRACE => tracing::trace!("{message}"),
        }
    }
}

/// Emits `notes` in order.
pub fn emit_all(notes: &[LogNote]) {
    for note in notes {
        note.emit();
    }
}

/// Many log messages in one buffer: per-check lines come by the tens of
/// thousands, one allocation each would cost more than writing them.
#[derive(Debug, Default)]
pub struct LogBatch {
    text: String,
    /// Level and end offset in `text` of each message.
    entries: Vec<(Level, usize)>,
}

impl LogBatch {
    /// Appends a message at `level` written by `write`.
    pub fn push_with(&mut self, level: Level, write: impl FnOnce(&mut String)) {
        write(&mut self.text);
        self.entries.push((level, self.text.len()));
    }

    /// Appends `note`.
    pub fn push(&mut self, note: &LogNote) {
        self.push_with(note.level, |text| text.push_str(&note.message));
    }

    /// Logs the messages now, in order.
    pub fn emit(&self) {
        let mut start = 0;
        for &(level, end) in &self.entries {
            let message = &self.text[start..end];
            LogNote::emit_str(level, message);
            start = end;
        }
    }
}
