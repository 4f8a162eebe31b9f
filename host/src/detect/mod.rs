//! Change-point detection over the history of a check (docs/detect.md).
//!
//! No I/O here: a series is a list of values in build order, the result
//! is a list of change points. Two engines:
//! - [`otava`]: Apache Otava 0.8's algorithm, reproduced exactly;
//! - [`runperf`]: the default, which also uses the noise within each build,
//!   reports single-build outliers as outliers and bounds false alarms over
//!   many series.

pub mod direction;
pub mod edivisive;
pub mod engine;
pub mod fdr;
pub mod html;
pub mod location;
pub mod otava;
pub mod outlier;
pub mod report;
pub mod runperf;
pub mod segment;
pub mod series;
pub mod ttest;
pub mod xunit;
