//! Which way is better for a check, and whether a change is a regression.
//!
//! As compare-perf reads a check: a `.stddev` check is a spread, so up is
//! worse; a `.mean` of the `latency` workflow (`…/latency/TYPE.mean`) is a
//! time, so up is worse; every other value (throughput, rates, scores) is
//! better when higher.

/// The better direction of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Better {
    Higher,
    Lower,
}

impl Better {
    /// The better direction of the check `name`.
    pub fn of_check(name: &str) -> Self {
        if name.ends_with(".stddev") || name.contains("/latency/") {
            Better::Lower
        } else {
            Better::Higher
        }
    }

    /// Whether moving from `before` to `after` is a regression.
    pub fn direction(self, before: f64, after: f64) -> Direction {
        let worse = match self {
            Better::Higher => after < before,
            Better::Lower => after > before,
        };
        if worse {
            Direction::Regression
        } else {
            Direction::Improvement
        }
    }
}

/// Whether a change made things worse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Regression,
    Improvement,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Regression => "regression",
            Direction::Improvement => "improvement",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throughput_up_is_a_gain_latency_up_is_a_loss() {
        let tput = Better::of_check("Localhost/fio/0000:./read-4KiB/throughput/iops_sec.mean");
        let lat = Better::of_check("Localhost/fio/0000:./read-4KiB/latency/clat.mean");
        let spread = Better::of_check("Localhost/fio/0000:./read-4KiB/throughput/iops_sec.stddev");
        assert_eq!(tput.direction(100.0, 110.0), Direction::Improvement);
        assert_eq!(tput.direction(100.0, 90.0), Direction::Regression);
        assert_eq!(lat.direction(100.0, 110.0), Direction::Regression);
        assert_eq!(lat.direction(100.0, 90.0), Direction::Improvement);
        assert_eq!(spread.direction(1.0, 2.0), Direction::Regression);
    }
}
