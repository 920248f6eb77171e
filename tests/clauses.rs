//! The clauses beyond the first cut — WITH, UNWIND, OPTIONAL MATCH, SET, REMOVE, DELETE — and the
//! richer expressions: CASE, comprehensions, quantifiers, slices, variable-length and named paths.

use kgraph::{ErrorKind, Session, Value};

fn rows(db: &mut Session, q: &str) -> Vec<Vec<Value>> {
    let mut out = db.run(q).unwrap_or_else(|e| panic!("{q}\n{e}"));
    out.pop().expect("a statement ran").rows
}

fn one(db: &mut Session, q: &str) -> Value {
    let r = rows(db, q);
    assert_eq!(r.len(), 1, "{q} returned {r:?}");
    r[0][0].clone()
}

fn error(db: &mut Session, q: &str) -> ErrorKind {
    match db.run(q) {
        Ok(out) => panic!("{q} should fail, returned {out:?}"),
        Err(e) => e.as_query().map(|q| q.kind).unwrap_or_else(|| panic!("not a query error: {e}")),
    }
}

fn int(i: i64) -> Value {
    Value::Int(i)
}

fn ints(v: &[i64]) -> Value {
    Value::List(v.iter().map(|i| Value::Int(*i)).collect())
}

/// A chain a -> b -> c -> d of `NEXT`, plus a `SKIP` shortcut a -> c.
fn chain() -> Session {
    let mut db = Session::new();
    db.run(
        "CREATE (a:S {n: 1})-[:NEXT]->(b:S {n: 2})-[:NEXT]->(c:S {n: 3})-[:NEXT]->(d:S {n: 4}), (a)-[:SKIP]->(c)",
    )
    .unwrap();
    db
}

#[test]
fn with_projects_filters_and_scopes() {
    let mut db = chain();
    let r = rows(&mut db, "MATCH (s:S) WITH s.n AS n WHERE n > 2 RETURN n ORDER BY n");
    assert_eq!(r, [[int(3)], [int(4)]]);
    // Aggregation in WITH, then more matching on what it kept.
    let r = rows(
        &mut db,
        "MATCH (s:S)-[:NEXT]->(t) WITH s, count(t) AS out WHERE out = 1 MATCH (s)-[:SKIP]->(x) RETURN s.n, x.n",
    );
    assert_eq!(r, [[int(1), int(3)]]);
    // ORDER BY and LIMIT inside WITH.
    assert_eq!(one(&mut db, "MATCH (s:S) WITH s ORDER BY s.n DESC LIMIT 1 RETURN s.n"), int(4));
    // Only the projected names stay visible.
    assert_eq!(error(&mut db, "MATCH (s:S) WITH s.n AS n RETURN s"), ErrorKind::SemanticError);
    assert_eq!(error(&mut db, "MATCH (s:S) WITH s.n RETURN 1"), ErrorKind::SemanticError);
}

#[test]
fn unwind_makes_rows() {
    let mut db = Session::new();
    assert_eq!(rows(&mut db, "UNWIND [1, 2, 3] AS x RETURN x * 10 AS y"), [[int(10)], [int(20)], [int(30)]]);
    assert!(rows(&mut db, "UNWIND [] AS x RETURN x").is_empty());
    assert!(rows(&mut db, "UNWIND null AS x RETURN x").is_empty());
    assert_eq!(one(&mut db, "UNWIND range(1, 100) AS x RETURN sum(x)"), int(5050));
    db.run("UNWIND ['APT31', 'APT40'] AS name CREATE (:ThreatActor {name: name})").unwrap();
    assert_eq!(one(&mut db, "MATCH (t:ThreatActor) RETURN count(t)"), int(2));
}

#[test]
fn optional_match_keeps_rows_with_nulls() {
    let mut db = chain();
    let r = rows(&mut db, "MATCH (s:S) OPTIONAL MATCH (s)-[:SKIP]->(x) RETURN s.n, x.n ORDER BY s.n");
    assert_eq!(r[0], [int(1), int(3)]);
    assert_eq!(r[1], [int(2), Value::Null]);
    assert_eq!(r.len(), 4);
    assert_eq!(one(&mut db, "OPTIONAL MATCH (n:Nope) RETURN n"), Value::Null);
}

