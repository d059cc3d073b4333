//! Throughput of the HTTP API, beside the same work in-process, in the same run.
//!
//! - Starts: `POST /flows/Ten/instances` with JSON data by `wrk` with 64 connections on two
//!   threads, against 64 tasks calling `Engine::start_json` (what the handler calls) as many
//!   times, on the memory store (the embedded default). The engine runs no worker, so both
//!   measure the start alone, not a backlog of instances being run meanwhile.
//! - The event stream: transitions per second delivered to each of 10 subscribers of
//!   `/events` while 64 callers run 10-step instances in-process.
//!
//! `cargo bench -p flow-runtime --features http --bench http_throughput` (`BENCH_SECONDS`
//! the length of each run, 5 by default; the HTTP starts need `wrk`, Debian's `wrk`).

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

mod common;

use common::{Noop, Ten, seconds};
use flow_runtime::http::{self, ApiToken, EventStream, HttpConfig, Role};
use flow_runtime::{Engine, EngineBuilder, EngineConfig, MemoryStore, StartOptions};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

const TOKEN: &str = "bench-token";
const IN_FLIGHT: usize = 64;
const SUBSCRIBERS: usize = 10;

fn engine(events: &EventStream) -> Engine<MemoryStore> {
    EngineBuilder::with_store(MemoryStore::new())
        .config(EngineConfig::default())
        .plugin(events.clone())
        .register::<Ten>()
        .without_worker()
        .build()
        .expect("a valid flow")
}

/// Serves the API of `engine` on a free port: its address.
async fn serve(engine: Engine<MemoryStore>, events: &EventStream) -> String {
    let config = HttpConfig::default()
        .token(ApiToken::new("bench", Role::Operator, TOKEN))
        .events(events.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = listener.local_addr().expect("an address").to_string();
    tokio::spawn(async move {
        axum::serve(listener, http::router(engine, config))
            .await
            .expect("serves");
    });
    address
}

/// Starts per second by `wrk` over HTTP, or why it was not measured.
fn wrk_starts(address: &str, length: Duration) -> Result<f64, String> {
    let script = std::env::temp_dir().join(format!("flow-bench-{}.lua", std::process::id()));
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.body = '{{\"data\": {{\"counter\": 0}}}}'\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = \"Bearer {TOKEN}\"\n"
        ),
    )
    .map_err(|error| error.to_string())?;
    let output = Command::new("wrk")
        .args(["-t2", "-c64", &format!("-d{}s", length.as_secs())])
        .arg("-s")
        .arg(&script)
        .arg(format!("http://{address}/flows/Ten/instances"))
        .output()
        .map_err(|error| format!("wrk did not run ({error}); Debian: apt-get install wrk"))?;
    let _ = std::fs::remove_file(&script);
    let report = String::from_utf8_lossy(&output.stdout);
    if report.contains("Non-2xx") {
        return Err(format!("some starts were refused:\n{report}"));
    }
    report
        .lines()
        .find_map(|line| line.strip_prefix("Requests/sec:"))
        .and_then(|rate| rate.trim().parse().ok())
        .ok_or_else(|| format!("no rate in wrk's report:\n{report}"))
}

