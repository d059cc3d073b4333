//! End-to-end behaviour of the registry: scripted step reports in, snapshot, JSON and
//! Prometheus text out.

use std::time::Duration;

use super::*;

const CART: usize = 0;
const PAID: usize = 1;
const ABANDONED: usize = 2;
const WAITING: usize = 3;

fn checkout_shape() -> Vec<StateShape> {
    vec![
        StateShape::new(
            "Cart",
            [(Some("Paid"), PAID), (Some("Abandoned"), ABANDONED)],
        ),
        StateShape::new("Paid", [(None, WAITING)]),
        StateShape::new("Abandoned", []),
        StateShape::new(
            "Waiting",
            [(Some("Shipped"), PAID), (Some("deadline"), ABANDONED)],
        ),
    ]
}

fn variant(name: &str) -> Vec<(String, String)> {
    vec![("variant".to_owned(), name.to_owned())]
}

/// 10 carts under variant A: 7 paid, 3 abandoned; 2 retries; 1 of the paid fails later.
fn scripted(stats: &Stats) -> FlowStats {
    let flow = stats.register_flow("checkout", 1, &checkout_shape());
    let slot = flow.slot(&variant("A"));
    for i in 0..10 {
        flow.entered(slot, CART);
        if i < 7 {
            flow.succeeded(slot, CART, "Paid", PAID, Duration::from_micros(100));
            flow.entered(slot, PAID);
        } else {
            flow.succeeded(slot, CART, "Abandoned", ABANDONED, Duration::from_millis(3));
        }
    }
    flow.retried(slot, CART);
    flow.retried(slot, CART);
    flow.failed(slot, PAID, Duration::from_millis(1));
    flow.compensated(slot, CART);
    flow
}

#[test]
fn stats_counts_conversion_and_failure_rates_after_scripted_steps() {
    let stats = Stats::default();
    scripted(&stats);
    let snapshot = stats.snapshot();

    let cart = snapshot
        .node("checkout", 1, "Cart")
        .expect("Cart is registered");
    assert_eq!(
        (
            cart.entered,
            cart.succeeded,
            cart.failed,
            cart.retried,
            cart.compensated
        ),
        (10, 10, 0, 2, 1)
    );
    assert_eq!(cart.failure_rate, 0.0);
    assert_eq!(cart.latency.count, 10);
    let paid = cart.edge(Some("Paid")).expect("edge Paid");
    assert_eq!(
        (paid.to.as_str(), paid.count, paid.conversion_rate),
        ("Paid", 7, 0.7)
    );
    assert_eq!(snapshot.conversion("checkout", 1, "Cart", "Paid"), 0.7);
    assert_eq!(snapshot.conversion("checkout", 1, "Cart", "Abandoned"), 0.3);
    assert_eq!(snapshot.conversion("checkout", 1, "Cart", "Waiting"), 0.0);
    assert_eq!(snapshot.conversion("checkout", 2, "Cart", "Paid"), 0.0);

    let paid_state = snapshot
        .node("checkout", 1, "Paid")
        .expect("Paid is registered");
    assert_eq!((paid_state.entered, paid_state.failed), (7, 1));
    assert!((paid_state.failure_rate - 1.0 / 7.0).abs() < 1e-12);

    // 7 samples at 100 µs, 3 at 3 ms: the median lies in (64, 128] µs, p99 in (2048, 4096] µs.
    assert!(
        (64e-6..=128e-6).contains(&cart.latency.p50_seconds),
        "{:?}",
        cart.latency
    );
    assert!(
        (2.048e-3..=4.096e-3).contains(&cart.latency.p99_seconds),
        "{:?}",
        cart.latency
    );
    assert!((cart.latency.sum_seconds - (7.0 * 100e-6 + 3.0 * 3e-3)).abs() < 1e-9);
    // Never entered: rates are 0, not NaN.
    let abandoned = snapshot
        .node("checkout", 1, "Abandoned")
        .expect("registered");
    assert_eq!((abandoned.entered, abandoned.failure_rate), (0, 0.0));
}

