//! Diagrams with the figures an engine counted: the conversion of each edge and the failure
//! rate of each node of a real run, summed over label sets, on Mermaid, DOT and SVG, and a
//! wait's deadline edge recognised as such.

use std::time::Duration;

use flow_runtime::StartOptions;
use flow_runtime::diagram::{DiagramFormat, Figures, render};
use flow_runtime::prelude::*;
use flow_runtime::store::InstanceQuery;
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

#[derive(Instruction)]
pub enum Answer {
    Yes,
}

flow! {
    pub flow Shop: Visit {
        start Browsing;
        Browsing => browse { Buys => Paying, Leaves => Asking }
        wait Asking on Answer, timeout 1h => Left { Yes => Paying }
        Paying   => pay => Bought;
        success Bought;
        failure Left;
    }
}

#[tokio::test]
async fn a_run_s_figures_land_on_the_right_edges_and_nodes() {
    let stats = Stats::default();
    let (engine_clock, clock) = Clock::manual();
    let engine = Engine::builder()
        .clock(engine_clock)
        .statistics(stats.clone())
        .register::<Shop>()
        .build()
        .unwrap();
    // 3 buy (2 pay, 1 card refused), 1 leaves and its question times out.
    for (buys, pays, variant) in [
        (true, true, "A"),
        (true, true, "B"),
        (true, false, "A"),
        (false, false, "B"),
    ] {
        let options = StartOptions::default().label("variant", variant);
        engine
            .run_with::<Shop>(Visit { buys, pays }, options)
            .await
            .unwrap();
    }
    let waiting = engine
        .list(&InstanceQuery::new(10).status(Status::Waiting))
        .await
        .unwrap();
    assert_eq!(waiting.len(), 1);
    clock.advance(Duration::from_secs(2 * 3600));
    engine.wait_ended::<Shop>(waiting[0].id).await.unwrap();

    let spec = Shop::spec();
    let figures = Figures::from_snapshot(&spec, &stats.snapshot());
    let mermaid = render(&spec, DiagramFormat::Mermaid, &figures);
    assert!(
        mermaid.contains("Browsing --> Paying: browse / Buys · 75.0% (3)"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("Browsing --> Asking: browse / Leaves · 25.0% (1)"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("Asking --> Left: after 1h · 100.0% (1)"),
        "{mermaid}"
    );
    assert!(mermaid.contains("Paying: 3 in · 33.3% failed"), "{mermaid}");
    let dot = render(&spec, DiagramFormat::Dot, &figures);
    assert!(
        dot.contains(r#""Paying" -> "Bought" [label="pay\n66.7% (2)"];"#),
        "{dot}"
    );
    let svg = render(&spec, DiagramFormat::Svg, &figures);
    assert!(
        svg.contains("data-state=\"Paying\" data-kind=\"step\" data-failure-rate=\"0.3333\""),
        "{svg}"
    );
    assert!(svg.contains(">after 1h · 100.0% (1)</text>"), "{svg}");
}
