//! Picking the winner from the accumulated scores: primary checks decide;
//! when several candidates tie for the best primary score, secondary
//! checks decide among them; a tie after both levels returns the first.

/// Outcome of one level.
#[derive(Debug, Clone, PartialEq)]
enum Level {
    /// A single best candidate.
    Winner(usize),
    /// Candidates still tied (in index order).
    Tied(Vec<usize>),
}

/// The reference's rule for one level: the best score among `selection`
/// wins when that score occurs exactly once among *all* candidates;
/// otherwise the selected candidates having it stay in the race.
fn resolve_level(scores: &[f64], selection: &[usize]) -> Level {
    let mut best: Option<f64> = None;
    for &i in selection {
        if best.is_none_or(|b| scores[i] > b) {
            best = Some(scores[i]);
        }
    }
    let Some(best) = best else {
        return Level::Tied(Vec::new());
    };
    let count = scores.iter().filter(|&&s| s == best).count();
    if count == 1
        && let Some(&winner) = selection.iter().find(|&&i| scores[i] == best)
    {
        return Level::Winner(winner);
    }
    Level::Tied(
        selection
            .iter()
            .copied()
            .filter(|&i| scores[i] == best)
            .collect(),
    )
}

/// Index of the closest candidate given per-level scores (primary first).
pub fn closest(levels: &[Vec<f64>]) -> usize {
    let Some(first) = levels.first() else {
        return 0;
    };
    let mut selection: Vec<usize> = (0..first.len()).collect();
    for (level, scores) in levels.iter().enumerate() {
        match resolve_level(scores, &selection) {
            Level::Winner(index) => return index,
            Level::Tied(tied) => {
                tracing::warn!(
                    "Unable to resolve on level {level}, consider tweaking the flatten coefficient."
                );
                selection = tied;
            }
        }
    }
    selection.first().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primary_decides_first() {
        assert_eq!(closest(&[vec![1.0, 3.0, 2.0], vec![9.0, 0.0, 0.0]]), 1);
    }

    #[test]
    fn secondary_breaks_primary_ties() {
        assert_eq!(closest(&[vec![3.0, 1.0, 3.0], vec![0.0, 5.0, 1.0]]), 2);
    }

    #[test]
    fn ties_on_both_levels_return_the_first() {
        assert_eq!(closest(&[vec![2.0, 2.0], vec![1.0, 1.0]]), 0);
    }

    #[test]
    fn a_tie_outside_the_selection_still_counts() {
        // Level 2 best among {0, 2} is 5.0, but candidate 1 also has 5.0:
        // the reference then keeps [0] tied and returns it at the end.
        assert_eq!(closest(&[vec![3.0, 1.0, 3.0], vec![5.0, 5.0, 1.0]]), 0);
    }
}
