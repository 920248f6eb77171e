//! Baselines for later work: parsing, and a typed 2-hop pattern count on a generated graph.
//!
//! Each group carries its own baseline, measured in the same run, so that figures can be read as
//! ratios on a noisy shared machine:
//! - `parse/*` against `parse/return-1`, the smallest statement;
//! - `two-hop/cypher` (the whole pipeline) against `two-hop/store-api`, the same count written by hand
//!   over `Graph::neighbours`, the executor's only road to adjacency.
//!
//! `KGRAPH_BENCH_NODES` (default 100000) sets the graph's size; it has ten edges per node.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kgraph::query::parser::parse_statement;
use kgraph::{Direction, Graph, Session, Value};

const TYPES: [&str; 3] = ["attributed-to", "linked-to", "condemned-by"];
const LABELS: [&str; 3] = ["Campaign", "ThreatActor", "Organization"];

/// A deterministic pseudo-random graph: uniform endpoints, three labels and three edge types.
fn generate(nodes: usize) -> Graph {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut g = Graph::new();
    let ids: Vec<_> = (0..nodes)
        .map(|i| g.create_node(&[LABELS[i % 3]], [("name", Value::String(format!("entity-{i}")))]))
        .collect();
    for _ in 0..nodes * 10 {
        let a = ids[(next() % nodes as u64) as usize];
        let b = ids[(next() % nodes as u64) as usize];
        let ty = TYPES[(next() % 3) as usize];
        // Both endpoints were just created, so the edge can always be added.
        g.create_edge(a, b, ty, []).expect("endpoints exist");
    }
    g
}

fn parsing(c: &mut Criterion) {
    let statements = [
        ("return-1", "RETURN 1"),
        (
            "two-hop",
            "MATCH (c:Campaign)-[:`attributed-to`]->(a:ThreatActor)-[:`linked-to`]->(o) WHERE o.name STARTS WITH 'M' RETURN a.name, count(*) AS n ORDER BY n DESC LIMIT 10",
        ),
        (
            "create",
            "CREATE (c:Campaign {name: 'Foreign Ministry espionage campaign', started: 2022})-[:`attributed-to` {source: 'article', date: '2025-05-28', confidence: 'high'}]->(a:ThreatActor {name: 'APT31', aliases: ['ZIRCONIUM', 'Violet Typhoon', 'Judgment Panda']})",
        ),
    ];
    let mut group = c.benchmark_group("parse");
    for (name, text) in statements {
        group.bench_function(name, |b| {
            b.iter(|| parse_statement(black_box(text), 0..text.len()).expect("parses"))
        });
    }
    group.finish();
}

fn two_hop(c: &mut Criterion) {
    let nodes = std::env::var("KGRAPH_BENCH_NODES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let mut graph = generate(nodes);
    // Both sides read adjacency through the store's index, as statements do.
    graph.prepare_reads();
    let actor = graph.symbol("ThreatActor").expect("label exists");
    let linked = graph.symbol("linked-to").expect("type exists");
    let by_hand = |g: &Graph| {
        let mut first = Vec::new();
        let mut second = Vec::new();
        let mut count = 0u64;
        let mut cursor = None;
        while let Some(a) = g.next_node(cursor, Some(actor)) {
            cursor = Some(a);
            first.clear();
            g.neighbours(a, Direction::Outgoing, &[linked], &mut first);
            for &(e1, b) in &first {
                second.clear();
                g.neighbours(b, Direction::Outgoing, &[linked], &mut second);
                count += second.iter().filter(|(e2, _)| *e2 != e1).count() as u64;
            }
        }
        count
    };
    let query = "MATCH (a:ThreatActor)-[:`linked-to`]->(b)-[:`linked-to`]->(c) RETURN count(*)";
    let mut session = Session::with_graph(graph.clone());
    let out = session.run(query).expect("the query runs");
    assert_eq!(out[0].rows[0][0], Value::Int(by_hand(&graph) as i64), "engine and baseline agree");

    let mut group = c.benchmark_group("two-hop");
    group.sample_size(10);
    group.bench_function("store-api", |b| b.iter(|| black_box(by_hand(&graph))));
    group.bench_function("cypher", |b| b.iter(|| session.run(black_box(query)).expect("the query runs")));
    group.finish();
}

criterion_group!(benches, parsing, two_hop);
criterion_main!(benches);