#[test]
fn stats_moved_counts_wait_edges_and_catch_all_and_unmatched() {
    let stats = Stats::default();
    let flow = stats.register_flow("checkout", 1, &checkout_shape());
    let slot = flow.slot(&[]);
    for _ in 0..4 {
        flow.entered(slot, WAITING);
    }
    flow.moved(slot, WAITING, "Shipped", PAID);
    flow.moved(slot, WAITING, "deadline", ABANDONED);
    flow.moved(slot, WAITING, "deadline", ABANDONED);
    // An instruction the shape does not know for that target.
    flow.moved(slot, WAITING, "Lost", CART);
    // A catch-all edge takes any instruction to its target.
    flow.entered(slot, PAID);
    flow.succeeded(slot, PAID, "Anything", WAITING, Duration::from_micros(5));

    let snapshot = stats.snapshot();
    let waiting = snapshot.node("checkout", 1, "Waiting").expect("registered");
    assert_eq!(waiting.succeeded, 0, "a wait has no action");
    assert_eq!(waiting.edge(Some("deadline")).map(|e| e.count), Some(2));
    assert_eq!(waiting.conversion_to("Abandoned"), 0.5);
    assert_eq!(waiting.conversion_to("Paid"), 0.25);
    assert_eq!(waiting.unmatched, 1);
    assert_eq!(snapshot.conversion("checkout", 1, "Paid", "Waiting"), 1.0);
    assert_eq!(snapshot.flows[0].labels, Vec::<(String, String)>::new());
}

