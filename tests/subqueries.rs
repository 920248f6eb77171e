//! Subqueries — the expressions `EXISTS { … }`, `COUNT { … }`, `COLLECT { … }` with whole queries
//! inside, and the `CALL { … }` clause — driven through the public API: outer variables seen inside
//! (imported, for CALL), WITH and aggregation inside, UNION, nesting, comprehension variables,
//! writes in CALL, what is refused, and property tests against the forms they generalise.

use kgraph::{ErrorKind, Session, Value};
use proptest::prelude::*;

fn rows(s: &mut Session, q: &str) -> Vec<Vec<Value>> {
    s.run(q).unwrap_or_else(|e| panic!("{q}: {e}")).remove(0).rows
}

fn error(s: &mut Session, q: &str) -> kgraph::QueryError {
    let e = s.run(q).expect_err(q);
    e.as_query().cloned().unwrap_or_else(|| panic!("{q}: not a query error: {e}"))
}

fn s(text: &str) -> Value {
    Value::from(text)
}

fn seed() -> Session {
    let mut s = Session::new();
    s.run(
        "CREATE (apt31:ThreatActor {name: 'APT31'}), (apt28:ThreatActor {name: 'APT28'}), \
                (mss:Organization {name: 'MSS'}), (c:Campaign {name: 'Foreign Ministry'}), \
                (c2:Campaign {name: 'Mail servers'}), (eu:Organization {name: 'EU'}), \
                (c)-[:`attributed-to`]->(apt31), (c2)-[:`attributed-to`]->(apt31), \
                (apt31)-[:`linked-to`]->(mss), (c)-[:`condemned-by`]->(eu)",
    )
    .expect("the graph is created");
    s
}

#[test]
fn exists_with_a_whole_query_sees_the_outer_row_and_aggregates_inside() {
    let mut db = seed();
    let q = "MATCH (a:ThreatActor) WHERE EXISTS { \
               MATCH (a)<-[:`attributed-to`]-(c) WITH a, count(c) AS campaigns WHERE campaigns > 1 RETURN true \
             } RETURN a.name";
    assert_eq!(rows(&mut db, q), vec![vec![s("APT31")]]);
    let q = "MATCH (a:ThreatActor) WHERE NOT EXISTS { MATCH (a)<--(c:Campaign) RETURN c } RETURN a.name";
    assert_eq!(rows(&mut db, q), vec![vec![s("APT28")]]);
}

#[test]
fn count_and_collect_give_how_many_rows_and_their_values() {
    let mut db = seed();
    let q = "MATCH (a:ThreatActor) RETURN a.name, COUNT { (a)<-[:`attributed-to`]-() } AS patterned, \
             COUNT { MATCH (a)<--(c) RETURN c.name } AS queried, \
             COLLECT { MATCH (a)<--(c) RETURN c.name ORDER BY c.name } AS names ORDER BY a.name";
    assert_eq!(
        rows(&mut db, q),
        vec![
            vec![s("APT28"), Value::Int(0), Value::Int(0), Value::List(vec![])],
            vec![
                s("APT31"),
                Value::Int(2),
                Value::Int(2),
                Value::List(vec![s("Foreign Ministry"), s("Mail servers")])
            ],
        ]
    );
    // COLLECT keeps nulls (the rows' values), where the collect() aggregate drops them.
    let q = "MATCH (a {name: 'APT31'}) RETURN COLLECT { MATCH (a)--(x) RETURN x.missing } AS v";
    assert_eq!(rows(&mut db, q), vec![vec![Value::List(vec![Value::Null; 3])]]);
}

#[test]
fn union_inside_a_subquery_removes_duplicates_and_union_all_keeps_them() {
    let mut db = seed();
    let q = |all: &str| {
        format!(
            "MATCH (a {{name: 'APT31'}}) RETURN COUNT {{ MATCH (a)<--(c) RETURN 1 AS one UNION{all} \
             MATCH (a)-->(o) RETURN 1 AS one }} AS n"
        )
    };
    assert_eq!(rows(&mut db, &q("")), vec![vec![Value::Int(1)]]);
    assert_eq!(rows(&mut db, &q(" ALL")), vec![vec![Value::Int(3)]]);
}

