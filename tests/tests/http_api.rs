//! The HTTP API as another system sees it: a server process (`bin/http_server.rs`) on a
//! SQLite file, spoken to over TCP. Starts, reads, signals with data that the next action
//! sees, every operator instruction journaled with the token's name (also a pause or cancel
//! sent while a step runs, which the engine applies after the step), 401 and 403, and each
//! kind of bad input answered 4xx with a JSON error and the instance unchanged.

use std::time::{Duration, Instant};

use flow_tests::api_server::{ApiServer, OPERATOR, SERVICE, VIEWER};
use flow_tests::http_client::{Answer, stream};
use flow_tests::http_flow::Gate;
use flow_tests::servers::fresh_sqlite_path;
use serde_json::{Value, json};

const BODY_LIMIT: usize = 4096;

/// The test server, with request bodies limited to `BODY_LIMIT`.
fn start_server() -> ApiServer {
    ApiServer::start_with_body_limit(env!("CARGO_BIN_EXE_http_server"), BODY_LIMIT)
}

/// Asserts a refusal: `status`, a JSON body with `error` = `kind` and a `detail` holding
/// `says`.
fn assert_refused(answer: &Answer, status: u16, kind: &str, says: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["error"], kind, "{body}");
    let detail = body["detail"].as_str().expect("a detail");
    assert!(detail.contains(says), "{detail:?} does not say {says:?}");
}

/// What of an instance a refused request must leave as it was.
fn unchanged(instance: &Value) -> Value {
    json!({
        "state": instance["state"],
        "status": instance["status"],
        "revision": instance["revision"],
        "context": instance["context"],
        "journal": instance["journal"],
    })
}

#[test]
fn a_start_a_read_and_a_signal_whose_payload_the_next_action_sees() {
    let server = start_server();
    let id = server.waiting_review(1_000);
    let waiting = server.instance(&id);
    assert_eq!(waiting["flow"], "Review");
    assert_eq!(waiting["state"], "InReview");
    assert_eq!(waiting["context"]["data"]["amount"], 1_000);

    let signalled = server.post(
        &format!("/instances/{id}/signals"),
        Some(SERVICE),
        &json!({ "event": "Correct", "payload": { "amount": 750, "comment": "the second car is leased" } })
            .to_string(),
    );
    assert_eq!(signalled.status, 200, "{}", signalled.body);
    assert_eq!(signalled.json()["state"], "Booked");
    assert_eq!(signalled.json()["status"], "completed");

    let booked = server.instance(&id);
    let data = &booked["context"]["data"];
    assert_eq!(data["booked"], 750, "the action read the corrected amount");
    assert_eq!(data["remark"], "the second car is leased");
    assert_eq!(
        data["decided_by"], "intake",
        "the token's name is the sender"
    );
    let signal = booked["journal"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["kind"] == "signal")
        .expect("the signal is journaled");
    assert_eq!(signal["actor"], "intake");
    assert_eq!(signal["instruction"], "Correct");
    assert!(
        signal["payload_sha256"]
            .as_str()
            .is_some_and(|hash| hash.len() == 64)
    );
}

#[test]
fn a_start_by_routed_request_gets_the_variant_the_router_chose() {
    let server = start_server();
    let started = server.post(
        "/routes/application/instances",
        Some(SERVICE),
        &json!({ "data": { "amount": 10 }, "attributes": { "channel": "web" } }).to_string(),
    );
    assert_eq!(started.status, 201, "{}", started.body);
    let body = started.json();
    assert_eq!(body["variant"], "v1");
    let id = body["instance"].as_str().unwrap();
    let instance = server.until(id, |instance| instance["status"] == "waiting");
    assert_eq!(instance["flow"], "Review");
    assert_eq!(instance["journal"][0]["kind"], "route");

    let unroutable = server.post(
        "/routes/mortgage/instances",
        Some(SERVICE),
        &json!({ "data": { "amount": 10 } }).to_string(),
    );
    assert_refused(&unroutable, 422, "unroutable", "mortgage");
}

