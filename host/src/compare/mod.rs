//! Comparison engine of compare-perf (docs/compare-perf.md): a source result against
//! reference builds and a target build, scored through the raw difference,
//! linear models and cross-build modifiers, then grouped and summarised.
//!
//! The outputs ([`Comparison`], [`Build`], [`Record`]) carry everything a
//! report needs (per build, per check: status, score, breakdown, values,
//! params; metadata of each build), so reports never re-read results.

mod build;
mod display;
mod grouped;
mod model;
mod modifier;
mod record;
pub mod statistics;
mod status;

pub use build::{Build, Role};
pub use display::fixed;
pub use grouped::{ALL_BUT_PROFILE, GROUPINGS, merged_name};
pub use model::{LinearModel, ModelEntry, ModelError};
pub use modifier::{BuildsAverage, Modifier, NOutOfResults};
pub use record::{Bucket, Part, PartKind, Record};
pub use status::Status;

use std::path::PathBuf;
use std::sync::Arc;

use crate::log_note::{LogBatch, LogNote};
use crate::results::{Metadata, ResultTree};
pub use crate::tolerance::Tolerance;

/// compare-perf's default tolerance of means and of stddevs, in percent.
pub const DEFAULT_TOLERANCE: Tolerance = Tolerance::Default(5);

/// Tolerances, models and modifiers of one comparison.
pub struct Settings {
    /// `-t`: tolerance of mean checks in percent.
    pub mean_tolerance: Tolerance,
    /// `-s`: tolerance of stddev checks.
    pub stddev_tolerance: Tolerance,
    /// `-l`: linear models, in command-line order.
    pub models: Vec<LinearModel>,
    /// `--model-builds-average` weight (0 = off).
    pub builds_average: f64,
    /// `--n-out-of-results` weight (0 = off).
    pub n_out_of_results: f64,
    /// `--n-out-of-results-n`: builds allowed to fail.
    pub n_out_of_results_n: i64,
    /// Keep the records of reference builds once they fed the modifiers.
    /// The HTML report over all builds needs them; the verdict and the
    /// reports of the target do not, and without them a comparison holds
    /// the records of one build instead of all.
    pub keep_reference_records: bool,
    /// Keep the summary of reference builds whose records are not kept
    /// (the JSON report shows one per build).
    pub keep_reference_summaries: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            mean_tolerance: DEFAULT_TOLERANCE,
            stddev_tolerance: DEFAULT_TOLERANCE,
            models: Vec::new(),
            builds_average: 0.0,
            n_out_of_results: 0.0,
            n_out_of_results_n: 2,
            keep_reference_records: true,
            keep_reference_summaries: true,
        }
    }
}

/// The source result of a comparison.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// Name given on the command line or the path.
    pub name: String,
    /// Result directory.
    pub path: PathBuf,
    /// Its `RUNPERF_METADATA`.
    pub metadata: Metadata,
}

/// The final counts deciding the exit code (the reference's `finish`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    /// Failed primary checks of the target.
    pub failures: usize,
    /// Failed grouped checks of the target.
    pub grouped_failures: usize,
    /// Failed non-primary checks of the target.
    pub non_primary_failures: usize,
    /// All records plus grouped records of the target.
    pub total: usize,
}

impl Outcome {
    /// Exit code: 2 on primary/grouped failures, 3 when nothing was
    /// compared, 0 otherwise.
    pub fn exit_code(&self, records: usize) -> u8 {
        if self.failures > 0 || self.grouped_failures > 0 {
            2
        } else if records == 0 {
            3
        } else {
            0
        }
    }
}

/// A build compared with the source whose cross-build part (modifiers,
/// logging) is still to be done by [`Comparison::add_prepared`].
pub struct PreparedBuild {
    role: Role,
    records: Vec<Record>,
    /// Grouped records and log lines of a reference build.
    reference: Option<(Vec<Record>, Vec<LogBatch>)>,
}

