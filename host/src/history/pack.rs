//! A build's checks as one compact blob (the `packs` table), so that the
//! compare tools read a stored build with one query and one pass over its
//! bytes instead of a row per check. The rows stay for `show`, `series`
//! and export.
//!
//! Layout (integers are LEB128 varints, strings a varint length and UTF-8
//! bytes):
//! - the magic `RPK1`;
//! - the params lists of the build, each once: their count, then per list
//!   its pair count and the pairs (key, value);
//! - the checks in reading order: their count, then per check the length
//!   of the prefix its name shares with the previous check's name, the
//!   rest of the name, a tag byte (value kind in bits 0-1, primary flag in
//!   bit 2), the index of its params list, and the value: 8 bytes (little
//!   endian) of the integer or of the float's bits, else a string.

use std::collections::HashMap;
use std::sync::Arc;

use crate::results::{Check, CheckValue, Params};

const MAGIC: &[u8; 4] = b"RPK1";
const INT: u8 = 0;
const FLOAT: u8 = 1;
const TEXT: u8 = 2;
const BROKEN: u8 = 3;
const PRIMARY: u8 = 4;

/// The checks as a blob.
pub(super) fn encode(checks: &[Check]) -> Vec<u8> {
    let mut lists: Vec<&Params> = Vec::new();
    let mut index_of: HashMap<&[(String, String)], usize> = HashMap::new();
    let mut last: Option<(&Params, usize)> = None;
    let mut indexes = Vec::with_capacity(checks.len());
    for check in checks {
        let index = match last {
            Some((params, index)) if Arc::ptr_eq(params, &check.params) => index,
            _ => {
                let index = *index_of.entry(check.params.as_slice()).or_insert_with(|| {
                    lists.push(&check.params);
                    lists.len() - 1
                });
                last = Some((&check.params, index));
                index
            }
        };
        indexes.push(index);
    }
    let mut out = Vec::with_capacity(64 + checks.len() * 40);
    out.extend_from_slice(MAGIC);
    put_varint(&mut out, lists.len() as u64);
    for list in lists {
        put_varint(&mut out, list.len() as u64);
        for (key, value) in list.iter() {
            put_str(&mut out, key);
            put_str(&mut out, value);
        }
    }
    put_varint(&mut out, checks.len() as u64);
    let mut previous = "";
    for (check, index) in checks.iter().zip(indexes) {
        let shared = shared_prefix(previous, &check.name);
        put_varint(&mut out, shared as u64);
        put_str(&mut out, &check.name[shared..]);
        previous = &check.name;
        let primary = if check.primary { PRIMARY } else { 0 };
        match &check.value {
            CheckValue::Int(v) => {
                out.push(INT | primary);
                put_varint(&mut out, index as u64);
                out.extend_from_slice(&v.to_le_bytes());
            }
            CheckValue::Float(v) => {
                out.push(FLOAT | primary);
                put_varint(&mut out, index as u64);
                out.extend_from_slice(&v.to_bits().to_le_bytes());
            }
            CheckValue::Text(t) => {
                out.push(TEXT | primary);
                put_varint(&mut out, index as u64);
                put_str(&mut out, t);
            }
            CheckValue::Broken(why) => {
                out.push(BROKEN | primary);
                put_varint(&mut out, index as u64);
                put_str(&mut out, why);
            }
        }
    }
    out
}

/// Params lists already decoded, by their packed bytes: the builds read
/// in a row share most of them, so each is decoded (and allocated) once.
#[derive(Default)]
pub(super) struct ParamsCache(HashMap<Vec<u8>, Params>);

/// The checks of a blob made by [`encode`]; an error saying where it is
/// damaged otherwise. Params lists found in `cache` are shared from it.
pub(super) fn decode(bytes: &[u8], cache: &mut ParamsCache) -> Result<Vec<Check>, String> {
    let mut input = Reader { bytes, at: 0 };
    if input.take(MAGIC.len())? != MAGIC {
        return Err("packed checks: unknown format".into());
    }
    let count = input.count()?;
    let mut lists: Vec<Params> = Vec::with_capacity(count);
    for _ in 0..count {
        let start = input.at;
        let pairs = input.count()?;
        for _ in 0..2 * pairs {
            input.str()?;
        }
        let packed = &bytes[start..input.at];
        let list = match cache.0.get(packed) {
            Some(list) => list.clone(),
            None => {
                let mut again = Reader {
                    bytes: packed,
                    at: 0,
                };
                again.varint()?;
                let mut list = Vec::with_capacity(pairs);
                for _ in 0..pairs {
                    let key = again.str()?.to_string();
                    list.push((key, again.str()?.to_string()));
                }
                let list = Arc::new(list);
                cache.0.insert(packed.to_vec(), list.clone());
                list
            }
        };
        lists.push(list);
    }
    let count = input.count()?;
    let mut checks: Vec<Check> = Vec::with_capacity(count);
    for _ in 0..count {
        let shared = input.varint()? as usize;
        let rest = input.str()?;
        let previous = checks.last().map_or("", |c| c.name.as_str());
        let prefix = previous
            .get(..shared)
            .ok_or_else(|| format!("packed checks: bad name prefix at check {}", checks.len()))?;
        let mut name = String::with_capacity(shared + rest.len());
        name.push_str(prefix);
        name.push_str(rest);
        let tag = input.byte()?;
        let params = lists
            .get(input.varint()? as usize)
            .ok_or_else(|| format!("packed checks: bad params of {name}"))?
            .clone();
        let value = match tag & !PRIMARY {
            INT => CheckValue::Int(i64::from_le_bytes(input.eight()?)),
            FLOAT => CheckValue::Float(f64::from_bits(u64::from_le_bytes(input.eight()?))),
            TEXT => CheckValue::Text(input.str()?.to_string()),
            BROKEN => CheckValue::Broken(input.str()?.to_string()),
            _ => return Err(format!("packed checks: bad value kind of {name}")),
        };
        checks.push(Check {
            name,
            value,
            primary: tag & PRIMARY != 0,
            params,
        });
    }
    if input.at != bytes.len() {
        return Err("packed checks: trailing bytes".into());
    }
    Ok(checks)
}