#[test]
fn subqueries_nest_and_read_comprehension_variables() {
    let mut db = seed();
    let q = "MATCH (o:Organization) WHERE EXISTS { \
               MATCH (a:ThreatActor) WHERE EXISTS { MATCH (c:Campaign)-->(a)-->(o) RETURN c } RETURN a \
             } RETURN o.name";
    assert_eq!(rows(&mut db, q), vec![vec![s("MSS")]]);
    let q = "MATCH p = (:Campaign {name: 'Foreign Ministry'})-->(:ThreatActor)-->() \
             RETURN [x IN nodes(p) | COUNT { MATCH (x)-->(y) RETURN y }] AS outs, \
                    [x IN nodes(p) | size([(x)<--() | 1])] AS ins";
    assert_eq!(
        rows(&mut db, q),
        vec![vec![
            Value::List(vec![Value::Int(2), Value::Int(1), Value::Int(0)]),
            Value::List(vec![Value::Int(0), Value::Int(2), Value::Int(1)]),
        ]]
    );
}

#[test]
fn what_a_subquery_cannot_do_is_refused_before_running() {
    let mut db = seed();
    for (q, says) in [
        ("MATCH (n) WHERE EXISTS { MATCH (n)-->(m) SET m.x = 1 } RETURN n", "only read"),
        ("MATCH (n) RETURN COLLECT { MATCH (n)-->(m) RETURN m.name, m } AS both", "exactly one column"),
        ("MATCH (n) RETURN count(*) + COUNT { MATCH (n)-->() RETURN 1 } AS c", "beside an aggregate"),
        ("RETURN EXISTS { LOAD CSV FROM 'x.csv' AS row RETURN row } AS e", "LOAD CSV"),
        ("RETURN COUNT { MATCH (a) RETURN a UNION MATCH (b) RETURN b } AS n", "same columns"),
    ] {
        let e = error(&mut db, q);
        assert_eq!(e.kind, ErrorKind::SemanticError, "{q}: {e}");
        assert!(e.message.contains(says), "{q}: {e}");
    }
    let e = error(&mut db, "RETURN COUNT { MATCH (n) WHERE n.name = $who RETURN n } AS n");
    assert_eq!(e.kind, ErrorKind::ParameterMissing, "a parameter inside is asked for before running");
    assert_eq!(db.graph().node_count(), 6);
}

#[test]
fn a_subquery_prints_as_cypher_that_parses_back_to_it() {
    let mut db = seed();
    let q = "MATCH (a:ThreatActor) RETURN a.name, COUNT { MATCH (a)<--(c) WITH c ORDER BY c.name LIMIT 1 RETURN c.name AS x UNION ALL MATCH (a)-->(o) RETURN o.name AS x } AS n ORDER BY a.name";
    let explained = rows(&mut db, &format!("EXPLAIN {q}"));
    assert!(!explained.is_empty());
    let parse = |text: &str| kgraph::query::parser::parse_statement(text, 0..text.len());
    let statement = parse(q).expect("parses");
    let printed = statement.to_string();
    assert_eq!(parse(&printed).expect("the printed text parses"), statement, "{printed}");
    assert_eq!(rows(&mut db, &printed), rows(&mut db, q));
}

#[test]
fn call_runs_its_query_for_each_row_with_what_it_imports() {
    let mut db = seed();
    for q in [
        "MATCH (a:ThreatActor) CALL { WITH a MATCH (a)<--(c) RETURN count(c) AS campaigns } RETURN a.name, campaigns ORDER BY a.name",
        "MATCH (a:ThreatActor) CALL (a) { MATCH (a)<--(c) RETURN count(c) AS campaigns } RETURN a.name, campaigns ORDER BY a.name",
        "MATCH (a:ThreatActor) CALL (*) { MATCH (a)<--(c) RETURN count(c) AS campaigns } RETURN a.name, campaigns ORDER BY a.name",
    ] {
        assert_eq!(
            rows(&mut db, q),
            vec![vec![s("APT28"), Value::Int(0)], vec![s("APT31"), Value::Int(2)]],
            "{q}"
        );
    }
    // Without imports the query sees nothing of the row: its `a` is its own.
    let q = "MATCH (a:ThreatActor) CALL { MATCH (a:Campaign) RETURN count(a) AS n } RETURN a.name, n ORDER BY a.name";
    assert_eq!(rows(&mut db, q), vec![vec![s("APT28"), Value::Int(2)], vec![s("APT31"), Value::Int(2)]]);
    // A row for each of the query's rows; none when it has none; UNION inside.
    let q = "MATCH (a:ThreatActor) CALL (a) { MATCH (a)-->(o) RETURN o.name AS near UNION MATCH (a)<--(c) RETURN c.name AS near } \
             RETURN a.name, near ORDER BY near";
    assert_eq!(
        rows(&mut db, q),
        vec![
            vec![s("APT31"), s("Foreign Ministry")],
            vec![s("APT31"), s("MSS")],
            vec![s("APT31"), s("Mail servers")],
        ]
    );
}

