//! `--html PATH`: the standalone HTML report lands in a later version.
//! Until then the flag writes the full report data (the JSON report with
//! every build's checks, everything an HTML renderer needs) to PATH and
//! warns about it, so pipelines passing `--html` keep working.

use std::io::Write;

use super::Report;
use super::json::Json;
use crate::compare::Comparison;

/// The report data written for `--html` until the HTML renderer lands.
pub struct HtmlData;

impl Report for HtmlData {
    fn name(&self) -> &'static str {
        "html"
    }

    fn write(&self, comparison: &Comparison, out: &mut dyn Write) -> std::io::Result<()> {
        Json { all_builds: true }.write(comparison, out)
    }
}