/// Starts per second by `IN_FLIGHT` tasks calling the handler's engine entry in-process,
/// `count` starts in all.
async fn in_process_starts(engine: &Engine<MemoryStore>, count: u64) -> f64 {
    let started = Arc::new(AtomicU64::new(0));
    let begin = Instant::now();
    let mut callers = Vec::new();
    for _ in 0..IN_FLIGHT {
        let engine = engine.clone();
        let started = Arc::clone(&started);
        callers.push(tokio::spawn(async move {
            while started.load(Ordering::Relaxed) < count {
                engine
                    .start_json(
                        "Ten",
                        None,
                        serde_json::json!({"counter": 0}),
                        StartOptions::default(),
                    )
                    .await
                    .expect("starts");
                started.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for caller in callers {
        caller.await.expect("a caller");
    }
    started.load(Ordering::Relaxed) as f64 / begin.elapsed().as_secs_f64()
}

/// Subscribes to `/events`: a counter of the events it reads.
async fn subscribe(address: &str) -> Arc<AtomicU64> {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let request = format!(
        "GET /events HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {TOKEN}\r\nAccept: text/event-stream\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .await
        .expect("subscribe");
    let received = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&received);
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if line.starts_with("data:") {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    received
}

/// Events per second each of `SUBSCRIBERS` subscribers reads while `IN_FLIGHT` callers run
/// 10-step instances in-process: (per subscriber, fewest read by one of them).
async fn event_stream(
    engine: &Engine<MemoryStore>,
    address: &str,
    length: Duration,
) -> (f64, u64, u64) {
    let mut subscribers = Vec::new();
    for _ in 0..SUBSCRIBERS {
        subscribers.push(subscribe(address).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let ran = Arc::new(AtomicU64::new(0));
    let begin = Instant::now();
    let mut callers = Vec::new();
    for _ in 0..IN_FLIGHT {
        let engine = engine.clone();
        let ran = Arc::clone(&ran);
        callers.push(tokio::spawn(async move {
            while begin.elapsed() < length {
                engine.run::<Ten>(Noop::default()).await.expect("runs");
                ran.fetch_add(1, Ordering::Relaxed);
                // On the memory store a run never waits: without a yield the callers
                // would keep the server's and the subscribers' tasks from running at all.
                tokio::task::yield_now().await;
            }
        }));
    }
    for caller in callers {
        caller.await.expect("a caller");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let elapsed = begin.elapsed().as_secs_f64();
    let counts: Vec<u64> = subscribers
        .iter()
        .map(|counter| counter.load(Ordering::Relaxed))
        .collect();
    let total: u64 = counts.iter().sum();
    let fewest = counts.iter().copied().min().unwrap_or(0);
    (
        total as f64 / SUBSCRIBERS as f64 / elapsed,
        fewest,
        ran.load(Ordering::Relaxed),
    )
}

fn main() {
    // `cargo bench` passes `--bench`; this binary takes no other arguments.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let length = seconds();
    runtime.block_on(async {
        let events = EventStream::new();
        let engine = engine(&events);
        let address = serve(engine.clone(), &events).await;

        let over_http = {
            let address = address.clone();
            tokio::task::spawn_blocking(move || wrk_starts(&address, length))
                .await
                .expect("wrk's task")
        };
        // As many starts as wrk made (at least 100,000): the same store size either way.
        let count = over_http
            .as_ref()
            .map_or(100_000, |rate| ((rate * length.as_secs_f64()) as u64).max(100_000));
        let in_process = in_process_starts(&engine, count).await;
        println!("starts of a 10-step flow with JSON data, memory store, no worker running them:");
        println!("    in-process   {in_process:>10.0} starts/s ({IN_FLIGHT} tasks, Engine::start_json, {count} starts)");
        match over_http {
            Ok(rate) => {
                println!("    over HTTP    {rate:>10.0} starts/s (wrk, 64 connections, 2 threads)");
                println!("    ratio        {:>10.2}", rate / in_process);
            }
            Err(why) => println!("    over HTTP    not measured: {why}"),
        }

        let (per_subscriber, fewest, instances) = event_stream(&engine, &address, length).await;
        println!("event stream, {SUBSCRIBERS} subscribers of /events, {IN_FLIGHT} callers running 10-step instances:");
        println!(
            "    {per_subscriber:>10.0} events/s delivered to each subscriber (the fewest one subscriber read: {fewest})"
        );
        // A start, ten transitions and an end per instance.
        let produced = instances as f64 * 12.0 / length.as_secs_f64();
        println!(
            "    {produced:>10.0} events/s published ({instances} instances); a subscriber that falls behind is told how many it missed (`lagged`)"
        );
        engine.shutdown().await;
    });
}