#[test]
fn set_remove_and_their_undo() {
    let mut db = chain();
    db.run("MATCH (s:S {n: 1}) SET s.name = 'first', s:Head, s += {tag: 'x'}").unwrap();
    assert_eq!(one(&mut db, "MATCH (s:Head) RETURN s.name + s.tag"), Value::from("firstx"));
    db.run("MATCH (s:Head) SET s = {n: 1}").unwrap();
    assert_eq!(one(&mut db, "MATCH (s:Head) RETURN keys(s)"), Value::List(vec!["n".into()]));
    db.run("MATCH (s:Head) REMOVE s:Head, s.n").unwrap();
    assert_eq!(one(&mut db, "MATCH (s:Head) RETURN count(s)"), int(0));
    assert_eq!(one(&mut db, "MATCH (s:S) WHERE s.n IS NULL RETURN count(s)"), int(1));
    // A failure half-way leaves every property and label as it was.
    let before = db.graph().clone();
    assert_eq!(
        error(&mut db, "MATCH (s:S) SET s.x = 1, s:Marked, s.y = 10 / (s.n - 3)"),
        ErrorKind::ArithmeticError
    );
    assert_eq!(db.graph(), &before);
    assert_eq!(error(&mut db, "MATCH (s:S) SET s.bad = {map: 1}"), ErrorKind::TypeError);
    assert_eq!(db.graph(), &before);
}

#[test]
fn delete_and_detach_delete_are_undone_on_failure() {
    let mut db = chain();
    assert_eq!(error(&mut db, "MATCH (s:S {n: 2}) DELETE s"), ErrorKind::ConstraintValidationFailed);
    let before = db.graph().clone();
    // Deleted entities come back with their ids when the statement fails afterwards.
    assert_eq!(
        error(&mut db, "MATCH (s:S {n: 2}) DETACH DELETE s WITH 1 AS one RETURN 1 / 0"),
        ErrorKind::ArithmeticError
    );
    assert_eq!(db.graph(), &before);
    let out = db.run("MATCH (s:S {n: 2}) DETACH DELETE s").unwrap();
    assert_eq!((out[0].stats.nodes_deleted, out[0].stats.relationships_deleted), (1, 2));
    assert_eq!(one(&mut db, "MATCH ()-[r]->() RETURN count(r)"), int(2));
    db.run("MATCH ()-[r:SKIP]->() DELETE r").unwrap();
    assert_eq!(one(&mut db, "MATCH ()-[r]->() RETURN count(r)"), int(1));
    // Relationships and their nodes in one DELETE: the order within the clause does not matter.
    db.run("MATCH (a)-[r:NEXT]->(b) DELETE a, r, b").unwrap();
    assert_eq!(one(&mut db, "MATCH (n) RETURN count(n)"), int(1));
}

#[test]
fn variable_length_and_named_paths() {
    let mut db = chain();
    let r = rows(&mut db, "MATCH (a:S {n: 1})-[:NEXT*]->(x) RETURN x.n ORDER BY x.n");
    assert_eq!(r, [[int(2)], [int(3)], [int(4)]]);
    let r = rows(&mut db, "MATCH (a:S {n: 1})-[:NEXT*2..]->(x) RETURN x.n ORDER BY x.n");
    assert_eq!(r, [[int(3)], [int(4)]]);
    assert_eq!(one(&mut db, "MATCH (a:S {n: 1})-[*0]->(x) RETURN x.n"), int(1));
    assert_eq!(one(&mut db, "MATCH (a:S {n: 1})-[*..1]->(x) RETURN count(x)"), int(2));
    // Reached from the other end, the relationships still come in the pattern's order.
    let r = rows(&mut db, "MATCH (a:S)-[rs:NEXT*3]->(d:S {n: 4}) RETURN [r IN rs | startNode(r).n]");
    assert_eq!(r, [[ints(&[1, 2, 3])]]);
    let r = rows(
        &mut db,
        "MATCH p = (a:S {n: 1})-[:SKIP]->()-[:NEXT*]->(d) RETURN length(p), [n IN nodes(p) | n.n]",
    );
    assert_eq!(r, [[int(2), ints(&[1, 3, 4])]]);
    // Undirected walks use each relationship once, so they end.
    assert_eq!(one(&mut db, "MATCH (a:S {n: 1})-[*]-(x) RETURN count(*) > 0"), Value::Bool(true));
}

