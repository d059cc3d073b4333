//! Phrases shared by diagnostic messages, so that every check names things the same way.

use std::fmt::Write;

use crate::spec::StateKind;

/// More names than this are summed up as "and N more": a message stays one readable line.
const LISTED_NAMES: usize = 6;

/// `names` in backticks as an English list: "`A`", "`A` and `B`", "`A`, `B` and `C`".
pub(super) fn list<'a>(names: impl IntoIterator<Item = &'a str>, conjunction: &str) -> String {
    let names: Vec<&str> = names.into_iter().collect();
    let (shown, hidden) = if names.len() > LISTED_NAMES {
        (&names[..LISTED_NAMES - 1], names.len() - (LISTED_NAMES - 1))
    } else {
        (&names[..], 0)
    };
    let mut text = String::new();
    for (position, name) in shown.iter().enumerate() {
        let last_shown = position + 1 == shown.len();
        if position > 0 {
            text.push_str(if last_shown && hidden == 0 {
                conjunction
            } else {
                ", "
            });
        }
        let _ = write!(text, "`{name}`");
    }
    if hidden > 0 {
        let _ = write!(text, "{conjunction}{hidden} more");
    }
    text
}

/// What a declaration declares, for "already declared as …": "a step running `ship`".
pub(super) fn describe(kind: &StateKind) -> String {
    match kind {
        StateKind::Step(step) => format!("a step running `{}`", step.action),
        StateKind::Wait(wait) => format!("a wait for `{}`", wait.event),
        StateKind::Success => "a success end".to_owned(),
        StateKind::Failure => "a failure end".to_owned(),
    }
}

/// The end's keyword: "success" or "failure" (empty for states that are no end).
pub(super) fn end_keyword(kind: &StateKind) -> &'static str {
    match kind {
        StateKind::Success => "success",
        StateKind::Failure => "failure",
        StateKind::Step(_) | StateKind::Wait(_) => "",
    }
}

/// What the edges of a state map: an action's instructions or a wait's events.
pub(super) fn edge_noun(kind: &StateKind) -> &'static str {
    match kind {
        StateKind::Wait(_) => "event",
        _ => "instruction",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_english() {
        assert_eq!(list(["A"], " and "), "`A`");
        assert_eq!(list(["A", "B"], " and "), "`A` and `B`");
        assert_eq!(list(["A", "B", "C"], " or "), "`A`, `B` or `C`");
        assert_eq!(
            list(["A", "B", "C", "D", "E", "F", "G", "H"], " and "),
            "`A`, `B`, `C`, `D`, `E` and 3 more"
        );
    }
}
