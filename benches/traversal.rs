//! Traversal on an R-MAT graph (`kgraph generate`'s), each kgraph figure beside a baseline measured
//! in the same run: a plain compressed-sparse-row (CSR) array over the same edge list, the practical
//! limit for a single-threaded traversal. Read the ratios, not the times: the machine is shared.
//!
//! - `load/*`: CSV import and snapshot load of the same graph;
//! - `bfs/*`: every node reachable from one source (Cypher `count(DISTINCT b)` over `[*]`);
//! - `khop-K/*`: distinct nodes within K = 1, 2, 3 hops of 100 fixed sources;
//! - `shortest/*`: one shortest path for each of 100 fixed pairs (the baseline searches one-sided);
//! - `two-hop/*`: a typed two-hop pattern count;
//! - `lookup/*`: a node by name through a property index, against a label scan.
//!
//! Scale 16 by default (65,536 nodes, about a million edges); `KGRAPH_BENCH_SCALE=20` for the
//! 16-million-edge graph of `docs/performance.md`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main, measurement::WallTime};
use kgraph::generate::{Spec, TYPES};
use kgraph::{Session, Value};

#[path = "common/csr.rs"]
mod csr;
use csr::Csr;

fn scale() -> u32 {
    std::env::var("KGRAPH_BENCH_SCALE").ok().and_then(|v| v.parse().ok()).unwrap_or(16)
}

