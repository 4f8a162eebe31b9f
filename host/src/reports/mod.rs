//! Reports of a finished comparison, one small sibling per format behind
//! the [`Report`] trait: text tables for the console, xunit, JSON,
//! Markdown, and the standalone HTML page.

pub mod html;
pub mod json;
pub mod markdown;
pub mod text;
pub mod xunit;

use std::io::Write;
use std::path::Path;

use crate::compare::Comparison;

/// A report writer.
pub trait Report {
    /// Short name used in messages (`xunit`, `json`...).
    fn name(&self) -> &'static str;
    /// Writes the report of `comparison`.
    fn write(&self, comparison: &Comparison, out: &mut dyn Write) -> std::io::Result<()>;
}

/// A report that could not be written.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot write the {format} report to {path}: {source}; check the directory exists and is writable"
)]
pub struct ReportError {
    /// Format name.
    pub format: &'static str,
    /// Destination.
    pub path: std::path::PathBuf,
    /// The OS error.
    pub source: std::io::Error,
}

/// Writes `report` of `comparison` to the file at `path`.
pub fn write_file(
    report: &dyn Report,
    comparison: &Comparison,
    path: &Path,
) -> Result<(), ReportError> {
    let wrap = |source| ReportError {
        format: report.name(),
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::create(path).map_err(wrap)?;
    let mut out = std::io::BufWriter::new(file);
    report.write(comparison, &mut out).map_err(wrap)?;
    out.flush().map_err(wrap)
}