#[test]
fn each_operator_instruction_is_journaled_with_the_tokens_name() {
    let server = start_server();
    let operator = |id: &str, instruction: &str, body: &str| {
        let answer = server.post(
            &format!("/instances/{id}/{instruction}"),
            Some(OPERATOR),
            body,
        );
        assert_eq!(answer.status, 200, "{instruction}: {}", answer.body);
        answer.json()
    };
    let journaled_by = |instance: &Value, instruction: &str| {
        instance["journal"].as_array().unwrap().iter().any(|entry| {
            entry["kind"] == "operator"
                && entry["action"] == instruction
                && entry["instruction"] == "rita"
        })
    };

    let id = server.waiting_review(100);
    assert_eq!(operator(&id, "pause", "")["status"], "paused");
    assert_eq!(operator(&id, "resume", "")["status"], "waiting");
    let skipped = operator(&id, "skip", &json!({ "state": "Approved" }).to_string());
    assert_eq!(skipped["state"], "Approved");
    let booked = server.until(&id, |instance| instance["status"] == "completed");
    assert_eq!(booked["state"], "Booked");
    for instruction in ["pause", "resume", "skip"] {
        assert!(
            journaled_by(&booked, instruction),
            "{instruction}: {booked}"
        );
    }

    let cancelled = server.waiting_review(200);
    operator(&cancelled, "cancel", "");
    let ended = server.until(&cancelled, |instance| instance["status"] == "cancelled");
    assert!(journaled_by(&ended, "cancel"), "{ended}");

    // A transfer whose undo failed needs a person; the operator's retry undoes it.
    let started = server.post(
        "/flows/Payout/instances",
        Some(SERVICE),
        &json!({ "data": { "amount": 5 } }).to_string(),
    );
    assert_eq!(started.status, 201, "{}", started.body);
    let payout = started.json()["instance"].as_str().unwrap().to_owned();
    let manual = server.until(&payout, |instance| instance["status"] == "manual");
    assert!(
        manual["error"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("ledger is locked")),
        "{manual}"
    );
    operator(&payout, "retry", "");
    let failed = server.until(&payout, |instance| instance["status"] == "failed");
    assert!(journaled_by(&failed, "retry"), "{failed}");
    assert!(
        failed["journal"]
            .as_array()
            .unwrap()
            .iter()
            .any(|entry| entry["kind"] == "compensation"),
        "the hold was released: {failed}"
    );
}

#[test]
fn a_pause_or_cancel_sent_while_a_step_runs_is_journaled_with_the_tokens_name() {
    let server = start_server();
    for (instruction, ends) in [("pause", "paused"), ("cancel", "cancelled")] {
        // A fresh file name, unique on this machine, for the gate of this instance.
        let gate = fresh_sqlite_path().with_extension("gate");
        let gate = gate.to_str().expect("a UTF-8 temp path").to_owned();
        let started = server.post(
            "/flows/Gated/instances",
            Some(SERVICE),
            &json!({ "data": { "path": gate } }).to_string(),
        );
        assert_eq!(started.status, 201, "{}", started.body);
        let id = started.json()["instance"].as_str().unwrap().to_owned();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !Gate::entered(&gate).exists() {
            assert!(Instant::now() < deadline, "the gated step never ran");
            std::thread::sleep(Duration::from_millis(10));
        }

        let answer = server.post(
            &format!("/instances/{id}/{instruction}"),
            Some(OPERATOR),
            "",
        );
        assert_eq!(answer.status, 200, "{instruction}: {}", answer.body);
        assert_eq!(
            answer.json()["status"],
            "running",
            "{instruction}: the step still runs, so the instruction waits for its commit"
        );
        std::fs::write(&gate, b"").expect("open the gate");

        let instance = server.until(&id, |instance| instance["status"] == ends);
        assert_eq!(
            instance["state"], "Through",
            "{instruction}: applied after the running step, before the next"
        );
        let journal = instance["journal"].as_array().unwrap();
        let operators: Vec<&Value> = journal
            .iter()
            .filter(|entry| entry["kind"] == "operator")
            .collect();
        assert_eq!(operators.len(), 1, "{instruction}: {instance}");
        assert_eq!(operators[0]["action"], instruction, "{instance}");
        assert_eq!(
            operators[0]["instruction"], "rita",
            "the operator token's name: {instance}"
        );
        assert_eq!(operators[0]["from"], "Through");
        let gated_step = journal
            .iter()
            .position(|entry| entry["kind"] == "step" && entry["action"] == "pass_gate")
            .expect("the gated step is journaled");
        let operator = journal
            .iter()
            .position(|entry| entry["kind"] == "operator")
            .unwrap();
        assert!(gated_step < operator, "after the step it waited for");
        let _ = std::fs::remove_file(&gate);
        let _ = std::fs::remove_file(Gate::entered(&gate));
    }
}

