//! The verdict of one compared check.

use serde::Serialize;

/// Status of a compared check, as the reference grades it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Within half the tolerance (deviation from the reference, which calls
    /// everything below +tol/2 a minor loss; verdicts are unchanged).
    Pass,
    /// Above half the tolerance, still within it.
    MinorGain,
    /// Below minus half the tolerance, still within it.
    MinorLoss,
    /// Worse than the tolerance allows.
    FailLoss,
    /// Better than the tolerance allows (reported as `ERR`, xunit `skipped`).
    FailGain,
    /// Broken or missing result.
    Error,
}

impl Status {
    /// Grades `score` against `tolerance` (no error part).
    pub fn grade(score: f64, tolerance: f64) -> Self {
        if score.abs() <= tolerance {
            let minor = tolerance / 2.0;
            if score > minor {
                Status::MinorGain
            } else if score < -minor {
                Status::MinorLoss
            } else {
                Status::Pass
            }
        } else if score > 0.0 {
            Status::FailGain
        } else {
            Status::FailLoss
        }
    }

    /// Whether the reference counts this as a failure (its status < 0).
    pub fn is_failure(self) -> bool {
        matches!(self, Status::FailLoss | Status::FailGain | Status::Error)
    }

    /// The label of the per-check line: `PASS`, `FAIL` or `ERR `.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass | Status::MinorGain | Status::MinorLoss => "PASS",
            Status::FailLoss => "FAIL",
            Status::FailGain | Status::Error => "ERR ",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Status;

    #[test]
    fn grades() {
        assert_eq!(Status::grade(0.0, 5.0), Status::Pass);
        assert_eq!(Status::grade(2.5, 5.0), Status::Pass);
        assert_eq!(Status::grade(2.6, 5.0), Status::MinorGain);
        assert_eq!(Status::grade(-2.6, 5.0), Status::MinorLoss);
        assert_eq!(Status::grade(5.0, 5.0), Status::MinorGain);
        assert_eq!(Status::grade(5.1, 5.0), Status::FailGain);
        assert_eq!(Status::grade(-5.1, 5.0), Status::FailLoss);
        assert_eq!(Status::grade(f64::NAN, 5.0), Status::FailLoss);
        assert!(Status::FailGain.is_failure());
        assert!(!Status::MinorLoss.is_failure());
    }
}
