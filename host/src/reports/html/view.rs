//! The view model of the page, built once from the comparison: columns
//! (source, references, target), the overall table, the summary, the group
//! and failure tables, details and charts. Templates only lay it out.

use serde::Serialize;

use super::charts::{self, ChartSection};
use super::clipboard::Clipboard;
use super::counts::Counts;
use super::details::{self, Failure};
use super::environment::Environment;
use super::overview::{self, OverviewRow};
use super::summary::{self, Summary};
use super::table::{self, CheckTable, TableKind};
use crate::compare::{Build, Comparison, Role};
use crate::results::Metadata;

/// One compared result as a column of the tables.
#[derive(Debug, Clone, Serialize)]
pub struct Column {
    /// Build name (metadata `build`, else the name on the command line).
    pub label: String,
    /// Metadata `url` when it is a web link.
    pub href: Option<String>,
    /// `source`, `reference` or `target`.
    pub role: &'static str,
    /// 0..1: build score relative to the worst build, for shading.
    pub shade: f64,
}

/// A result with what the view needs of it.
pub struct Origin<'a> {
    /// Its column.
    pub column: Column,
    /// Its metadata.
    pub metadata: &'a Metadata,
    /// Its environments.
    pub environment: Environment,
    /// The compared build (None for the source).
    pub build: Option<&'a Build>,
    /// Its counts (None for the source).
    pub counts: Option<Counts>,
}

/// `value` when it is an `http(s)` link; other schemes (`javascript:`...)
/// are never turned into links.
pub fn web_link(value: Option<&str>) -> Option<String> {
    let value = value?.trim();
    let lower = value.to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://")).then(|| value.to_string())
}

fn origin<'a>(
    name: &str,
    metadata: &'a Metadata,
    build: Option<&'a Build>,
    role: &'static str,
) -> Origin<'a> {
    let label = metadata
        .get("build")
        .map(str::trim)
        .filter(|label| !label.is_empty())
        .unwrap_or(name)
        .to_string();
    Origin {
        column: Column {
            label,
            href: web_link(metadata.get("url")),
            role,
            shade: 0.0,
        },
        metadata,
        environment: Environment::from_metadata(metadata, name),
        build,
        counts: build.map(Counts::of),
    }
}

/// The results of `comparison` as columns, source first.
pub fn origins(comparison: &Comparison) -> Vec<Origin<'_>> {
    let source = &comparison.source_info;
    let mut out = vec![origin(&source.name, &source.metadata, None, "source")];
    for build in &comparison.builds {
        let role = match build.role {
            Role::Reference => "reference",
            Role::Target => "target",
        };
        out.push(origin(&build.name, &build.metadata, Some(build), role));
    }
    let worst = out
        .iter()
        .filter_map(|o| o.counts.map(|c| c.score))
        .max()
        .unwrap_or(0);
    for o in &mut out {
        if let (Some(counts), true) = (o.counts, worst > 0) {
            o.column.shade = counts.score as f64 / worst as f64;
        }
    }
    out
}

/// Everything the template shows.
#[derive(Debug, Serialize)]
pub struct View {
    /// Page title.
    pub title: String,
    /// Source, references and target.
    pub columns: Vec<Column>,
    /// Rows of the overall-information table.
    pub overview: Vec<OverviewRow>,
    /// What regressed in the target, at a glance.
    pub summary: Summary,
    /// Group statistics.
    pub groups: CheckTable,
    /// Primary checks.
    pub failures: CheckTable,
    /// Failures of the target with their history.
    pub failure_details: Vec<Failure>,
    /// Group failures of the target with their history.
    pub group_failure_details: Vec<Failure>,
    /// Chart sections (empty without `--html-with-charts`).
    pub charts: Vec<ChartSection>,
    /// Whether charts were asked for.
    pub with_charts: bool,
    /// Whether full environments were left out.
    pub small_file: bool,
    /// Mean and stddev tolerances as given.
    pub tolerances: (f64, f64),
    /// This program and its version.
    pub generator: String,
    /// JSON of the values copied on click (script-safe).
    pub data_json: String,
}

impl View {
    /// Builds the view of `comparison`.
    pub fn new(comparison: &Comparison, with_charts: bool, small_file: bool) -> Self {
        let origins = origins(comparison);
        let mut clipboard = Clipboard::default();
        let overview = overview::rows(&origins, comparison, &mut clipboard, small_file);
        let groups = table::build(comparison, &origins, TableKind::Grouped, &mut clipboard);
        let failures = table::build(comparison, &origins, TableKind::Primary, &mut clipboard);
        let columns: Vec<Column> = origins.iter().map(|o| o.column.clone()).collect();
        let (src, dst) = (&origins[0], &origins[origins.len() - 1]);
        let distro = |o: &Origin| {
            o.metadata
                .get("distro")
                .unwrap_or("Unknown")
                .trim()
                .to_string()
        };
        let title = format!(
            "Comparison of build {} and {} ({} and {})",
            src.column.label,
            dst.column.label,
            distro(src),
            distro(dst)
        );
        let settings = comparison.settings();
        Self {
            title,
            summary: summary::of(comparison, &columns),
            failure_details: details::failures(comparison, false),
            group_failure_details: details::failures(comparison, true),
            charts: if with_charts {
                charts::sections(comparison)
            } else {
                Vec::new()
            },
            columns,
            overview,
            groups,
            failures,
            with_charts,
            small_file,
            tolerances: (
                settings.mean_tolerance.value(),
                settings.stddev_tolerance.value(),
            ),
            generator: format!("runperf compare-perf {}", env!("CARGO_PKG_VERSION")),
            data_json: clipboard.script_json(),
        }
    }
}
