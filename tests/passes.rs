//! Every optimisation pass against the planner's plain plan, on random small graphs (labels,
//! self-loops, parallel relationships, both directions, types, properties of mixed types and
//! missing ones): the same statement must give the same rows, in the same order, or the same
//! error, with each pass alone, with all of them, and with none. Each query is also checked to be
//! one its pass rewrites, so that no comparison passes by comparing a plan with itself.

use kgraph::Session;
use kgraph::query::plan::{PASSES, Passes};
use proptest::prelude::*;

/// A node: a label (or none), and the values of `x` (an integer, a float or missing) and `s`.
type NodeSpec = (u8, Option<i8>, bool);

fn graph(nodes: &[NodeSpec], edges: &[(u8, u8, u8)]) -> Session {
    let mut s = Session::new();
    for (i, &(label, x, float)) in nodes.iter().enumerate() {
        let label = ["", ":A", ":B", ":A:B"][label as usize % 4];
        let x = match x {
            Some(x) if float => format!("{x}.5"),
            Some(x) => x.to_string(),
            None => "null".into(),
        };
        s.run(&format!("CREATE ({label} {{i: {i}, x: {x}, s: 'n{}'}})", i % 3)).unwrap();
    }
    for &(a, b, ty) in edges {
        let (a, b) = (a as usize % nodes.len(), b as usize % nodes.len());
        let ty = ["T", "U", "linked-to"][ty as usize % 3];
        s.run(&format!("MATCH (a {{i: {a}}}), (b {{i: {b}}}) CREATE (a)-[:`{ty}` {{w: {a}}}]->(b)")).unwrap();
    }
    s
}

/// Queries and the pass each is written for (the operator its plan shows when that pass runs).
const QUERIES: &[(&str, &str, &str)] = &[
    ("degree", "Degree", "MATCH (n)<-[r]-() WITH n, count(r) AS deg RETURN n.i, deg"),
    ("degree", "Degree", "MATCH (n)-[r]-() RETURN n.i AS i, count(*) AS d ORDER BY d DESC, i"),
    ("degree", "Degree", "MATCH (a:A)-[r:T]->() RETURN count(r), sum(a.x), avg(a.x), min(a.x), max(a.s)"),
    ("degree", "Degree", "MATCH (a)-[:T|U]->(b) RETURN a.s, collect(a.i), count(b), count(DISTINCT a.x)"),
    (
        "degree",
        "Degree",
        "MATCH (a)-[:`linked-to`]-(b) RETURN stDev(a.x), percentileDisc(a.x, 0.5), percentileCont(a.x, 0.25)",
    ),
    ("degree", "Degree", "MATCH (a)-[r]->() WITH a, count(r) AS out WHERE out > 1 RETURN count(a)"),
    (
        "degree",
        "Degree",
        "MATCH (a)-[r]->() WITH a, count(r) AS d RETURN labels(a) AS l, avg(d), sum(d) ORDER BY size(l)",
    ),
    (
        "degree",
        "Degree",
        "MATCH (a:B), (b:A) MATCH (a)-[r:U]->() RETURN a.i, b.i, count(r) ORDER BY a.i, b.i",
    ),
    ("degree", "Degree", "MATCH (a)-[r]->() RETURN a.s, sum(a.s) ORDER BY a.s"),
    (
        "degree",
        "OptionalDegree",
        "MATCH (a:A) OPTIONAL MATCH (a)-[:T]->(b) RETURN count(a), count(b), count(*)",
    ),
    (
        "degree",
        "OptionalDegree",
        "MATCH (a) OPTIONAL MATCH (a)<-[r]-() RETURN a.i, count(r), sum(a.x), collect(a.s)",
    ),
    (
        "degree",
        "OptionalDegree",
        "MATCH (a) OPTIONAL MATCH (a)-[r:U|T]-(b) WITH a, count(b) AS d RETURN d, count(*) ORDER BY d",
    ),
    (
        "degree",
        "OptionalDegree",
        "OPTIONAL MATCH (x:Nope) OPTIONAL MATCH (x)-->(y) RETURN count(x), count(y), count(*)",
    ),
    (
        "degree",
        "OptionalDegree",
        "MATCH (a:B) OPTIONAL MATCH (a)-[r:`linked-to`]->() RETURN avg(a.x), min(a.i), count(DISTINCT a.s), count(r)",
    ),
    ("top", "Top", "MATCH (n) RETURN n.x AS x, n.i AS i ORDER BY x DESC LIMIT 3"),
    ("top", "Top", "MATCH (n) RETURN n.s AS s ORDER BY s SKIP 2 LIMIT 2"),
    ("top", "Top", "MATCH (n)-[r]->(m) RETURN n.i, m.i ORDER BY n.x, m.s LIMIT 5"),
    ("top", "Top", "MATCH (n) WITH n ORDER BY n.x LIMIT 4 RETURN n.i"),
    ("top", "Top", "MATCH (n) RETURN n.i ORDER BY n.s DESC LIMIT 0"),
    ("top", "Top", "MATCH (n) RETURN DISTINCT n.s AS s ORDER BY s LIMIT 2"),
    ("count", "CountPaths", "MATCH (a)-[:T]->(b)-[:U]->(c) RETURN count(*)"),
    ("count", "CountPaths", "MATCH (a:A)-[r]-(b:B) RETURN count(r)"),
    ("reach", "VarLengthReach", "MATCH (a:A)-[*1..3]->(b) RETURN DISTINCT a.i AS a, b.i AS b ORDER BY a, b"),
    ("reach", "VarLengthReach", "MATCH (a)-[:T*]-(b) WHERE b <> a RETURN a.i, count(DISTINCT b)"),
    // Last: it writes, and its rows do not depend on what earlier runs of it wrote.
    ("stream", "as rows come", "UNWIND range(1, 3) AS i CREATE (n:Made {v: i}) RETURN n.v, labels(n)"),
];

