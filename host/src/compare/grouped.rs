//! Grouped checks: primary mean scores averaged over checks whose names
//! agree once some name parts are replaced by `*`.

use super::record::Record;
use super::statistics::uncertainty;
use crate::log_note::LogNote;
use crate::name_map::NameMap;
use crate::numpy::average;

/// The parts of a check name, as the reference's pattern
/// `P/T/S:./ITERATION/WORKFLOW/TYPE.KIND` splits it.
struct NameParts<'a> {
    profile: &'a str,
    test: &'a str,
    serial: &'a str,
    iteration: &'a str,
    workflow: &'a str,
    workflow_type: &'a str,
    kind: &'a str,
}

/// Splits `name` like the reference's regular expression
/// `([^/]+)/([^/]+)/([^:]+):./([^/]+)/([^/]+)/([^\.]+)\.(.+)`.
fn split(name: &str) -> Option<NameParts<'_>> {
    fn take(rest: &str, stop: char) -> Option<(&str, &str)> {
        let end = rest.find(stop)?;
        (end > 0).then(|| (&rest[..end], &rest[end + stop.len_utf8()..]))
    }
    let (profile, rest) = take(name, '/')?;
    let (test, rest) = take(rest, '/')?;
    let (serial, rest) = take(rest, ':')?;
    let mut chars = rest.chars();
    let any = chars.next().filter(|c| *c != '\n')?;
    let rest = &rest[any.len_utf8()..];
    let rest = rest.strip_prefix('/')?;
    let (iteration, rest) = take(rest, '/')?;
    let (workflow, rest) = take(rest, '/')?;
    let (workflow_type, rest) = take(rest, '.')?;
    let kind = rest.split('\n').next().unwrap_or("");
    if kind.is_empty() {
        return None;
    }
    Some(NameParts {
        profile,
        test,
        serial,
        iteration,
        workflow,
        workflow_type,
        kind,
    })
}

/// `name` with the parts listed in `merge` replaced by `*` (`profile`,
/// `test`, `serial`, `iteration_name`, `iteration_name_extra` (after the
/// first `-`), `workflow`, `workflow_type`, `check_type`). Names the
/// pattern does not fit are returned unchanged (the reference crashes).
pub fn merged_name(name: &str, merge: &[&str]) -> String {
    merged_or_note(name, merge).unwrap_or_else(|note| {
        note.emit();
        name.to_string()
    })
}

/// [`merged_name`], or the debug note to log when `name` does not fit the
/// pattern (and is used unchanged).
fn merged_or_note<'a>(name: &'a str, merge: &[&str]) -> Result<String, LogNote> {
    if merge.is_empty() {
        return Ok(name.to_string());
    }
    let Some(parts) = split(name) else {
        return Err(LogNote::new(
            tracing::Level::DEBUG,
            format!("{name}: not a PROFILE/TEST/SERIAL:./ITER/WORKFLOW/TYPE.KIND name, not merged"),
        ));
    };
    let pick =
        |key: &str, value: &'a str| -> &'a str { if merge.contains(&key) { "*" } else { value } };
    let (iteration_name, extra) = parts
        .iteration
        .split_once('-')
        .unwrap_or((parts.iteration, "*"));
    // `P/T/S:./ITER-EXTRA/WORKFLOW/TYPE.KIND`
    let pieces = [
        pick("profile", parts.profile),
        "/",
        pick("test", parts.test),
        "/",
        pick("serial", parts.serial),
        ":./",
        pick("iteration_name", iteration_name),
        "-",
        pick("iteration_name_extra", extra),
        "/",
        pick("workflow", parts.workflow),
        "/",
        pick("workflow_type", parts.workflow_type),
        ".",
        pick("check_type", parts.kind),
    ];
    let mut merged = String::with_capacity(pieces.iter().map(|p| p.len()).sum());
    for piece in pieces {
        merged.push_str(piece);
    }
    Ok(merged)
}

/// The three groupings of the reference, in order.
pub const GROUPINGS: [&[&str]; 3] = [
    &["iteration_name_extra"],
    &["iteration_name_extra", "profile"],
    ALL_BUT_PROFILE,
];

/// Every name part but the profile: merges the checks of one profile.
pub const ALL_BUT_PROFILE: &[&str] = &[
    "test",
    "serial",
    "iteration_name",
    "iteration_name_extra",
    "workflow",
    "workflow_type",
];

/// A grouped check to record: name, averaged score and its tolerance.
pub struct Group {
    /// Merged name.
    pub name: String,
    /// Average score of the members.
    pub score: f64,
    /// `mean_tolerance * uncertainty(members) / 2`.
    pub tolerance: f64,
}

/// Groups of the primary, non-error mean records, grouping by grouping,
/// each in order of first appearance; plus the debug notes about names
/// that do not fit the pattern.
pub fn groups(records: &[Record], mean_tolerance: f64) -> (Vec<Group>, Vec<LogNote>) {
    let members: Vec<(&str, f64)> = records
        .iter()
        .filter(|r| r.primary && !r.is_stddev())
        .filter_map(|r| {
            let (status, score) = r.verdict();
            (status != super::status::Status::Error).then_some((&*r.name, score))
        })
        .collect();
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for merge in GROUPINGS {
        let mut order: Vec<String> = Vec::new();
        let mut values: NameMap<String, Vec<f64>> = NameMap::default();
        for (name, score) in &members {
            let merged = merged_or_note(name, merge).unwrap_or_else(|note| {
                notes.push(note);
                name.to_string()
            });
            match values.get_mut(&merged) {
                Some(scores) => scores.push(*score),
                None => {
                    values.insert(merged.clone(), vec![*score]);
                    order.push(merged);
                }
            }
        }
        for name in order {
            let scores = &values[&name];
            out.push(Group {
                score: average(scores),
                tolerance: mean_tolerance * uncertainty(scores.len()) / 2.0,
                name,
            });
        }
    }
    (out, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_like_the_reference() {
        let name = "Localhost/fio/0000:./read-4KiB/throughput/iops_sec.mean";
        assert_eq!(
            merged_name(name, GROUPINGS[0]),
            "Localhost/fio/0000:./read-*/throughput/iops_sec.mean"
        );
        assert_eq!(
            merged_name(name, GROUPINGS[1]),
            "*/fio/0000:./read-*/throughput/iops_sec.mean"
        );
        assert_eq!(
            merged_name(name, GROUPINGS[2]),
            "Localhost/*/*:./*-*/*/*.mean"
        );
        assert_eq!(
            merged_name("P/T/S:./ERROR/ERROR/ERROR.error", GROUPINGS[0]),
            "P/T/S:./ERROR-*/ERROR/ERROR.error"
        );
        assert_eq!(
            merged_name("P/T/S:./read/a/b/iops.x.mean", &["profile"]),
            "*/T/S:./read-*/a/b/iops.x.mean"
        );
        assert_eq!(merged_name("bad name", GROUPINGS[0]), "bad name");
    }
}
