//! runperf: run benchmarks under pre-defined profiles, store pbench-like
//! result trees and compare builds through statistical models.
//!
//! The six binaries in `src/bin/` are thin: each calls one `cli` module.

pub mod analyze;
pub mod cli;
pub mod compare;
pub mod contrib;
pub mod detect;
pub mod diff;
pub mod history;
pub mod log_note;
pub mod machine;
pub mod model_file;
pub mod name_map;
pub mod numpy;
pub mod ordered;
pub mod plugins;
pub mod reports;
pub mod results;
pub mod run;
pub mod strip;
pub mod tolerance;
