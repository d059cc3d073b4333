//! The journal: the ordered record of what an instance did. It drives compensation and audit,
//! and it is bounded: past its cap, entries compensation no longer needs are dropped first.

use std::borrow::Cow;
use std::time::SystemTime;

/// What a journal entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JournalKind {
    /// An action ran and its instruction moved the instance.
    Step,
    /// A signal or a deadline moved a waiting instance.
    Signal,
    /// A completed step was undone.
    Compensation,
    /// An operator changed the instance (pause, resume, cancel, retry, skip).
    Operator,
    /// An attempt failed (an error, a timeout, a panic): `action` is what failed, and
    /// `instruction` holds the error's message.
    Failure,
    /// The router chose the instance's flow version: `action` says why (the rule, the
    /// split), `instruction` names the variant.
    Route,
}

/// What chaos did to a journal entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Injected {
    /// The attempt's failure was injected: the failure entry is chaos's.
    Failure,
    /// Chaos answered for the action with a drawn instruction: the action did not run, so
    /// compensation has nothing of it to undo.
    Answer,
    /// Chaos delayed the attempt; the action ran.
    Latency,
}

/// One thing an instance did.
#[derive(Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct JournalEntry {
    /// The instance's step counter when this happened; a compensation names the step it undid.
    pub step: u64,
    /// What kind of entry this is.
    pub kind: JournalKind,
    /// The action (for a signal the event type, for a compensation the undo action, for an
    /// operator entry the instruction given).
    pub action: Cow<'static, str>,
    /// The instruction returned, the event received, or who acted.
    pub instruction: Cow<'static, str>,
    /// The state the instance was in.
    pub from: Cow<'static, str>,
    /// The state the instance moved to.
    pub to: Cow<'static, str>,
    /// The attempt that succeeded.
    pub attempt: u32,
    /// Whether the step's action has a compensation (what compaction must keep).
    pub compensable: bool,
    /// What chaos did here, if anything (see [`crate::chaos`]). Absent in records written
    /// before chaos existed and in every entry chaos did not touch, so those read and write
    /// as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub injected: Option<Injected>,
    /// When it was recorded.
    pub at: SystemTime,
    /// For a signal sent with [`Engine::signal_as`](crate::Engine::signal_as) or with data:
    /// who sent it and which payload. Absent in journals written before signals carried data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<Box<SignalNote>>,
}

/// Cloned by hand: the memory store copies every step's entry into its record, and the
/// derived clone (a call per entry, the whole entry built aside and copied) cost about 130
/// instructions where the common entry (names from the flow's table, no signal) needs a
/// dozen stores.
impl Clone for JournalEntry {
    // Always inlined: built where the clone goes (a journal's buffer), not aside and copied.
    #[inline(always)]
    fn clone(&self) -> Self {
        Self {
            step: self.step,
            kind: self.kind,
            action: clone_name(&self.action),
            instruction: clone_name(&self.instruction),
            from: clone_name(&self.from),
            to: clone_name(&self.to),
            attempt: self.attempt,
            compensable: self.compensable,
            injected: self.injected,
            at: self.at,
            signal: self.signal.clone(),
        }
    }
}

/// A name of an entry: a borrowed one (the flow table's) is copied, an owned one cloned.
#[inline]
#[expect(
    clippy::ptr_arg,
    reason = "which of the two the name is decides the copy, so it takes the `Cow`"
)]
fn clone_name(name: &Cow<'static, str>) -> Cow<'static, str> {
    match name {
        Cow::Borrowed(name) => Cow::Borrowed(name),
        Cow::Owned(name) => Cow::Owned(clone_owned(name)),
    }
}

#[inline(never)]
fn clone_owned(name: &str) -> String {
    name.to_owned()
}

/// Who sent a signal and what it carried, as its journal entry records it. The payload itself
/// is kept with the instance's context (the last one); the journal keeps its size and digest,
/// so that every payload an instance received is accounted for without the journal growing
/// with them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignalNote {
    /// Who sent it (a person, a service, an API token's name), when the sender said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The payload's size as stored (compact JSON), 0 for none.
    pub payload_bytes: usize,
    /// The SHA-256 of the payload as stored, in hex; `None` for a signal without data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_sha256: Option<String>,
}

/// Keeps `journal` within `cap` entries, dropping the oldest entries that compensation does
/// not need: compensable steps not yet undone are kept whatever the cap, so a saga can always
/// undo what it did.
#[inline]
pub fn compact(journal: &mut Vec<JournalEntry>, cap: usize) {
    // Checked on every step, past the cap rarely: the check is inlined, the work is not.
    if journal.len() > cap {
        compact_past_cap(journal, cap);
    }
}

