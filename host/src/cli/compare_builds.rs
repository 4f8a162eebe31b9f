//! Reading and comparing the reference and target builds of compare-perf.
//!
//! Builds are read and prepared on the thread pool a few at a time
//! ([`for_each_in_order`]) and added in command-line order (log messages,
//! modifiers), so the output is that of a sequential run.

use std::path::PathBuf;
use std::sync::Arc;

use crate::compare::{Comparison, Role};
use crate::log_note;
use crate::ordered::for_each_in_order;
use crate::results::{LoadProgress, Parallelism, ResultError, ResultInput, ResultParsers};

/// One build to compare.
pub(super) struct BuildJob {
    /// Name given on the command line (or the path).
    pub name: String,
    /// Result directory.
    pub path: PathBuf,
    /// Where its checks come from.
    pub input: ResultInput,
    /// Reference or target.
    pub role: Role,
}

/// Reads, compares and adds `jobs` to `comparison` in order; stops at the
/// first build that cannot be read (after adding the ones before it).
pub(super) fn compare_builds(
    comparison: &mut Comparison,
    jobs: &[BuildJob],
    include_incorrect: bool,
    parsers: &ResultParsers,
    progress: Arc<dyn LoadProgress + Send + Sync>,
) -> Result<(), ResultError> {
    let preparer = comparison.preparer();
    let parallelism = Parallelism::for_trees(jobs.len());
    for_each_in_order(
        jobs,
        |job| {
            job.input.with_tree(
                include_incorrect,
                parsers,
                parallelism,
                &*progress,
                |tree, notes| (notes, preparer.prepare(tree, job.role)),
            )
        },
        |job, outcome| {
            let (notes, prepared) = outcome?;
            log_note::emit_all(&notes);
            let metadata = job.input.metadata();
            comparison.add_prepared(job.name.clone(), job.path.clone(), metadata, prepared);
            Ok(())
        },
    )
}
