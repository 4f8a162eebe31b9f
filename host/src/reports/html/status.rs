//! How a check's status is shown: a CSS class key, a symbol (so the status
//! reads without colour) and a label, for the statuses the filters offer.

use serde::Serialize;

use crate::compare::Status;

/// A status as the page shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Shown {
    /// Class and filter key (`loss`, `gain`, `error`...).
    pub key: &'static str,
    /// Symbol drawn before the score.
    pub symbol: &'static str,
    /// Words for legends and filters.
    pub label: &'static str,
}

/// Statuses in the order the filters list them: failures first.
pub const ALL: [Shown; 6] = [
    LOSS,
    GAIN,
    ERROR,
    Shown {
        key: "minor-loss",
        symbol: "\u{25bf}",
        label: "minor loss",
    },
    Shown {
        key: "minor-gain",
        symbol: "\u{25b5}",
        label: "minor gain",
    },
    Shown {
        key: "equal",
        symbol: "=",
        label: "equal",
    },
];

const LOSS: Shown = Shown {
    key: "loss",
    symbol: "\u{25bc}",
    label: "loss",
};
const GAIN: Shown = Shown {
    key: "gain",
    symbol: "\u{25b2}",
    label: "gain",
};
/// A broken, missing or erroring check.
pub const ERROR: Shown = Shown {
    key: "error",
    symbol: "\u{2716}",
    label: "error",
};

/// Keys of the statuses that count as failures.
pub const FAILURES: [&str; 3] = [LOSS.key, GAIN.key, ERROR.key];

/// How `status` is shown.
pub fn shown(status: Status) -> Shown {
    match status {
        Status::FailLoss => LOSS,
        Status::FailGain => GAIN,
        Status::Error => ERROR,
        Status::MinorLoss => ALL[3],
        Status::MinorGain => ALL[4],
        Status::Pass => ALL[5],
    }
}

/// Whether the key is one of the failures.
pub fn is_failure(key: &str) -> bool {
    FAILURES.contains(&key)
}
