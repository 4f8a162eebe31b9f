//! analyze-perf (docs/analyze-diff-strip.md): gather every check of several results, export
//! the primary ones as CSV and train (or rebase) the linear and
//! standard-deviation models compare-perf uses.
//!
//! Numbers and files match what runperf 1.2 writes: numpy's summation
//! order and LAPACK's solve are reproduced ([`crate::numpy`]), models are written
//! like `json.dump(indent=4)` and the CSV byte for byte.

pub mod csv;
pub mod linear;
pub mod model;
pub mod rebase;
pub mod stddev;
pub mod table;
pub mod training;

use std::io;
use std::path::{Path, PathBuf};

use model::{ModelDocument, Tolerance};
use table::CheckTable;
use training::ModelKind;

use crate::results::{ResultError, ResultInput, ResultParsers, ResultTree};

/// A problem that stops analyze-perf.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    /// A result could not be read at all.
    #[error(transparent)]
    Result(#[from] ResultError),
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// An output file could not be written.
    #[error("cannot write {path}: {source}; check the directory exists and is writable")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The model to rebase cannot be read or is not a model file.
    #[error(transparent)]
    Model(#[from] crate::model_file::ModelError),
}

/// What to produce from the results.
#[derive(Debug, Clone)]
pub struct AnalyzeRequest {
    /// Results (directories or stored builds), in command-line order.
    pub results: Vec<ResultInput>,
    /// `-c`: CSV of the primary checks.
    pub csv: Option<PathBuf>,
    /// `-l`: linear model.
    pub linear_model: Option<PathBuf>,
    /// `-s`: standard-deviation model.
    pub stddev_model: Option<PathBuf>,
    /// `--rebase-model`: rebase this model instead of training from scratch.
    pub rebase_model: Option<PathBuf>,
    /// `-t`.
    pub tolerance: Tolerance,
}

/// The name a result goes by in the CSV and in the table: the base name of
/// its directory (as the reference takes it from the absolute path).
pub fn result_name(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    // Lexical normalisation like `os.path.abspath`: `..` drops a level.
    let mut parts: Vec<String> = Vec::new();
    for component in absolute.components() {
        match component {
            std::path::Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            std::path::Component::ParentDir => {
                parts.pop();
            }
            _ => {}
        }
    }
    parts.pop().unwrap_or_default()
}

/// Reads every result into one table (in parallel, added in order), the
/// files besides `result.json` with `parsers`.
pub fn gather(
    results: &[ResultInput],
    parsers: &ResultParsers,
) -> Result<CheckTable, AnalyzeError> {
    let mut table = CheckTable::new();
    ResultTree::for_each_in_order(results, false, parsers, |input, tree| {
        table.add_tree(&result_name(input.path()), &tree);
        Ok::<(), AnalyzeError>(())
    })?;
    Ok(table)
}

/// Builds the model of `kind` from `table`, rebasing `rebase_from` if set.
pub fn build_model(
    kind: ModelKind,
    table: &CheckTable,
    tolerance: Tolerance,
    rebase_from: Option<&Path>,
) -> Result<ModelDocument, AnalyzeError> {
    match rebase_from {
        Some(path) => {
            let mut model = ModelDocument::load(path)?;
            rebase::rebase_table(&mut model, kind, tolerance, table)?;
            Ok(model)
        }
        None => {
            let mut model = ModelDocument::new();
            training::train_table(&mut model, kind, tolerance, table)?;
            Ok(model)
        }
    }
}

fn write(path: &Path, content: &str) -> Result<(), AnalyzeError> {
    std::fs::write(path, content).map_err(|source| AnalyzeError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Runs analyze-perf: everything is computed before anything is written,
/// so a bad input leaves no half-written file behind. The CSV and the two
/// models are made side by side.
pub fn analyze(request: &AnalyzeRequest, parsers: &ResultParsers) -> Result<(), AnalyzeError> {
    let table = gather(&request.results, parsers)?;
    let model = |path: &Option<PathBuf>, kind| {
        let Some(path) = path else {
            return Ok(None);
        };
        let rebase = request.rebase_model.as_deref();
        let model = build_model(kind, &table, request.tolerance, rebase)?;
        Ok::<_, AnalyzeError>(Some((path.clone(), model.to_json())))
    };
    let (csv, (linear, stddev)) = rayon::join(
        || {
            request
                .csv
                .as_ref()
                .map(|path| (path.clone(), csv::primary_checks_csv(&table)))
        },
        || {
            rayon::join(
                || model(&request.linear_model, ModelKind::Linear),
                || model(&request.stddev_model, ModelKind::Stddev),
            )
        },
    );
    let outputs = [Ok(csv), linear, stddev]
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    for (path, content) in outputs.into_iter().flatten() {
        write(&path, &content)?;
        tracing::info!("wrote {}", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_names_are_directory_base_names() {
        assert_eq!(result_name(Path::new("/a/b/result_1/")), "result_1");
        assert_eq!(result_name(Path::new("/a/b/c/..")), "b");
    }
}
