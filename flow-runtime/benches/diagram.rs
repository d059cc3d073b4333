//! Drawing a 50-state flow: the layered layout alone, and each format end to end, plain and
//! with live figures. `cargo bench -p flow-runtime --bench diagram`.

use std::fmt::Write;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use flow_runtime::FlowSpec;
use flow_runtime::diagram::{DiagramFormat, Figures, LayoutEdge, LayoutNode, layout, render};
use flow_runtime::document::{DocumentOrigin, FlowDocument};

/// 48 checks in a chain, each passing on or failing to one shared end, every fifth sending
/// back three steps, some skipping ahead: 50 states, about 120 edges, cycles included.
fn fifty_states() -> FlowSpec {
    let steps = 48;
    let mut text = String::from(
        "[[flow]]\nname = \"Wide\"\ndata = \"json\"\nstart = \"S0\"\nsuccess = [\"Done\"]\nfailure = [\"Failed\"]\n",
    );
    for step in 0..steps {
        let next = if step + 1 == steps {
            "Done".to_owned()
        } else {
            format!("S{}", step + 1)
        };
        let _ = write!(
            text,
            "\n[[flow.state]]\nname = \"S{step}\"\naction = \"check\"\non = {{ Pass = \"{next}\", Fail = \"Failed\""
        );
        if step % 5 == 4 {
            let _ = write!(text, ", Again = \"S{}\"", step - 3);
        }
        if step % 7 == 3 && step + 3 < steps {
            let _ = write!(text, ", Skip = \"S{}\"", step + 3);
        }
        text.push_str(" }\n");
    }
    FlowDocument::parse(&text, DocumentOrigin::named("wide.toml"))
        .expect("a valid flow")
        .flows
        .remove(0)
        .spec
}

/// Figures on every state and edge, as a busy dashboard shows them.
fn figures(spec: &FlowSpec) -> Figures {
    let mut figures = Figures::none();
    for (index, state) in spec.states.iter().enumerate() {
        figures.set_state(&state.name, 1_000, index as u64, Some(index as u64));
        for edge in state.kind.edges() {
            figures.set_edge(
                &state.name,
                edge.instruction.as_deref(),
                &edge.target,
                400,
                0.4,
            );
        }
    }
    figures
}

fn bench(c: &mut Criterion) {
    let spec = fifty_states();
    let live = figures(&spec);
    let names: Vec<&str> = spec
        .states
        .iter()
        .map(|state| state.name.as_str())
        .collect();
    let nodes: Vec<LayoutNode> = names
        .iter()
        .map(|name| LayoutNode {
            width: 20.0 + 7.0 * name.len() as f64,
            height: 40.0,
        })
        .collect();
    let edges: Vec<LayoutEdge> = spec
        .states
        .iter()
        .enumerate()
        .flat_map(|(from, state)| {
            let names = &names;
            state.kind.targets().filter_map(move |target| {
                let to = names.iter().position(|name| *name == target)?;
                Some(LayoutEdge {
                    from,
                    to,
                    label_width: 90.0,
                    label_height: 28.0,
                })
            })
        })
        .collect();
    let mut group = c.benchmark_group("diagram_50_states");
    group.bench_function("layout", |b| {
        b.iter(|| layout(black_box(&nodes), black_box(&edges), &[0]))
    });
    for format in DiagramFormat::ALL {
        group.bench_function(format!("{format}_plain"), |b| {
            b.iter(|| render(black_box(&spec), format, &Figures::none()))
        });
        group.bench_function(format!("{format}_figures"), |b| {
            b.iter(|| render(black_box(&spec), format, black_box(&live)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