#[test]
fn call_writes_see_the_rows_before_and_the_input_is_read_first() {
    let mut db = seed();
    // Each row's subquery sees what the rows before it wrote; what follows sees them all.
    let q = "UNWIND [1, 2, 3] AS i CALL (i) { OPTIONAL MATCH (t:Tally) WITH i, count(t) AS before CREATE (:Tally {i: i, before: before}) } \
             MATCH (t:Tally) RETURN i, count(t) AS tallies ORDER BY i";
    assert_eq!(
        rows(&mut db, q),
        vec![
            vec![Value::Int(1), Value::Int(3)],
            vec![Value::Int(2), Value::Int(3)],
            vec![Value::Int(3), Value::Int(3)],
        ]
    );
    let befores = rows(&mut db, "MATCH (t:Tally) RETURN t.before ORDER BY t.i");
    assert_eq!(befores, vec![vec![Value::Int(0)], vec![Value::Int(1)], vec![Value::Int(2)]]);
    // The scan below does not find the nodes the subquery creates.
    rows(&mut db, "MATCH (t:Tally) CALL (t) { CREATE (:Tally {copy: true}) } RETURN count(*)");
    assert_eq!(rows(&mut db, "MATCH (t:Tally) RETURN count(t)"), vec![vec![Value::Int(6)]]);
    // A failure inside undoes the whole statement.
    assert!(db.run("UNWIND [1, 0] AS d CALL (d) { CREATE (:Tally {q: 1 / d}) } RETURN 1").is_err());
    assert_eq!(rows(&mut db, "MATCH (t:Tally) RETURN count(t)"), vec![vec![Value::Int(6)]]);
}

#[test]
fn what_call_cannot_do_is_refused() {
    let mut db = seed();
    for (q, kind, says) in [
        ("MATCH (a) CALL { WITH a MATCH (a)-->(b) RETURN a } RETURN a", ErrorKind::SemanticError, "already"),
        ("CALL (x) { MATCH (n) RETURN n } RETURN n", ErrorKind::SemanticError, "`x` is not defined"),
        ("CALL { MATCH (n) } RETURN 1", ErrorKind::SemanticError, "must end with RETURN"),
        ("CALL { RETURN 1 AS a UNION RETURN 2 AS b } RETURN a", ErrorKind::SemanticError, "same columns"),
        ("CALL { MATCH (n) RETURN n } IN TRANSACTIONS RETURN n", ErrorKind::SyntaxError, "not supported yet"),
        ("CALL { MATCH (n) WHERE n.name = $who RETURN n } RETURN n", ErrorKind::ParameterMissing, "who"),
    ] {
        let e = error(&mut db, q);
        assert_eq!(e.kind, kind, "{q}: {e}");
        assert!(e.message.contains(says), "{q}: {e}");
    }
}

#[test]
fn call_prints_as_cypher_that_parses_back_to_it() {
    let parse = |text: &str| kgraph::query::parser::parse_statement(text, 0..text.len());
    for q in [
        "MATCH (a) CALL { WITH a MATCH (a)-->(b) RETURN b } RETURN b",
        "MATCH (a) CALL (a) { MATCH (a)-->(b) RETURN b UNION ALL MATCH (a)<--(b) RETURN b } RETURN b",
        "MATCH (a) CALL (*) { CREATE (:X) } RETURN a",
        "CALL { WITH * RETURN 1 AS one } RETURN one",
        "CALL { MATCH (n) RETURN count(n) AS c } RETURN c",
    ] {
        let statement = parse(q).expect("parses");
        let printed = statement.to_string();
        assert_eq!(
            parse(&printed).unwrap_or_else(|e| panic!("{printed}: {e}")),
            statement,
            "{q} printed as {printed}"
        );
    }
}

