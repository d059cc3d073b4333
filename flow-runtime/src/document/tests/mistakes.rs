//! Each structural mistake is reported, all at once, at its line and column.

use super::{places, problems};

#[test]
fn malformed_toml_is_reported_at_its_line() {
    let found = problems("[[flow]]\nname = \"Checkout\"\ndata = \"Order\nstart = \"Created\"\n");
    assert_eq!(found[0].code, "document::syntax");
    assert_eq!(found[0].line, 3);
    assert!(found.iter().all(|d| d.code == "document::syntax"));
}

#[test]
fn unknown_keys_get_a_suggestion_and_are_all_reported() {
    let found = problems(
        r#"[[flow]]
name = "F"
data = "json"
strat = "A"
success = ["B"]

[[flow.state]]
name = "A"
action = "go"
nxt = "B"
retry = { attempts = 2, backof = "fixed(1s)" }

[[action]]
name = "go"
script = "1"
compensation = "2"
"#,
    );
    assert_eq!(
        places(&found),
        [
            ("document::unknown_key", 4, 1),
            ("document::unknown_key", 10, 1),
            ("document::unknown_key", 11, 25),
            ("document::unknown_key", 16, 1),
        ]
    );
    let helps: Vec<_> = found.iter().map(|d| d.help.as_deref()).collect();
    assert_eq!(
        helps,
        [
            Some("did you mean `start`?"),
            Some("did you mean `next`?"),
            Some("did you mean `backoff`?"),
            Some("did you mean `compensate`?"),
        ]
    );
    assert_eq!(found[0].message, "unknown key `strat` in a flow");
}

#[test]
fn bad_durations_say_what_is_wrong_at_the_string() {
    let found = problems(
        r#"[[flow]]
name = "F"
data = "json"
start = "A"
success = ["B"]

[[flow.state]]
name = "A"
action = "go"
next = "B"
timeout = "2w"

[[flow.state]]
name = "W"
wait = "E"
timeout = "48"
on_timeout = "B"

[[action]]
name = "go"
script = "1"
retry = { attempts = 0, backoff = "exponential(50ms, 2)" }
"#,
    );
    assert_eq!(
        places(&found),
        [
            ("document::bad_duration", 11, 11),
            ("document::bad_duration", 16, 11),
            ("document::bad_value", 22, 22),
        ]
    );
    assert_eq!(found[0].message, "unknown duration unit `w`");
    assert_eq!(found[1].message, "duration `48` has no unit");
    assert_eq!(
        found[1].help.as_deref(),
        Some("use one of `ms`, `s`, `m`, `h`, `d`, as in `250ms` or `48h`")
    );
    assert_eq!(
        found[2].message,
        "`attempts = 0` would never run the action"
    );
}

#[test]
fn contradictory_and_missing_keys_of_states() {
    let found = problems(
        r#"[[flow]]
name = "F"
data = "json"
start = "A"
success = ["B"]

[[flow.state]]
name = "A"
action = "go"
wait = "E"

[[flow.state]]
name = "C"
action = "go"
next = "B"
on = { X = "B" }

[[flow.state]]
name = "D"

[[flow.state]]
action = "go"
next = "B"

[[flow.state]]
name = "W"
wait = "E"
timeout = "1h"
"#,
    );
    assert_eq!(
        places(&found),
        [
            ("document::action_and_wait", 10, 1),
            ("document::next_and_on", 15, 1),
            ("document::missing_action", 19, 8),
            ("document::missing_key", 21, 1),
            ("document::missing_key", 28, 1),
        ]
    );
    assert_eq!(found[0].message, "state `A` has both `action` and `wait`");
    assert_eq!(found[1].message, "step `C` has both `next` and `on`");
    assert_eq!(found[3].message, "a state has no `name`");
    assert_eq!(
        found[4].message,
        "wait `W` has a `timeout` but no `on_timeout`"
    );
}

#[test]
fn a_flow_without_name_or_data_and_misplaced_keys() {
    let found = problems(
        r#"[[flow]]
start = "A"

[[flow.state]]
name = "A"
action = "go"
next = "B"
on_timeout = "B"

[[flow.state]]
name = "W"
wait = "E"
timeout = "never"
on_timeout = "B"
"#,
    );
    let codes: Vec<_> = found.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "document::missing_key",
            "document::missing_key",
            "document::misplaced_key",
            "document::misplaced_key",
        ]
    );
    assert_eq!(found[0].message, "a flow has no `name`");
    assert_eq!(found[1].message, "a flow has no `data`");
    assert_eq!((found[2].line, found[2].column), (8, 1));
    assert_eq!(found[2].message, "a step takes no `on_timeout`");
    assert_eq!((found[3].line, found[3].column), (14, 1));
}

#[test]
fn wrong_types_duplicates_and_missing_script_files() {
    let found = problems(
        r#"[[flow]]
name = "F"
version = "two"
data = "json"
start = "A"
success = ["B", 3]

[[flow.state]]
name = "A"
action = "go"
next = "B"

[[flow]]
name = "G"
data = "json"

[[flow]]
name = "G"
data = "json"

[[action]]
name = "go"
file = "no/such/file.rhai"

[[action]]
name = "run"
effect = "pure"
"#,
    );
    assert_eq!(
        places(&found),
        [
            ("document::wrong_type", 3, 11),
            ("document::wrong_type", 6, 17),
            ("document::duplicate_flow", 18, 8),
            ("document::script_file", 23, 8),
            ("document::missing_key", 26, 8),
            ("document::bad_value", 27, 10),
        ]
    );
    assert_eq!(
        found[0].message,
        "`version` must be an integer, found a string"
    );
    assert_eq!(
        found[5].help.as_deref(),
        Some("expected one of `side_effect`, `readonly`, `pivot`")
    );
}

#[test]
fn script_files_are_read_beside_the_document() {
    let folder = std::env::temp_dir().join(format!("flow-doc-{}", std::process::id()));
    std::fs::create_dir_all(&folder).expect("temp folder");
    std::fs::write(folder.join("score.rhai"), "let x = 1;\nx +\n").expect("script");
    let path = folder.join("flows.toml");
    std::fs::write(
        &path,
        "[[action]]\nname = \"score\"\nfile = \"score.rhai\"\n",
    )
    .expect("document");
    let document = crate::document::FlowDocument::read(&path).expect("reads");
    let score = &document.actions[0];
    assert_eq!(score.run.code, "let x = 1;\nx +\n");
    let error = score
        .run
        .diagnostic(2, 3, "script::syntax", "expected an expression", None);
    assert_eq!(
        error.origin,
        folder.join("score.rhai").display().to_string()
    );
    assert_eq!((error.line, error.column), (2, 3));
    let _ = std::fs::remove_dir_all(&folder);
}

#[test]
fn inline_script_positions_are_document_positions() {
    let text =
        "[[action]]\nname = \"score\"\nscript = '''\nlet x = 1;\nx +\n'''\ncompensate = 'undo()'\n";
    let document = super::parse(text);
    let score = &document.actions[0];
    // Script line 2, column 3 is document line 5, column 3.
    let error = score
        .run
        .diagnostic(2, 3, "script::syntax", "expected an expression", None);
    assert_eq!((error.line, error.column), (5, 3));
    assert_eq!(error.snippet.map(|s| s.text), Some("x +".to_owned()));
    // On the first line of a one-line string, columns shift by where the code starts.
    let undo = score.compensate.as_ref().expect("compensate");
    let (_, location) = undo.locate(1, 5);
    assert_eq!((location.line, location.column), (7, 19));
}