#[test]
fn case_comprehensions_quantifiers_slices() {
    let mut db = Session::new();
    assert_eq!(
        one(&mut db, "RETURN CASE 2 WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END"),
        Value::from("two")
    );
    assert_eq!(one(&mut db, "RETURN CASE WHEN 1 > 2 THEN 'no' END"), Value::Null);
    assert_eq!(one(&mut db, "RETURN [x IN range(1, 6) WHERE x % 2 = 0 | x * x]"), ints(&[4, 16, 36]));
    assert_eq!(
        one(&mut db, "RETURN [x IN [1, 2] | [y IN [10, 20] | x + y]]"),
        Value::List(vec![ints(&[11, 21]), ints(&[12, 22])])
    );
    assert_eq!(one(&mut db, "RETURN all(x IN [2, 4] WHERE x % 2 = 0)"), Value::Bool(true));
    assert_eq!(one(&mut db, "RETURN any(x IN [1, null] WHERE x = 2)"), Value::Null);
    assert_eq!(one(&mut db, "RETURN none(x IN [] WHERE x = 1)"), Value::Bool(true));
    assert_eq!(one(&mut db, "RETURN single(x IN [1, 2, 3] WHERE x > 2)"), Value::Bool(true));
    assert_eq!(one(&mut db, "RETURN [1, 2, 3, 4][1..3]"), ints(&[2, 3]));
    assert_eq!(one(&mut db, "RETURN [1, 2, 3, 4][-2..]"), ints(&[3, 4]));
    assert_eq!(one(&mut db, "RETURN 'APT31' =~ 'APT[0-9]+'"), Value::Bool(true));
    assert_eq!(one(&mut db, "RETURN 'xAPT31' =~ 'APT[0-9]+'"), Value::Bool(false));
    assert_eq!(error(&mut db, "RETURN 'a' =~ '('"), ErrorKind::ArgumentError);
    let r = rows(
        &mut db,
        "UNWIND [1, 2, 3, 4] AS x RETURN percentileDisc(x, 0.5), percentileCont(x, 0.5), stDevP(x)",
    );
    assert_eq!(r, [[int(2), Value::Float(2.5), Value::Float(1.25f64.sqrt())]]);
}

#[test]
fn shortest_paths() {
    let mut db = Session::new();
    // A square a-b-d and a-c-d, plus a long way round a-e-f-d, and an isolated node.
    db.run(
        "CREATE (a:P {n: 'a'}), (b:P {n: 'b'}), (c:P {n: 'c'}), (d:P {n: 'd'}), (e:P {n: 'e'}), (f:P {n: 'f'}), (:P {n: 'z'}), \
         (a)-[:R]->(b), (b)-[:R]->(d), (a)-[:R]->(c), (c)-[:S]->(d), (a)-[:R]->(e), (e)-[:R]->(f), (f)-[:R]->(d)",
    )
    .unwrap();
    let q = |kind: &str, pattern: &str| {
        format!(
            "MATCH (a:P {{n: 'a'}}), (d:P {{n: 'd'}}) MATCH p = {kind}({pattern}) RETURN [x IN nodes(p) | x.n] AS via ORDER BY via"
        )
    };
    let via = |names: &[&str]| Value::List(names.iter().map(|n| Value::from(*n)).collect());
    // One shortest path, of length 2.
    let r = rows(&mut db, &q("shortestPath", "(a)-[*]->(d)"));
    assert_eq!(r.len(), 1);
    assert!(r[0][0] == via(&["a", "b", "d"]) || r[0][0] == via(&["a", "c", "d"]), "{r:?}");
    // All of them: both of length 2, not the one of length 3.
    assert_eq!(
        rows(&mut db, &q("allShortestPaths", "(a)-[*]->(d)")),
        [[via(&["a", "b", "d"])], [via(&["a", "c", "d"])]]
    );
    // Typed: only R, so the way through c (an S) is out.
    assert_eq!(rows(&mut db, &q("allShortestPaths", "(a)-[:R*]->(d)")), [[via(&["a", "b", "d"])]]);
    // Directed against the arrows finds nothing; undirected from the other end finds them again.
    assert!(rows(&mut db, &q("shortestPath", "(a)<-[*]-(d)")).is_empty());
    assert_eq!(rows(&mut db, &q("allShortestPaths", "(d)-[*]-(a)")).len(), 2);
    // Bounded: no path of at most one hop.
    assert!(rows(&mut db, &q("shortestPath", "(a)-[*..1]->(d)")).is_empty());
    // Unreachable: no row.
    assert!(
        rows(&mut db, "MATCH (a:P {n: 'a'}), (z:P {n: 'z'}) MATCH p = shortestPath((a)-[*]-(z)) RETURN p")
            .is_empty()
    );
    // The relationship variable holds the list, the path its length.
    assert_eq!(
        one(
            &mut db,
            "MATCH (a:P {n: 'a'}), (f:P {n: 'f'}) MATCH p = shortestPath((a)-[rs*]->(f)) RETURN size(rs) + length(p)"
        ),
        int(4)
    );
    assert_eq!(error(&mut db, "MATCH p = shortestPath((a)-[*2..]->(b)) RETURN p"), ErrorKind::SemanticError);
}

