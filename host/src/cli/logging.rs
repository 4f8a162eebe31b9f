//! `-v` / `--log` handling shared by the binaries, with the reference's
//! levels: warnings by default, `-v` info, `-vv` debug on stderr; the
//! `--log` file always gets everything at debug level.

use std::{fs::File, path::PathBuf, sync::Arc};

use anyhow::Context;
use tracing_subscriber::{Layer, filter::LevelFilter, fmt, layer::SubscriberExt};

use super::log_format::LevelBar;

/// Logging options common to every binary.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LogArgs {
    /// Increase the stderr verbosity level (-v info, -vv debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Store a full debug log in FILE.
    #[arg(long, value_name = "FILE", global = true)]
    pub log: Option<PathBuf>,
}

impl LogArgs {
    fn stderr_level(&self) -> LevelFilter {
        match self.verbose {
            0 => LevelFilter::WARN,
            1 => LevelFilter::INFO,
            _ => LevelFilter::DEBUG,
        }
    }

    /// Installs the global subscriber; lines look like `LEVEL| message`.
    pub fn init(&self) -> anyhow::Result<()> {
        let stderr = fmt::layer()
            .with_writer(std::io::stderr)
            .without_time()
            .with_target(false)
            .event_format(LevelBar)
            .with_filter(self.stderr_level());
        let file = match &self.log {
            Some(path) => {
                let file = File::create(path)
                    .with_context(|| format!("cannot create log file {}", path.display()))?;
                Some(
                    fmt::layer()
                        .with_writer(Arc::new(file))
                        .with_ansi(false)
                        .with_filter(LevelFilter::DEBUG),
                )
            }
            None => None,
        };
        let subscriber = tracing_subscriber::registry().with(stderr).with(file);
        // A second init (tests calling main twice) keeps the first subscriber.
        let _ = tracing::subscriber::set_global_default(subscriber);
        Ok(())
    }
}
