//! `--store URL` / `RUNPERF_HISTORY`: where the history store is, for
//! history-perf and for the tools that read stored builds as `@ID`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use crate::history::{self, Store, StoreUrl};
use crate::results::{ReadResult, ResultInput};

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
        tracing::trace!("Opening the history store {}", url.display());
        Ok(history::open(&url)?)
    }
}

/// Stored builds named `@ID` on a command line, read from the store
/// (opened on first use) into the form the readers take.
pub struct StoredBuilds<'a> {
    args: &'a StoreArgs,
    store: Option<Box<dyn Store>>,
}

impl<'a> StoredBuilds<'a> {
    /// Builds of the store `args` names.
    pub fn new(args: &'a StoreArgs) -> Self {
        Self { args, store: None }
    }

    /// The id of an `@ID` argument.
    pub fn id(arg: &str) -> Option<&str> {
        arg.strip_prefix('@')
    }

    /// Build `id` as a result: the tree it was added from, exactly.
    pub fn input(&mut self, id: &str) -> anyhow::Result<ResultInput> {
        let store = match &mut self.store {
            Some(store) => store,
            None => self.store.insert(self.args.open()?),
        };
        let record = store.load(id)?;
        // Trace only: with -vv the log must be that of the tree itself.
        tracing::trace!(
            "Stored build {id} from {}: {} checks read from {}",
            store.location(),
            record.checks.len(),
            record.path
        );
        Ok(ResultInput::Read(Arc::new(ReadResult {
            origin: format!("@{id}"),
            tree: record.to_tree(),
            notes: record.notes,
            metadata: record.metadata,
        })))
    }

    /// A result path argument: `@ID` from the store, else the directory.
    pub fn resolve(&mut self, arg: &Path) -> anyhow::Result<ResultInput> {
        match arg.to_str().and_then(Self::id) {
            Some(id) => self.input(id),
            None => Ok(ResultInput::Dir(arg.to_path_buf())),
        }
    }

    /// Every argument resolved, in order.
    pub fn resolve_all(&mut self, args: &[PathBuf]) -> anyhow::Result<Vec<ResultInput>> {
        args.iter().map(|arg| self.resolve(arg)).collect()
    }
}
