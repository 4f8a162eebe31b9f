//! `history-perf ack|dismiss|reopen ID [--note TEXT]`: triage of the
//! changes `history-perf detect` reported on the store, kept there with
//! when it happened (docs/detect.md, "Triage").

use std::io::Write;

use anyhow::bail;

use crate::history::Store;
use crate::history::triage::{Action, KnownChange, is_change_id};

/// The change and the note.
#[derive(Debug, clap::Args)]
pub struct TriageArgs {
    /// The change id: the first word of its `detect` line (16 hex digits).
    #[arg(value_name = "ID")]
    pub id: String,
    /// Why (kept with the event and shown in the reports).
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

/// How a change reads in a message: `step regression CHECK [FP], builds
/// GOOD..BAD`.
fn describe(c: &KnownChange) -> String {
    format!(
        "{} {} {} [{}], builds {}..{}",
        c.class,
        c.direction,
        c.check,
        c.fingerprint,
        c.last_good.as_deref().unwrap_or("-"),
        c.first_bad
    )
}

/// Records `action` on the change `args.id` and says what was done.
pub fn run(
    out: &mut dyn Write,
    store: &mut dyn Store,
    args: &TriageArgs,
    action: Action,
) -> anyhow::Result<()> {
    let id = args.id.trim().to_ascii_lowercase();
    if !is_change_id(&id) {
        bail!(
            "{:?} is not a change id: an id is the 16 hex digits that begin a line of `history-perf detect`",
            args.id
        );
    }
    let note = args
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let triaged = store.triage(&id, action, note)?;
    let what = describe(&triaged.change);
    match triaged.recorded {
        Some(event) => writeln!(
            out,
            "{} change {id} ({what}) at {} in {}",
            action.done(),
            event.at,
            store.location()
        )?,
        None => writeln!(
            out,
            "change {id} ({what}) is new already (never acknowledged or dismissed, or reopened since): nothing to reopen"
        )?,
    }
    Ok(())
}
