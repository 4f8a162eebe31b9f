//! `--html PATH`: the standalone HTML report of compare-perf (issue 4).
//!
//! One self-contained page (no fetch at view time): a verdict, the overall
//! information per build, group statistics, the table of failures with
//! filters, sorting, search and sparklines, details and, with
//! `--html-with-charts`, inline-SVG charts. The [`view`] is built from the
//! comparison, [`render`] lays it out with the tera templates of
//! `templates/`, escaping every value taken from results.

mod cell;
mod charts;
pub(crate) mod clipboard;
mod counts;
mod details;
mod diff;
mod environment;
mod letters;
mod overview;
mod render;
pub(crate) mod sparkline;
mod status;
mod summary;
pub(crate) mod svg;
mod table;
mod view;

use std::io::Write;

use super::Report;
use crate::compare::Comparison;

pub use render::{COPY_JS, MACROS, RenderError, content_security_policy, escape};

/// The HTML report and its options.
#[derive(Debug, Clone, Copy, Default)]
pub struct Html {
    /// `--html-with-charts`: add the charts section.
    pub with_charts: bool,
    /// `--html-small-file`: leave out the full environments.
    pub small_file: bool,
}

impl Report for Html {
    fn name(&self) -> &'static str {
        "html"
    }

    fn write(&self, comparison: &Comparison, out: &mut dyn Write) -> std::io::Result<()> {
        let view = view::View::new(comparison, self.with_charts, self.small_file);
        render::render(&view, out)
    }
}
