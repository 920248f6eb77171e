//! The everyday queries of issue 15 (`benches/common/everyday.tsv`, which
//! `benches/compare/everyday.py` runs against Kùzu) on an R-MAT graph (`kgraph generate`'s), each
//! beside a baseline measured in the same run: the same statement planned with no optimisation
//! pass (`Passes::none()`), the planner's plain plan. Read the ratios, not the times: the machine
//! is shared. Both plans' answers are checked equal before timing.
//!
//! Scale 16 by default (65,536 nodes, about a million relationships); `KGRAPH_BENCH_SCALE=20` for
//! the 16-million-relationship graph the figures are on.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kgraph::Session;
use kgraph::generate::Spec;
use kgraph::query::plan::Passes;

fn scale() -> u32 {
    std::env::var("KGRAPH_BENCH_SCALE").ok().and_then(|v| v.parse().ok()).unwrap_or(16)
}

/// (label, kgraph's query) for each line of the list; `{src}` filled in.
fn queries(src: u32) -> Vec<(String, String)> {
    include_str!("common/everyday.tsv")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut fields = l.split('\t');
            let label = fields.next().unwrap_or_default().replace(['…', ' ', ','], "-");
            let query = fields.next().unwrap_or_default().replace("{src}", &src.to_string());
            (label, query)
        })
        .collect()
}

fn everyday(c: &mut Criterion) {
    let drawn = Spec { scale: scale(), edge_factor: 16, seed: 1 }.draw().expect("a valid spec");
    // As everyday.py does: the two-hop query starts where the (shuffled) edge list's first
    // relationship starts, a node with relationships.
    let src = drawn.edges.first().map_or(0, |e| e.0);
    let mut session = Session::with_graph(drawn.to_graph());
    let queries = queries(src);
    assert_eq!(queries.len(), 11, "the list holds the eleven queries");
    let mut group = c.benchmark_group("everyday");
    group.sample_size(10);
    for (label, query) in &queries {
        session.set_passes(Passes::none());
        let plain = session.run(query).expect("the query runs")[0].rows.clone();
        session.set_passes(Passes::all());
        let optimised = session.run(query).expect("the query runs")[0].rows.clone();
        assert_eq!(optimised, plain, "{label}: both plans agree");
        for (name, passes) in [("plain", Passes::none()), ("optimised", Passes::all())] {
            session.set_passes(passes);
            group.bench_function(format!("{label}/{name}"), |b| {
                b.iter(|| session.run(black_box(query)).expect("the query runs"))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, everyday);
criterion_main!(benches);
