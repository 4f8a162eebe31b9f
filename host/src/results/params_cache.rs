//! Rendered iteration parameters, shared by their raw bytes.
//!
//! Every build of a comparison repeats the same `parameters` blocks (same
//! profiles, tests and iterations), so each distinct block is parsed and
//! rendered once per process and its checks share one [`Params`]. The
//! cache is bounded: it is emptied when it grows past [`MAX_ENTRIES`].
//!
//! Long blocks (real ones carry package lists: tens of kilobytes, half of
//! a result file) are also found by their first bytes ([`known_prefix`]):
//! a file that repeats a block seen before skips it without scanning it
//! again. The same bytes are the same valid JSON object, and an object
//! ends where its bytes end, so nothing is accepted that was not checked.

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

/// Entries by a hash; equal hashes are told apart by the bytes.
type Shard = Mutex<NameMap<u64, Vec<(Arc<[u8]>, Arc<IterationParams>)>>>;

/// Blocks at least this long are also indexed by a hash of this many
/// first bytes.
const PREFIX: usize = 512;

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

/// Long blocks by the hash of their first [`PREFIX`] bytes.
static BY_PREFIX: LazyLock<[Shard; SHARDS]> =
    LazyLock::new(|| std::array::from_fn(|_| Mutex::new(NameMap::default())));

fn prefix_hash(bytes: &[u8]) -> u64 {
    BuildHasherDefault::<NameHasher>::default().hash_one(&bytes[..PREFIX])
}

fn shard(shards: &[Shard; SHARDS], hash: u64) -> &Shard {
    &shards[(hash >> 60) as usize % SHARDS]
}

/// Adds an entry, starting the shard over when it is full.
fn insert(shard: &Shard, hash: u64, raw: Arc<[u8]>, params: Arc<IterationParams>) {
    if let Ok(mut map) = shard.lock() {
        if map.len() >= MAX_ENTRIES / SHARDS {
            map.clear();
        }
        map.entry(hash).or_default().push((raw, params));
    }
}

/// A long parameters block rendered before that `rest` starts with: its
/// length in bytes and its rendered params.
pub(super) fn known_prefix(rest: &[u8]) -> Option<(usize, Arc<IterationParams>)> {
    if rest.len() < PREFIX || rest[0] != b'{' {
        return None;
    }
    let hash = prefix_hash(rest);
    let map = shard(&BY_PREFIX, hash).lock().ok()?;
    map.get(&hash)?
        .iter()
        .find(|(bytes, _)| rest.starts_with(bytes))
        .map(|(bytes, params)| (bytes.len(), params.clone()))
}

/// The rendered parameters of the block `raw`, made by `render` (which
/// may fail: nothing is cached then) unless a block with the same bytes
/// was rendered before.
pub(super) fn get_or_render(
    raw: &[u8],
    render: impl FnOnce() -> Option<IterationParams>,
) -> Option<Arc<IterationParams>> {
    let hash = block_hash(raw);
    let by_block = shard(&CACHE, hash);
    let found = by_block.lock().ok()?.get(&hash).and_then(|entries| {
        entries
            .iter()
            .find(|(bytes, _)| **bytes == *raw)
            .map(|(_, params)| params.clone())
    });
    if let Some(found) = found {
        return Some(found);
    }
    let rendered = Arc::new(render()?);
    let bytes: Arc<[u8]> = raw.into();
    if raw.len() >= PREFIX && raw[0] == b'{' {
        let prefix = prefix_hash(raw);
        insert(
            shard(&BY_PREFIX, prefix),
            prefix,
            bytes.clone(),
            rendered.clone(),
        );
    }
    insert(by_block, hash, bytes, rendered.clone());
    Some(rendered)
}
