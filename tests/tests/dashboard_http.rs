//! The dashboard and the live diagram as the server answers them over TCP: the page loads
//! without a token and gives nothing away, its assets are locked down, and a flow's diagram
//! shows conversion, failure rate and the instances waiting in each state.

use flow_tests::api_server::{ApiServer, SERVICE, VIEWER};
use serde_json::json;

fn server() -> ApiServer {
    ApiServer::start(env!("CARGO_BIN_EXE_http_server"))
}

#[test]
fn the_dashboard_loads_without_a_token_and_its_assets_run_nothing_from_elsewhere() {
    let server = server();
    for (path, kind) in [
        ("/ui", "text/html"),
        ("/ui/app.js", "text/javascript"),
        ("/ui/app.css", "text/css"),
    ] {
        let asset = server.get(path, None);
        assert_eq!(asset.status, 200, "{path}: {}", asset.body);
        assert!(
            asset
                .header("content-type")
                .is_some_and(|value| value.starts_with(kind)),
            "{path}: {:?}",
            asset.headers
        );
        let policy = asset
            .header("content-security-policy")
            .expect("a content security policy");
        assert!(policy.contains("script-src 'self'"), "{policy}");
        assert!(policy.contains("connect-src 'self'"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        assert_eq!(asset.header("x-content-type-options"), Some("nosniff"));
    }
    let page = server.get("/ui", None).body;
    assert!(
        page.contains("id=\"token-dialog\""),
        "the page asks for a token"
    );
    assert!(page.contains("src=\"/ui/app.js\""));
    // Data never becomes markup, and the token never goes into a URL.
    let script = server.get("/ui/app.js", None).body;
    for markup in [
        ".innerHTML",
        ".outerHTML",
        "insertAdjacentHTML",
        "document.write",
    ] {
        assert!(
            !script.contains(markup),
            "the script writes text only: {markup}"
        );
    }
    assert!(!script.contains("access_token"), "no token in a URL");
    assert!(script.contains("sessionStorage"));
    // The page itself holds no data: the API behind it still wants a token.
    assert_eq!(server.get("/instances", None).status, 401);
}

#[test]
fn a_flows_diagram_shows_conversion_failure_rate_and_who_waits_where() {
    let server = server();
    let parked = server.parked_payout(7);

    let anonymous = server.get("/flows/Payout/diagram.svg", None);
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);

    let svg = server.get("/flows/Payout/diagram.svg?version=1", Some(VIEWER));
    assert_eq!(svg.status, 200, "{}", svg.body);
    assert_eq!(svg.header("content-type"), Some("image/svg+xml"));
    assert_eq!(svg.header("cache-control"), Some("no-store"));
    let image = svg.body;
    assert!(image.starts_with("<svg "), "{image}");
    // One payout went from New to Held (100%), and its send failed for good in Held.
    assert!(image.contains("hold · 100.0% (1)"), "{image}");
    assert!(image.contains("100.0% failed"), "{image}");
    // It rests in Held, needing a person.
    assert!(image.contains("1 now"), "{image}");

    let mermaid = server.get("/flows/Payout/diagram.mmd", Some(VIEWER));
    assert_eq!(mermaid.status, 200, "{}", mermaid.body);
    assert!(
        mermaid.body.contains("Held: 1 in · 100.0% failed · 1 now"),
        "{}",
        mermaid.body
    );
    assert!(mermaid.body.contains("New --> Held: hold · 100.0% (1)"));

    // Once the operator's retry undoes it, nobody waits in Held any more.
    let retried = server.post(
        &format!("/instances/{parked}/retry"),
        Some(flow_tests::api_server::OPERATOR),
        "",
    );
    assert_eq!(retried.status, 200, "{}", retried.body);
    server.until(&parked, |instance| instance["status"] == "failed");
    let after = server.get("/flows/Payout/diagram.mmd", Some(VIEWER)).body;
    assert!(
        after.contains("Held: 1 in · 100.0% failed · 0 now"),
        "{after}"
    );
}

#[test]
fn a_diagram_of_an_unknown_flow_or_version_is_a_404_and_a_bad_version_a_400() {
    let server = server();
    let unknown = server.get("/flows/Nothing/diagram.svg", Some(VIEWER));
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert_eq!(unknown.json()["error"], "no_such_flow");
    let version = server.get("/flows/Payout/diagram.svg?version=9", Some(VIEWER));
    assert_eq!(version.status, 404, "{}", version.body);
    let unreadable = server.get("/flows/Payout/diagram.svg?version=nine", Some(VIEWER));
    assert_eq!(unreadable.status, 400, "{}", unreadable.body);
    assert_eq!(unreadable.json()["error"], "bad_request");
    // A service token reads too: drawing is a viewer's right.
    let started = server.post(
        "/flows/Review/instances",
        Some(SERVICE),
        &json!({ "data": { "amount": 3 } }).to_string(),
    );
    assert_eq!(started.status, 201, "{}", started.body);
    let review = server.get("/flows/Review/diagram.svg", Some(SERVICE));
    assert_eq!(review.status, 200, "{}", review.body);
}

#[test]
fn the_openapi_document_describes_the_diagrams() {
    let server = server();
    let document = server.get("/openapi.json", None).json();
    for path in ["/flows/{flow}/diagram.svg", "/flows/{flow}/diagram.mmd"] {
        let get = &document["paths"][path]["get"];
        assert!(get.is_object(), "{path} is not documented");
        assert!(
            get["parameters"]
                .as_array()
                .is_some_and(|parameters| parameters.iter().any(|p| p["name"] == "version")),
            "{get}"
        );
    }
}
