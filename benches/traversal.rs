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

use std::collections::VecDeque;
use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main, measurement::WallTime};
use kgraph::generate::{Spec, Synthetic, TYPES};
use kgraph::{Session, Value};

/// The baseline: out-edges of each node as one contiguous run, with their types.
struct Csr {
    offsets: Vec<u32>,
    targets: Vec<u32>,
    types: Vec<u8>,
}

impl Csr {
    fn new(g: &Synthetic) -> Csr {
        let n = g.nodes.len();
        let mut offsets = vec![0u32; n + 1];
        for &(a, _, _) in &g.edges {
            offsets[a as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut targets = vec![0; g.edges.len()];
        let mut types = vec![0; g.edges.len()];
        for &(a, b, t) in &g.edges {
            let at = fill[a as usize] as usize;
            (targets[at], types[at]) = (b, t);
            fill[a as usize] += 1;
        }
        Csr { offsets, targets, types }
    }

    fn out(&self, n: u32) -> std::ops::Range<usize> {
        self.offsets[n as usize] as usize..self.offsets[n as usize + 1] as usize
    }

    /// Nodes within `max` hops of `source` (itself excluded unless a cycle returns to it is not
    /// checked: the baseline counts nodes at distance 1..=max).
    fn within(&self, source: u32, max: u32, dist: &mut [u32]) -> u64 {
        dist.fill(u32::MAX);
        dist[source as usize] = 0;
        let mut queue = VecDeque::from([source]);
        let mut count = 0;
        while let Some(u) = queue.pop_front() {
            let d = dist[u as usize];
            if d == max {
                continue;
            }
            for &v in &self.targets[self.out(u)] {
                if dist[v as usize] == u32::MAX {
                    dist[v as usize] = d + 1;
                    count += 1;
                    queue.push_back(v);
                }
            }
        }
        count
    }

    fn distance(&self, from: u32, to: u32, dist: &mut [u32]) -> Option<u32> {
        dist.fill(u32::MAX);
        dist[from as usize] = 0;
        let mut queue = VecDeque::from([from]);
        while let Some(u) = queue.pop_front() {
            for &v in &self.targets[self.out(u)] {
                if dist[v as usize] == u32::MAX {
                    dist[v as usize] = dist[u as usize] + 1;
                    if v == to {
                        return Some(dist[v as usize]);
                    }
                    queue.push_back(v);
                }
            }
        }
        None
    }

    fn typed_two_hop(&self, first: u8, second: u8) -> u64 {
        let mut count = 0;
        for a in 0..self.offsets.len() as u32 - 1 {
            for i in self.out(a) {
                if self.types[i] != first {
                    continue;
                }
                let b = self.targets[i];
                count += self.out(b).filter(|&j| self.types[j] == second).count() as u64;
            }
        }
        count
    }
}

fn scale() -> u32 {
    std::env::var("KGRAPH_BENCH_SCALE").ok().and_then(|v| v.parse().ok()).unwrap_or(16)
}

/// 100 sources and 100 pairs, fixed by a seed, among nodes that have out-edges.
fn fixed_nodes(csr: &Csr, count: usize, salt: u64) -> Vec<u32> {
    let n = csr.offsets.len() as u64 - 1;
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ salt;
    let mut out = Vec::new();
    while out.len() < count {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let v = (state % n) as u32;
        if !csr.out(v).is_empty() {
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
    let csr = Csr::new(&drawn);
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
                &mut |_| {},
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
    let reached = csr.within(source, u32::MAX, &mut dist);
    assert_eq!(run(&mut session, bfs), vec![vec![Value::Int(reached as i64)]], "engine and baseline agree");
    let mut group = c.benchmark_group("bfs");
    configure(&mut group);
    group.bench_function("csr-baseline", |b| b.iter(|| csr.within(black_box(source), u32::MAX, &mut dist)));
    group.bench_function("cypher", |b| b.iter(|| run(&mut session, black_box(bfs))));
    group.finish();

    let sources = fixed_nodes(&csr, 100, 1);
    session.set_param("sources", ints(&sources));
    for k in 1..=3u32 {
        let query = format!(
            "UNWIND $sources AS s MATCH (a) WHERE id(a) = s MATCH (a)-[*1..{k}]->(b) WHERE b <> a \
             RETURN s, count(DISTINCT b) AS n"
        );
        let expected: u64 = sources.iter().map(|&s| csr.within(s, k, &mut dist)).sum();
        let got: i64 =
            run(&mut session, &query).iter().map(|r| if let Value::Int(n) = r[1] { n } else { 0 }).sum();
        assert_eq!(got as u64, expected, "engine and baseline agree on {k} hops");
        let mut group = c.benchmark_group(format!("khop-{k}"));
        configure(&mut group);
        group.bench_function("csr-baseline", |b| {
            b.iter(|| sources.iter().map(|&s| csr.within(s, k, &mut dist)).sum::<u64>())
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
