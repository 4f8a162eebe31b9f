//! Reading and comparing the reference and target builds of compare-perf.
//!
//! Up to one build per thread (plus one) is read and prepared at a time on
//! the thread pool, in command-line order, while this thread adds the
//! finished ones in that same order (log messages, modifiers). The output
//! is that of a sequential run, the work of all builds overlaps, and only
//! a few result trees are in memory at once.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;

use crate::compare::{Comparison, PreparedBuild, Role};
use crate::log_note::{self, LogNote};
use crate::results::{LoadProgress, Metadata, ResultError, ResultTree};

/// One build to compare.
#[derive(Clone)]
pub(super) struct BuildJob {
    /// Name given on the command line (or the path).
    pub name: String,
    /// Result directory.
    pub path: PathBuf,
    /// Reference or target.
    pub role: Role,
}

type Outcome = Result<(Vec<LogNote>, PreparedBuild), ResultError>;

/// Reads, compares and adds `jobs` to `comparison` in order; stops at the
/// first build that cannot be read (after adding the ones before it).
pub(super) fn compare_builds(
    comparison: &mut Comparison,
    jobs: &[BuildJob],
    include_incorrect: bool,
    progress: Arc<dyn LoadProgress + Send + Sync>,
) -> Result<(), ResultError> {
    let preparer = comparison.preparer();
    let (sender, receiver) = mpsc::channel::<(usize, Outcome)>();
    let spawn = |index: usize| {
        let job = jobs[index].clone();
        let preparer = preparer.clone();
        let progress = progress.clone();
        let sender = sender.clone();
        rayon::spawn_fifo(move || {
            let outcome = ResultTree::read_with_progress(&job.path, include_incorrect, &*progress)
                .map(|(tree, notes)| (notes, preparer.prepare(&tree, job.role)));
            // The receiver is gone only when an earlier build failed.
            let _ = sender.send((index, outcome));
        });
    };
    let in_flight = rayon::current_num_threads() + 1;
    let mut next = in_flight.min(jobs.len());
    (0..next).for_each(spawn);
    let mut done: BTreeMap<usize, Outcome> = BTreeMap::new();
    for (index, job) in jobs.iter().enumerate() {
        let outcome = loop {
            if let Some(outcome) = done.remove(&index) {
                break outcome;
            }
            match receiver.recv() {
                Ok((finished, outcome)) => {
                    done.insert(finished, outcome);
                }
                // Unreachable while `sender` lives; a panicking task drops
                // its sender without sending.
                Err(_) => panic!("a build preparation task panicked"),
            }
        };
        if next < jobs.len() {
            spawn(next);
            next += 1;
        }
        let (notes, prepared) = outcome?;
        log_note::emit_all(&notes);
        let metadata = Metadata::load(&job.path);
        comparison.add_prepared(job.name.clone(), job.path.clone(), metadata, prepared);
    }
    Ok(())
}
