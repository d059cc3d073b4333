//! `flowctl` as a user runs it, as a process: against a real SQLite file and a real Redis,
//! an application process starts bookings and parks one whose compensation keeps failing;
//! `flowctl show` shows it, `flowctl retry` hands it back to the application's worker,
//! which compensates it to the end. `flowctl check` prints each problem of a broken document
//! at its line and exits with 1.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use flow_tests::servers::{fresh_redis, fresh_sqlite_path, redis_url};

/// Runs the `flowctl` binary with `args`.
fn flowctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowctl_main"))
        .args(args)
        .env_remove("FLOW_STORE")
        .output()
        .expect("run flowctl")
}

/// Runs the application's own `ctl` command (the same command set, its flow compiled in).
fn app_ctl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowctl_app"))
        .arg("ctl")
        .args(args)
        .env_remove("FLOW_STORE")
        .output()
        .expect("run flowctl_app ctl")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `output` succeeded; its standard output as JSON.
fn json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "failed: {}{}",
        stdout(output),
        stderr(output)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

/// A name no other test of this run, nor an earlier run, uses.
fn unique() -> String {
    static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    let count = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}_{count}_{nanos}", std::process::id())
}

/// The application process, killed when dropped.
struct App {
    child: Child,
    completed: String,
    parked: String,
}