#[test]
fn no_token_is_401_and_a_role_too_low_is_403_and_nothing_changes() {
    let server = start_server();
    let id = server.waiting_review(300);
    let before = unchanged(&server.instance(&id));

    let anonymous = server.get(&format!("/instances/{id}"), None);
    assert_refused(&anonymous, 401, "unauthorized", "Authorization");
    assert_eq!(
        anonymous.header("www-authenticate"),
        Some("Bearer realm=\"flow\"")
    );
    let unknown = server.post(
        &format!("/instances/{id}/signals"),
        Some("guessed"),
        &json!({ "event": "Approve" }).to_string(),
    );
    assert_refused(&unknown, 401, "unauthorized", "not known");

    let viewer_signal = server.post(
        &format!("/instances/{id}/signals"),
        Some(VIEWER),
        &json!({ "event": "Approve" }).to_string(),
    );
    assert_refused(&viewer_signal, 403, "forbidden", "needs role service");
    let viewer_start = server.post(
        "/flows/Review/instances",
        Some(VIEWER),
        &json!({ "data": { "amount": 1 } }).to_string(),
    );
    assert_refused(&viewer_start, 403, "forbidden", "start instances");
    for instruction in ["pause", "resume", "cancel", "retry"] {
        let service = server.post(&format!("/instances/{id}/{instruction}"), Some(SERVICE), "");
        assert_refused(&service, 403, "forbidden", "needs role operator");
    }
    let skip = server.post(
        &format!("/instances/{id}/skip"),
        Some(SERVICE),
        &json!({ "state": "Booked" }).to_string(),
    );
    assert_refused(&skip, 403, "forbidden", "needs role operator");

    assert_eq!(unchanged(&server.instance(&id)), before);
    // The OpenAPI document is open: it holds no data.
    assert_eq!(server.get("/openapi.json", None).status, 200);
}

#[test]
fn each_bad_input_is_a_4xx_with_a_json_error_and_the_instance_unchanged() {
    let server = start_server();
    let id = server.waiting_review(400);
    let before = unchanged(&server.instance(&id));
    let signals = format!("/instances/{id}/signals");

    let malformed = server.post(&signals, Some(SERVICE), "{\"event\": ");
    assert_refused(&malformed, 400, "malformed_json", "EOF");
    let wrong_shape = server.post(&signals, Some(SERVICE), "{\"evnt\": \"Approve\"}");
    assert_refused(&wrong_shape, 400, "malformed_json", "evnt");
    let unknown_event = server.post(
        &signals,
        Some(SERVICE),
        &json!({ "event": "Aprove" }).to_string(),
    );
    assert_refused(
        &unknown_event,
        422,
        "unknown_event",
        "did you mean `Approve`",
    );
    let bad_payload = server.post(
        &signals,
        Some(SERVICE),
        &json!({ "event": "Correct", "payload": { "amount": "seven hundred", "comment": "x" } })
            .to_string(),
    );
    assert_refused(&bad_payload, 422, "invalid_payload", "does not decode as");
    let too_large = server.post(
        &signals,
        Some(SERVICE),
        &json!({ "event": "Approve", "payload": { "comment": "x".repeat(BODY_LIMIT) } })
            .to_string(),
    );
    assert_refused(&too_large, 413, "payload_too_large", "4096 bytes");
    let unknown_state = server.post(
        &format!("/instances/{id}/skip"),
        Some(OPERATOR),
        &json!({ "state": "Boked" }).to_string(),
    );
    assert_refused(
        &unknown_state,
        422,
        "unknown_state",
        "did you mean `Booked`",
    );
    assert_eq!(unchanged(&server.instance(&id)), before);

    let unknown_instance = server.post(
        "/instances/01890a5d-ac96-774b-bcce-b302099a8057/signals",
        Some(SERVICE),
        &json!({ "event": "Approve" }).to_string(),
    );
    assert_refused(&unknown_instance, 404, "no_such_instance", "01890a5d");
    let not_an_id = server.get("/instances/not-a-uuid", Some(VIEWER));
    assert_refused(&not_an_id, 400, "bad_request", "not-a-uuid");
    let unknown_flow = server.post(
        "/flows/Reveiw/instances",
        Some(SERVICE),
        &json!({ "data": { "amount": 1 } }).to_string(),
    );
    assert_refused(&unknown_flow, 404, "no_such_flow", "Reveiw");
    let undecodable = server.post(
        "/flows/Review/instances",
        Some(SERVICE),
        &json!({ "data": { "amount": "a lot" } }).to_string(),
    );
    assert_refused(&undecodable, 422, "invalid_data", "invalid type");
    let unknown_field = server.post(
        "/flows/Review/instances",
        Some(SERVICE),
        &json!({ "data": { "amount": 1, "amont": 2 } }).to_string(),
    );
    assert_refused(&unknown_field, 422, "invalid_data", "amont");
    let bad_status = server.get("/instances?status=sleeping", Some(VIEWER));
    assert_refused(&bad_status, 400, "bad_request", "sleeping");
    let no_route = server.get("/nowhere", Some(VIEWER));
    assert_refused(&no_route, 404, "not_found", "/nowhere");

    // Neither refused start stored an instance.
    let listed = server.get("/instances?flow=Review", Some(VIEWER)).json();
    assert_eq!(listed["instances"].as_array().unwrap().len(), 1, "{listed}");
    // A signal to an instance that no longer waits is a conflict, not a change.
    server.post(
        &signals,
        Some(SERVICE),
        &json!({ "event": "Reject" }).to_string(),
    );
    let rejected = unchanged(&server.instance(&id));
    let again = server.post(
        &signals,
        Some(SERVICE),
        &json!({ "event": "Approve" }).to_string(),
    );
    assert_refused(&again, 409, "invalid_status", "Failed");
    assert_eq!(unchanged(&server.instance(&id)), rejected);
}