#[test]
fn stats_label_slots_are_bounded_with_other_overflow() {
    let stats = Stats::new(StatsConfig {
        max_label_sets: 2,
        ..StatsConfig::default()
    });
    let flow = stats.register_flow("checkout", 1, &checkout_shape());
    for (name, entries) in [("A", 1), ("B", 2), ("C", 4), ("D", 8)] {
        let slot = flow.slot(&variant(name));
        assert_eq!(
            flow.slot(&variant(name)),
            slot,
            "a known set keeps its slot"
        );
        for _ in 0..entries {
            flow.entered(slot, CART);
        }
    }
    let snapshot = stats.snapshot();
    let per_set: Vec<(Vec<(String, String)>, u64)> = snapshot
        .flow_sets("checkout", 1)
        .map(|set| (set.labels.clone(), set.states[CART].entered))
        .collect();
    assert_eq!(
        per_set,
        [(variant("A"), 1), (variant("B"), 2), (variant("other"), 12)]
    );
    assert_eq!(
        snapshot
            .node("checkout", 1, "Cart")
            .map(|cart| cart.entered),
        Some(15)
    );
    let text = stats.render_prometheus();
    assert!(
        text.contains(r#"state="Cart",variant="other"} 12"#),
        "{text}"
    );
    assert!(!text.contains(r#"variant="C""#), "{text}");
}

#[test]
fn stats_node_sums_label_sets_and_recomputes_rates() {
    let stats = Stats::default();
    let flow = stats.register_flow("checkout", 1, &checkout_shape());
    let a = flow.slot(&variant("A"));
    let b = flow.slot(&variant("B"));
    for _ in 0..4 {
        flow.entered(a, CART);
        flow.succeeded(a, CART, "Paid", PAID, Duration::from_micros(10));
    }
    for _ in 0..4 {
        flow.entered(b, CART);
        flow.failed(b, CART, Duration::from_micros(10));
    }
    let snapshot = stats.snapshot();
    let per_variant: Vec<f64> = snapshot
        .flow_sets("checkout", 1)
        .map(|set| set.states[CART].edges[0].conversion_rate)
        .collect();
    assert_eq!(per_variant, [1.0, 0.0]);
    let cart = snapshot.node("checkout", 1, "Cart").expect("registered");
    assert_eq!(
        (cart.entered, cart.failure_rate, cart.latency.count),
        (8, 0.5, 8)
    );
    assert_eq!(
        cart.edge(Some("Paid")).map(|edge| edge.conversion_rate),
        Some(0.5)
    );
}

#[test]
fn stats_json_carries_the_numbers() {
    let stats = Stats::default();
    scripted(&stats);
    let json = stats.to_json();
    let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let set = &value["flows"][0];
    assert_eq!(set["flow"], "checkout");
    assert_eq!(set["version"], 1);
    assert_eq!(set["labels"], serde_json::json!([["variant", "A"]]));
    let cart = &set["states"][0];
    assert_eq!(cart["state"], "Cart");
    assert_eq!(cart["entered"], 10);
    assert_eq!(cart["retried"], 2);
    assert_eq!(cart["edges"][0]["to"], "Paid");
    assert_eq!(cart["edges"][0]["instruction"], "Paid");
    assert_eq!(cart["edges"][0]["count"], 7);
    assert_eq!(cart["edges"][0]["conversion_rate"], 0.7);
    assert_eq!(cart["latency"]["count"], 10);
    assert_eq!(set["states"][1]["failed"], 1);
    // And it reads back into the same snapshot.
    let back: StatsSnapshot = serde_json::from_str(&json).expect("round trip");
    assert_eq!(back, stats.snapshot());
}

#[test]
fn stats_prometheus_text_has_labelled_counters_transitions_and_histogram() {
    let stats = Stats::default();
    scripted(&stats);
    let text = stats.render_prometheus();
    let base = r#"flow="checkout",version="1",state="Cart""#;
    for line in [
        format!("flow_state_entered_total{{{base},variant=\"A\"}} 10"),
        format!("flow_state_succeeded_total{{{base},variant=\"A\"}} 10"),
        format!("flow_state_retried_total{{{base},variant=\"A\"}} 2"),
        format!("flow_state_compensated_total{{{base},variant=\"A\"}} 1"),
        format!("flow_transition_total{{{base},instruction=\"Paid\",to=\"Paid\",variant=\"A\"}} 7"),
        format!(
            "flow_transition_conversion_ratio{{{base},instruction=\"Abandoned\",to=\"Abandoned\",variant=\"A\"}} 0.3"
        ),
        // Cumulative: 7 samples at 100 µs are at most 0.000256 s, all 10 at most 0.004096 s.
        format!("flow_step_latency_seconds_bucket{{{base},le=\"0.000064\",variant=\"A\"}} 0"),
        format!("flow_step_latency_seconds_bucket{{{base},le=\"0.000256\",variant=\"A\"}} 7"),
        format!("flow_step_latency_seconds_bucket{{{base},le=\"0.004096\",variant=\"A\"}} 10"),
        format!("flow_step_latency_seconds_bucket{{{base},le=\"+Inf\",variant=\"A\"}} 10"),
        format!("flow_step_latency_seconds_count{{{base},variant=\"A\"}} 10"),
        r#"flow_state_failed_total{flow="checkout",version="1",state="Paid",variant="A"} 1"#
            .to_owned(),
        r#"flow_transition_total{flow="checkout",version="1",state="Paid",instruction="*",to="Waiting",variant="A"} 0"#
            .to_owned(),
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
    }
    assert!(
        text.contains("# TYPE flow_state_entered_total counter"),
        "{text}"
    );
    assert!(text.contains("# HELP flow_state_entered_total "), "{text}");

    // Counts reported after a render show up in the next one.
    let flow = stats.register_flow("checkout", 1, &checkout_shape());
    flow.entered(flow.slot(&variant("A")), CART);
    let again = stats.render_prometheus();
    assert!(
        again.contains(&format!(
            "flow_state_entered_total{{{base},variant=\"A\"}} 11"
        )),
        "{again}"
    );
}

#[test]
fn stats_registries_do_not_share_counts() {
    let first = Stats::default();
    let second = Stats::default();
    scripted(&first);
    let flow = second.register_flow("checkout", 1, &checkout_shape());
    flow.entered(flow.slot(&variant("A")), CART);

    assert_eq!(
        first
            .snapshot()
            .node("checkout", 1, "Cart")
            .map(|s| s.entered),
        Some(10)
    );
    assert_eq!(
        second
            .snapshot()
            .node("checkout", 1, "Cart")
            .map(|s| s.entered),
        Some(1)
    );
    let line = r#"flow_state_entered_total{flow="checkout",version="1",state="Cart",variant="A"}"#;
    assert!(first.render_prometheus().contains(&format!("{line} 10")));
    assert!(second.render_prometheus().contains(&format!("{line} 1\n")));
}

#[test]
fn stats_registering_a_flow_version_twice_shares_its_counters() {
    let stats = Stats::default();
    let first = stats.register_flow("checkout", 1, &checkout_shape());
    let again = stats.register_flow("checkout", 1, &checkout_shape());
    let other_version = stats.register_flow("checkout", 2, &checkout_shape()[..1]);
    first.entered(first.slot(&[]), CART);
    again.entered(again.slot(&[]), CART);
    other_version.entered(other_version.slot(&[]), CART);

    let snapshot = stats.snapshot();
    assert_eq!(snapshot.flows.len(), 2);
    assert_eq!(
        snapshot.node("checkout", 1, "Cart").map(|s| s.entered),
        Some(2)
    );
    // Version 2's Cart has edges to states it does not have: dropped at registration.
    let v2 = snapshot.node("checkout", 2, "Cart").expect("registered");
    assert_eq!((v2.entered, v2.edges.len()), (1, 0));
}

#[test]
fn stats_counts_every_step_of_more_threads_than_there_are_owned_stripes() {
    // Threads past the owned stripes share one and add atomically; the owned ones add with a
    // plain load and store. Either way no step may be lost.
    const THREADS: usize = 3 * super::counters::STRIPES;
    const STEPS: u64 = 2_000;
    let stats = Stats::default();
    let flow = stats.register_flow("checkout", 1, &checkout_shape());
    let slot = flow.slot(&variant("A"));
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                for _ in 0..STEPS {
                    flow.entered(slot, CART);
                    flow.succeeded(slot, CART, "Paid", PAID, Duration::from_micros(3));
                }
            });
        }
    });
    let snapshot = stats.snapshot();
    let cart = snapshot
        .node("checkout", 1, "Cart")
        .expect("Cart is registered");
    let total = THREADS as u64 * STEPS;
    assert_eq!(cart.entered, total);
    assert_eq!(cart.succeeded, total);
    assert_eq!(cart.latency.count, total);
    assert_eq!(cart.edges[0].count, total);
}

