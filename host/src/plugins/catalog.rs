//! The catalog of components from every loaded library, with the
//! reference's precedence rule: for the same kind and name, the lowest
//! order key wins (`40Localhost` overrides the built-in `50Localhost`).

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::Arc,
};

use runperf_plugin_api::{
    ComponentInfo, ComponentKind,
    loader::{self, Library},
};

use super::SearchPath;

/// A component and the library providing it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// What the library declared.
    pub info: ComponentInfo,
    /// The library, to create instances from.
    pub library: Arc<Library>,
}

impl Entry {
    /// Path of the providing library.
    pub fn path(&self) -> &Path {
        self.library.path()
    }
}

/// A file in the search path that could not be used.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// The file.
    pub path: PathBuf,
    /// Why, in one line.
    pub reason: String,
}

/// A component hidden by one with a lower order key.
#[derive(Debug, Clone)]
pub struct Override {
    /// The component in use.
    pub winner: Entry,
    /// The one it hides.
    pub loser: Entry,
}

/// No component matches the requested name.
#[derive(Debug, thiserror::Error)]
#[error("no {kind} named {name:?}{hint}")]
pub struct UnknownComponent {
    kind: ComponentKind,
    name: String,
    hint: String,
}

/// Every component found, by kind and name, best first.
#[derive(Debug, Default)]
pub struct Catalog {
    components: BTreeMap<(ComponentKind, String), Vec<Entry>>,
    rejected: Vec<Rejected>,
}

impl Catalog {
    /// Loads every library of `search`; files that cannot be used are
    /// logged as warnings and kept in [`Catalog::rejected`].
    pub fn discover(search: &SearchPath) -> Self {
        let mut catalog = Self::default();
        for path in search.libraries() {
            match loader::load(&path) {
                Ok(library) => catalog.add(Arc::new(library)),
                Err(err) => {
                    tracing::warn!("ignoring plugin file {}: {err}", path.display());
                    tracing::debug!("{}: {}", path.display(), err.details());
                    catalog.rejected.push(Rejected {
                        path,
                        reason: err.to_string(),
                    });
                }
            }
        }
        for o in catalog.overrides() {
            tracing::info!(
                "{} {}: {} from {} overrides {} from {}",
                o.winner.info.kind,
                o.winner.info.name,
                o.winner.info.order_key,
                o.winner.path().display(),
                o.loser.info.order_key,
                o.loser.path().display()
            );
        }
        catalog
    }

    /// Adds the components of `library`.
    pub fn add(&mut self, library: Arc<Library>) {
        for info in library.components() {
            let entries = self
                .components
                .entry((info.kind, info.name.clone()))
                .or_default();
            entries.push(Entry {
                info: info.clone(),
                library: Arc::clone(&library),
            });
            // Stable: equal keys keep discovery order (search-path priority).
            entries.sort_by(|a, b| a.info.order_key.cmp(&b.info.order_key));
        }
    }

    /// Files that were not usable plugins.
    pub fn rejected(&self) -> &[Rejected] {
        &self.rejected
    }

    /// Every component in use (the winner for each kind and name).
    pub fn active(&self) -> impl Iterator<Item = &Entry> {
        self.components
            .values()
            .filter_map(|entries| entries.first())
    }

    /// Components hidden by others with the same kind and name.
    pub fn overrides(&self) -> Vec<Override> {
        self.components
            .values()
            .flat_map(|entries| {
                entries.iter().skip(1).map(|loser| Override {
                    winner: entries[0].clone(),
                    loser: loser.clone(),
                })
            })
            .collect()
    }

    /// Names of the components of `kind` in use.
    pub fn names(&self, kind: ComponentKind) -> Vec<&str> {
        self.active()
            .filter(|e| e.info.kind == kind)
            .map(|e| e.info.name.as_str())
            .collect()
    }

    /// The component of `kind` called `name`: an exact match, or else the
    /// only one whose name matches ignoring case.
    pub fn find(&self, kind: ComponentKind, name: &str) -> Result<&Entry, UnknownComponent> {
        if let Some(entry) = self
            .components
            .get(&(kind, name.to_owned()))
            .and_then(|e| e.first())
        {
            return Ok(entry);
        }
        let folded: Vec<&Entry> = self
            .active()
            .filter(|e| e.info.kind == kind && e.info.name.eq_ignore_ascii_case(name))
            .collect();
        if let [only] = folded.as_slice() {
            return Ok(only);
        }
        let known = self.names(kind);
        let hint = if folded.len() > 1 {
            format!(
                "; it matches several ignoring case ({}), write it exactly",
                folded
                    .iter()
                    .map(|e| e.info.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else if known.is_empty() {
            format!("; no {kind} plugins were found: see `run-perf --list-plugins`")
        } else {
            format!("; known: {}", known.join(", "))
        };
        Err(UnknownComponent {
            kind,
            name: name.to_owned(),
            hint,
        })
    }
}
