//! The dashboard in a real browser: headless Chromium driven over WebDriver (chromedriver)
//! opens `/ui` of the HTTP test server, is given an operator token, shows the flow's diagram
//! with its figures, opens a transfer that needs a person, has retry pressed and confirmed,
//! and sees the instance finish its undo. A screenshot of the end is saved.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Under CI a
//! missing browser fails the test; elsewhere it says SKIPPED on stderr.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use flow_tests::api_server::{ApiServer, OPERATOR};
use flow_tests::servers::in_ci;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// How long the page may take to show what a step waits for.
const PATIENCE: Duration = Duration::from_secs(20);

/// The flags Chromium needs to run headless in a container without reaching out.
const CHROMIUM_FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1440,1000",
];

/// A chromedriver process on a free port, stopped when dropped.
struct Chromedriver {
    child: Child,
    port: u16,
}

impl Chromedriver {
    fn start(program: &Path) -> Chromedriver {
        let port = free_port();
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = Chromedriver { child, port };
        let deadline = Instant::now() + PATIENCE;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver never listened");
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// The first of `names` found on `PATH`.
fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|folder| names.iter().map(move |name| folder.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Chromium and chromedriver, or why the test cannot run (a failure under CI).
fn browser() -> Option<(PathBuf, PathBuf)> {
    let chromium = on_path(&["chromium", "chromium-browser"]);
    let driver = on_path(&["chromedriver"]);
    match (chromium, driver) {
        (Some(chromium), Some(driver)) => Some((chromium, driver)),
        (chromium, driver) => {
            let absent: Vec<&str> = [
                ("chromium", chromium.is_none()),
                ("chromedriver", driver.is_none()),
            ]
            .into_iter()
            .filter_map(|(name, absent)| absent.then_some(name))
            .collect();
            let missing = format!(
                "the dashboard's browser test needs {} on PATH (apt-get install chromium chromium-driver)",
                absent.join(" and ")
            );
            assert!(!in_ci(), "{missing}");
            let _ = writeln!(std::io::stderr().lock(), "SKIPPED: {missing}");
            None
        }
    }
}

/// Opens a WebDriver session on Chromium, runs `walk` in it, saves a screenshot of where the
/// page ended as `{name}.png` whatever happened, and fails with the walk's first miss.
/// Returns false when the browser is missing outside CI (the test is skipped).
async fn in_browser<F>(name: &str, walk: F) -> bool
where
    F: AsyncFnOnce(&Client) -> Result<(), String>,
{
    let Some((chromium, driver_program)) = browser() else {
        return false;
    };
    let driver = Chromedriver::start(&driver_program);
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        json!({ "binary": chromium, "args": CHROMIUM_FLAGS }),
    );
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session with Chromium");

    let walked = walk(&client).await;
    let screenshot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.png"));
    let png = client.screenshot().await.expect("a screenshot");
    std::fs::write(&screenshot, png).expect("save the screenshot");
    let _ = writeln!(
        std::io::stderr().lock(),
        "dashboard screenshot: {}",
        screenshot.display()
    );
    let _ = client.close().await;
    if let Err(failure) = walked {
        panic!("{failure} (screenshot: {})", screenshot.display());
    }
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_retries_a_parked_transfer_from_the_dashboard_and_sees_it_finish() {
    let server = ApiServer::start(env!("CARGO_BIN_EXE_http_server"));
    let parked = server.parked_payout(250);
    let walk = async |client: &Client| retry_walk(client, &server.address, &parked).await;
    if !in_browser("dashboard", walk).await {
        return;
    }

    // What the page showed is what the server holds.
    let finished = server.instance(&parked);
    assert_eq!(finished["status"], "failed", "{finished}");
    assert!(
        finished["journal"]
            .as_array()
            .is_some_and(
                |journal| journal.iter().any(|line| line["kind"] == "operator"
                    && line["action"] == "retry"
                    && line["instruction"] == "rita")
            ),
        "the retry is journaled under the operator token's name: {finished}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_review_is_found_by_its_status_and_skipped_to_a_state_picked_from_its_flow() {
    let server = ApiServer::start(env!("CARGO_BIN_EXE_http_server"));
    server.parked_payout(40);
    let waiting = server.waiting_review(900);
    let walk = async |client: &Client| skip_walk(client, &server.address, &waiting).await;
    if !in_browser("dashboard-skip", walk).await {
        return;
    }
    let skipped = server.instance(&waiting);
    assert_eq!(skipped["state"], "Booked", "{skipped}");
    assert_eq!(skipped["status"], "completed", "{skipped}");
}

/// Opens the dashboard and gives it `token`, as a person does when it asks.
async fn sign_in(client: &Client, address: &str, token: &str) -> Result<(), String> {
    client
        .goto(&format!("http://{address}/ui"))
        .await
        .map_err(|error| format!("open the dashboard: {error}"))?;
    // The page loads without a token and asks for one.
    visible(client, "#token-input")
        .await?
        .send_keys(token)
        .await
        .map_err(|error| format!("type the token: {error}"))?;
    click(client, "#token-submit").await
}

/// Filters the list to waiting instances, opens the review, skips it to `Approved` with the
/// state picker, and sees it booked.
async fn skip_walk(client: &Client, address: &str, waiting: &str) -> Result<(), String> {
    sign_in(client, address, OPERATOR).await?;
    visible(client, &format!("#instance-rows tr[data-id='{waiting}']")).await?;
    visible(client, "#filter-status")
        .await?
        .select_by_value("waiting")
        .await
        .map_err(|error| format!("pick a status: {error}"))?;
    let listed = until(client, "only waiting instances listed", || async {
        let statuses = client
            .find_all(Locator::Css("#instance-rows .status"))
            .await
            .ok()?;
        let mut seen = Vec::new();
        for status in statuses {
            seen.push(status.text().await.ok()?);
        }
        (!seen.is_empty() && seen.iter().all(|status| status == "waiting")).then_some(seen)
    })
    .await?;
    if listed.len() != 1 {
        return Err(format!("one waiting review expected, listed: {listed:?}"));
    }
    click(
        client,
        &format!("#instance-rows tr[data-id='{waiting}'] button"),
    )
    .await?;
    text_becomes(client, "#detail-state", "InReview").await?;
    click(client, "#operator-actions button[data-instruction='skip']").await?;
    visible(client, "#skip-state")
        .await?
        .select_by_value("Approved")
        .await
        .map_err(|error| format!("pick the state: {error}"))?;
    click(client, "#confirm-yes").await?;
    text_becomes(client, "#detail-status", "completed").await?;
    text_becomes(client, "#detail-state", "Booked").await
}

/// What the operator does and sees, step by step; the first thing not seen is the error.
async fn retry_walk(client: &Client, address: &str, parked: &str) -> Result<(), String> {
    sign_in(client, address, OPERATOR).await?;

    // The flow list holds the test flows; the Payout diagram shows its figures.
    click(client, "#flow-list button[data-flow='Payout']").await?;
    let figures = until(
        client,
        "the Payout diagram with a conversion rate",
        || async {
            let texts = client
                .find_all(Locator::Css("#diagram svg text"))
                .await
                .ok()?;
            let mut seen = Vec::new();
            for text in texts {
                seen.push(text.text().await.ok()?);
            }
            seen.iter()
                .any(|text| text.contains("100.0%"))
                .then(|| seen.join(" | "))
        },
    )
    .await?;
    if !figures.contains("1 now") {
        return Err(format!(
            "the diagram does not show the parked transfer waiting: {figures}"
        ));
    }

    // The parked transfer is listed; opening it shows why it stopped.
    click(
        client,
        &format!("#instance-rows tr[data-id='{parked}'] button"),
    )
    .await?;
    text_becomes(client, "#detail-status", "manual").await?;
    let why = text_of(client, "#detail-error-text").await?;
    if !why.contains("ledger is locked") {
        return Err(format!(
            "the error of the parked transfer is not shown: {why:?}"
        ));
    }

    // Retry asks first; confirming it sends the instruction.
    click(client, "#operator-actions button[data-instruction='retry']").await?;
    let question = text_of(client, "#confirm-text").await?;
    if !question.contains(parked) {
        return Err(format!(
            "the confirmation does not name the instance: {question:?}"
        ));
    }
    click(client, "#confirm-yes").await?;

    // The undo completes: the page follows the instance to its end.
    text_becomes(client, "#detail-status", "failed").await?;
    text_becomes(
        client,
        &format!("#instance-rows tr[data-id='{parked}'] .status"),
        "failed",
    )
    .await?;
    let journal = text_of(client, "#detail-journal").await?;
    if !(journal.contains("retry") && journal.contains("by rita")) {
        return Err(format!("the journal does not show the retry: {journal:?}"));
    }
    Ok(())
}

/// Polls `probe` until it gives a value, or says what was awaited.
async fn until<T, F, Fut>(_client: &Client, awaited: &str, probe: F) -> Result<T, String>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(value) = probe().await {
            return Ok(value);
        }
        if Instant::now() > deadline {
            return Err(format!("never saw {awaited}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The element of `css` once it is displayed.
async fn visible(client: &Client, css: &str) -> Result<Element, String> {
    until(client, css, || async {
        let element = client.find(Locator::Css(css)).await.ok()?;
        element
            .is_displayed()
            .await
            .ok()
            .filter(|shown| *shown)
            .map(|_| element)
    })
    .await
}

async fn click(client: &Client, css: &str) -> Result<(), String> {
    let element = visible(client, css).await?;
    element
        .click()
        .await
        .map_err(|error| format!("click {css}: {error}"))
}

async fn text_of(client: &Client, css: &str) -> Result<String, String> {
    visible(client, css)
        .await?
        .text()
        .await
        .map_err(|error| format!("read {css}: {error}"))
}

/// Waits until the text of `css` is `expected`, saying what it was instead.
async fn text_becomes(client: &Client, css: &str, expected: &str) -> Result<(), String> {
    let awaited = format!("{css} saying {expected:?}");
    let result = until(client, &awaited, || async {
        let element = client.find(Locator::Css(css)).await.ok()?;
        let text = element.text().await.ok()?;
        (text.trim() == expected).then_some(())
    })
    .await;
    match result {
        Ok(()) => Ok(()),
        Err(never) => {
            let shown = text_of(client, css).await.unwrap_or_default();
            Err(format!("{never}; it says {shown:?}"))
        }
    }
}
