//! Short Markdown summary (`--markdown PATH`) fit for a pull-request
//! comment or a CI job summary: verdict, counts, worst regressions and
//! best gains.

use std::io::Write;

use super::Report;
use crate::compare::{Comparison, Record, Status, fixed};

/// How many regressions/gains the tables list.
const TOP: usize = 10;

/// The Markdown summary.
pub struct Markdown;

fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn table(out: &mut dyn Write, title: &str, records: &[&Record]) -> std::io::Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n### {title}\n")?;
    writeln!(out, "| Check | Score | Status | Details |")?;
    writeln!(out, "| --- | ---: | --- | --- |")?;
    for record in records.iter().take(TOP) {
        writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            escape(&record.name),
            fixed(record.score(), 2, false),
            record.status().label().trim_end(),
            escape(&record.details())
        )?;
    }
    if records.len() > TOP {
        writeln!(out, "\n…and {} more.", records.len() - TOP)?;
    }
    Ok(())
}

impl Report for Markdown {
    fn name(&self) -> &'static str {
        "markdown"
    }

    fn write(&self, comparison: &Comparison, out: &mut dyn Write) -> std::io::Result<()> {
        let Some(target) = comparison.target() else {
            return Ok(());
        };
        let outcome = comparison.outcome();
        let verdict = match outcome.exit_code(target.records.len()) {
            2 => "❌ Regression found",
            3 => "⚠️ Nothing compared",
            _ => "✅ No regression",
        };
        writeln!(out, "## runperf compare: {verdict}\n")?;
        let settings = comparison.settings();
        writeln!(
            out,
            "`{}` → `{}` ({} reference builds), tolerance ±{}% (stddev ±{}).\n",
            comparison.source_info.name,
            target.name,
            comparison.builds.len().saturating_sub(1),
            settings.mean_tolerance.value(),
            settings.stddev_tolerance.value()
        )?;
        let summary = target.summary();
        writeln!(out, "| Primary checks | Count |")?;
        writeln!(out, "| --- | ---: |")?;
        for (label, count) in [
            ("Losses", summary.losses.count),
            ("Gains", summary.gains.count),
            ("Errors", summary.errors),
            ("Minor losses", summary.minor_losses.count),
            ("Minor gains", summary.minor_gains.count),
            ("Equals", summary.equals.count),
            ("Failed groups", outcome.grouped_failures),
            ("Failed non-primary", outcome.non_primary_failures),
        ] {
            writeln!(out, "| {label} | {count} |")?;
        }
        let all = || {
            target
                .records
                .iter()
                .chain(&target.grouped)
                .filter(|r| r.primary)
        };
        let mut losses: Vec<&Record> = all()
            .filter(|r| matches!(r.status(), Status::FailLoss | Status::Error))
            .collect();
        losses.sort_by(|a, b| a.score().total_cmp(&b.score()));
        let mut gains: Vec<&Record> = all().filter(|r| r.status() == Status::FailGain).collect();
        gains.sort_by(|a, b| b.score().total_cmp(&a.score()));
        table(out, "Worst regressions", &losses)?;
        table(out, "Biggest gains", &gains)
    }
}
