//! `--store URL` / `RUNPERF_HISTORY`: where the history store is, for
//! history-perf and for the tools that read stored builds as `@ID`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use rayon::prelude::*;

use crate::history::{self, BuildRecord, Store, StoreUrl};
use crate::results::{ReadResult, ResultInput, ResultTree};

/// The environment variable naming the store when `--store` is not given.
pub const STORE_ENV: &str = "RUNPERF_HISTORY";

/// The store option.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct StoreArgs {
    /// History store: sqlite:PATH, a plain path, or
    /// postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=MODE&...]
    /// (default: the user's data dir, $XDG_DATA_HOME/runperf/history.sqlite).
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
    url: Option<StoreUrl>,
    store: Option<Box<dyn Store>>,
    /// Builds read ahead by [`StoredBuilds::prefetch`].
    ready: HashMap<String, ResultInput>,
}

impl<'a> StoredBuilds<'a> {
    /// Builds of the store `args` names.
    pub fn new(args: &'a StoreArgs) -> Self {
        Self {
            args,
            url: None,
            store: None,
            ready: HashMap::new(),
        }
    }

    /// The store's location, worked out (and shown at -v) once.
    fn url(&mut self) -> anyhow::Result<StoreUrl> {
        match &self.url {
            Some(url) => Ok(url.clone()),
            None => Ok(self.url.insert(self.args.url()?).clone()),
        }
    }

    /// Reads the builds `ids` ahead on the thread pool, one store
    /// connection per thread, for [`StoredBuilds::input`] to find ready. A
    /// build that cannot be read here is read again (and its error
    /// reported) by `input`, in argument order.
    pub fn prefetch<'i>(&mut self, ids: impl IntoIterator<Item = &'i str>) {
        let mut ids: Vec<&str> = ids
            .into_iter()
            .filter(|id| !self.ready.contains_key(*id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() < 2 {
            return;
        }
        let Ok(url) = self.url() else {
            return;
        };
        let chunk = ids.len().div_ceil(rayon::current_num_threads());
        let loaded: Vec<(String, ResultInput)> = ids
            .par_chunks(chunk)
            .flat_map_iter(|chunk| {
                let records = history::open(&url)
                    .and_then(|mut store| store.load_checks_many(chunk))
                    .unwrap_or_default();
                chunk
                    .iter()
                    .zip(records)
                    .filter_map(|(id, record)| Some((id.to_string(), as_input(id, record.ok()?))))
                    .collect::<Vec<_>>()
            })
            .collect();
        self.ready.extend(loaded);
    }

    /// The id of an `@ID` argument.
    pub fn id(arg: &str) -> Option<&str> {
        arg.strip_prefix('@')
    }

    /// Build `id` as a result: the tree it was added from, exactly.
    pub fn input(&mut self, id: &str) -> anyhow::Result<ResultInput> {
        if let Some(input) = self.ready.get(id) {
            return Ok(input.clone());
        }
        let store = match self.store.take() {
            Some(store) => store,
            None => {
                let url = self.url()?;
                tracing::trace!("Opening the history store {}", url.display());
                history::open(&url)?
            }
        };
        let store = self.store.insert(store);
        let record = store.load_checks(id)?;
        let input = as_input(id, record);
        self.ready.insert(id.to_string(), input.clone());
        Ok(input)
    }

    /// A result path argument: `@ID` from the store, else the directory.
    pub fn resolve(&mut self, arg: &Path) -> anyhow::Result<ResultInput> {
        match arg.to_str().and_then(Self::id) {
            Some(id) => self.input(id),
            None => Ok(ResultInput::Dir(arg.to_path_buf())),
        }
    }

    /// Every argument resolved, in order (stored builds read ahead).
    pub fn resolve_all(&mut self, args: &[PathBuf]) -> anyhow::Result<Vec<ResultInput>> {
        self.prefetch(
            args.iter()
                .filter_map(|arg| arg.to_str().and_then(Self::id)),
        );
        args.iter().map(|arg| self.resolve(arg)).collect()
    }
}

/// A stored build as a result: the tree it was added from, exactly.
fn as_input(id: &str, record: BuildRecord) -> ResultInput {
    // Trace only: with -vv the log must be that of the tree itself.
    tracing::trace!(
        "Stored build {id}: {} checks read from {}",
        record.checks.len(),
        record.path
    );
    ResultInput::Read(Arc::new(ReadResult {
        origin: format!("@{id}"),
        tree: ResultTree::from_checks(record.path.into(), record.checks, Vec::new()),
        notes: record.notes,
        metadata: record.metadata,
    }))
}
