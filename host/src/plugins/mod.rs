//! Plugin discovery: where plugin libraries are searched for, loading them,
//! and the catalog of components they provide (the role Python entry
//! points played for the reference implementation).

mod catalog;
pub mod pbench;
mod search;

pub use catalog::{Catalog, Entry, Override, Rejected, UnknownComponent};
pub use search::{PluginArgs, SearchPath};
