//! The overall-information table: one row per property, one column per
//! result. Long values (distro, command, environments, test params) are
//! shown as letters that repeat when the value repeats; hovering shows
//! the full value and its difference from the source, clicking copies it.

use std::collections::BTreeSet;

use serde::Serialize;

use super::clipboard::Clipboard;
use super::counts::Counts;
use super::diff::{changed_lines, record_params_diff};
use super::environment::{Changed, WORLD};
use super::letters::Letters;
use super::view::{Origin, web_link};
use crate::compare::Comparison;

/// One value in a cell (a cell may list one per machine).
#[derive(Debug, Default, Serialize)]
pub struct Item {
    /// Text shown.
    pub text: String,
    /// Web link.
    pub href: Option<String>,
    /// Small note after the text (changed sections, "new"...).
    pub note: Option<String>,
    /// Hover text (preformatted).
    pub tip: Option<String>,
    /// Index of the value copied on click.
    pub copy: Option<usize>,
}

/// One row of the table.
#[derive(Debug, Serialize)]
pub struct OverviewRow {
    /// Row heading.
    pub label: String,
    /// Whether the items are letters (styled as badges).
    pub letters: bool,
    /// One list of items per column.
    pub cells: Vec<Vec<Item>>,
}

fn text(value: impl Into<String>) -> Item {
    Item {
        text: value.into(),
        ..Item::default()
    }
}

fn meta<'a>(origin: &'a Origin, key: &str) -> &'a str {
    origin.metadata.get(key).map(str::trim).unwrap_or("Unknown")
}

/// A row of letters for the metadata `key`, diffed against the source.
fn lettered(label: &str, key: &str, origins: &[Origin], clipboard: &mut Clipboard) -> OverviewRow {
    let mut letters = Letters::default();
    let src = meta(&origins[0], key);
    let cells = origins
        .iter()
        .map(|o| {
            let value = meta(o, key);
            let diff = changed_lines(src, value);
            let tip = if diff.is_empty() {
                value.to_string()
            } else {
                format!("{value}\n\nDifference from the source:\n{diff}")
            };
            vec![Item {
                text: letters.of(value),
                tip: Some(tip),
                copy: Some(clipboard.add(value.to_string())),
                ..Item::default()
            }]
        })
        .collect();
    OverviewRow {
        label: label.into(),
        letters: true,
        cells,
    }
}

fn machines(origin: &Origin) -> Vec<Item> {
    let names = meta(origin, "machine");
    let urls: Vec<&str> = meta(origin, "machine_url").split(',').collect();
    names
        .split(',')
        .enumerate()
        .map(|(i, name)| Item {
            text: name.trim().to_string(),
            href: web_link(urls.get(i).copied()),
            ..Item::default()
        })
        .collect()
}

fn version(origin: &Origin) -> Item {
    let full = meta(origin, "runperf_version");
    // "0.9-96-g04b4b9f-dirty" -> "04b4b9f-dirty"; hashes cut to 8.
    let short = match full.splitn(3, '-').collect::<Vec<_>>()[..] {
        [_, _, rest] => rest.strip_prefix('g').unwrap_or(rest).to_string(),
        _ => full.chars().take(8).collect(),
    };
    Item {
        text: short,
        tip: Some(full.to_string()),
        ..Item::default()
    }
}

fn environment_row(
    row: &str,
    origins: &[Origin],
    clipboard: &mut Clipboard,
    small_file: bool,
) -> OverviewRow {
    let mut letters = Letters::default();
    let source = &origins[0].environment;
    let cells = origins
        .iter()
        .map(|o| {
            let copy = if small_file {
                None
            } else {
                o.environment.raw_json(row).map(|raw| clipboard.add(raw))
            };
            o.environment
                .diff(source, row)
                .into_iter()
                .map(|machine| {
                    let note = match machine.changed {
                        Changed::Sections(0) => None,
                        Changed::Sections(n) => Some(format!("{n}\u{394}")),
                        Changed::NotInSource => Some("new".into()),
                        Changed::NotInBuild => Some("missing".into()),
                    };
                    let tip = if machine.text.is_empty() {
                        "Same as the source".to_string()
                    } else {
                        machine.text.clone()
                    };
                    Item {
                        text: letters.of(&machine.text),
                        note,
                        tip: Some(tip),
                        copy,
                        ..Item::default()
                    }
                })
                .collect()
        })
        .collect();
    OverviewRow {
        label: format!("{row} env"),
        letters: true,
        cells,
    }
}

