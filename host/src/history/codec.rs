//! How checks, params and log notes become column values and back,
//! exactly: floats are stored as their bits, so a stored build prints the
//! same digits as its tree.

use std::sync::Arc;

use sha2::{Digest, Sha256};
use tracing::Level;

use super::BuildRecord;
use crate::log_note::LogNote;
use crate::results::{CheckValue, Params};

/// `kind` of an integer value (`num` holds it).
const INT: i16 = 0;
/// `kind` of a float value (`num` holds its bits).
const FLOAT: i16 = 1;
/// `kind` of a text value (`text` holds it).
const TEXT: i16 = 2;
/// `kind` of a broken value (`text` holds why).
const BROKEN: i16 = 3;

/// A check value as the columns `kind`, `num`, `text`.
pub(super) fn encode_value(value: &CheckValue) -> (i16, Option<i64>, Option<&str>) {
    match value {
        CheckValue::Int(v) => (INT, Some(*v), None),
        CheckValue::Float(v) => (FLOAT, Some(v.to_bits() as i64), None),
        CheckValue::Text(t) => (TEXT, None, Some(t)),
        CheckValue::Broken(why) => (BROKEN, None, Some(why)),
    }
}

/// The value stored as `kind`, `num`, `text`; `None` when they do not fit.
pub(super) fn decode_value(
    kind: i16,
    num: Option<i64>,
    text: Option<String>,
) -> Option<CheckValue> {
    match (kind, num, text) {
        (INT, Some(v), _) => Some(CheckValue::Int(v)),
        (FLOAT, Some(bits), _) => Some(CheckValue::Float(f64::from_bits(bits as u64))),
        (TEXT, _, Some(t)) => Some(CheckValue::Text(t)),
        (BROKEN, _, Some(t)) => Some(CheckValue::Broken(t)),
        _ => None,
    }
}

/// Params as stored: a JSON array of `[key, value]` pairs.
pub(super) fn encode_params(params: &Params) -> String {
    serde_json::to_string(&**params).unwrap_or_else(|_| "[]".into())
}

/// Params read back.
pub(super) fn decode_params(body: &str) -> Result<Params, String> {
    serde_json::from_str::<Vec<(String, String)>>(body)
        .map(Arc::new)
        .map_err(|e| format!("params: {e}"))
}

/// Log notes as stored: a JSON array of `[level, message]`.
pub(super) fn encode_notes(notes: &[LogNote]) -> String {
    let pairs: Vec<(&str, &str)> = notes
        .iter()
        .map(|n| (n.level.as_str(), n.message.as_str()))
        .collect();
    serde_json::to_string(&pairs).unwrap_or_else(|_| "[]".into())
}

/// Log notes read back.
pub(super) fn decode_notes(body: &str) -> Result<Vec<LogNote>, String> {
    let pairs: Vec<(String, String)> =
        serde_json::from_str(body).map_err(|e| format!("log messages: {e}"))?;
    pairs
        .into_iter()
        .map(|(level, message)| {
            let level: Level = level.parse().map_err(|_| format!("log level {level:?}"))?;
            Ok(LogNote::new(level, message))
        })
        .collect()
}

/// Sample values as stored: a JSON array of numbers (exact: serde_json
/// round-trips floats).
pub(super) fn encode_samples(values: &[f64]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".into())
}

/// Sample values read back.
pub(super) fn decode_samples(body: &str) -> Result<Vec<f64>, String> {
    serde_json::from_str(body).map_err(|e| format!("samples: {e}"))
}

/// A digest of what makes two builds the same results: the metadata and
/// every check with its samples (not the path they were read from, nor the
/// log messages).
pub(super) fn digest(build: &BuildRecord) -> String {
    let mut hasher = Sha256::new();
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field(build.metadata.as_bytes());
    let mut last_params: Option<&Params> = None;
    let mut params_text = String::new();
    for check in &build.checks {
        field(check.name.as_bytes());
        let (kind, num, text) = encode_value(&check.value);
        field(&kind.to_le_bytes());
        field(&num.unwrap_or(0).to_le_bytes());
        field(text.unwrap_or("").as_bytes());
        field(&[u8::from(check.primary)]);
        if last_params.is_none_or(|p| !Arc::ptr_eq(p, &check.params)) {
            params_text = encode_params(&check.params);
            last_params = Some(&check.params);
        }
        field(params_text.as_bytes());
    }
    for (seq, values) in &build.samples {
        field(&(*seq as u64).to_le_bytes());
        field(encode_samples(values).as_bytes());
    }
    let digest = hasher.finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The digest of a params body (the key that shares one stored copy).
pub(super) fn params_digest(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_exactly() {
        for value in [
            CheckValue::Int(-3),
            CheckValue::Float(0.1 + 0.2),
            CheckValue::Float(-0.0),
            CheckValue::Float(f64::NAN),
            CheckValue::Float(1e300),
            CheckValue::Text("Exception: boom".into()),
            CheckValue::Broken("mean is not a number".into()),
        ] {
            let (kind, num, text) = encode_value(&value);
            let back = decode_value(kind, num, text.map(str::to_string)).unwrap();
            assert_eq!(back.to_string(), value.to_string());
            if let (CheckValue::Float(a), CheckValue::Float(b)) = (&value, &back) {
                assert_eq!(a.to_bits(), b.to_bits());
            }
        }
        assert_eq!(decode_value(FLOAT, None, None), None);
        assert_eq!(decode_value(9, Some(1), None), None);
    }

    #[test]
    fn notes_round_trip() {
        let notes = vec![
            LogNote::new(Level::DEBUG, "Processing /r".into()),
            LogNote::new(Level::ERROR, "bad: \"x\"\n".into()),
        ];
        assert_eq!(decode_notes(&encode_notes(&notes)).unwrap(), notes);
        assert!(decode_notes("[[\"LOUD\",\"x\"]]").is_err());
    }
}
