//! Log messages made on worker threads and emitted later, in a fixed
//! order: result trees are read and compared in parallel, but their
//! messages must come out in command-line order, exactly as a sequential
//! run would log them.

use tracing::Level;

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
        let message = &self.message;
        match self.level {
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
