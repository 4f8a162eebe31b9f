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

/// Entries by [`block_hash`]; equal hashes are told apart by the bytes.
type Shard = Mutex<NameMap<u64, Vec<(Box<[u8]>, Arc<IterationParams>)>>>;

/// A hash of the length and the first and last bytes of a block: real
/// parameter blocks reach tens of kilobytes (package lists), hashing
/// them whole would cost more than it saves.
fn block_hash(raw: &[u8]) -> u64 {
    const EDGE: usize = 512;
    let hasher = BuildHasherDefault::<NameHasher>::default();
    if raw.len() <= 2 * EDGE {
        hasher.hash_one(raw)
    } else {
        hasher.hash_one((raw.len(), &raw[..EDGE], &raw[raw.len() - EDGE..]))
    }
}

static CACHE: LazyLock<[Shard; SHARDS]> =
    LazyLock::new(|| std::array::from_fn(|_| Mutex::new(NameMap::default())));

/// The rendered parameters of the block `raw`, made by `render` (which
/// may fail: nothing is cached then) unless a block with the same bytes
/// was rendered before.
pub(super) fn get_or_render(
    raw: &[u8],
    render: impl FnOnce() -> Option<IterationParams>,
) -> Option<Arc<IterationParams>> {
    let hash = block_hash(raw);
    let shard = &CACHE[(hash >> 60) as usize % SHARDS];
    let found = shard.lock().ok()?.get(&hash).and_then(|entries| {
        entries
            .iter()
            .find(|(bytes, _)| **bytes == *raw)
            .map(|(_, params)| params.clone())
    });
    if let Some(found) = found {
        return Some(found);
    }
    let rendered = Arc::new(render()?);
    if let Ok(mut map) = shard.lock() {
        if map.len() >= MAX_ENTRIES / SHARDS {
            map.clear();
        }
        map.entry(hash)
            .or_default()
            .push((raw.into(), rendered.clone()));
    }
    Some(rendered)
}
