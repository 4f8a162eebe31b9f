//! Triage of the changes `history-perf detect` reports: the store keeps
//! the changes a detection on it reported ([`KnownChange`], so that
//! `ack ID` knows the id) and every `ack`, `dismiss` and `reopen` of them
//! ([`TriageEvent`]); the latest event gives the [`State`].

/// What a triage event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `history-perf ack`: known, being dealt with; no longer fails.
    Ack,
    /// `history-perf dismiss`: not a real change; no longer fails.
    Dismiss,
    /// `history-perf reopen`: new again.
    Reopen,
}

impl Action {
    /// The stored (and JSON) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ack => "ack",
            Self::Dismiss => "dismiss",
            Self::Reopen => "reopen",
        }
    }

    /// The action of a stored name.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Ack, Self::Dismiss, Self::Reopen]
            .into_iter()
            .find(|a| a.as_str() == text)
    }

    /// The past tense the reports use.
    pub fn done(self) -> &'static str {
        match self {
            Self::Ack => "acknowledged",
            Self::Dismiss => "dismissed",
            Self::Reopen => "reopened",
        }
    }
}

/// One triage event of a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriageEvent {
    /// What was done.
    pub action: Action,
    /// When (UTC, RFC 3339, seconds).
    pub at: String,
    /// The `--note` given, if any.
    pub note: Option<String>,
}

/// Where a change stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    /// Never triaged, or reopened: a recent regression fails detect.
    New,
    /// Acknowledged.
    Acknowledged,
    /// Dismissed.
    Dismissed,
}

impl State {
    /// The state after `events` (oldest first).
    pub fn of(events: &[TriageEvent]) -> Self {
        match events.last().map(|e| e.action) {
            Some(Action::Ack) => Self::Acknowledged,
            Some(Action::Dismiss) => Self::Dismissed,
            Some(Action::Reopen) | None => Self::New,
        }
    }

    /// The name the reports use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Acknowledged => "acknowledged",
            Self::Dismissed => "dismissed",
        }
    }
}

/// A change as a detection on the store reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownChange {
    /// The change id (16 hex digits).
    pub id: String,
    /// The series' fingerprint.
    pub fingerprint: String,
    /// The series' check.
    pub check: String,
    /// `step` or `outlier`, as last reported.
    pub class: String,
    /// `regression` or `improvement`, as last reported.
    pub direction: String,
    /// The last good build, as last reported.
    pub last_good: Option<String>,
    /// The first bad build.
    pub first_bad: String,
}

/// What [`super::Store::triage`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Triaged {
    /// The change.
    pub change: KnownChange,
    /// The event recorded; `None` for a reopen of a change that is new
    /// already (nothing to record).
    pub recorded: Option<TriageEvent>,
}

/// Whether `id` has the form of a change id: 16 hex digits.
pub fn is_change_id(id: &str) -> bool {
    id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(action: Action) -> TriageEvent {
        TriageEvent {
            action,
            at: "2026-01-01T00:00:00Z".into(),
            note: None,
        }
    }

    #[test]
    fn the_latest_event_gives_the_state() {
        assert_eq!(State::of(&[]), State::New);
        assert_eq!(State::of(&[event(Action::Ack)]), State::Acknowledged);
        assert_eq!(
            State::of(&[event(Action::Ack), event(Action::Reopen)]),
            State::New
        );
        assert_eq!(
            State::of(&[event(Action::Reopen), event(Action::Dismiss)]),
            State::Dismissed
        );
        for action in [Action::Ack, Action::Dismiss, Action::Reopen] {
            assert_eq!(Action::parse(action.as_str()), Some(action));
        }
        assert_eq!(Action::parse("acked"), None);
    }

    #[test]
    fn change_ids_are_16_hex_digits() {
        assert!(is_change_id("5f0c00aa12bc9e01"));
        assert!(!is_change_id("5f0c00aa12bc9e0"));
        assert!(!is_change_id("5f0c00aa12bc9e0g"));
        assert!(!is_change_id("5f0c00aa12bc9e01 "));
    }
}
