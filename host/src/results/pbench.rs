//! Parsing one pbench-like `result.json` into checks.
//!
//! Only what checks need is deserialized: `samples`, timeseries and any
//! other field are skipped without being kept, so memory grows with the
//! number of checks, not with the samples. The fast path
//! ([`super::pbench_scan`]) reads well-formed files; anything it does not
//! vouch for goes through serde_json here, which also words the errors.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::check::{Check, CheckValue};
use super::error::ResultError;
use super::params_cache::IterationParams;
use super::walk::FoundFile;
use std::os::fd::OwnedFd;

/// Checks and problems of one result file.
pub(super) struct FileChecks {
    pub checks: Vec<Check>,
    pub problems: Vec<ResultError>,
}

impl FileChecks {
    /// The file of `result_id` could not be used: one broken check
    /// (reported as ERR by compare-perf) and the problem.
    pub(super) fn unreadable(result_id: &str, problem: ResultError) -> Self {
        Self {
            checks: vec![Check {
                name: format!("{result_id}:./ERROR/ERROR/ERROR.unreadable"),
                value: CheckValue::Broken(problem.to_string()),
                primary: true,
                params: Arc::new(Vec::new()),
            }],
            problems: vec![problem],
        }
    }
}

#[derive(Deserialize)]
struct Iteration {
    iteration_name: String,
    iteration_data: IterationData,
}

#[derive(Deserialize)]
struct IterationData {
    parameters: Parameters,
    #[serde(default)]
    throughput: Option<Workflow>,
    #[serde(default)]
    latency: Option<Workflow>,
}

#[derive(Deserialize)]
pub(super) struct Parameters {
    #[serde(default)]
    benchmark: Option<Vec<serde_json::Map<String, Value>>>,
    #[serde(default)]
    user: Option<Vec<UserEntry>>,
}

#[derive(Deserialize)]
struct UserEntry {
    #[serde(default)]
    profile: Option<Value>,
}

/// Workflow types in file order.
struct Workflow(Vec<(String, Vec<ClientEntry>)>);

#[derive(Deserialize)]
struct ClientEntry {
    #[serde(default)]
    client_hostname: Option<Value>,
    #[serde(default)]
    mean: Option<Value>,
    #[serde(default)]
    stddevpct: Option<Value>,
}

impl<'de> Deserialize<'de> for Workflow {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedTypes;
        impl<'de> Visitor<'de> for OrderedTypes {
            type Value = Workflow;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of workflow types to client entries")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Workflow, A::Error> {
                let mut out = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, Vec<ClientEntry>>()? {
                    out.push((key, value));
                }
                Ok(Workflow(out))
            }
        }
        deserializer.deserialize_map(OrderedTypes)
    }
}

/// What the checks of one iteration are made of, whichever parser read it.
pub(super) struct IterationView {
    /// `iteration_name`.
    pub name: String,
    /// `iteration_data.parameters`, rendered.
    pub parameters: Arc<IterationParams>,
    /// `throughput` and `latency` workflow types, in file order.
    pub workflows: [Option<Vec<WorkflowType>>; 2],
}

/// One workflow type and its first `all` client entry.
pub(super) struct WorkflowType {
    /// The type (`iops_sec`, `clat`...).
    pub name: String,
    /// `mean` and `stddevpct` of the first `all` client, if there is one.
    pub all: Option<AllClient>,
}

/// The values of the aggregated `all` client entry.
pub(super) struct AllClient {
    pub mean: Option<Value>,
    pub stddevpct: Option<Value>,
}

impl From<Iteration> for IterationView {
    fn from(iteration: Iteration) -> Self {
        let workflow = |workflow: Option<Workflow>| {
            workflow.map(|Workflow(types)| {
                types
                    .into_iter()
                    .map(|(name, clients)| WorkflowType {
                        name,
                        all: clients
                            .into_iter()
                            .find(|client| {
                                matches!(&client.client_hostname, Some(Value::String(host)) if host == "all")
                            })
                            .map(|client| AllClient {
                                mean: client.mean,
                                stddevpct: client.stddevpct,
                            }),
                    })
                    .collect()
            })
        };
        let data = iteration.iteration_data;
        Self {
            name: iteration.iteration_name,
            parameters: Arc::new(parameters(&data.parameters)),
            workflows: [workflow(data.throughput), workflow(data.latency)],
        }
    }
}

