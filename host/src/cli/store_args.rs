//! `--store URL` / `RUNPERF_HISTORY`: where the history store is, for
//! history-perf and for the tools that read stored builds as `@ID`.

use anyhow::Context;

use crate::history::{self, Store, StoreUrl};

/// The environment variable naming the store when `--store` is not given.
pub const STORE_ENV: &str = "RUNPERF_HISTORY";

/// The store option.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct StoreArgs {
    /// History store: sqlite:PATH, a plain path, or
    /// postgres://USER[:PASSWORD]@HOST[:PORT]/DB (default: the user's data
    /// dir, $XDG_DATA_HOME/runperf/history.sqlite).
    #[arg(long, value_name = "URL", env = STORE_ENV, hide_env_values = true, global = true)]
    pub store: Option<String>,
}

impl StoreArgs {
    /// The location asked for, else the default one.
    pub fn url(&self) -> anyhow::Result<StoreUrl> {
        match &self.store {
            Some(text) => Ok(StoreUrl::parse(text)?),
            None => {
                let url = StoreUrl::default_location().context(
                    "no history store given and no home directory to put the default one in; \
                     pass --store URL or set RUNPERF_HISTORY",
                )?;
                tracing::info!("History store: {} (the default)", url.display());
                Ok(url)
            }
        }
    }

    /// Opens the store.
    pub fn open(&self) -> anyhow::Result<Box<dyn Store>> {
        let url = self.url()?;
        tracing::debug!("Opening the history store {}", url.display());
        Ok(history::open(&url)?)
    }
}
