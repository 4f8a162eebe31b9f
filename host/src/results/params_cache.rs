//! Rendered iteration parameters, shared by their raw bytes.
//!
//! Every build of a comparison repeats the same `parameters` blocks (same
//! profiles, tests and iterations), so each distinct block is parsed and
//! rendered once per process and its checks share one [`Params`]. The
//! cache is bounded: it is emptied when it grows past [`MAX_ENTRIES`].

use std::hash::{BuildHasher, BuildHasherDefault};
use std::sync::{Arc, LazyLock, Mutex};

use super::check::Params;
use crate::name_map::{NameHasher, NameMap};

/// The parameters of an iteration as checks use them.
#[derive(Debug)]
pub(super) struct IterationParams {
    /// The benchmarks' non-empty `primary_metric` values.
    pub primary: Vec<String>,
    /// Rendered params (see [`Params`]).
    pub params: Params,
}

/// Entries kept before the cache starts over.
const MAX_ENTRIES: usize = 1 << 16;
/// Independent locks, so that parallel readers rarely wait.
const SHARDS: usize = 16;

type Shard = Mutex<NameMap<Box<[u8]>, Arc<IterationParams>>>;

static CACHE: LazyLock<[Shard; SHARDS]> =
    LazyLock::new(|| std::array::from_fn(|_| Mutex::new(NameMap::default())));

/// The rendered parameters of the block `raw`, made by `render` (which
/// may fail: nothing is cached then) unless a block with the same bytes
/// was rendered before.
pub(super) fn get_or_render(
    raw: &[u8],
    render: impl FnOnce() -> Option<IterationParams>,
) -> Option<Arc<IterationParams>> {
    let hash = BuildHasherDefault::<NameHasher>::default().hash_one(raw);
    let shard = &CACHE[(hash >> 60) as usize % SHARDS];
    if let Some(found) = shard.lock().ok()?.get(raw) {
        return Some(found.clone());
    }
    let rendered = Arc::new(render()?);
    if let Ok(mut map) = shard.lock() {
        if map.len() >= MAX_ENTRIES / SHARDS {
            map.clear();
        }
        map.insert(raw.into(), rendered.clone());
    }
    Some(rendered)
}