impl App {
    fn start(url: &str, flag: &PathBuf) -> App {
        let mut child = Command::new(env!("CARGO_BIN_EXE_flowctl_app"))
            .arg("serve")
            .arg(url)
            .arg(flag)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the application");
        let mut lines = BufReader::new(child.stdout.take().expect("its stdout")).lines();
        let mut id_after = |word: &str| -> String {
            let line = lines.next().expect("a line").expect("text");
            line.strip_prefix(&format!("{word} "))
                .unwrap_or_else(|| panic!("expected `{word} ID`, got {line:?}"))
                .to_owned()
        };
        let completed = id_after("completed");
        let parked = id_after("parked");
        App {
            child,
            completed,
            parked,
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The whole operator story on the store at `url`.
fn park_show_retry_finish(url: &str) {
    let flag = std::env::temp_dir().join(format!("flowctl-flag-{}", unique()));
    let _ = std::fs::remove_file(&flag);
    let app = App::start(url, &flag);

    // The parked instance, read without the application's types.
    let shown = json(&flowctl(&["--json", "show", &app.parked, "--store", url]));
    assert_eq!(shown["status"], "manual");
    assert_eq!(shown["flow"], "Bookings");
    assert_eq!(shown["context"]["data"]["customer"], "grace");
    assert!(
        shown["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("ledger offline"),
        "{shown}"
    );
    let text = stdout(&flowctl(&["show", &app.parked, "--store", url]));
    assert!(text.contains("status    manual"), "{text}");
    assert!(text.contains("\"customer\": \"grace\""), "{text}");

    let manual = json(&flowctl(&[
        "--json",
        "instances",
        "--store",
        url,
        "--status",
        "manual",
    ]));
    let ids: Vec<&str> = manual
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(ids, [app.parked.as_str()]);
    let all = json(&flowctl(&[
        "--json",
        "instances",
        "--store",
        url,
        "--flow",
        "Bookings",
        "--version",
        "1",
    ]));
    assert_eq!(all.as_array().unwrap().len(), 2);

    // `skip` checks the state against the flow: flowctl alone does not have the compiled
    // flow's definition and says so; the application's command knows it.
    let alone = flowctl(&["skip", &app.parked, "Done", "--store", url]);
    assert_eq!(alone.status.code(), Some(1));
    assert!(
        stderr(&alone).contains("no definition of it is at hand"),
        "{}",
        stderr(&alone)
    );
    let misspelt = app_ctl(&["skip", &app.parked, "Dnoe", "--store", url]);
    assert_eq!(misspelt.status.code(), Some(1));
    assert!(
        stderr(&misspelt).contains("has no state `Dnoe`; did you mean `Done`?"),
        "{}",
        stderr(&misspelt)
    );

    // The diagram of the compiled flow, with the instances in each state now.
    let diagram = stdout(&app_ctl(&[
        "diagram", "Bookings", "--store", url, "--stats", "store",
    ]));
    assert!(diagram.contains("New --> Booked: book"), "{diagram}");
    assert!(diagram.contains("Booked: 1 now"), "{diagram}");

    // Retry: the compensation succeeds now; the application's worker takes it up.
    std::fs::write(&flag, b"up").expect("raise the flag");
    let retried = flowctl(&["retry", &app.parked, "--store", url, "--actor", "tester"]);
    assert!(
        retried.status.success(),
        "{}{}",
        stdout(&retried),
        stderr(&retried)
    );
    assert!(
        stdout(&retried).starts_with("retry: instance"),
        "{}",
        stdout(&retried)
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let finished = loop {
        let shown = json(&flowctl(&["--json", "show", &app.parked, "--store", url]));
        if shown["status"] == "failed" {
            break shown;
        }
        assert!(
            Instant::now() < deadline,
            "the retried instance did not finish: {shown}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(
        finished["context"]["data"]["log"],
        serde_json::json!(["book", "unbook"])
    );
    let journal = finished["journal"].as_array().unwrap();
    assert!(
        journal.iter().any(|entry| entry["kind"] == "operator"
            && entry["action"] == "retry"
            && entry["instruction"] == "tester"),
        "{journal:?}"
    );
    assert!(
        journal
            .iter()
            .any(|entry| entry["kind"] == "compensation" && entry["action"] == "unbook"),
        "{journal:?}"
    );
    let done = json(&flowctl(&[
        "--json",
        "show",
        &app.completed,
        "--store",
        url,
    ]));
    assert_eq!(done["status"], "completed");

    // A second retry is refused: the instance no longer needs a person.
    let again = flowctl(&["retry", &app.parked, "--store", url]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("cannot retry"),
        "{}",
        stderr(&again)
    );

    let stats = json(&flowctl(&["--json", "stats", "--store", url]));
    let bookings = &stats["flows"][0];
    assert_eq!(bookings["flow"], "Bookings");
    assert_eq!(
        bookings["by_status"],
        serde_json::json!({ "completed": 1, "failed": 1 })
    );
    assert_eq!(bookings["completed_share"], 0.5);
    let _ = std::fs::remove_file(&flag);
}

#[test]
fn a_parked_instance_is_shown_retried_and_finished_on_sqlite() {
    let path = fresh_sqlite_path();
    park_show_retry_finish(&format!("sqlite://{}", path.display()));
}

#[tokio::test]
async fn a_parked_instance_is_shown_retried_and_finished_on_redis() {
    // Fails under CI=true when no server answers; says SKIPPED elsewhere.
    let Some(store) = fresh_redis().await else {
        return;
    };
    drop(store);
    let prefix = format!("flowtest_flowctl_{}", unique());
    let url = format!("{}/?prefix={prefix}", redis_url().trim_end_matches('/'));
    tokio::task::spawn_blocking(move || park_show_retry_finish(&url))
        .await
        .expect("the scenario");
}

const BROKEN: &str = r#"[[flow]]
name = "Order"
data = "json"
start = "Created"
success = ["Done"]
failure = ["Failed"]
colour = "red"

[[flow.state]]
name = "Created"
action = "reserve"
next = "Waiting"

[[flow.state]]
name = "Waiting"
wait = "Ping"
timeout = "12 parsecs"
on_timeout = "Failed"
on = { Pong = "Done" }
"#;

#[test]
fn check_prints_each_problem_of_a_broken_document_at_its_line_and_exits_with_1() {
    let path = std::env::temp_dir().join(format!("flowctl-broken-{}.toml", std::process::id()));
    std::fs::write(&path, BROKEN).unwrap();
    let file = path.display().to_string();
    let output = flowctl(&["check", &file]);
    assert_eq!(output.status.code(), Some(1));
    let errors = stderr(&output);
    assert!(
        errors.contains("error[document::unknown_key]: unknown key `colour` in a flow"),
        "{errors}"
    );
    assert!(errors.contains(&format!("--> {file}:7:1")), "{errors}");
    assert!(errors.contains("7 | colour = \"red\""), "{errors}");
    assert!(errors.contains(&format!("--> {file}:17:11")), "{errors}");
    assert!(errors.contains("17 | timeout = \"12 parsecs\""), "{errors}");
    assert!(errors.contains("has 2 problems"), "{errors}");

    let report = flowctl(&["--json", "check", &file]);
    assert_eq!(report.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let lines: Vec<u64> = report[0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [7, 17]);

    let fixed = BROKEN
        .replace("colour = \"red\"\n", "")
        .replace("12 parsecs", "12s");
    std::fs::write(&path, fixed).unwrap();
    let output = flowctl(&["check", &file]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("is valid (1 flow: Order v1)"));
    let _ = std::fs::remove_file(&path);
}

#[test]
fn mistakes_on_the_command_line_name_the_problem_and_the_fix() {
    let output = flowctl(&["show", "not-an-id", "--store", "memory:"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("`not-an-id` is not an instance id"),
        "{}",
        stderr(&output)
    );
    let output = flowctl(&[
        "show",
        "0192f0c4-7a3e-7cc1-9d2e-0a6b1f4e5d21",
        "--store",
        "memory:",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("check the id and the store URL"),
        "{}",
        stderr(&output)
    );
    let output = flowctl(&["instances", "--store", "mysql://db"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("mysql://db"),
        "{}",
        stderr(&output)
    );
    let output = flowctl(&["instances"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "a missing --store is a usage error"
    );
    let output = flowctl(&["diagram", "Bookings", "--format", "png"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("use `mermaid`, `dot` or `svg`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let output = flowctl(&["completions", shell]);
        assert!(output.status.success());
        assert!(stdout(&output).contains("flowctl"), "{shell}");
        assert!(stdout(&output).contains("retry"), "{shell}");
    }
}

#[test]
fn an_application_draws_its_compiled_flows_in_every_format() {
    let flows = json(&app_ctl(&["--json", "flows"]));
    assert_eq!(flows[0]["flow"], "Bookings");
    assert_eq!(flows[0]["source"], "compiled");
    let svg = stdout(&app_ctl(&["diagram", "Bookings", "--format", "svg"]));
    assert!(svg.starts_with("<svg "));
    assert_eq!(svg.matches("<rect ").count(), 3);
    let dot = stdout(&app_ctl(&["diagram", "Bookings", "--format", "dot"]));
    assert!(
        dot.contains("\"New\" -> \"Booked\" [label=\"book\"];"),
        "{dot}"
    );
    let mermaid = stdout(&app_ctl(&["diagram", "Bookings"]));
    assert!(
        mermaid.contains("note right of New: compensate unbook"),
        "{mermaid}"
    );
}

/// A document flow that only waits: it needs no registered action.
const TICKETS: &str = r#"[[flow]]
name = "Ticket"
data = "json"
start = "Open"
success = ["Closed"]
failure = ["Dropped"]

[[flow.state]]
name = "Open"
wait = "Decision"
timeout = "never"
on = { Close = "Closed", Drop = "Dropped" }
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skip_checks_a_document_flow_instance_against_its_stored_definition() {
    use flow_runtime::store::AnyStore;
    use flow_runtime::{DocumentOrigin, EngineBuilder, Status};

    let url = format!("sqlite://{}", fresh_sqlite_path().display());
    let engine = EngineBuilder::with_store(AnyStore::connect(&url).await.unwrap())
        .build()
        .unwrap();
    let loaded = engine
        .load_document(TICKETS, DocumentOrigin::named("tickets.toml"))
        .await
        .unwrap();
    let flow = engine
        .document_flow::<serde_json::Value>("Ticket", None)
        .unwrap();
    let id = engine
        .start_document(&flow, serde_json::json!({ "subject": "printer <on> fire" }))
        .await
        .unwrap();
    let waiting = engine.wait_document::<serde_json::Value>(id).await.unwrap();
    assert_eq!(waiting.status, Status::Waiting);
    let id = id.to_string();

    let run = |args: Vec<String>| {
        tokio::task::spawn_blocking(move || {
            flowctl(&args.iter().map(String::as_str).collect::<Vec<_>>())
        })
    };
    let args = |list: &[&str]| list.iter().map(|arg| (*arg).to_owned()).collect::<Vec<_>>();

    // The store keeps the definition by content hash: flowctl lists and draws it.
    let flows = json(
        &run(args(&["--json", "flows", "--store", &url]))
            .await
            .unwrap(),
    );
    assert_eq!(flows[0]["flow"], "Ticket");
    assert_eq!(flows[0]["source"], "stored");
    assert_eq!(flows[0]["definition"], loaded[0].definition.as_str());
    let diagram = run(args(&[
        "diagram", "Ticket", "--store", &url, "--stats", "store", "--format", "svg",
    ]))
    .await
    .unwrap();
    let svg = stdout(&diagram);
    assert!(svg.contains(">1 now</text>"), "{svg}");

    let misspelt = run(args(&["skip", &id, "Closd", "--store", &url]))
        .await
        .unwrap();
    assert_eq!(misspelt.status.code(), Some(1));
    assert!(
        stderr(&misspelt).contains("flow `Ticket` v1 has no state `Closd`; did you mean `Closed`?"),
        "{}",
        stderr(&misspelt)
    );
    let skipped = run(args(&["skip", &id, "Closed", "--store", &url]))
        .await
        .unwrap();
    assert!(skipped.status.success(), "{}", stderr(&skipped));
    // This test's engine is the application: its worker takes the instance up.
    let ended = engine
        .wait_document_ended::<serde_json::Value>(id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(ended.status, Status::Completed);
    assert_eq!(ended.data["subject"], "printer <on> fire");
    let shown = json(
        &run(args(&["--json", "show", &id, "--store", &url]))
            .await
            .unwrap(),
    );
    assert_eq!(shown["state"], "Closed");
    assert!(
        shown["journal"]
            .as_array()
            .unwrap()
            .iter()
            .any(|entry| entry["action"] == "skip" && entry["to"] == "Closed"),
        "{shown}"
    );
}

#[test]
fn an_application_simulates_its_flow_with_the_rates_of_a_document() {
    let rates = std::env::temp_dir().join(format!("flowctl-rates-{}.toml", unique()));
    std::fs::write(
        &rates,
        "[[chaos]]\nflow = \"Bookings\"\nstate = \"Booked\"\nfailure_rate = 0.25\nerror = \"permanent\"\n",
    )
    .unwrap();
    let rates_arg = rates.to_str().unwrap();
    let run = |seed: &str| {
        app_ctl(&[
            "simulate",
            "Bookings",
            "--instances",
            "4000",
            "--seed",
            seed,
            "--rates",
            rates_arg,
            "--format",
            "json",
        ])
    };
    let first = json(&run("7"));
    assert_eq!(first["instances"], 4000);
    let success = first["success_rate"].as_f64().unwrap();
    assert!(
        (0.72..0.78).contains(&success),
        "a 25% permanent failure at Booked leaves about 75% succeeding: {success}"
    );
    assert_eq!(
        stdout(&run("7")),
        stdout(&run("7")),
        "the same seed, the same report"
    );
    assert_ne!(
        stdout(&run("7")),
        stdout(&run("8")),
        "another seed, another"
    );

    let table = app_ctl(&[
        "simulate",
        "Bookings",
        "--instances",
        "500",
        "--rates",
        rates_arg,
    ]);
    assert!(table.status.success(), "{}", stderr(&table));
    assert!(stdout(&table).contains("Booked"), "{}", stdout(&table));

    let unknown = app_ctl(&["simulate", "Nope"]);
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("cannot simulate `Nope`")
            && stderr(&unknown).contains("Bookings"),
        "{}",
        stderr(&unknown)
    );
    let standalone = flowctl(&["simulate", "Bookings"]);
    assert!(!standalone.status.success());
    assert!(
        stderr(&standalone).contains("--document FILE"),
        "{}",
        stderr(&standalone)
    );
    let _ = std::fs::remove_file(rates);
}

#[test]
fn a_document_flow_is_simulated_before_its_actions_exist() {
    let document = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/config_flow/loan.toml"
    );
    let rates = std::env::temp_dir().join(format!("flowctl-loan-rates-{}.toml", unique()));
    std::fs::write(
        &rates,
        r#"
[[chaos]]
flow = "LoanApplication"
state = "Received"
weights = { Verified = 80, Unverified = 20 }

[[chaos]]
flow = "LoanApplication"
state = "Review"
weights = { Approve = 100 }
"#,
    )
    .unwrap();
    let rates_arg = rates.to_str().unwrap();
    let run = |seed: &str| {
        flowctl(&[
            "simulate",
            "LoanApplication",
            "--document",
            document,
            "--rates",
            rates_arg,
            "--instances",
            "5000",
            "--seed",
            seed,
            "--json",
        ])
    };
    let report = json(&run("11"));
    let success = report["success_rate"].as_f64().unwrap();
    // 80% verified, and every verified loan is approved (by its score, or in review).
    assert!((0.78..0.82).contains(&success), "{success}");
    assert_eq!(
        stdout(&run("11")),
        stdout(&run("11")),
        "the same seed, the same report"
    );

    let missing = flowctl(&["simulate", "LoanApplication"]);
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("--document FILE"),
        "{}",
        stderr(&missing)
    );
    let _ = std::fs::remove_file(rates);
}

/// `serve` started from `command`: the child and the address it printed.
fn served(mut command: Command) -> (Child, String) {
    let mut child = command
        .args(["--addr", "127.0.0.1:0"])
        .env("FLOW_HTTP_TOKENS", "ops:operator:serve-test-token")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("serve prints where it listens")
            .unwrap();
        if let Some(rest) = line.strip_prefix("listening on http://") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    (child, address)
}

#[test]
fn serve_answers_the_api_and_the_dashboard_for_an_application_s_flows() {
    use flow_tests::http_client::request;
    let url = format!("sqlite://{}", fresh_sqlite_path().display());
    let mut command = Command::new(env!("CARGO_BIN_EXE_flowctl_app"));
    command.args(["ctl", "serve", "--store", &url]);
    let (mut child, address) = served(command);
    let token = Some("serve-test-token");
    let flows = request(&address, "GET", "/flows", token, None);
    assert_eq!(flows.status, 200, "{}", flows.body);
    assert!(flows.body.contains("Bookings"), "{}", flows.body);
    let started = request(
        &address,
        "POST",
        "/flows/Bookings/instances",
        token,
        Some(r#"{"data": {"customer": "ada", "confirmed": true, "log": []}}"#),
    );
    assert!(
        (200..300).contains(&started.status),
        "{}: {}",
        started.status,
        started.body
    );
    assert_eq!(request(&address, "GET", "/flows", None, None).status, 401);
    assert_eq!(request(&address, "GET", "/ui", None, None).status, 200);
    child.kill().unwrap();
    let _ = child.wait();

    // The standalone binary serves the same API, with the flows of the documents it is given.
    let mut command = Command::new(env!("CARGO_BIN_EXE_flowctl_main"));
    command.args(["serve", "--store", &url]);
    let (mut child, address) = served(command);
    let spec = request(&address, "GET", "/openapi.json", None, None);
    assert_eq!(spec.status, 200);
    assert!(spec.json()["openapi"].as_str().unwrap().starts_with("3.1"));
    child.kill().unwrap();
    let _ = child.wait();
}