/// The rows as text (so that NaNs compare equal), or the error's message.
fn answer(s: &mut Session, passes: Passes, query: &str) -> Result<Vec<String>, String> {
    s.set_passes(passes);
    match s.run(query) {
        Ok(mut out) => Ok(out.remove(0).rows.iter().map(|r| format!("{r:?}")).collect()),
        Err(e) => Err(e.to_string()),
    }
}

fn plan(s: &mut Session, passes: Passes, query: &str) -> String {
    s.set_passes(passes);
    let out = s.run(&format!("EXPLAIN {query}")).unwrap_or_else(|e| panic!("{query}: {e}"));
    out[0].plan.clone().unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn every_pass_gives_the_rows_of_the_plain_plan(
        nodes in prop::collection::vec((0u8..4, prop::option::of(-3i8..4), any::<bool>()), 1..9),
        edges in prop::collection::vec((0u8..9, 0u8..9, 0u8..3), 0..20),
    ) {
        let mut s = graph(&nodes, &edges);
        for &(pass, operator, query) in QUERIES {
            let only = Passes::only(pass).expect("a pass of the list");
            prop_assert!(plan(&mut s, only, query).contains(operator), "{} does not use {}", query, pass);
            prop_assert!(!plan(&mut s, Passes::none(), query).contains(operator), "{}", query);
            let plain = answer(&mut s, Passes::none(), query);
            prop_assert_eq!(&answer(&mut s, only, query), &plain, "{} with {} alone", query, pass);
            prop_assert_eq!(&answer(&mut s, Passes::all(), query), &plain, "{} with every pass", query);
            let without = Passes::all().without(pass).expect("a pass of the list");
            prop_assert_eq!(&answer(&mut s, without, query), &plain, "{} without {}", query, pass);
        }
    }
}

/// Statements that write, each run on a fresh copy of the graph with the `stream` pass and without:
/// the same rows, and the same graph after (every node's labels and properties, every
/// relationship's ends and type). With whether the pass streams a writer in it: one that must not
/// is as much a check as one that does.
const WRITES: &[(bool, &str)] = &[
    // ON MATCH SET changes what an earlier row's RETURN would read: not streamed.
    (
        false,
        "UNWIND $xs AS x MERGE (n:A {x: x}) ON CREATE SET n.new = true ON MATCH SET n.seen = coalesce(n.seen, 0) + 1 \
         RETURN n.i, n.x, n.new, n.seen",
    ),
    (
        true,
        "UNWIND $xs AS x MERGE (n:A {x: x}) ON CREATE SET n.new = true ON MATCH SET n.seen = coalesce(n.seen, 0) + 1",
    ),
    (true, "UNWIND $xs AS x CREATE (n:C {x: x}) RETURN id(n), n.x"),
    (true, "UNWIND $xs AS x MERGE (a:A {x: x}) MERGE (b:B {x: x % 2}) MERGE (a)-[:T]->(b)"),
    (true, "UNWIND $xs AS x WITH x WHERE x > 0 MERGE (n {x: x}) RETURN count(*), collect(n.i)"),
    (true, "UNWIND $xs AS x CREATE (n:A {x: x}) RETURN n.x LIMIT 2"),
    (false, "UNWIND $xs AS x CREATE (:A {x: x}) WITH x MATCH (a:A) RETURN x, count(a)"),
    // Writers over writers: apart ones all stream; ones that meet (a label in common, a node with
    // no label, a type in common) do not both.
    (true, "UNWIND $xs AS x MERGE (a:A {x: x}) MERGE (b:A {x: x + 1}) RETURN a.x, b.x, a = b"),
    (
        true,
        "UNWIND $xs AS x MERGE (a:A {x: x}) MERGE (b {x: x % 3}) ON CREATE SET b.new = true RETURN count(*)",
    ),
    (true, "UNWIND $xs AS x CREATE (a:B {x: x}) MERGE (b:B {x: x % 2}) RETURN a.x, b.x"),
    (true, "UNWIND $xs AS x MERGE (a:A {x: x}) MERGE (b:B {x: x}) MERGE (a)-[:T]->(b) MERGE (b)-[:T]->(a)"),
    (true, "UNWIND $xs AS x MERGE (a:A {x: x}) ON MATCH SET a.seen = x MERGE (b:B {x: a.x}) RETURN b.x, b.i"),
];