/// Up to `count` distinct nodes that have out-edges, fixed by a seed. Distinct, because the Cypher
/// k-hop query groups its rows by source: a repeated source would be counted once there and twice in
/// the baseline's sum.
fn fixed_nodes(csr: &Csr, count: usize, salt: u64) -> Vec<u32> {
    let n = csr.nodes() as u64;
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ salt;
    let mut out = Vec::new();
    for _ in 0..count * 1000 {
        if out.len() == count {
            break;
        }
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let v = (state % n) as u32;
        if !csr.out(v).is_empty() && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

fn ints(ids: &[u32]) -> Value {
    Value::List(ids.iter().map(|&i| Value::Int(i64::from(i))).collect())
}

fn configure(group: &mut BenchmarkGroup<WallTime>) {
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
}

fn traversal(c: &mut Criterion) {
    let spec = Spec { scale: scale(), edge_factor: 16, seed: 1 };
    let drawn = spec.draw().expect("a valid spec");
    let csr = Csr::from_edges(drawn.nodes.len(), &drawn.edges);
    let dir = tempfile::tempdir().expect("a temporary directory");
    drawn.write_csv(dir.path()).expect("CSV written");
    let snapshot = dir.path().join("graph.kgs");
    let graph = drawn.to_graph();
    kgraph::snapshot::save(&graph, &snapshot).expect("snapshot written");
    let mut session = Session::with_graph(graph);
    let mut dist = vec![0u32; drawn.nodes.len()];
    eprintln!("scale {}: {} nodes, {} edges", spec.scale, drawn.nodes.len(), drawn.edges.len());

    let mut group = c.benchmark_group("load");
    configure(&mut group);
    let (nodes_csv, edges_csv) = (dir.path().join("nodes.csv"), dir.path().join("edges.csv"));
    group.bench_function("csv-import", |b| {
        b.iter(|| {
            kgraph::import::import_csv(
                std::slice::from_ref(&nodes_csv),
                std::slice::from_ref(&edges_csv),
                &mut kgraph::progress::Silent,
            )
            .unwrap()
        })
    });
    group.bench_function("snapshot-load", |b| b.iter(|| kgraph::snapshot::load(&snapshot).unwrap()));
    group.finish();

    let run = |session: &mut Session, query: &str| -> Vec<Vec<Value>> {
        session.run(query).unwrap_or_else(|e| panic!("{query}: {e}")).remove(0).rows
    };

    let source = fixed_nodes(&csr, 1, 0)[0];
    session.set_param("source", Value::Int(i64::from(source)));
    let bfs = "MATCH (a) WHERE id(a) = $source MATCH (a)-[*]->(b) WHERE b <> a RETURN count(DISTINCT b)";
    let (reached, _) = csr.within(source, u32::MAX, &mut dist);
    assert_eq!(run(&mut session, bfs), vec![vec![Value::Int(reached as i64)]], "engine and baseline agree");
    let mut group = c.benchmark_group("bfs");
    configure(&mut group);
    group.bench_function("csr-baseline", |b| b.iter(|| csr.within(black_box(source), u32::MAX, &mut dist).0));
    group.bench_function("cypher", |b| b.iter(|| run(&mut session, black_box(bfs))));
    group.finish();

    let sources = fixed_nodes(&csr, 100, 1);
    session.set_param("sources", ints(&sources));
    for k in 1..=3u32 {
        let query = format!(
            "UNWIND $sources AS s MATCH (a) WHERE id(a) = s MATCH (a)-[*1..{k}]->(b) WHERE b <> a \
             RETURN s, count(DISTINCT b) AS n"
        );
        let expected: u64 = sources.iter().map(|&s| csr.within(s, k, &mut dist).0).sum();
        let got: i64 =
            run(&mut session, &query).iter().map(|r| if let Value::Int(n) = r[1] { n } else { 0 }).sum();
        assert_eq!(got as u64, expected, "engine and baseline agree on {k} hops");
        let mut group = c.benchmark_group(format!("khop-{k}"));
        configure(&mut group);
        group.bench_function("csr-baseline", |b| {
            b.iter(|| sources.iter().map(|&s| csr.within(s, k, &mut dist).0).sum::<u64>())
        });
        group.bench_function("cypher", |b| b.iter(|| run(&mut session, black_box(&query))));
        group.finish();
    }

    let from = fixed_nodes(&csr, 100, 2);
    let to = fixed_nodes(&csr, 100, 3);
    session.set_param("pairs", Value::List(from.iter().zip(&to).map(|(&a, &b)| ints(&[a, b])).collect()));
    let shortest = "UNWIND $pairs AS p MATCH (a), (b) WHERE id(a) = p[0] AND id(b) = p[1] AND a <> b \
                    MATCH path = shortestPath((a)-[*]->(b)) RETURN sum(length(path))";
    let expected: u64 = from
        .iter()
        .zip(&to)
        .filter(|(a, b)| a != b)
        .filter_map(|(&a, &b)| csr.distance(a, b, &mut dist))
        .map(u64::from)
        .sum();
    assert_eq!(
        run(&mut session, shortest),
        vec![vec![Value::Int(expected as i64)]],
        "engine and baseline agree"
    );
    let mut group = c.benchmark_group("shortest");
    configure(&mut group);
    group.bench_function("csr-baseline-one-sided", |b| {
        b.iter(|| from.iter().zip(&to).filter_map(|(&a, &b)| csr.distance(a, b, &mut dist)).count())
    });
    group.bench_function("cypher", |b| b.iter(|| run(&mut session, black_box(shortest))));
    group.finish();

    let two_hop = format!("MATCH (a)-[:`{}`]->(b)-[:`{}`]->(c) RETURN count(*)", TYPES[0].0, TYPES[1].0);
    let expected = csr.typed_two_hop(0, 1);
    assert_eq!(
        run(&mut session, &two_hop),
        vec![vec![Value::Int(expected as i64)]],
        "engine and baseline agree"
    );
    let mut group = c.benchmark_group("two-hop");
    configure(&mut group);
    group.bench_function("csr-baseline", |b| b.iter(|| csr.typed_two_hop(0, 1)));
    group.bench_function("cypher", |b| b.iter(|| run(&mut session, black_box(&two_hop))));
    group.finish();
}

/// A point lookup by name: through a property index, against the label scan the same query needs
/// without one.
fn lookup(c: &mut Criterion) {
    let drawn = Spec { scale: scale(), edge_factor: 16, seed: 1 }.draw().expect("a valid spec");
    let mut scanning = Session::with_graph(drawn.to_graph());
    let mut indexed = Session::with_graph(drawn.to_graph());
    indexed.run("CREATE INDEX FOR (n:Campaign) ON (n.name)").expect("the index is made");
    let name = match &scanning.run("MATCH (n:Campaign) RETURN n.name LIMIT 1").expect("runs")[0].rows[0][0] {
        Value::String(s) => s.clone(),
        other => panic!("a name, not {other:?}"),
    };
    let query = format!("MATCH (n:Campaign {{name: '{name}'}}) RETURN n.score");
    let answer = |s: &mut Session| s.run(&query).expect("runs").remove(0).rows;
    assert_eq!(answer(&mut indexed), answer(&mut scanning), "index and scan agree");
    let mut group = c.benchmark_group("lookup");
    configure(&mut group);
    group.bench_function("label-scan", |b| b.iter(|| answer(black_box(&mut scanning))));
    group.bench_function("indexed", |b| b.iter(|| answer(black_box(&mut indexed))));
    group.finish();
}

criterion_group!(benches, traversal, lookup);
criterion_main!(benches);
