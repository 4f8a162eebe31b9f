//! Maps keyed by check names (and other result-file text). Names are
//! hashed millions of times per run (source lookup, modifiers, parameter
//! blocks) and never come from an adversary that could exploit a weak
//! hash, so a fast multiplicative hash (FxHash) replaces SipHash here.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// FxHash: rotate, xor, multiply per word.
#[derive(Default, Clone, Copy)]
pub struct NameHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl NameHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        for &byte in chunks.remainder() {
            self.add(u64::from(byte));
        }
    }

    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A hash map keyed by check name.
pub type NameMap<K, V> = HashMap<K, V, BuildHasherDefault<NameHasher>>;
/// A hash set of check names.
pub type NameSet<K> = HashSet<K, BuildHasherDefault<NameHasher>>;
