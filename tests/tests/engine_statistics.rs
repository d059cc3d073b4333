//! Statistics as an engine keeps them: conversion and failure rates per node and per
//! variant label, as a snapshot, JSON and Prometheus text.

use flow_runtime::prelude::*;
use flow_runtime::{StartOptions, Stats, StatsConfig};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Visit {
    pub buys: bool,
    pub pays: bool,
}

#[derive(Instruction)]
pub enum Interest {
    Buys,
    Leaves,
}

#[action(readonly)]
async fn browse(ctx: &mut Context<Visit>) -> Result<Interest, ActionError> {
    Ok(if ctx.data.buys {
        Interest::Buys
    } else {
        Interest::Leaves
    })
}

#[action(pivot, retry(attempts = 1))]
async fn pay(ctx: &mut Context<Visit>) -> Result<(), ActionError> {
    if ctx.data.pays {
        Ok(())
    } else {
        Err(ActionError::permanent("card refused"))
    }
}

flow! {
    pub flow Shop: Visit {
        start Browsing;
        Browsing => browse { Buys => Paying, Leaves => Left }
        Paying   => pay => Bought;
        success Bought;
        failure Left;
    }
}

async fn run_visits(engine: &Engine, variant: &str, visits: &[(bool, bool)]) {
    for &(buys, pays) in visits {
        let options = StartOptions::default().label("variant", variant);
        engine
            .run_with::<Shop>(Visit { buys, pays }, options)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn conversion_and_failure_rates_per_node_and_per_variant() {
    let stats = Stats::new(StatsConfig::default());
    let engine = Engine::builder()
        .statistics(stats.clone())
        .register::<Shop>()
        .build()
        .unwrap();
    // Variant A: 4 visits, 3 buy, 2 of those pay. Variant B: 4 visits, 1 buys and pays.
    run_visits(
        &engine,
        "A",
        &[(true, true), (true, true), (true, false), (false, false)],
    )
    .await;
    run_visits(
        &engine,
        "B",
        &[(true, true), (false, false), (false, false), (false, false)],
    )
    .await;

    let snapshot = stats.snapshot();
    let browsing = snapshot.node("Shop", 1, "Browsing").unwrap();
    assert_eq!(browsing.entered, 8);
    assert_eq!(snapshot.conversion("Shop", 1, "Browsing", "Paying"), 0.5);
    let paying = snapshot.node("Shop", 1, "Paying").unwrap();
    assert_eq!((paying.entered, paying.succeeded, paying.failed), (4, 3, 1));
    assert_eq!(paying.failure_rate, 0.25);

    let variant = |name: &str| {
        snapshot
            .flow_sets("Shop", 1)
            .find(|set| set.labels == [("variant".to_owned(), name.to_owned())])
            .unwrap()
            .clone()
    };
    let a = variant("A");
    assert_eq!(a.state("Browsing").unwrap().conversion_to("Paying"), 0.75);
    let b = variant("B");
    assert_eq!(b.state("Browsing").unwrap().conversion_to("Paying"), 0.25);

    let json = stats.to_json();
    assert!(json.contains("\"Browsing\""), "{json}");
    let prometheus = stats.render_prometheus();
    assert!(
        prometheus.contains(
            "flow_state_entered_total{flow=\"Shop\",version=\"1\",state=\"Browsing\",variant=\"A\"} 4"
        ),
        "{prometheus}"
    );
    assert!(
        prometheus.contains(
            "flow_state_failed_total{flow=\"Shop\",version=\"1\",state=\"Paying\",variant=\"A\"} 1"
        ),
        "{prometheus}"
    );
}