/// The log lines of a build in the order a sequential comparison logs
/// them: per-check lines, notes about names that cannot be grouped, then
/// the grouped checks. Rendered in parallel, in batches.
fn lines(records: &[Record], grouped: &[Record], notes: Vec<LogNote>) -> Vec<LogBatch> {
    use rayon::prelude::*;
    // The global level hint, not `tracing::enabled!`: on a thread that
    // then logs nothing, `enabled!` leaves per-layer filter state behind
    // that hides the next event of that thread from some layers.
    let info = tracing::level_filters::LevelFilter::current() >= tracing::Level::INFO;
    let render = |records: &[Record]| {
        let mut batch = LogBatch::default();
        for record in records {
            if let Some(level) = build::line_level(record, info) {
                batch.push_with(level, |text| record.write_line(text));
            }
        }
        batch
    };
    let mut out: Vec<LogBatch> = records.par_chunks(1024).map(render).collect();
    let mut last = LogBatch::default();
    for note in &notes {
        last.push(note);
    }
    out.push(last);
    out.push(render(grouped));
    out
}

/// What stays fixed while builds are added: the settings and the source.
struct Fixed {
    settings: Settings,
    source: build::Source,
}

/// The fixed part of a comparison, shareable with any thread: prepares
/// builds ([`Preparer::prepare`]) while the comparison adds earlier ones.
#[derive(Clone)]
pub struct Preparer(Arc<Fixed>);

impl Preparer {
    /// Does the part of comparing `tree` that needs no other build, so
    /// that several builds can be prepared in parallel; the tree can be
    /// dropped afterwards. Add the results in command-line order with
    /// [`Comparison::add_prepared`].
    pub fn prepare(&self, tree: &ResultTree, role: Role) -> PreparedBuild {
        let scoring = self.0.scoring();
        let later = self.0.modifier_parts(role);
        let records = build::compare(&self.0.source, tree, &scoring, later);
        // Reference builds get no modifier parts: their groups and lines
        // are final already.
        let reference = match role {
            Role::Reference => {
                let (grouped, notes) = build::grouped(&records, &scoring, later);
                let lines = lines(&records, &grouped, notes);
                Some((grouped, lines))
            }
            Role::Target => None,
        };
        PreparedBuild {
            role,
            records,
            reference,
        }
    }
}

impl Fixed {
    /// Parts the modifiers add to each compared record of a `role` build.
    fn modifier_parts(&self, role: Role) -> usize {
        let settings = &self.settings;
        match role {
            Role::Reference => 0,
            Role::Target => {
                usize::from(settings.builds_average != 0.0)
                    + usize::from(settings.n_out_of_results != 0.0)
            }
        }
    }

    fn scoring(&self) -> build::Scoring<'_> {
        build::Scoring {
            mean_tolerance: self.settings.mean_tolerance,
            stddev_tolerance: self.settings.stddev_tolerance,
            models: &self.settings.models,
        }
    }
}

/// A whole comparison: the source, then builds added in order.
pub struct Comparison {
    fixed: Arc<Fixed>,
    modifiers: Vec<Box<dyn Modifier>>,
    /// The source result.
    pub source_info: SourceInfo,
    /// Builds compared so far (references, then the target).
    pub builds: Vec<Build>,
}

impl Comparison {
    /// Starts a comparison against `source`.
    pub fn new(settings: Settings, source_info: SourceInfo, source: &ResultTree) -> Self {
        let mut modifiers: Vec<Box<dyn Modifier>> = Vec::new();
        if settings.builds_average != 0.0 {
            modifiers.push(Box::new(BuildsAverage::new(settings.builds_average)));
        }
        if settings.n_out_of_results != 0.0 {
            modifiers.push(Box::new(NOutOfResults::new(
                settings.n_out_of_results,
                settings.n_out_of_results_n,
            )));
        }
        Self {
            fixed: Arc::new(Fixed {
                settings,
                source: build::Source::new(source),
            }),
            modifiers,
            source_info,
            builds: Vec::new(),
        }
    }

