//! Environments recorded in `RUNPERF_METADATA` (`environment_world` and
//! one `environment_profile_NAME` per profile, each a JSON list with one
//! object of sections per machine) and their differences from the source.
//!
//! Sections named `X_raw` hold the value to copy for `X`; the diff uses
//! `X` (which may carry filtered text), the copied JSON uses `X_raw`.

use serde_json::{Map, Value};

use super::diff::changed_lines;
use crate::results::Metadata;

/// Name of the row of the world environment.
pub const WORLD: &str = "World";

/// All environments of one build: `World` and each profile, per machine.
#[derive(Debug, Default)]
pub struct Environment {
    rows: Vec<(String, Vec<Value>)>,
}

/// How one machine's environment compares with the source's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changed {
    /// This many sections differ (0: same as the source).
    Sections(usize),
    /// The source has no such profile or machine.
    NotInSource,
    /// This build lacks a profile the source has.
    NotInBuild,
}

/// One machine's difference from the source.
#[derive(Debug, Clone)]
pub struct MachineDiff {
    /// `+`/`-` lines per section (empty when equal).
    pub text: String,
    /// Summary of the difference.
    pub changed: Changed,
}

fn parse(value: &str, key: &str, origin: &str) -> Vec<Value> {
    match serde_json::from_str::<Value>(value) {
        Ok(Value::Array(machines)) => machines,
        Ok(Value::Null) => Vec::new(),
        Ok(other) => vec![other],
        Err(err) => {
            tracing::warn!(
                "{origin}: {key} in RUNPERF_METADATA is not JSON ({err}); shown as plain text"
            );
            vec![Value::String(value.to_string())]
        }
    }
}

impl Environment {
    /// Collects the environments of `metadata` (`origin` names the result
    /// in warnings about unreadable values).
    pub fn from_metadata(metadata: &Metadata, origin: &str) -> Self {
        let mut rows = Vec::new();
        if let Some(world) = metadata.get("environment_world") {
            rows.push((WORLD.to_string(), parse(world, "environment_world", origin)));
        }
        for (key, value) in metadata.entries() {
            if let Some(profile) = key.strip_prefix("environment_profile_") {
                let machines = parse(value, key, origin);
                match rows.iter_mut().find(|(name, _)| name == profile) {
                    Some(row) => row.1 = machines,
                    None => rows.push((profile.to_string(), machines)),
                }
            }
        }
        Self { rows }
    }

    /// Machines of `row` (None when the build has no such environment).
    pub fn machines(&self, row: &str) -> Option<&[Value]> {
        self.rows
            .iter()
            .find(|(name, machines)| name == row && !machines.is_empty())
            .map(|(_, machines)| machines.as_slice())
    }

    /// Profiles with an environment, in metadata order.
    pub fn profiles(&self) -> impl Iterator<Item = &str> {
        self.rows
            .iter()
            .filter(|(name, machines)| name != WORLD && !machines.is_empty())
            .map(|(name, _)| name.as_str())
    }

    /// The JSON to copy for `row`: sections replaced by their `_raw` value.
    pub fn raw_json(&self, row: &str) -> Option<String> {
        let machines: Vec<Value> = self.machines(row)?.iter().map(raw_machine).collect();
        serde_json::to_string_pretty(&machines).ok()
    }

    /// Differences of each machine of `row` from `source`.
    pub fn diff(&self, source: &Environment, row: &str) -> Vec<MachineDiff> {
        let src = source.machines(row).unwrap_or(&[]);
        match self.machines(row) {
            Some(machines) => machines
                .iter()
                .enumerate()
                .map(|(i, machine)| match src.get(i) {
                    Some(src) => machine_diff(src, machine),
                    None => MachineDiff {
                        text: format!("+{row} (machine {}) is not in the source", i + 1),
                        changed: Changed::NotInSource,
                    },
                })
                .collect(),
            None if !src.is_empty() => vec![MachineDiff {
                text: format!("-{row} is missing in this build"),
                changed: Changed::NotInBuild,
            }],
            None => Vec::new(),
        }
    }
}

fn raw_machine(machine: &Value) -> Value {
    let Value::Object(sections) = machine else {
        return machine.clone();
    };
    let mut out = Map::new();
    for (key, value) in sections {
        if key.ends_with("_raw") {
            continue;
        }
        let raw = sections.get(&format!("{key}_raw")).unwrap_or(value);
        out.insert(key.clone(), raw.clone());
    }
    Value::Object(out)
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    }
}

fn sections(machine: &Value) -> Vec<(String, &Value)> {
    match machine {
        Value::Object(map) => map
            .iter()
            .filter(|(key, _)| !key.ends_with("_raw"))
            .map(|(key, value)| (key.clone(), value))
            .collect(),
        other => vec![("value".to_string(), other)],
    }
}

fn machine_diff(src: &Value, this: &Value) -> MachineDiff {
    let src_sections = sections(src);
    let this_sections = sections(this);
    let mut blocks = Vec::new();
    let mut changed = 0;
    let mut missing = Vec::new();
    for (key, value) in &this_sections {
        match src_sections.iter().find(|(k, _)| k == key) {
            Some((_, src_value)) => {
                let diff = changed_lines(&as_text(src_value), &as_text(value));
                if !diff.is_empty() {
                    changed += 1;
                    blocks.push(format!(
                        "{key}\n{}\n{diff}",
                        "=".repeat(key.chars().count())
                    ));
                }
            }
            None => missing.push(format!("+{key} (not in the source)")),
        }
    }
    for (key, _) in &src_sections {
        if !this_sections.iter().any(|(k, _)| k == key) {
            missing.push(format!("-{key} (missing in this build)"));
        }
    }
    if !missing.is_empty() {
        changed += missing.len();
        blocks.push(format!(
            "Sections not in both\n====================\n{}",
            missing.join("\n")
        ));
    }
    MachineDiff {
        text: blocks.join("\n\n"),
        changed: Changed::Sections(changed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(world: &str) -> Environment {
        Environment {
            rows: vec![(WORLD.into(), parse(world, "environment_world", "test"))],
        }
    }

    #[test]
    fn diffs_sections_and_copies_raw_values() {
        let src = env(r#"[{"kernel": "5.0\nx86_64", "cpu": "4"}]"#);
        let this = env(r#"[{"kernel": "5.6\nx86_64", "kernel_raw": "5.6", "mem": "8"}]"#);
        let diff = this.diff(&src, WORLD);
        assert_eq!(diff.len(), 1);
        assert_eq!(diff[0].changed, Changed::Sections(3));
        assert!(diff[0].text.contains("-5.0\n+5.6"), "{}", diff[0].text);
        assert!(diff[0].text.contains("-cpu (missing in this build)"));
        let raw = this.raw_json(WORLD).unwrap_or_default();
        assert!(raw.contains("\"kernel\": \"5.6\""), "{raw}");
        assert!(!raw.contains("kernel_raw"));
        assert_eq!(src.diff(&src, WORLD)[0].changed, Changed::Sections(0));
        assert_eq!(env("not json").machines(WORLD).map(|m| m.len()), Some(1));
    }
}
