//! Result-tree reader: turns a run-perf result directory (docs/run-perf.md) into the
//! flat list of named [`Check`]s (docs/checks.md) that compare-perf, analyze-perf
//! and diff-perf work on.
//!
//! Reading follows the reference (`runperf/result.py: iter_results`):
//! `PROFILE/TEST/SERIAL/result.json` files (serial starting with a digit
//! unless incorrect results are included), iterations named `*-failN`
//! skipped unless incorrect results are included, the `all` client of each
//! workflow type, then every `__error*__` dir up to three levels deep.
//! Files are parsed in parallel; the order of the checks is deterministic:
//! result files sorted by path, iterations and workflow types in file
//! order, then error dirs by level and path.
//!
//! Where the reference crashes on bad input, this reader does not:
//! - a `result.json` that cannot be read or parsed (truncated, not JSON,
//!   `NaN`/`Infinity` literals, wrong structure, missing `iteration_name`,
//!   `iteration_data` or `parameters`) becomes one check
//!   `P/T/S:./ERROR/ERROR/ERROR.unreadable` whose value is
//!   [`CheckValue::Broken`], and the problem is logged;
//! - a `mean`/`stddevpct` that is missing, null or not a number (e.g. a
//!   string) becomes that check with a [`CheckValue::Broken`] value;
//! - a workflow type without an `all` client is logged and skipped, as the
//!   reference does.

mod check;
mod error;
mod input;
mod json_scan;
mod metadata;
mod params_cache;
pub mod parsers;
mod pbench;
mod pbench_scan;
mod walk;

pub use check::{Check, CheckValue, Params, python_float_repr};
pub use error::ResultError;
pub use input::{ReadResult, ResultInput};
pub use metadata::Metadata;
pub use parsers::ResultParsers;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rayon::prelude::*;
use tracing::Level;

use crate::log_note::LogNote;

/// Receives progress while a tree is being read (e.g. to draw a bar), in
/// test directories (`PROFILE/TEST`): their number is known right after
/// the two top levels are listed, before any result file is read.
pub trait LoadProgress: Sync {
    /// `count` more test directories were found and will be read.
    fn discovered(&self, count: usize);
    /// One test directory was read.
    fn test_done(&self);
}

/// Progress sink that ignores everything.
pub struct NoProgress;

impl LoadProgress for NoProgress {
    fn discovered(&self, _count: usize) {}
    fn test_done(&self) {}
}

/// Where the threads go when trees are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parallelism {
    /// The files of one tree are read on all threads: few trees at once.
    Files,
    /// Each tree is read on one thread: enough trees side by side keep
    /// every thread busy, and threads walking the same tree only contend
    /// for its directories in the kernel (measured: as much CPU time,
    /// 8% more wall time on 20 trees and 2 threads).
    Trees,
}

impl Parallelism {
    /// What suits reading `count` trees.
    pub fn for_trees(count: usize) -> Self {
        if count >= 2 * rayon::current_num_threads() {
            Parallelism::Trees
        } else {
            Parallelism::Files
        }
    }
}

/// All checks of one result directory.
#[derive(Debug, Clone)]
pub struct ResultTree {
    path: PathBuf,
    checks: Vec<Check>,
    /// Position of the last check of each name, built on first use
    /// (comparisons walk the checks in order and never need it).
    index: OnceLock<HashMap<String, usize>>,
    problems: Vec<ResultError>,
}

impl ResultTree {
    /// Reads the result tree at `path`.
    ///
    /// `include_incorrect` also reads serials not starting with a digit and
    /// `*-failN` iterations (`--include-incorrect-results`).
    /// `parsers` read the files other than `result.json`.
    /// Errors only when `path` is not a readable directory; problems inside
    /// the tree are logged, kept in [`ResultTree::problems`] and turned
    /// into broken checks as the module doc describes.
    pub fn load(
        path: &Path,
        include_incorrect: bool,
        parsers: &ResultParsers,
    ) -> Result<Self, ResultError> {
        Self::load_with_progress(path, include_incorrect, parsers, &NoProgress)
    }

    /// Like [`ResultTree::load`], reporting each result file read to
    /// `progress`.
    pub fn load_with_progress(
        path: &Path,
        include_incorrect: bool,
        parsers: &ResultParsers,
        progress: &dyn LoadProgress,
    ) -> Result<Self, ResultError> {
        let (tree, notes) = Self::read_with_progress(
            path,
            include_incorrect,
            parsers,
            Parallelism::Files,
            progress,
        )?;
        crate::log_note::emit_all(&notes);
        Ok(tree)
    }