/// Bytes `a` and `b` share at the start, cut back to a character boundary.
fn shared_prefix(a: &str, b: &str) -> usize {
    let mut n = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    while !b.is_char_boundary(n) {
        n -= 1;
    }
    n
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// A cursor over a blob; every read fails (never panics) past its end.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or("packed checks: cut short")?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn byte(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn eight(&mut self) -> Result<[u8; 8], String> {
        let mut out = [0; 8];
        out.copy_from_slice(self.take(8)?);
        Ok(out)
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("packed checks: bad number".into())
    }

    /// A count of items still to come (bounded by the bytes left, so a
    /// damaged count cannot ask for a huge allocation).
    fn count(&mut self) -> Result<usize, String> {
        let n = self.varint()?;
        if n > (self.bytes.len() - self.at) as u64 {
            return Err("packed checks: bad count".into());
        }
        Ok(n as usize)
    }

    fn str(&mut self) -> Result<&'a str, String> {
        let len = self.varint()?;
        let len = usize::try_from(len).map_err(|_| "packed checks: bad length")?;
        std::str::from_utf8(self.take(len)?).map_err(|_| "packed checks: bad text".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, value: CheckValue, primary: bool, params: &Params) -> Check {
        Check {
            name: name.into(),
            value,
            primary,
            params: params.clone(),
        }
    }

    fn sample() -> Vec<Check> {
        let a: Params = Arc::new(vec![
            ("bs".into(), "4k".into()),
            ("rw".into(), "read".into()),
        ]);
        let same_as_a: Params = Arc::new((*a).clone());
        let none: Params = Arc::new(Vec::new());
        vec![
            check(
                "p/t/0000:./0/a/iops.mean",
                CheckValue::Float(0.1 + 0.2),
                true,
                &a,
            ),
            check(
                "p/t/0000:./0/a/iops.stddev",
                CheckValue::Float(-0.0),
                false,
                &a,
            ),
            check(
                "p/t/0000:./0/a/lat.mean",
                CheckValue::Int(-7),
                true,
                &same_as_a,
            ),
            check(
                "p/t/0000:./0/a/nan",
                CheckValue::Float(f64::NAN),
                false,
                &none,
            ),
            check(
                "p/ü/0001:./ERROR/ERROR/ERROR.error",
                CheckValue::Text("boom ✓".into()),
                true,
                &none,
            ),
            check(
                "p/ü/0001:./ERROR/ERROR/ERROR.unreadable",
                CheckValue::Broken("bad".into()),
                true,
                &a,
            ),
            check("p/üa", CheckValue::Int(i64::MIN), false, &none),
            check("", CheckValue::Int(i64::MAX), false, &none),
        ]
    }

    #[test]
    fn checks_round_trip_exactly() {
        let checks = sample();
        let packed = encode(&checks);
        let mut cache = ParamsCache::default();
        let back = decode(&packed, &mut cache).unwrap();
        assert_eq!(back.len(), checks.len());
        for (a, b) in checks.iter().zip(&back) {
            assert_eq!(a.name, b.name);
            assert_eq!(a.primary, b.primary);
            assert_eq!(a.params, b.params);
            match (&a.value, &b.value) {
                (CheckValue::Float(x), CheckValue::Float(y)) => {
                    assert_eq!(x.to_bits(), y.to_bits())
                }
                (x, y) => assert_eq!(x, y),
            }
        }
        // Equal params lists are stored once and shared again, also by
        // the next build read through the same cache.
        assert!(Arc::ptr_eq(&back[0].params, &back[2].params));
        let again = decode(&packed, &mut cache).unwrap();
        assert!(Arc::ptr_eq(&back[0].params, &again[0].params));
        assert_eq!(
            decode(&packed, &mut ParamsCache::default()).unwrap().len(),
            checks.len()
        );
        assert!(decode(&encode(&[]), &mut cache).unwrap().is_empty());
    }

    #[test]
    fn damaged_blobs_are_errors_not_panics() {
        let packed = encode(&sample());
        let mut cache = ParamsCache::default();
        for cut in 0..packed.len() {
            assert!(decode(&packed[..cut], &mut cache).is_err(), "cut at {cut}");
        }
        let mut longer = packed.clone();
        longer.push(0);
        assert!(decode(&longer, &mut cache).is_err());
        assert!(decode(b"XXXX", &mut cache).is_err());
        for at in 4..packed.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut bad = packed.clone();
                bad[at] ^= flip;
                let _ = decode(&bad, &mut ParamsCache::default());
            }
        }
    }
}
