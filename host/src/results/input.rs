//! Where a result comes from: a directory to read, or a tree read before
//! (a build from the history store) together with the messages reading it
//! logged and its metadata text, so both feed the same code path.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{LoadProgress, Metadata, Parallelism, ResultError, ResultParsers, ResultTree};
use crate::log_note::LogNote;

/// A result given to compare-perf, analyze-perf or diff-perf.
#[derive(Debug, Clone)]
pub enum ResultInput {
    /// A result directory, read when needed.
    Dir(PathBuf),
    /// A tree read before (a stored build).
    Read(Arc<ReadResult>),
}

/// A tree read before, with what reading its directory gave besides.
#[derive(Debug)]
pub struct ReadResult {
    /// Where it came from, for messages and to tell builds apart (`@ID`).
    pub origin: String,
    /// The checks, its `path` being the directory it was read from.
    pub tree: ResultTree,
    /// The messages reading it logged, in order.
    pub notes: Vec<LogNote>,
    /// Its `RUNPERF_METADATA` text.
    pub metadata: String,
}

impl ResultInput {
    /// The result directory (the one it was read from, for a stored build).
    pub fn path(&self) -> &Path {
        match self {
            ResultInput::Dir(path) => path,
            ResultInput::Read(read) => read.tree.path(),
        }
    }

    /// Whether this is a tree read before rather than a directory.
    pub fn is_stored(&self) -> bool {
        matches!(self, ResultInput::Read(_))
    }

    /// The tree and the messages reading it logs (not logged yet), as
    /// [`ResultTree::read_with_progress`] gives them.
    pub fn read(
        &self,
        include_incorrect: bool,
        parsers: &ResultParsers,
        parallelism: Parallelism,
        progress: &dyn LoadProgress,
    ) -> Result<(ResultTree, Vec<LogNote>), ResultError> {
        match self {
            ResultInput::Dir(path) => ResultTree::read_with_progress(
                path,
                include_incorrect,
                parsers,
                parallelism,
                progress,
            ),
            ResultInput::Read(read) => Ok((read.tree.clone(), read.notes.clone())),
        }
    }

    /// Runs `work` on the tree and the messages reading it logs (not
    /// logged yet), without copying a tree read before.
    pub fn with_tree<R>(
        &self,
        include_incorrect: bool,
        parsers: &ResultParsers,
        parallelism: Parallelism,
        progress: &dyn LoadProgress,
        work: impl FnOnce(&ResultTree, Vec<LogNote>) -> R,
    ) -> Result<R, ResultError> {
        match self {
            ResultInput::Dir(path) => {
                let (tree, notes) = ResultTree::read_with_progress(
                    path,
                    include_incorrect,
                    parsers,
                    parallelism,
                    progress,
                )?;
                Ok(work(&tree, notes))
            }
            ResultInput::Read(read) => Ok(work(&read.tree, read.notes.clone())),
        }
    }

    /// Its metadata, as [`Metadata::load`] reads it from the directory.
    pub fn metadata(&self) -> Metadata {
        match self {
            ResultInput::Dir(path) => Metadata::load(path),
            ResultInput::Read(read) => Metadata::parse(&read.metadata, read.tree.path()),
        }
    }
}

impl From<PathBuf> for ResultInput {
    fn from(path: PathBuf) -> Self {
        ResultInput::Dir(path)
    }
}
