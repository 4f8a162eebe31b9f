//! Console tables: the per-type statistics and the summary, aligned the
//! way the reference's `tabular_output` aligns them.

use std::io::Write;

use super::Report;
use crate::compare::statistics::{self, Distribution, SummaryLine};
use crate::compare::{ALL_BUT_PROFILE, Build, Comparison, fixed};

/// Merge sets of the three per-type tables, in the reference's order.
const PER_TYPE_MERGES: [&[&str]; 3] = [
    &["iteration_name_extra"],
    &[
        "serial",
        "iteration_name",
        "iteration_name_extra",
        "workflow",
    ],
    ALL_BUT_PROFILE,
];

/// Rows aligned in columns separated by one space; the last column is not
/// padded and trailing spaces are trimmed.
pub fn tabular(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut all: Vec<Vec<String>> = Vec::with_capacity(rows.len() + 1);
    if !header.is_empty() {
        all.push(header.iter().map(|h| h.to_string()).collect());
    }
    all.extend(rows.iter().cloned());
    let mut widths: Vec<usize> = Vec::new();
    for row in &all {
        for (i, cell) in row.iter().enumerate() {
            let len = cell.chars().count();
            match widths.get_mut(i) {
                Some(width) => *width = (*width).max(len),
                None => widths.push(len),
            }
        }
    }
    let mut lines = Vec::with_capacity(all.len());
    for row in &all {
        let Some((last, init)) = row.split_last() else {
            continue;
        };
        let mut cells: Vec<String> = init
            .iter()
            .enumerate()
            .map(|(i, cell)| format!("{cell:<width$}", width = widths[i]))
            .collect();
        cells.push(last.clone());
        lines.push(cells.join(" ").trim_end().to_string());
    }
    lines.join("\n")
}

fn one(value: f64) -> String {
    fixed(value, 1, false)
}

fn distribution(d: &Distribution) -> [String; 7] {
    [
        one(d.min),
        one(d.first_quartile),
        one(d.median),
        one(d.third_quartile),
        one(d.max),
        one(d.average_loss),
        one(d.average_gain),
    ]
}

/// The three "Per-result-id averages" tables of `build`.
pub fn per_type_tables(build: &Build) -> Vec<String> {
    let header = [
        "result_id",
        "|",
        "min",
        "1st",
        "med",
        "3rd",
        "max",
        "a-",
        "a+",
        "|",
        "stdmin",
        "std1st",
        "stdmed",
        "std3rd",
        "stdmax",
        "astd-",
        "astd+",
    ];
    PER_TYPE_MERGES
        .iter()
        .map(|merge| {
            let rows: Vec<Vec<String>> = statistics::per_type(&build.records, merge)
                .iter()
                .map(|stats| {
                    let mut row = vec![stats.result_id.clone(), "|".into()];
                    row.extend(distribution(&stats.means));
                    row.push("|".into());
                    row.extend(distribution(&stats.stddevs));
                    row
                })
                .collect();
            format!("Per-result-id averages:\n{}", tabular(&header, &rows))
        })
        .collect()
}

fn summary_row(label: &str, line: &SummaryLine) -> Vec<String> {
    if line.count == 0 {
        return [label, "0", "0", "0", "0", "0", "0"]
            .map(String::from)
            .to_vec();
    }
    vec![
        label.to_string(),
        line.count.to_string(),
        one(line.median),
        one(line.min),
        one(line.max),
        one(line.sum),
        one(line.average),
    ]
}

/// The summary table of `build` (each statistic once: deviation from the
/// reference, which repeats the median column).
pub fn summary_table(build: &Build) -> String {
    let summary = build.summary();
    let rows = vec![
        summary_row("Total", &summary.total),
        summary_row("Gains", &summary.gains),
        summary_row("Minor gains", &summary.minor_gains),
        summary_row("Equals", &summary.equals),
        summary_row("Minor losses", &summary.minor_losses),
        summary_row("Losses", &summary.losses),
        vec!["Errors".into(), summary.errors.to_string()],
    ];
    tabular(&["", "count", "med", "min", "max", "sum", "avg"], &rows)
}

/// The console tables of the target build.
pub struct Text;

impl Report for Text {
    fn name(&self) -> &'static str {
        "text"
    }

    fn write(&self, comparison: &Comparison, out: &mut dyn Write) -> std::io::Result<()> {
        let Some(target) = comparison.target() else {
            return Ok(());
        };
        for table in per_type_tables(target) {
            writeln!(out, "{table}\n")?;
        }
        writeln!(out, "{}", summary_table(target))
    }
}

#[cfg(test)]
mod tests {
    use super::tabular;

    #[test]
    fn aligns_like_the_reference() {
        let rows = vec![
            vec!["Gains".to_string(), "1".into(), "13.3".into()],
            vec!["Errors".to_string(), "4".into()],
        ];
        assert_eq!(
            tabular(&["", "count", "med"], &rows),
            "       count med\nGains  1     13.3\nErrors 4"
        );
    }
}