#[test]
fn stats_a_step_counted_in_one_go_counts_what_its_outcome_and_arrival_count() {
    // The engine's per-step call against the public pair it stands for, same steps, same
    // latencies (across bucket bounds, and the exact microsecond of one).
    let (one_go, pair) = (Stats::default(), Stats::default());
    let stepped = one_go.register_flow("checkout", 1, &checkout_shape());
    let counted = pair.register_flow("checkout", 1, &checkout_shape());
    let (stepped_slot, counted_slot) = (stepped.slot(&variant("A")), counted.slot(&variant("A")));
    let steps = [
        (CART, "Paid", PAID, 0),
        (CART, "Paid", PAID, 1_000),
        (CART, "Abandoned", ABANDONED, 1_001),
        (PAID, "Shipped", WAITING, 3_000_000),
        (WAITING, "Shipped", PAID, 250),
        (WAITING, "Unknown", CART, 70_000_000_000),
    ];
    for (state, instruction, next, nanos) in steps {
        stepped.stepped(stepped_slot, state, instruction, next, nanos);
        counted.succeeded(
            counted_slot,
            state,
            instruction,
            next,
            Duration::from_nanos(nanos),
        );
        counted.entered(counted_slot, next);
    }
    assert_eq!(one_go.snapshot(), pair.snapshot());
    let cart = one_go.snapshot().node("checkout", 1, "Cart").unwrap();
    assert_eq!((cart.succeeded, cart.latency.count), (3, 3));
}
