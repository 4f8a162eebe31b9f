//! Loads the result-parser plugins for the tools that read result trees
//! (compare-perf, analyze-perf, diff-perf).

use runperf_plugin_api::ComponentKind;

use super::logging::LogArgs;
use crate::{
    plugins::{Catalog, PluginArgs, SearchPath},
    results::{ResultParsers, parsers::Parser},
};

/// Options of analyze-perf, diff-perf and strip-run-perf besides their
/// own: logging and where result-parser plugins are found.
#[derive(Debug, clap::Args)]
pub struct ReaderArgs {
    /// `-v`, `--log`.
    #[command(flatten)]
    pub log: LogArgs,
    /// `--plugin-path`.
    #[command(flatten)]
    pub plugins: PluginArgs,
}

impl ReaderArgs {
    /// Starts logging, then loads the result parsers the tool reads its
    /// trees with.
    pub fn init(&self) -> anyhow::Result<ResultParsers> {
        self.log.init()?;
        Ok(load(&self.plugins))
    }
}

/// Finds the result-parser plugins on the plugin path of `args`.
pub fn load(args: &PluginArgs) -> ResultParsers {
    from_catalog(&Catalog::discover(&SearchPath::from_env(args, &[])))
}

/// The result parsers of `catalog`; a parser that cannot be created is
/// reported and left out.
pub fn from_catalog(catalog: &Catalog) -> ResultParsers {
    let mut found = Vec::new();
    for entry in catalog
        .active()
        .filter(|e| e.info.kind == ComponentKind::ResultParser)
    {
        match entry.library.new_result_parser(&entry.info.name) {
            Ok(handle) => found.push(Parser {
                name: entry.info.name.clone(),
                handle,
            }),
            Err(err) => tracing::warn!(
                "result parser {} from {} is left out: {err:#}",
                entry.info.name,
                entry.path().display()
            ),
        }
    }
    ResultParsers::new(found)
}