#[inline(never)]
fn compact_past_cap(journal: &mut Vec<JournalEntry>, cap: usize) {
    let mut excess = journal.len() - cap;
    let undone: Vec<u64> = journal
        .iter()
        .filter(|entry| entry.kind == JournalKind::Compensation)
        .map(|entry| entry.step)
        .collect();
    let needed =
        |entry: &JournalEntry| is_pending_compensation(entry) && !undone.contains(&entry.step);
    journal.retain(|entry| {
        if excess > 0 && !needed(entry) {
            excess -= 1;
            false
        } else {
            true
        }
    });
}

fn is_pending_compensation(entry: &JournalEntry) -> bool {
    entry.kind == JournalKind::Step && entry.compensable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cloned_entry_equals_its_original_with_owned_names_and_a_signal() {
        let entry = JournalEntry {
            step: 7,
            kind: JournalKind::Signal,
            action: Cow::Owned("signal".to_owned()),
            instruction: Cow::Borrowed("Approve"),
            from: Cow::Owned("Review".to_owned()),
            to: Cow::Borrowed("Approved"),
            attempt: 2,
            compensable: true,
            injected: Some(Injected::Latency),
            at: SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1234),
            signal: Some(Box::new(SignalNote {
                actor: Some("rita".to_owned()),
                payload_bytes: 12,
                payload_sha256: Some("ab".repeat(32)),
            })),
        };
        let copy = entry.clone();
        assert_eq!(copy, entry);
        assert!(
            matches!(copy.action, Cow::Owned(_)),
            "an owned name stays owned"
        );
        assert!(matches!(copy.instruction, Cow::Borrowed(_)));
        drop(entry);
        assert_eq!(copy.from, "Review", "the copy owns its names");
    }

    fn step(step: u64, compensable: bool) -> JournalEntry {
        JournalEntry {
            step,
            kind: JournalKind::Step,
            action: "a".into(),
            instruction: "Done".into(),
            from: "A".into(),
            to: "B".into(),
            attempt: 1,
            compensable,
            injected: None,
            at: SystemTime::UNIX_EPOCH,
            signal: None,
        }
    }

    #[test]
    fn entries_written_before_chaos_read_as_not_injected_and_write_as_before() {
        let old = r#"{"step":3,"kind":"failure","action":"charge","instruction":"declined","from":"Paid","to":"Paid","attempt":1,"compensable":false,"at":{"secs_since_epoch":0,"nanos_since_epoch":0}}"#;
        let entry: JournalEntry = serde_json::from_str(old).expect("an old entry decodes");
        assert_eq!(entry.injected, None);
        assert_eq!(serde_json::to_string(&entry).expect("encodes"), old);
        let marked = JournalEntry {
            injected: Some(Injected::Answer),
            ..entry
        };
        let text = serde_json::to_string(&marked).expect("encodes");
        assert!(text.contains(r#""injected":"answer""#), "{text}");
        let back: JournalEntry = serde_json::from_str(&text).expect("decodes");
        assert_eq!(back.injected, Some(Injected::Answer));
    }

    #[test]
    fn compaction_drops_the_oldest_entries_compensation_does_not_need() {
        let mut journal: Vec<_> = (0..10).map(|i| step(i, i % 3 == 0)).collect();
        compact(&mut journal, 6);
        let kept: Vec<u64> = journal.iter().map(|e| e.step).collect();
        assert_eq!(kept, [0, 3, 6, 7, 8, 9]);
    }

    #[test]
    fn compensable_steps_survive_even_past_the_cap() {
        let mut journal: Vec<_> = (0..5).map(|i| step(i, true)).collect();
        compact(&mut journal, 2);
        assert_eq!(journal.len(), 5);
    }

    #[test]
    fn undone_steps_may_go() {
        let mut journal = vec![step(0, true), step(1, true)];
        journal.push(JournalEntry {
            kind: JournalKind::Compensation,
            ..step(1, false)
        });
        compact(&mut journal, 2);
        let kept: Vec<(u64, JournalKind)> = journal.iter().map(|e| (e.step, e.kind)).collect();
        assert_eq!(
            kept,
            [(0, JournalKind::Step), (1, JournalKind::Compensation)]
        );
    }

    #[test]
    fn an_entry_journaled_before_signals_carried_data_still_decodes() {
        let stored = r#"{"step":1,"kind":"signal","action":"ReviewDecision","instruction":"Approve","from":"InReview","to":"Approved","attempt":1,"compensable":false,"at":{"secs_since_epoch":1,"nanos_since_epoch":0}}"#;
        let entry: JournalEntry = serde_json::from_str(stored).expect("decodes");
        assert_eq!(entry.kind, JournalKind::Signal);
        assert_eq!(entry.signal, None);
        // And an entry without a note is written as before, without the field.
        let written = serde_json::to_string(&entry).expect("encodes");
        assert!(!written.contains("signal\":"), "{written}");
    }
}
