//! Fast path of the result.json reader: walks the file with the strict
//! [`Scanner`], keeps only what checks read and skips samples and
//! timeseries without building anything.
//!
//! It must give exactly what the serde path ([`super::pbench`]) gives, so
//! it gives up (returns `None`, and the caller re-reads the file with
//! serde_json) whenever serde_json would fail or read the file differently
//! than this walk would: an escaped or duplicate field name, a struct
//! written as an array, a missing field, values of the wrong type. The
//! few values checks keep are handed to serde_json itself (numbers through
//! `Number::from_str`, the small `parameters` object whole, rendered once
//! per distinct block by [`params_cache`]), so their conversion is
//! serde_json's.

use std::str::FromStr;
use std::sync::Arc;

use serde_json::{Number, Value};

use super::json_scan::{Key, Scanner, Token};
use super::params_cache::{self, IterationParams};
use super::pbench::{self, AllClient, IterationView, Parameters, WorkflowType};

/// The iterations of a result.json, or `None` when serde_json must read it.
pub(super) fn iterations(bytes: &[u8]) -> Option<Vec<IterationView>> {
    let mut scanner = Scanner::new(bytes);
    let mut out = Vec::new();
    if !scanner.open(b'[', b']')? {
        loop {
            out.push(iteration(&mut scanner)?);
            if !scanner.next_or_close(b']')? {
                break;
            }
        }
    }
    scanner.at_end().then_some(out)
}

/// Reads the fields of an object, calling `field` on each name (the
/// scanner then sits before the value, which `field` must consume).
fn object<'a>(
    scanner: &mut Scanner<'a>,
    mut field: impl FnMut(&mut Scanner<'a>, Key<'a>) -> Option<()>,
) -> Option<()> {
    if scanner.peek()? != b'{' {
        return None;
    }
    if !scanner.open(b'{', b'}')? {
        loop {
            let key = scanner.key()?;
            field(scanner, key)?;
            if !scanner.next_or_close(b'}')? {
                break;
            }
        }
    }
    Some(())
}

/// The name of a struct field as serde matches it: unescaped and UTF-8.
fn field_name<'a>(key: Key<'a>) -> Option<&'a [u8]> {
    if key.escaped {
        return None;
    }
    let raw = key.raw();
    if !raw.is_ascii() {
        std::str::from_utf8(raw).ok()?;
    }
    Some(raw)
}

/// Stores a field value, failing on a repeated field like serde does.
fn once<T>(slot: &mut Option<T>, value: Option<T>) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value?);
    Some(())
}

/// A JSON string as an owned `String`.
fn string(token: Token, raw: &[u8]) -> Option<String> {
    match token {
        Token::String { escaped: false } => std::str::from_utf8(&raw[1..raw.len() - 1])
            .ok()
            .map(str::to_owned),
        Token::String { escaped: true } => serde_json::from_slice(raw).ok(),
        _ => None,
    }
}

fn iteration(scanner: &mut Scanner) -> Option<IterationView> {
    let mut name = None;
    let mut data = None;
    object(scanner, |scanner, key| match field_name(key)? {
        b"iteration_name" => {
            let value = scanner.value_span().and_then(|(t, raw)| string(t, raw));
            once(&mut name, value)
        }
        b"iteration_data" => once(&mut data, iteration_data(scanner)),
        _ => scanner.value().map(drop),
    })?;
    let (parameters, workflows) = data?;
    Some(IterationView {
        name: name?,
        parameters,
        workflows,
    })
}

type Workflows = [Option<Vec<WorkflowType>>; 2];