    /// Reads `inputs` in parallel, a few at a time, logging their messages
    /// in order; stops at the first path that is not a readable directory.
    pub fn load_all(
        inputs: &[ResultInput],
        include_incorrect: bool,
        parsers: &ResultParsers,
    ) -> Result<Vec<Self>, ResultError> {
        let mut trees = Vec::with_capacity(inputs.len());
        Self::for_each_in_order(inputs, include_incorrect, parsers, |_, tree| {
            trees.push(tree);
            Ok(())
        })?;
        Ok(trees)
    }

    /// Reads `inputs` in parallel, a few at a time, and hands the trees to
    /// `consume` in order, their messages logged just before. Stops at the
    /// first unreadable path or error of `consume`.
    pub fn for_each_in_order<E>(
        inputs: &[ResultInput],
        include_incorrect: bool,
        parsers: &ResultParsers,
        mut consume: impl FnMut(&ResultInput, Self) -> Result<(), E>,
    ) -> Result<(), E>
    where
        E: From<ResultError>,
    {
        let parallelism = Parallelism::for_trees(inputs.len());
        crate::ordered::for_each_in_order(
            inputs,
            |input| input.read(include_incorrect, parsers, parallelism, &NoProgress),
            |input, outcome| {
                let (tree, notes) = outcome?;
                crate::log_note::emit_all(&notes);
                consume(input, tree)
            },
        )
    }

    /// Like [`ResultTree::load_with_progress`] but returns the log messages
    /// instead of logging them, for trees read in parallel whose messages
    /// must come out in a fixed order.
    pub fn read_with_progress(
        path: &Path,
        include_incorrect: bool,
        parsers: &ResultParsers,
        parallelism: Parallelism,
        progress: &dyn LoadProgress,
    ) -> Result<(Self, Vec<LogNote>), ResultError> {
        if !path.is_dir() {
            return Err(ResultError::NotADirectory {
                path: path.to_path_buf(),
            });
        }
        let mut notes = vec![LogNote::new(
            Level::DEBUG,
            format!("Processing {}", path.display()),
        )];
        let found = walk::walk(
            path,
            include_incorrect,
            parsers,
            parallelism,
            progress,
            |file| pbench::read_result_json(file, include_incorrect),
        );
        let per_file = found.results;
        let from_plugins: Vec<pbench::FileChecks> = found
            .plugin_files
            .par_iter()
            .map(|file| parsers.read(file))
            .collect();
        let mut checks = Vec::with_capacity(per_file.iter().map(|f| f.checks.len()).sum());
        let mut problems = Vec::new();
        for file in per_file.into_iter().chain(from_plugins) {
            checks.extend(file.checks);
            problems.extend(file.problems);
        }
        for error_dir in &found.errors {
            let (check, note) = walk::error_check(error_dir);
            checks.push(check);
            notes.extend(note);
        }
        notes.extend(
            problems
                .iter()
                .map(|problem| LogNote::new(Level::ERROR, problem.to_string())),
        );
        Ok((
            Self::from_checks(path.to_path_buf(), checks, problems),
            notes,
        ))
    }

    /// Builds a tree from checks made elsewhere (tests, other parsers).
    pub fn from_checks(path: PathBuf, checks: Vec<Check>, problems: Vec<ResultError>) -> Self {
        Self {
            path,
            checks,
            index: OnceLock::new(),
            problems,
        }
    }

    /// Name to position of the last check of that name (the reference
    /// keeps source checks in a dict: the last one of a duplicated name
    /// wins).
    fn index(&self) -> &HashMap<String, usize> {
        self.index.get_or_init(|| {
            let mut index = HashMap::with_capacity(self.checks.len());
            for (i, check) in self.checks.iter().enumerate() {
                index.insert(check.name.clone(), i);
            }
            index
        })
    }

    /// The directory this tree was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Checks in reading order (may contain a name twice when a result
    /// file repeats an iteration name or a level has several error dirs).
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    /// The check named `name` (the last one when the name repeats).
    pub fn get(&self, name: &str) -> Option<&Check> {
        self.index().get(name).map(|&i| &self.checks[i])
    }

    /// Checks keyed by name in sorted order (last one wins on repeats).
    pub fn sorted(&self) -> std::collections::BTreeMap<&str, &Check> {
        self.index()
            .iter()
            .map(|(name, &i)| (name.as_str(), &self.checks[i]))
            .collect()
    }

    /// Problems met while reading (already logged).
    pub fn problems(&self) -> &[ResultError] {
        &self.problems
    }

    /// Number of checks.
    pub fn len(&self) -> usize {
        self.checks.len()
    }

    /// Whether the tree has no check at all.
    pub fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }
}