/// Letters of the test params: builds whose checks have the same params
/// differences from the source share a letter.
fn tests_row(origins: &[Origin], comparison: &Comparison, small_file: bool) -> OverviewRow {
    let mut letters = Letters::default();
    let cells = origins
        .iter()
        .map(|o| {
            let differing: Vec<(String, String)> = o
                .build
                .map(|build| {
                    build
                        .records
                        .iter()
                        .filter(|r| r.primary)
                        .filter_map(|r| {
                            let diff = record_params_diff(comparison.source_check(&r.name), r)?;
                            Some((r.name.to_string(), diff))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let key: Vec<String> = differing.iter().map(|(n, d)| format!("{n}\n{d}")).collect();
            let tip = if differing.is_empty() {
                "Same test params as the source".to_string()
            } else if small_file {
                format!(
                    "{} checks with params differing from the source",
                    differing.len()
                )
            } else {
                let names: Vec<&str> = differing.iter().map(|(n, _)| n.as_str()).collect();
                format!("Params differing from the source:\n{}", names.join("\n"))
            };
            vec![Item {
                text: letters.of(&key.join("\n")),
                note: (!differing.is_empty()).then(|| format!("{}\u{394}", differing.len())),
                tip: Some(tip),
                ..Item::default()
            }]
        })
        .collect();
    OverviewRow {
        label: "Tests env".into(),
        letters: true,
        cells,
    }
}

fn count_row(label: &str, origins: &[Origin], value: impl Fn(&Counts) -> i64) -> OverviewRow {
    let cells = origins
        .iter()
        .map(|o| match (&o.counts, o.build) {
            (Some(counts), _) => vec![text(value(counts).to_string())],
            (None, _) if label == "Build score" => vec![text("0")],
            _ => vec![text("\u{2013}")],
        })
        .collect();
    OverviewRow {
        label: label.into(),
        letters: false,
        cells,
    }
}

/// All rows of the overall table.
pub fn rows(
    origins: &[Origin],
    comparison: &Comparison,
    clipboard: &mut Clipboard,
    small_file: bool,
) -> Vec<OverviewRow> {
    let plain = |label: &str, f: &dyn Fn(&Origin) -> Vec<Item>| OverviewRow {
        label: label.into(),
        letters: false,
        cells: origins.iter().map(f).collect(),
    };
    let mut rows = vec![
        plain("Build", &|o| {
            vec![Item {
                text: o.column.label.clone(),
                href: o.column.href.clone(),
                ..Item::default()
            }]
        }),
        plain("Machine", &machines),
        lettered("Distro", "distro", origins, clipboard),
        plain("Guest distro", &|o| {
            let guest = o.metadata.get("guest_distro").unwrap_or(meta(o, "distro"));
            vec![text(guest.trim())]
        }),
        plain("Runperf version", &|o| vec![version(o)]),
        lettered("Runperf cmd", "runperf_cmd", origins, clipboard),
    ];
    let profiles: BTreeSet<&str> = origins
        .iter()
        .flat_map(|o| o.environment.profiles())
        .collect();
    for row in std::iter::once(WORLD).chain(profiles) {
        rows.push(environment_row(row, origins, clipboard, small_file));
    }
    rows.push(tests_row(origins, comparison, small_file));
    rows.push(count_row("Failures", origins, |c| c.failures as i64));
    rows.push(count_row("Group failures", origins, |c| {
        c.group_failures as i64
    }));
    rows.push(count_row("Non-primary failures", origins, |c| {
        c.non_primary_failures as i64
    }));
    rows.push(count_row("Runtime errors", origins, |c| {
        c.runtime_errors as i64
    }));
    rows.push(count_row("Total checks", origins, |c| c.total as i64));
    rows.push(count_row("Build score", origins, |c| c.score));
    rows
}
