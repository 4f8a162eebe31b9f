//! Line differences shown on hover: only the added (`+`) and removed (`-`)
//! lines, an overview of what changed rather than a patch. Test params are
//! anonymised first so the number of clients does not count as a change.

use similar::{ChangeTag, TextDiff};

use crate::compare::Record;
use crate::results::Check;

/// `+`/`-` lines turning `old` into `new` (empty when equal).
pub fn changed_lines(old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let diff = TextDiff::from_slices(&old_lines, &new_lines);
    let mut out = Vec::new();
    for change in diff.iter_all_changes() {
        match change.tag() {
            ChangeTag::Delete => out.push(format!("-{}", change.value())),
            ChangeTag::Insert => out.push(format!("+{}", change.value())),
            ChangeTag::Equal => {}
        }
    }
    out.join("\n")
}

/// Sorted param lines with the `clients:` list reduced to its length.
pub fn anonymized_params(value: &str) -> String {
    let mut lines: Vec<String> = value
        .lines()
        .map(|line| {
            if line.starts_with("clients:") {
                format!("clients:<count>{}", line.matches(',').count() + 1)
            } else {
                line.to_string()
            }
        })
        .collect();
    lines.sort();
    lines.join("\n")
}

/// Differences of a check's params from the source's, one block per
/// params key (`""` when they agree).
pub fn params_diff(source: &[(String, String)], params: &[(String, String)]) -> String {
    let mut blocks = Vec::new();
    let heading = |key: &str| format!("{key}\n{}", "=".repeat(key.chars().count()));
    for (key, value) in params.iter().filter(|(_, value)| !value.is_empty()) {
        let diff = match source.iter().find(|(k, _)| k == key) {
            Some((_, src)) => changed_lines(&anonymized_params(src), &anonymized_params(value)),
            None => "+missing in the source".into(),
        };
        if !diff.is_empty() {
            blocks.push(format!("{}\n{diff}", heading(key)));
        }
    }
    for (key, _) in source.iter().filter(|(_, value)| !value.is_empty()) {
        if !params.iter().any(|(k, _)| k == key) {
            blocks.push(format!("{}\n-missing in this build", heading(key)));
        }
    }
    blocks.join("\n")
}

/// The params difference of `record` from its source check, None when
/// they agree, the source lacks the check or the build lacks it (a missing
/// check has no params; that is not a change of params).
pub fn record_params_diff(source: Option<&Check>, record: &Record) -> Option<String> {
    let missing = record.params.is_empty() && !record.errors.is_empty();
    let source = source.filter(|_| !missing)?;
    let diff = params_diff(&source.params, &record.params);
    (!diff.is_empty()).then_some(diff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_lines() {
        assert_eq!(changed_lines("a\nb\nc", "a\nB\nc"), "-b\n+B");
        assert_eq!(changed_lines("same", "same"), "");
    }

    #[test]
    fn params_ignore_client_names_and_order() {
        let src = vec![("0".to_string(), "clients:a,b\nruntime:60".to_string())];
        let same = vec![("0".to_string(), "runtime:60\nclients:c,d".to_string())];
        assert_eq!(params_diff(&src, &same), "");
        let other = vec![("0".to_string(), "runtime:30\nclients:c,d".to_string())];
        assert_eq!(params_diff(&src, &other), "0\n=\n-runtime:60\n+runtime:30");
        assert!(params_diff(&src, &[]).contains("-missing in this build"));
    }
}