#[test]
fn map_projections() {
    let mut db = Session::new();
    db.run("CREATE (:A {name: 'APT31', aliases: ['ZIRCONIUM'], motivation: 'espionage'})").unwrap();
    let m = one(&mut db, "MATCH (a:A) WITH a, 'actor' AS kind RETURN a {.name, .missing, kind, n: 1}");
    let Value::Map(m) = m else { panic!("a map") };
    assert_eq!(m["name"], Value::from("APT31"));
    assert_eq!(m["missing"], Value::Null);
    assert_eq!(m["kind"], Value::from("actor"));
    assert_eq!(m["n"], int(1));
    assert_eq!(one(&mut db, "MATCH (a:A) RETURN size(keys(a {.*}))"), int(3));
    assert_eq!(one(&mut db, "WITH {x: 1} AS m RETURN m {.x, y: 2}.y"), int(2));
    assert_eq!(one(&mut db, "WITH null AS n RETURN n {.x}"), Value::Null);
    assert_eq!(error(&mut db, "WITH 1 AS n RETURN n {.x}"), ErrorKind::TypeError);
}

/// Issue 14, item 7: the node created after a DELETE took the deleted node's id, so a relationship
/// to the deleted node was attached to the new one (here a self-loop on `m`).
#[test]
fn a_node_deleted_by_the_statement_stays_deleted_when_the_statement_creates_more() {
    let mut db = Session::new();
    let q = "CREATE (n:A) DELETE n CREATE (n)-[:R]->(m:M)";
    assert_eq!(error(&mut db, q), ErrorKind::EntityNotFound);
    assert_eq!(one(&mut db, "MATCH (n) RETURN count(n)"), int(0), "the statement was undone");
    db.run("CREATE (:Keep {i: 1}), (:Gone {i: 2})").unwrap();
    assert_eq!(
        error(&mut db, "MATCH (g:Gone) DELETE g CREATE (:New) SET g.i = 3"),
        ErrorKind::EntityNotFound
    );
    let ids = rows(&mut db, "MATCH (g:Gone) DELETE g CREATE (m:New) RETURN id(g) = id(m) AS same");
    assert_eq!(ids, [[Value::Bool(false)]]);
    // Once the statement is over, the id is free again.
    assert_eq!(
        one(&mut db, "CREATE (n:Later) RETURN id(n)"),
        one(&mut db, "MATCH (n:Keep) RETURN id(n) + 1")
    );
}

