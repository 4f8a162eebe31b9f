//! diff-perf (docs/analyze-diff-strip.md): which of several results (or groups of results) is
//! closest to a source result. The answer is the exit code: the index of
//! the closest candidate (254 for any index from 254 on), 255 on failure.
//!
//! Every source check is scored against every candidate ([`scoring`]),
//! scores are averaged per group and summed per level (primary,
//! secondary), and the levels pick the winner ([`selection`]).

pub mod checks;
pub mod scoring;
pub mod selection;

use checks::{candidate_checks, source_checks};

use crate::results::{
    NoProgress, Parallelism, ResultError, ResultInput, ResultParsers, ResultTree,
};

/// Why diff-perf could not pick a result (exit code 255).
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// Fewer than two results or groups to choose from.
    #[error("Please specify at least one src and two dst (or group of dst) results")]
    TooFewCandidates,
    /// A result could not be read.
    #[error(transparent)]
    Result(#[from] ResultError),
    /// The source has a deviation for a check but no candidate has one.
    #[error(
        "{check}: the source has a deviation but no candidate has one; cannot weigh the candidates (the reference fails here too)"
    )]
    NoCandidateDeviation {
        /// The check.
        check: String,
    },
    /// The largest deviation of a check is zero.
    #[error("{check}: every deviation is zero (zero values?); cannot compute a probability")]
    ZeroDeviation {
        /// The check.
        check: String,
    },
    /// A value needed for the arithmetic is text or missing.
    #[error("{check}: a value needed to weigh the candidates is not a number")]
    NotNumeric {
        /// The check.
        check: String,
    },
}

/// Exit code meaning "any index from here on".
pub const MANY: u8 = 254;
/// Exit code of any failure.
pub const FAILURE: u8 = 255;

/// Maps the index of the closest candidate to the exit code.
pub fn exit_code(index: usize) -> u8 {
    u8::try_from(index).map_or(MANY, |code| code.min(MANY))
}

/// Index of the candidate group closest to `source`; each group is a list
/// of result paths (plain results are groups of one).
pub fn closest_result(
    source: &ResultInput,
    groups: &[Vec<ResultInput>],
    flatten: f64,
    parsers: &ResultParsers,
) -> Result<usize, DiffError> {
    if groups.len() < 2 {
        return Err(DiffError::TooFewCandidates);
    }
    let (source, notes) = source.read(false, parsers, Parallelism::Files, &NoProgress)?;
    crate::log_note::emit_all(&notes);
    let inputs: Vec<ResultInput> = groups.iter().flatten().cloned().collect();
    let trees = ResultTree::load_all(&inputs, false, parsers)?;
    let group_sizes: Vec<usize> = groups.iter().map(Vec::len).collect();

    let candidates = candidate_checks(&trees);
    // levels[0]: primary checks, levels[1]: secondary ones.
    let mut levels = vec![vec![0.0; groups.len()]; 2];
    for (check, source_check) in source_checks(&source) {
        let Some(row) = candidates.get(&check) else {
            tracing::debug!("{check}: SKIP - not in any dst result");
            continue;
        };
        let Some(scores) = scoring::check_scores(&check, &source_check, row, flatten)? else {
            tracing::debug!("{check}: SKIP - same distances");
            continue;
        };
        let grouped = scoring::group_scores(&scores, &group_sizes);
        let level = if source_check.primary { 0 } else { 1 };
        for (total, score) in levels[level].iter_mut().zip(&grouped) {
            *total += score;
        }
        if source_check.primary {
            tracing::info!("P {check}: {grouped:?} {scores:?}");
        } else {
            tracing::debug!("S {check}: {grouped:?} {scores:?}");
        }
    }
    tracing::info!("Scores: {levels:?}");
    Ok(selection::closest(&levels))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn exit_codes_cap_at_254() {
        assert_eq!(exit_code(0), 0);
        assert_eq!(exit_code(253), 253);
        assert_eq!(exit_code(254), 254);
        assert_eq!(exit_code(100_000), 254);
    }

    #[test]
    fn one_candidate_is_too_few() {
        let err = closest_result(
            &PathBuf::from("a").into(),
            &[vec![PathBuf::from("b").into()]],
            1.0,
            &ResultParsers::none(),
        )
        .unwrap_err();
        assert!(matches!(err, DiffError::TooFewCandidates));
    }
}