fn graph_dump(s: &mut Session) -> Vec<String> {
    let nodes = "MATCH (n) RETURN labels(n), properties(n) ORDER BY n.i, n.x";
    let rels = "MATCH (a)-[r]->(b) RETURN a.i, a.x, type(r), b.i, b.x ORDER BY a.i, a.x, b.i, b.x";
    // Sorted as text: writers that stream create in another order, so ids (and the order of ties)
    // differ; the entities do not.
    let mut dump: Vec<String> = [nodes, rels]
        .iter()
        .flat_map(|q| s.run(q).expect("dumps").remove(0).rows)
        .map(|r| format!("{r:?}"))
        .collect();
    dump.sort();
    dump
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn streamed_writes_leave_the_graph_and_rows_of_buffered_ones(
        nodes in prop::collection::vec((0u8..4, prop::option::of(-3i8..4), any::<bool>()), 1..6),
        xs in prop::collection::vec(-2i64..5, 0..12),
    ) {
        let xs = kgraph::Value::List(xs.into_iter().map(kgraph::Value::Int).collect());
        for &(streams, query) in WRITES {
            let mut s = graph(&nodes, &[]);
            s.set_param("xs", xs.clone());
            prop_assert_eq!(plan(&mut s, Passes::all(), query).contains("as rows come"), streams, "{}", query);
            let mut results = Vec::new();
            for passes in [Passes::all(), Passes::all().without("stream").expect("a pass")] {
                let mut s = graph(&nodes, &[]);
                s.set_param("xs", xs.clone());
                let rows = answer(&mut s, passes, query);
                results.push((rows, graph_dump(&mut s)));
            }
            prop_assert_eq!(&results[0], &results[1], "{}", query);
        }
    }
}

#[test]
fn every_pass_has_a_query_here() {
    for pass in PASSES {
        assert!(QUERIES.iter().any(|(p, _, _)| *p == pass.name), "no query for the {} pass", pass.name);
    }
}

/// Past the rows a bounded sort gathers before cutting back (a few thousand), with many ties: the
/// rows kept across the cuts, and their order among equals, are the full sort's.
#[test]
fn top_k_across_many_cuts_keeps_the_full_sorts_rows_and_ties() {
    let mut s = Session::new();
    s.run("UNWIND range(1, 20000) AS i CREATE ({i: i, x: (i * 7919) % 13, s: toString(i % 101)})").unwrap();
    for query in [
        "MATCH (n) RETURN n.i, n.x ORDER BY n.x DESC LIMIT 50",
        "MATCH (n) RETURN n.i ORDER BY n.x, n.s SKIP 4000 LIMIT 300",
        "MATCH (n) RETURN n.i ORDER BY n.s DESC LIMIT 9000",
        "MATCH (n) RETURN n.i ORDER BY n.x LIMIT 1",
    ] {
        let plain = answer(&mut s, Passes::none(), query);
        assert!(plan(&mut s, Passes::all(), query).contains("Top"), "{query}");
        assert!(plain.as_ref().is_ok_and(|rows| !rows.is_empty()), "{query}");
        assert_eq!(answer(&mut s, Passes::all(), query), plain, "{query}");
    }
}

/// Groups keyed by one node are found by the node's id, other keys by hash: a grouping by nodes
/// (nulls among them) gives the groups, in the same order, that the same grouping by one-node
/// lists does, which always hashes.
#[test]
fn grouping_by_a_node_finds_the_groups_hashing_finds() {
    let mut s = Session::new();
    s.run("UNWIND range(0, 299) AS i CREATE ({i: i})").unwrap();
    s.run("MATCH (a), (b) WHERE (a.i * 7 + b.i * 13) % 29 = 0 AND a.i % 3 <> 0 CREATE (a)-[:T]->(b)")
        .unwrap();
    let by_node = "MATCH (a) OPTIONAL MATCH (a)-[:T]->(b) WITH b, count(*) AS n RETURN b.i, n";
    let by_list = "MATCH (a) OPTIONAL MATCH (a)-[:T]->(b) WITH [b] AS k, count(*) AS n RETURN k[0].i, n";
    let nodes = answer(&mut s, Passes::all(), by_node).expect("runs");
    assert!(nodes.len() > 100 && nodes.iter().any(|r| r.starts_with("[Null")), "{nodes:?}");
    assert_eq!(answer(&mut s, Passes::all(), by_list).expect("runs"), nodes);
}