fn iteration_data(scanner: &mut Scanner) -> Option<(Arc<IterationParams>, Workflows)> {
    let mut parameters = None;
    let mut throughput = None;
    let mut latency = None;
    object(scanner, |scanner, key| match field_name(key)? {
        b"parameters" => {
            scanner.peek()?;
            let value = match params_cache::known_prefix(scanner.rest()) {
                // A long block seen before: the same bytes, already
                // scanned and rendered.
                Some((len, params)) => {
                    scanner.advance(len);
                    Some(params)
                }
                None => scanner.value_span().and_then(|(_, raw)| {
                    params_cache::get_or_render(raw, || {
                        let parsed: Parameters = serde_json::from_slice(raw).ok()?;
                        Some(pbench::parameters(&parsed))
                    })
                }),
            };
            once(&mut parameters, value)
        }
        b"throughput" => once(&mut throughput, workflow(scanner)),
        b"latency" => once(&mut latency, workflow(scanner)),
        _ => scanner.value().map(drop),
    })?;
    Some((parameters?, [throughput.flatten(), latency.flatten()]))
}

/// `null` (no workflow) or a map of workflow types to client lists.
fn workflow(scanner: &mut Scanner) -> Option<Option<Vec<WorkflowType>>> {
    if scanner.peek()? == b'n' {
        return (scanner.value()? == Token::Null).then_some(None);
    }
    let mut types = Vec::new();
    object(scanner, |scanner, key| {
        let name = if key.escaped {
            serde_json::from_slice(key.quoted).ok()?
        } else {
            std::str::from_utf8(key.raw()).ok()?.to_owned()
        };
        let all = clients(scanner)?;
        types.push(WorkflowType { name, all });
        Some(())
    })?;
    Some(Some(types))
}

/// A raw field value.
type Raw<'a> = (Token, &'a [u8]);

/// The client list of a workflow type: its first `all` entry.
fn clients(scanner: &mut Scanner) -> Option<Option<AllClient>> {
    if scanner.peek()? != b'[' {
        return None;
    }
    let mut all = None;
    if !scanner.open(b'[', b']')? {
        loop {
            let mut host: Option<Raw> = None;
            let mut mean: Option<Raw> = None;
            let mut stddev: Option<Raw> = None;
            object(scanner, |scanner, key| match field_name(key)? {
                b"client_hostname" => once(&mut host, scanner.value_span()),
                b"mean" => once(&mut mean, scanner.value_span()),
                b"stddevpct" => once(&mut stddev, scanner.value_span()),
                _ => scanner.value().map(drop),
            })?;
            let host_is_all = is_all(host)?;
            if all.is_none() && host_is_all {
                all = Some(AllClient {
                    mean: value(mean)?,
                    stddevpct: value(stddev)?,
                });
            } else {
                for field in [mean, stddev].into_iter().flatten() {
                    check(field)?;
                }
            }
            if !scanner.next_or_close(b']')? {
                break;
            }
        }
    }
    Some(all)
}

/// Whether `client_hostname` is the string `all` (after checking it
/// converts, as serde would convert it).
fn is_all(host: Option<Raw>) -> Option<bool> {
    match host {
        None => Some(false),
        Some((Token::String { escaped: false }, raw)) => {
            check((Token::String { escaped: false }, raw))?;
            Some(raw == b"\"all\"")
        }
        Some((token @ Token::String { escaped: true }, raw)) => Some(string(token, raw)? == "all"),
        Some(field) => check(field).map(|()| false),
    }
}

/// A kept value converted as serde converts an `Option<Value>` field.
fn value(field: Option<Raw>) -> Option<Option<Value>> {
    match field {
        None | Some((Token::Null, _)) => Some(None),
        Some((Token::Number { .. }, raw)) => {
            let text = std::str::from_utf8(raw).ok()?;
            Number::from_str(text).ok().map(|n| Some(Value::Number(n)))
        }
        Some((_, raw)) => serde_json::from_slice(raw).ok().map(Some),
    }
}

/// Checks that a field serde would convert (and this path drops) converts.
fn check(field: Raw) -> Option<()> {
    match field {
        (Token::Null | Token::Bool | Token::Number { plain: true }, _) => Some(()),
        (Token::String { escaped: false }, raw) => std::str::from_utf8(raw).ok().map(drop),
        (Token::Number { plain: false }, _) | (Token::String { escaped: true }, _) => {
            value(Some(field)).map(drop)
        }
        (Token::Container, raw) => serde_json::from_slice::<Value>(raw).ok().map(drop),
    }
}