/// Issue 14, item 15: `-(-9223372036854775808)` folded to i64::MIN (and panicked in a debug build).
#[test]
fn negating_the_smallest_integer_is_an_overflow_not_itself() {
    let mut db = Session::new();
    assert_eq!(error(&mut db, "RETURN -(-9223372036854775808) AS x"), ErrorKind::ArithmeticError);
    assert_eq!(one(&mut db, "RETURN -9223372036854775808 AS x"), int(i64::MIN));
    assert_eq!(one(&mut db, "RETURN -(-9223372036854775807) AS x"), int(i64::MAX));
}

/// Issue 14, item 15: `percentileDisc` over integers returned a float, losing precision past 2^53.
#[test]
fn percentile_disc_returns_one_of_the_values_as_it_is() {
    let mut db = Session::new();
    let q = "UNWIND [1, 2, 3, 9007199254740993] AS x RETURN percentileDisc(x, 0.9) AS p";
    assert_eq!(one(&mut db, q), int(9_007_199_254_740_993));
    assert_eq!(one(&mut db, "UNWIND [3, 1.5, 2] AS x RETURN percentileDisc(x, 0.0)"), Value::Float(1.5));
    assert_eq!(one(&mut db, "UNWIND [3, 1.5, 2] AS x RETURN percentileDisc(x, 0.5)"), int(2));
    assert_eq!(one(&mut db, "UNWIND [] AS x RETURN percentileDisc(x, 0.5)"), Value::Null);
}

/// Issue 14, item 15: `id(n) IN 's'` (served by an id seek) gave no rows where `n.i IN 's'` failed.
#[test]
fn id_in_a_non_list_is_a_type_error_like_any_in() {
    let mut db = Session::new();
    db.run("CREATE ({i: 1})").unwrap();
    db.set_param("s", Value::from("s"));
    assert_eq!(error(&mut db, "MATCH (n) WHERE id(n) IN $s RETURN n"), ErrorKind::TypeError);
    assert_eq!(error(&mut db, "MATCH (n) WHERE n.i IN $s RETURN n"), ErrorKind::TypeError);
    db.set_param("s", Value::Null);
    assert!(rows(&mut db, "MATCH (n) WHERE id(n) IN $s RETURN n").is_empty());
}

#[test]
fn foreach_runs_its_updates_per_element_and_passes_rows_on() {
    let mut s = kgraph::Session::new();
    s.run(
        "CREATE (:Actor {name: 'APT31', aliases: ['Zirconium', 'Judgment Panda']}), (:Actor {name: 'APT28'})",
    )
    .unwrap();
    // Each alias a node of its own, linked; the rows (two actors) pass on unchanged.
    let out = s
        .run(
            "MATCH (a:Actor) FOREACH (alias IN coalesce(a.aliases, []) | \
             CREATE (a)-[:known_as]->(:Alias {name: alias}) SET a.aliased = true) \
             RETURN a.name, a.aliased ORDER BY a.name",
        )
        .unwrap();
    assert_eq!(out[0].rows, [[Value::from("APT28"), Value::Null], [Value::from("APT31"), Value::Bool(true)]]);
    assert_eq!(out[0].stats.nodes_created, 2);
    let aliases =
        s.run("MATCH (:Actor {name: 'APT31'})-[:known_as]->(x) RETURN x.name ORDER BY x.name").unwrap();
    assert_eq!(aliases[0].rows, [[Value::from("Judgment Panda")], [Value::from("Zirconium")]]);
    // Nested, with MERGE: each value once, whatever the repeats.
    s.run("FOREACH (x IN [1, 2] | FOREACH (y IN [x, 2] | MERGE (:N {v: y})))").unwrap();
    let vs = s.run("MATCH (n:N) RETURN n.v ORDER BY n.v").unwrap();
    assert_eq!(vs[0].rows, [[Value::Int(1)], [Value::Int(2)]]);
    // A null list does nothing; the variable and what the updates bind end with the clause.
    s.run("FOREACH (x IN null | CREATE (:Never))").unwrap();
    assert_eq!(s.run("MATCH (n:Never) RETURN count(n)").unwrap()[0].rows, [[Value::Int(0)]]);
    for (q, kind) in [
        ("FOREACH (x IN [1] | CREATE (:T)) RETURN x", kgraph::ErrorKind::SemanticError),
        ("FOREACH (x IN [1] | CREATE (t:T)) RETURN t", kgraph::ErrorKind::SemanticError),
        ("FOREACH (x IN [1] | MATCH (n) DELETE n)", kgraph::ErrorKind::SyntaxError),
        ("FOREACH (x IN 5 | CREATE (:T))", kgraph::ErrorKind::TypeError),
    ] {
        let e = s.run(q).expect_err(q);
        assert_eq!(e.as_query().map(|e| e.kind), Some(kind), "{q}: {e}");
    }
    // A failed FOREACH undoes all it did.
    assert!(s.run("FOREACH (x IN [1, 0] | CREATE (:U {v: 1 / x}))").is_err());
    assert_eq!(s.run("MATCH (n:U) RETURN count(n)").unwrap()[0].rows, [[Value::Int(0)]]);
}

