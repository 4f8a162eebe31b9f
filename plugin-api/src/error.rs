//! The error type that crosses the plugin boundary.

use std::fmt;

use abi_stable::{
    StableAbi,
    std_types::{RString, RVec},
};

/// An error raised by a plugin (or by the host inside a service call),
/// carried across the ABI boundary as plain strings.
///
/// `message` is what went wrong, written for the person at the terminal;
/// `causes` is the chain of underlying errors, outermost first.
#[repr(C)]
#[derive(StableAbi, Debug, Clone, PartialEq, Eq)]
pub struct PluginError {
    message: RString,
    causes: RVec<RString>,
}

impl PluginError {
    /// A new error with `message` and no causes.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: RString::from(message.into()),
            causes: RVec::new(),
        }
    }

    /// Wraps any error, keeping its `source()` chain as causes.
    pub fn from_error(err: &(dyn std::error::Error + 'static)) -> Self {
        let mut out = Self::new(err.to_string());
        let mut source = err.source();
        while let Some(cause) = source {
            out.causes.push(RString::from(cause.to_string()));
            source = cause.source();
        }
        out
    }

    /// Puts `context` in front: the current message becomes the first cause.
    #[must_use]
    pub fn context(self, context: impl Into<String>) -> Self {
        let mut causes = RVec::with_capacity(self.causes.len() + 1);
        causes.push(self.message);
        causes.extend(self.causes);
        Self {
            message: RString::from(context.into()),
            causes,
        }
    }

    /// Appends a cause at the end of the chain.
    #[must_use]
    pub fn with_cause(mut self, cause: impl Into<String>) -> Self {
        self.causes.push(RString::from(cause.into()));
        self
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        self.message.as_str()
    }

    /// The chain of underlying errors, outermost first.
    pub fn causes(&self) -> impl Iterator<Item = &str> {
        self.causes.iter().map(RString::as_str)
    }
}

impl fmt::Display for PluginError {
    /// `{}` prints the message; `{:#}` appends the causes joined by `: `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if f.alternate() {
            for cause in self.causes() {
                write!(f, ": {cause}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for PluginError {}

impl From<String> for PluginError {
    fn from(message: String) -> Self {
        Self::new(message)
    }
}

impl From<&str> for PluginError {
    fn from(message: &str) -> Self {
        Self::new(message)
    }
}

impl From<serde_json::Error> for PluginError {
    fn from(err: serde_json::Error) -> Self {
        Self::new(format!("invalid JSON: {err}"))
    }
}

/// Result type of every plugin and host-service call.
pub type PluginResult<T> = Result<T, PluginError>;

/// Runs `call`, turning a panic into a [`PluginError`] that names `what`.
///
/// abi_stable aborts the process when a panic unwinds through an
/// `extern "C"` function, so every function that crosses the boundary runs
/// its body through this guard.
pub fn guard<T>(what: &str, call: impl FnOnce() -> PluginResult<T>) -> PluginResult<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)) {
        Ok(result) => result,
        Err(payload) => {
            let detail = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic payload".to_owned());
            Err(PluginError::new(format!("panicked in {what}")).with_cause(detail))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_pushes_message_into_causes() {
        let err = PluginError::new("disk full").context("writing result.json");
        assert_eq!(err.message(), "writing result.json");
        assert_eq!(err.causes().collect::<Vec<_>>(), ["disk full"]);
        assert_eq!(format!("{err:#}"), "writing result.json: disk full");
        assert_eq!(format!("{err}"), "writing result.json");
    }

    #[test]
    fn guard_turns_panic_into_error() {
        let err = guard::<()>("Profile::apply", || panic!("boom {}", 42)).unwrap_err();
        assert_eq!(err.message(), "panicked in Profile::apply");
        assert_eq!(err.causes().collect::<Vec<_>>(), ["boom 42"]);
    }
}