    /// The settings in use.
    pub fn settings(&self) -> &Settings {
        &self.fixed.settings
    }

    /// Compares `tree` with the source and records its grouped checks.
    /// The per-check lines are logged as they are produced.
    pub fn add_build(
        &mut self,
        name: String,
        tree: &ResultTree,
        metadata: Metadata,
        role: Role,
    ) -> &Build {
        let prepared = self.prepare(tree, role);
        self.add_prepared(name, tree.path().to_path_buf(), metadata, prepared)
    }

    /// A handle preparing builds for this comparison on other threads.
    pub fn preparer(&self) -> Preparer {
        Preparer(self.fixed.clone())
    }

    /// [`Preparer::prepare`] on this thread.
    pub fn prepare(&self, tree: &ResultTree, role: Role) -> PreparedBuild {
        self.preparer().prepare(tree, role)
    }

    /// Adds a prepared build: feeds the modifiers (and, for the target,
    /// takes their parts), logs the per-check lines.
    pub fn add_prepared(
        &mut self,
        name: String,
        path: PathBuf,
        metadata: Metadata,
        prepared: PreparedBuild,
    ) -> &Build {
        let PreparedBuild {
            role,
            mut records,
            reference,
        } = prepared;
        let (grouped, lines) = match reference {
            Some((mut grouped, lines)) => {
                build::apply_modifiers(&mut records, role, &mut self.modifiers);
                build::apply_modifiers(&mut grouped, role, &mut self.modifiers);
                (grouped, lines)
            }
            None => {
                build::apply_modifiers(&mut records, role, &mut self.modifiers);
                let later = self.fixed.modifier_parts(role);
                let (mut grouped, notes) = build::grouped(&records, &self.fixed.scoring(), later);
                build::apply_modifiers(&mut grouped, role, &mut self.modifiers);
                let lines = lines(&records, &grouped, notes);
                (grouped, lines)
            }
        };
        for batch in &lines {
            batch.emit();
        }
        let keep = role == Role::Target || self.fixed.settings.keep_reference_records;
        let summary = (!keep && self.fixed.settings.keep_reference_summaries)
            .then(|| statistics::summary(&records));
        let (records, grouped) = if keep {
            rayon::spawn(move || drop(lines));
            (records, grouped)
        } else {
            // Freeing tens of thousands of records is work this thread,
            // which orders the builds, need not wait for.
            rayon::spawn(move || drop((lines, records, grouped)));
            (Vec::new(), Vec::new())
        };
        self.builds.push(Build {
            name,
            path,
            metadata,
            role,
            records,
            grouped,
            kept_summary: summary,
        });
        &self.builds[self.builds.len() - 1]
    }

    /// The source check named `name` (its value and params), for reports
    /// that show the source next to the compared builds.
    pub fn source_check(&self, name: &str) -> Option<&crate::results::Check> {
        self.fixed.source.get(name).map(|source| &source.check)
    }

    /// The target build (the last one added).
    pub fn target(&self) -> Option<&Build> {
        self.builds.last()
    }

    /// Failure counts of the target build.
    pub fn outcome(&self) -> Outcome {
        let mut outcome = Outcome {
            failures: 0,
            grouped_failures: 0,
            non_primary_failures: 0,
            total: 0,
        };
        let Some(target) = self.target() else {
            return outcome;
        };
        for record in &target.records {
            if record.status().is_failure() {
                if record.primary {
                    outcome.failures += 1;
                } else {
                    outcome.non_primary_failures += 1;
                }
            }
        }
        outcome.grouped_failures = target
            .grouped
            .iter()
            .filter(|r| r.status().is_failure())
            .count();
        outcome.total = target.records.len() + target.grouped.len();
        outcome
    }
}