#[test]
fn a_bound_node_given_an_empty_map_in_create_or_merge_is_refused() {
    let mut s = Session::new();
    for q in ["CREATE (n:Foo) CREATE (n {})-[:OWNS]->(:Dog)", "CREATE (n:Foo) MERGE (n {})-[:OWNS]->(:Dog)"] {
        assert_eq!(error(&mut s, q), ErrorKind::SemanticError, "{q}");
    }
    // Unbound, an empty map is no map at all.
    s.run("CREATE (n {}) MERGE (m:M {})").unwrap();
    assert_eq!(one(&mut s, "MATCH (n) RETURN count(n)"), int(2));
}

/// Issue 18: `MERGE ({num: null})` created a node with no `num` on every run, one per row, where
/// Neo4j refuses it: null matches nothing. Refused while running (the value is known only then),
/// and the statement's earlier writes are undone.
#[test]
fn merge_with_a_null_property_is_refused_while_running() {
    let mut db = Session::new();
    for q in [
        "CREATE (:Before) MERGE (:A {num: null})",
        "UNWIND [1, null] AS x MERGE (:A {num: x})",
        "CREATE (a:Before), (b:Before) MERGE (a)-[:X {num: null}]->(b)",
    ] {
        let e = db.run(q).expect_err(q);
        let e = e.as_query().expect("a query error");
        assert_eq!(e.kind, ErrorKind::SemanticError, "{q}: {e}");
        assert!(!e.is_compile_time(), "{q}: raised while running");
        assert!(e.message.contains("`num` null"), "{q}: {e}");
    }
    assert_eq!(one(&mut db, "MATCH (n) RETURN count(n)"), int(0), "every statement was undone");
    // A null elsewhere in the statement, or a property set ON CREATE to null, is no such error.
    one(&mut db, "MERGE (a:A {num: 1}) ON CREATE SET a.other = null RETURN a.num");
    assert_eq!(error(&mut db, "MERGE (a:A {num: 1 / 0})"), ErrorKind::ArithmeticError);
}

/// TCK Return2 [14]: `MATCH ()-[r]->() DELETE r RETURN type(r)` gave null, the type being read
/// from the graph the relationship had left. A deleted relationship's type stays readable to the
/// end of the statement (its properties do not, as openCypher says).
#[test]
fn the_type_of_a_relationship_deleted_earlier_in_the_statement_is_readable() {
    let mut db = Session::new();
    db.run("CREATE ()-[:`attributed-to`]->(), ()-[:T]->()").expect("creates");
    let mut types = rows(&mut db, "MATCH ()-[r]->() DELETE r RETURN type(r) AS t");
    types.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(types, vec![vec![Value::from("T")], vec![Value::from("attributed-to")]]);
    assert_eq!(one(&mut db, "MATCH ()-[r]->() RETURN count(r)"), int(0));
    // A statement that deletes, reads the type and then fails is undone: the relationship is
    // back, and read as ever.
    db.run("CREATE ()-[:T]->()").expect("creates");
    db.run("MATCH ()-[r]->() DELETE r WITH r, type(r) AS t RETURN t, 1 / 0").expect_err("fails");
    assert_eq!(one(&mut db, "MATCH ()-[r]->() RETURN type(r)"), Value::from("T"));
}