#[test]
fn instances_are_listed_by_status_and_flow_a_page_at_a_time() {
    let server = start_server();
    let ids: Vec<String> = (0..3).map(|amount| server.waiting_review(amount)).collect();
    let first = server.get(
        "/instances?status=waiting&flow=Review&limit=2",
        Some(VIEWER),
    );
    assert_eq!(first.status, 200, "{}", first.body);
    let first = first.json();
    let listed: Vec<&str> = first["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|instance| instance["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [ids[0].as_str(), ids[1].as_str()]);
    let next = first["next"].as_str().expect("a next page");
    let second = server
        .get(
            &format!("/instances?status=waiting&flow=Review&limit=2&after={next}"),
            Some(VIEWER),
        )
        .json();
    assert_eq!(second["instances"][0]["id"], ids[2].as_str());
    assert!(second.get("next").is_none(), "{second}");
    let none = server
        .get("/instances?status=completed", Some(VIEWER))
        .json();
    assert_eq!(none["instances"], json!([]));
    let other_version = server
        .get("/instances?flow=Review&version=2", Some(VIEWER))
        .json();
    assert_eq!(other_version["instances"], json!([]));
}

#[test]
fn flows_statistics_metrics_and_the_openapi_document_are_served() {
    let server = start_server();
    server.waiting_review(1);
    let flows = server.get("/flows", Some(VIEWER));
    assert_eq!(flows.status, 200, "{}", flows.body);
    let flows = flows.json();
    let review = flows
        .as_array()
        .unwrap()
        .iter()
        .find(|flow| flow["name"] == "Review")
        .expect("Review is listed");
    assert_eq!(review["kind"], "compiled");
    assert!(
        review["mermaid"]
            .as_str()
            .unwrap()
            .starts_with("stateDiagram-v2")
    );
    assert!(
        review["states"]
            .as_array()
            .unwrap()
            .contains(&json!("InReview"))
    );

    let stats = server.get("/stats", Some(VIEWER));
    assert_eq!(stats.status, 200, "{}", stats.body);
    assert!(stats.body.contains("Review"), "{}", stats.body);
    let metrics = server.get("/metrics", Some(VIEWER));
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(metrics.body.contains("flow=\"Review\""), "{}", metrics.body);

    let document = server.get("/openapi.json", None).json();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/flows",
        "/flows/{flow}/instances",
        "/routes/{kind}/instances",
        "/instances",
        "/instances/{id}",
        "/instances/{id}/signals",
        "/instances/{id}/pause",
        "/instances/{id}/resume",
        "/instances/{id}/cancel",
        "/instances/{id}/retry",
        "/instances/{id}/skip",
        "/stats",
        "/metrics",
        "/events",
    ] {
        assert!(
            document["paths"].get(path).is_some(),
            "{path} is documented"
        );
    }
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

#[test]
fn the_event_stream_sends_each_transition_as_it_happens() {
    let server = start_server();
    let mut events = stream(&server.address, "/events", Some(VIEWER));
    assert_eq!(events.status, 200);
    let id = server.waiting_review(7);
    server.post(
        &format!("/instances/{id}/signals"),
        Some(SERVICE),
        &json!({ "event": "Approve" }).to_string(),
    );
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let Some(line) = events.next_line(Duration::from_secs(2)) else {
            break;
        };
        if let Some(data) = line.strip_prefix("data:") {
            let event: Value = serde_json::from_str(data.trim()).expect("each event is JSON");
            if event["instance"] == id.as_str() {
                seen.push(format!(
                    "{} {}",
                    event["kind"].as_str().unwrap(),
                    event["to"].as_str().unwrap()
                ));
            }
        }
        if seen.iter().any(|event| event == "ended Booked") {
            break;
        }
    }
    assert!(seen.contains(&"started InReview".to_owned()), "{seen:?}");
    assert!(seen.contains(&"transition Approved".to_owned()), "{seen:?}");
    assert!(seen.contains(&"transition Booked".to_owned()), "{seen:?}");
    assert!(seen.contains(&"ended Booked".to_owned()), "{seen:?}");
}
