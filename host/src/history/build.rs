//! The stored form of a build: everything compare-perf reads from a result
//! tree, so that a stored build feeds the same code path as the tree.

use std::path::Path;

use crate::log_note::LogNote;
use crate::results::{Check, CheckValue, Metadata, ResultTree};

/// One build: what the result reader produced for its tree.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildRecord {
    /// Build id (metadata `build`, the directory name, or `--build`).
    pub id: String,
    /// Order key; `None` when adding means "after every stored build".
    pub order: Option<i64>,
    /// The directory the tree was read from (as the reports show it).
    pub path: String,
    /// The whole `RUNPERF_METADATA` text (empty when the tree had none).
    pub metadata: String,
    /// Every check, in reading order.
    pub checks: Vec<Check>,
    /// The messages reading the tree logged, in order, replayed when the
    /// build is read back.
    pub notes: Vec<LogNote>,
    /// Per-sample values of the `.mean` checks that have them, as
    /// (position in `checks`, values), by position ([`super::samples`]).
    pub samples: Vec<(usize, Vec<f64>)>,
}

impl BuildRecord {
    /// The record of `tree`, read from `path` with `notes` logged, whose
    /// `RUNPERF_METADATA` text is `metadata`. The id is `id` when given,
    /// else the metadata's `build`, else the directory name; the order is
    /// `order` when given, else the id when it is a number.
    pub fn from_tree(
        tree: &ResultTree,
        notes: Vec<LogNote>,
        metadata: String,
        id: Option<&str>,
        order: Option<i64>,
    ) -> Self {
        let path = tree.path();
        // The last `build:` line, as Metadata::get finds it (without
        // warning twice about malformed lines).
        let from_metadata = metadata
            .lines()
            .rev()
            .find_map(|line| line.strip_prefix("build:"));
        let id = id
            .map(str::to_string)
            .or_else(|| from_metadata.map(|b| b.trim().to_string()))
            .filter(|b| !b.is_empty())
            .unwrap_or_else(|| directory_name(path));
        let order = order.or_else(|| id.parse().ok());
        Self {
            id,
            order,
            path: path.display().to_string(),
            metadata,
            checks: tree.checks().to_vec(),
            notes,
            samples: Vec::new(),
        }
    }

    /// The parsed metadata.
    pub fn parsed_metadata(&self) -> Metadata {
        Metadata::parse(&self.metadata, Path::new(&self.path))
    }
}

/// The last component of `path` that is a name (`.` and `..` resolved as
/// far as the path says).
fn directory_name(path: &Path) -> String {
    std::path::absolute(path)
        .ok()
        .as_deref()
        .and_then(Path::file_name)
        .or_else(|| path.file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// One row of `history-perf list`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BuildSummary {
    /// Build id.
    pub id: String,
    /// Order key.
    pub order: i64,
    /// Metadata `machine` (empty when absent).
    pub machine: String,
    /// Metadata `distro` (empty when absent).
    pub distro: String,
    /// When it was added (UTC, RFC 3339).
    pub added: String,
    /// Number of checks.
    pub checks: i64,
}

/// One series: a check name and how many builds have it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Series {
    /// The check name.
    pub name: String,
    /// Builds that have it.
    pub points: i64,
}

/// One point of a series.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Build id.
    pub build: String,
    /// Order key of the build.
    pub order: i64,
    /// When the build was added.
    pub added: String,
    /// The value in that build.
    pub value: CheckValue,
    /// Its per-sample values, when stored.
    pub samples: Option<Vec<f64>>,
}

/// What `add` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddOutcome {
    /// A new build was stored.
    Added,
    /// The same results were stored already: nothing changed.
    Unchanged,
    /// A build of that id was replaced.
    Replaced,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(path: &str) -> ResultTree {
        ResultTree::from_checks(path.into(), Vec::new(), Vec::new())
    }

    #[test]
    fn ids_and_order_keys() {
        let record = |path, metadata: &str, id, order| {
            let r = BuildRecord::from_tree(&tree(path), Vec::new(), metadata.into(), id, order);
            (r.id, r.order)
        };
        assert_eq!(
            record("/ci/nightly-7", "", None, None),
            ("nightly-7".into(), None)
        );
        assert_eq!(record("/ci/101", "", None, None), ("101".into(), Some(101)));
        assert_eq!(
            record("/ci/x", "build:1\nmachine:m\nbuild: 42 \n", None, None),
            ("42".into(), Some(42))
        );
        assert_eq!(
            record("/ci/x", "build:42\n", Some("abc"), Some(5)),
            ("abc".into(), Some(5))
        );
        assert_eq!(
            record("/ci/x", "build:\n", None, Some(3)),
            ("x".into(), Some(3))
        );
    }
}