/// The top-level list, deserialized iteration by iteration.
struct Iterations(Vec<Iteration>);

impl<'de> Deserialize<'de> for Iterations {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct List;
        impl<'de> Visitor<'de> for List {
            type Value = Iterations;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of iterations")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Iterations, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element()? {
                    out.push(item);
                }
                Ok(Iterations(out))
            }
        }
        deserializer.deserialize_seq(List)
    }
}

/// Whether an iteration name matches `.*-fail\d+$` (a failed iteration).
pub fn is_failed_iteration(name: &str) -> bool {
    let Some(pos) = name.rfind("-fail") else {
        return false;
    };
    let digits = &name[pos + 5..];
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

/// Reads one result.json; never fails: problems become broken checks.
pub(super) fn read_result_json(found: FoundFile, include_incorrect: bool) -> FileChecks {
    READ_BUFFER.with(|buffer| match buffer.try_borrow_mut() {
        Ok(mut buffer) => {
            let out = read_into(found, include_incorrect, &mut buffer);
            // Keep no huge buffer alive after an unusually large file.
            if buffer.capacity() > 16 << 20 {
                *buffer = Vec::new();
            }
            out
        }
        Err(_) => read_into(found, include_incorrect, &mut Vec::new()),
    })
}

thread_local! {
    /// File contents, reused from file to file: tens of thousands of
    /// result files would otherwise each allocate and free a buffer.
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Reads the whole file `found` into the start of `buffer` and returns
/// its length. The buffer only grows (zero-filled once), so reading needs
/// no size query per file: open, read until the end, close.
fn read_file(opened: OwnedFd, buffer: &mut Vec<u8>) -> std::io::Result<usize> {
    use std::io::Read;
    let mut file = std::fs::File::from(opened);
    let mut len = 0;
    loop {
        if len == buffer.len() {
            let grow = buffer.len().max(64 << 10);
            buffer.resize(buffer.len() + grow, 0);
        }
        match file.read(&mut buffer[len..]) {
            Ok(0) => return Ok(len),
            Ok(read) => len += read,
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
}

/// [`read_result_json`] with a buffer for the file contents.
fn read_into(found: FoundFile, include_incorrect: bool, buffer: &mut Vec<u8>) -> FileChecks {
    let path = found.file.path.as_path();
    let result_id = found.file.result_id.as_str();
    let unreadable = |problem: ResultError| FileChecks::unreadable(result_id, problem);
    let read = found
        .opened
        .map_err(std::io::Error::from)
        .and_then(|opened| read_file(opened, buffer));
    let bytes = match read {
        Ok(len) => &buffer[..len],
        Err(err) => {
            return unreadable(ResultError::Unreadable {
                path: path.to_path_buf(),
                reason: err.to_string(),
            });
        }
    };
    let iterations = match super::pbench_scan::iterations(bytes) {
        Some(iterations) => iterations,
        None => match serde_json::from_slice::<Iterations>(bytes) {
            Ok(iterations) => iterations.0.into_iter().map(IterationView::from).collect(),
            Err(err) => {
                return unreadable(ResultError::Corrupt {
                    path: path.to_path_buf(),
                    reason: err.to_string(),
                });
            }
        },
    };
    let mut out = FileChecks {
        checks: Vec::new(),
        problems: Vec::new(),
    };
    for iteration in &iterations {
        if !include_incorrect && is_failed_iteration(&iteration.name) {
            continue;
        }
        iteration_checks(path, result_id, iteration, &mut out);
    }
    out
}

/// Appends the mean and stddev checks of every workflow type.
fn iteration_checks(path: &Path, result_id: &str, iteration: &IterationView, out: &mut FileChecks) {
    let IterationParams {
        primary: primary_metrics,
        params,
    } = &*iteration.parameters;
    for (workflow_name, workflow) in ["throughput", "latency"].iter().zip(&iteration.workflows) {
        let Some(workflow) = workflow else { continue };
        for workflow_type in workflow {
            // `{result_id}:./{iteration}/{workflow}/{type}`
            let mut base = String::with_capacity(
                result_id.len() + iteration.name.len() + workflow_type.name.len() + 24,
            );
            for piece in [
                result_id,
                ":./",
                &iteration.name,
                "/",
                workflow_name,
                "/",
                &workflow_type.name,
            ] {
                base.push_str(piece);
            }
            let Some(all) = &workflow_type.all else {
                let problem = ResultError::NoAllClient {
                    path: path.to_path_buf(),
                    check: format!("{base}.mean"),
                };
                out.problems.push(problem);
                continue;
            };
            let primary = primary_metrics.contains(&workflow_type.name);
            for (suffix, field, raw) in [
                ("mean", "mean", &all.mean),
                ("stddev", "stddevpct", &all.stddevpct),
            ] {
                let mut name = String::with_capacity(base.len() + 7);
                name.push_str(&base);
                name.push('.');
                name.push_str(suffix);
                let value = match number(raw.as_ref()) {
                    Ok(value) => value,
                    Err(reason) => {
                        let reason = format!("{field} {reason}");
                        out.problems.push(ResultError::BadValue {
                            path: path.to_path_buf(),
                            check: name.clone(),
                            reason: reason.clone(),
                        });
                        CheckValue::Broken(format!("{}: {reason}", path.display()))
                    }
                };
                out.checks.push(Check {
                    name,
                    value,
                    primary,
                    params: params.clone(),
                });
            }
        }
    }
}

/// A JSON value as a check number, or why it is not one.
fn number(value: Option<&Value>) -> Result<CheckValue, String> {
    match value {
        None | Some(Value::Null) => Err("is missing".into()),
        Some(Value::Number(number)) => {
            if let Some(int) = number.as_i64() {
                Ok(CheckValue::Int(int))
            } else if let Some(float) = number.as_f64() {
                Ok(CheckValue::Float(float))
            } else {
                Err(format!("is not a usable number ({number})"))
            }
        }
        Some(Value::String(text)) => Err(format!("is a string ({text:?}), expected a number")),
        Some(other) => Err(format!("is not a number ({other})")),
    }
}

/// Primary metrics and rendered params of an iteration.
pub(super) fn parameters(parameters: &Parameters) -> IterationParams {
    let mut primary = Vec::new();
    let mut params = Vec::new();
    for (i, benchmark) in parameters.benchmark.iter().flatten().enumerate() {
        match benchmark.get("primary_metric") {
            Some(Value::String(metric)) if !metric.is_empty() => primary.push(metric.clone()),
            _ => {}
        }
        let rendered: Vec<String> = benchmark
            .iter()
            .map(|(key, value)| format!("{key}:{}", python_str(value)))
            .collect();
        params.push((i.to_string(), rendered.join("\n")));
    }
    for (i, user) in parameters.user.iter().flatten().enumerate() {
        if let Some(profile) = &user.profile {
            params.push((
                format!("user{i}"),
                format!("profile: {}", python_str(profile)),
            ));
        }
    }
    IterationParams {
        primary,
        params: Arc::new(params),
    }
}

/// A JSON value rendered roughly as Python's `str()` of the loaded value.
fn python_str(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(number) => match number.as_i64() {
            Some(int) => int.to_string(),
            None => super::check::python_float_repr(number.as_f64().unwrap_or(f64::NAN)),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::is_failed_iteration;

    #[test]
    fn failed_iteration_names() {
        assert!(is_failed_iteration("read-4KiB-fail1"));
        assert!(is_failed_iteration("x-fail12"));
        assert!(!is_failed_iteration("read-4KiB-fail"));
        assert!(!is_failed_iteration("read-4KiB-fail1x"));
        assert!(!is_failed_iteration("read-4KiB"));
    }
}