fn random_graph(edges: &[(u8, u8, u8)], nodes: u8) -> Session {
    let mut s = Session::new();
    for i in 0..nodes {
        s.run(&format!("CREATE (:N {{i: {i}, x: {}}})", i % 3)).expect("node");
    }
    for &(a, b, t) in edges {
        let (a, b) = (a % nodes, b % nodes);
        let t = ["T", "U"][usize::from(t % 2)];
        s.run(&format!("MATCH (a {{i: {a}}}), (b {{i: {b}}}) CREATE (a)-[:{t}]->(b)")).expect("edge");
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// On any graph, COUNT, EXISTS and COLLECT over a whole query agree with the pattern forms
    /// (planned without a subquery) that say the same.
    #[test]
    fn subqueries_agree_with_the_pattern_forms(
        nodes in 1u8..7,
        edges in prop::collection::vec((0u8..7, 0u8..7, 0u8..2), 0..16),
        k in 0i64..3,
    ) {
        let mut db = random_graph(&edges, nodes);
        let subquery = format!(
            "MATCH (n) RETURN n.i AS i, \
               COUNT {{ MATCH (n)-[:T]->(m) WHERE m.x >= {k} RETURN m }} AS c, \
               EXISTS {{ MATCH (n)-->(m) WITH m WHERE m.x = {k} RETURN m.i }} AS e, \
               COLLECT {{ MATCH (n)-->(m) RETURN m.i ORDER BY m.i }} AS l \
             ORDER BY i"
        );
        let patterns = format!(
            "MATCH (n) RETURN n.i AS i, \
               size([(n)-[:T]->(m) WHERE m.x >= {k} | m]) AS c, \
               size([(n)-->(m) WHERE m.x = {k} | 1]) > 0 AS e, \
               [x IN range(0, {nodes}) WHERE x IN [(n)-->(m) | m.i] | x] AS distinct_l, \
               size([(n)-->(m) | m]) AS l_size \
             ORDER BY i"
        );
        let got = rows(&mut db, &subquery);
        // Planned inside with every optimisation pass (COUNT as a count the passes can take to a
        // degree) and with none, the same.
        db.set_passes(kgraph::query::plan::Passes::none());
        prop_assert_eq!(&rows(&mut db, &subquery), &got);
        db.set_passes(kgraph::query::plan::Passes::all());
        let want = rows(&mut db, &patterns);
        // CALL { … } with the same counts, joined back to each node.
        let call = format!(
            "MATCH (n) CALL (n) {{ MATCH (n)-[:T]->(m) WHERE m.x >= {k} RETURN count(m) AS c }} RETURN n.i AS i, c ORDER BY i"
        );
        let called = rows(&mut db, &call);
        prop_assert_eq!(called.len(), got.len());
        for (c, g) in called.iter().zip(&got) {
            prop_assert_eq!(&c[..2], &g[..2]);
        }
        prop_assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            prop_assert_eq!(&g[..3], &w[..3]);
            let Value::List(l) = &g[3] else { panic!("COLLECT gives a list") };
            prop_assert_eq!(Value::Int(l.len() as i64), w[4].clone());
            let mut distinct = l.clone();
            distinct.dedup();
            prop_assert_eq!(Value::List(distinct), w[3].clone());
        }
    }
}

/// COUNT { … } is planned as the query counting its rows where that says the same; where its
/// RETURN aggregates, skips, limits or is DISTINCT, the rows it returns are counted as they are.
#[test]
fn count_counts_the_rows_the_query_returns_whatever_its_return_does() {
    let mut db = seed();
    let q = "MATCH (a {name: 'APT31'}) RETURN \
             COUNT { MATCH (a)<--(c) RETURN c } AS rows, \
             COUNT { MATCH (a)<--(c) RETURN count(c) AS n } AS aggregated, \
             COUNT { MATCH (a)<--(c) RETURN DISTINCT labels(c) AS l } AS distinct_labels, \
             COUNT { MATCH (a)<--(c) RETURN c LIMIT 1 } AS limited, \
             COUNT { MATCH (a)<--(c) WITH count(*) AS n } AS grouped";
    assert_eq!(
        rows(&mut db, q),
        vec![vec![Value::Int(2), Value::Int(1), Value::Int(1), Value::Int(1), Value::Int(1)]]
    );
}
