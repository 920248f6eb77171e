//! The language, driven through the public API: what each construct returns, and the errors it raises.

use kgraph::{ErrorKind, Session, Value};

fn rows(db: &mut Session, q: &str) -> Vec<Vec<Value>> {
    let mut out = db.run(q).unwrap_or_else(|e| panic!("{q}\n{e}"));
    out.pop().expect("at least one statement").rows
}

fn one(db: &mut Session, q: &str) -> Value {
    let r = rows(db, q);
    assert_eq!(r.len(), 1, "{q} returned {r:?}");
    r[0][0].clone()
}

fn error(db: &mut Session, q: &str) -> kgraph::QueryError {
    match db.run(q) {
        Ok(out) => panic!("{q} should fail, returned {out:?}"),
        Err(e) => e.as_query().cloned().unwrap_or_else(|| panic!("{q}: not a query error: {e}")),
    }
}

fn int(i: i64) -> Value {
    Value::Int(i)
}

fn text(x: &str) -> Value {
    Value::from(x)
}

fn people() -> Session {
    let mut db = Session::new();
    db.run(
        "CREATE (a:Person {name: 'Ann', age: 30}), (b:Person {name: 'Bob', age: 25}), \
                (c:Person:Analyst {name: 'Cy'}), (o:Org {name: 'BIS'}), \
                (a)-[:KNOWS {since: 2020}]->(b), (b)-[:KNOWS]->(c), (c)-[:KNOWS]->(a), \
                (a)-[:`works-for`]->(o), (b)-[:`works-for`]->(o), (o)-[:audits]->(o)",
    )
    .unwrap();
    db
}

#[test]
fn three_valued_logic() {
    let mut db = Session::new();
    let cases = [
        ("true AND null", Value::Null),
        ("false AND null", Value::Bool(false)),
        ("true OR null", Value::Bool(true)),
        ("false OR null", Value::Null),
        ("true XOR null", Value::Null),
        ("true XOR false", Value::Bool(true)),
        ("NOT null", Value::Null),
        ("null = null", Value::Null),
        ("null <> 1", Value::Null),
        ("null IS NULL", Value::Bool(true)),
        ("1 IS NOT NULL", Value::Bool(true)),
        ("2 IN [1, null]", Value::Null),
        ("1 IN [1, null]", Value::Bool(true)),
        ("1 IN []", Value::Bool(false)),
        ("1 < 'a'", Value::Null),
        ("1 = 1.0", Value::Bool(true)),
        ("[1, 2] = [1, 2]", Value::Bool(true)),
        ("'abc' STARTS WITH 'ab'", Value::Bool(true)),
        ("'abc' ENDS WITH 'bc'", Value::Bool(true)),
        ("'abc' CONTAINS null", Value::Null),
    ];
    for (expr, expected) in cases {
        assert_eq!(one(&mut db, &format!("RETURN {expr}")), expected, "{expr}");
    }
}

#[test]
fn arithmetic_and_its_errors() {
    let mut db = Session::new();
    assert_eq!(one(&mut db, "RETURN 7 / 2"), int(3));
    assert_eq!(one(&mut db, "RETURN 7 % 3"), int(1));
    assert_eq!(one(&mut db, "RETURN 7.0 / 2"), Value::Float(3.5));
    assert_eq!(one(&mut db, "RETURN 2 ^ 3"), Value::Float(8.0));
    assert_eq!(one(&mut db, "RETURN -(3 - 5) * 2"), int(4));
    assert_eq!(one(&mut db, "RETURN 'a' + 1"), text("a1"));
    assert_eq!(one(&mut db, "RETURN [1] + [2, 3]"), Value::List(vec![int(1), int(2), int(3)]));
    assert_eq!(one(&mut db, "RETURN 1 + null"), Value::Null);
    assert_eq!(one(&mut db, "RETURN -9223372036854775808"), int(i64::MIN));
    assert_eq!(error(&mut db, "RETURN 9223372036854775807 + 1").kind, ErrorKind::ArithmeticError);
    assert_eq!(error(&mut db, "RETURN 1 / 0").kind, ErrorKind::ArithmeticError);
    // Operand types known before running are checked then; otherwise when running.
    assert_eq!(error(&mut db, "RETURN true + 1").kind, ErrorKind::SemanticError);
    assert_eq!(error(&mut db, "RETURN any(x IN ['a', 'b'] WHERE x % 2 = 0)").kind, ErrorKind::SemanticError);
    assert_eq!(
        one(&mut db, "RETURN [true] + false"),
        Value::List(vec![Value::Bool(true), Value::Bool(false)])
    );
    assert_eq!(error(&mut db, "WITH toBoolean('true') AS t RETURN t + 1").kind, ErrorKind::TypeError);
    // A literal's type is known before running: the error comes at compile time.
    assert_eq!(error(&mut db, "RETURN NOT 1").kind, ErrorKind::SemanticError);
    assert_eq!(error(&mut db, "RETURN true AND 'yes'").kind, ErrorKind::SemanticError);
    assert_eq!(error(&mut db, "WITH 123 AS x RETURN x.name").kind, ErrorKind::SemanticError);
    // A value known only when running fails when running.
    assert_eq!(error(&mut db, "WITH toInteger('1') AS x RETURN NOT x").kind, ErrorKind::TypeError);
}

#[test]
fn literals_parameters_and_comments() {
    let mut db = Session::new();
    assert_eq!(one(&mut db, "RETURN 'it\\'s \\u00DA'"), text("it's Ú"));
    assert_eq!(one(&mut db, "return /* inline */ 0x10 // trailing"), int(16));
    assert_eq!(one(&mut db, "RETURN {a: [1, 2.5, 'x']}.a[1]"), Value::Float(2.5));
    assert_eq!(one(&mut db, "RETURN [10, 20, 30][-1]"), int(30));
    assert_eq!(error(&mut db, "RETURN $missing").kind, ErrorKind::ParameterMissing);
    db.set_param("who", text("APT31"));
    assert_eq!(one(&mut db, "RETURN toLower($who)"), text("apt31"));
}

#[test]
fn functions() {
    let mut db = people();
    assert_eq!(
        one(
            &mut db,
            "MATCH (c:Analyst) RETURN 'Analyst' IN labels(c) AND 'Person' IN labels(c) AND size(labels(c)) = 2"
        ),
        Value::Bool(true)
    );
    assert_eq!(one(&mut db, "MATCH (:Person {name: 'Ann'})-[r]->(:Org) RETURN type(r)"), text("works-for"));
    assert_eq!(
        one(&mut db, "MATCH (a {name: 'Ann'}) RETURN keys(a)"),
        Value::List(vec![text("age"), text("name")])
    );
    assert_eq!(one(&mut db, "MATCH (a {name: 'Ann'}) RETURN properties(a).age"), int(30));
    assert_eq!(one(&mut db, "MATCH (c {name: 'Cy'}) RETURN coalesce(c.age, c.name)"), text("Cy"));
    assert_eq!(one(&mut db, "RETURN size('ÚZSI'), toUpper('abc')"), int(4));
    assert_eq!(one(&mut db, "RETURN size([1, 2, null])"), int(3));
    assert_eq!(one(&mut db, "MATCH (o:Org) RETURN id(o) = id(o)"), Value::Bool(true));
    assert_eq!(error(&mut db, "RETURN nosuch(1)").kind, ErrorKind::SemanticError);
    assert_eq!(error(&mut db, "RETURN size(1, 2)").kind, ErrorKind::SemanticError);
    assert_eq!(error(&mut db, "RETURN size(1)").kind, ErrorKind::TypeError);
}

#[test]
fn random_uuid_is_drawn_for_each_row_and_kept_by_what_stores_it() {
    let mut db = people();
    // Neither folded into one constant nor cached per statement: a fresh identifier on each row.
    let r = rows(&mut db, "UNWIND range(1, 50) AS i RETURN randomUUID() AS u");
    let distinct: std::collections::HashSet<String> = r.iter().map(|row| row[0].to_string()).collect();
    assert_eq!(distinct.len(), 50);
    db.run("MATCH (p:Person) SET p.uid = randomUUID()").unwrap();
    assert_eq!(one(&mut db, "MATCH (p:Person) RETURN count(DISTINCT p.uid)"), int(3));
    assert_eq!(one(&mut db, "MATCH (p:Person) WITH p.uid AS u RETURN min(size(u))"), int(36));
    assert_eq!(one(&mut db, "RETURN haversin(0)"), Value::Float(0.0));
    assert_eq!(error(&mut db, "RETURN randomUUID(1)").kind, ErrorKind::SemanticError);
}

#[test]
fn patterns_in_every_direction() {
    let mut db = people();
    let out = rows(&mut db, "MATCH (a:Person {name: 'Ann'})-[:KNOWS]->(b) RETURN b.name");
    assert_eq!(out, [[text("Bob")]]);
    let out = rows(&mut db, "MATCH (a:Person {name: 'Ann'})<-[:KNOWS]-(b) RETURN b.name");
    assert_eq!(out, [[text("Cy")]]);
    let out = rows(&mut db, "MATCH (a:Person {name: 'Ann'})-[:KNOWS]-(b) RETURN b.name ORDER BY b.name");
    assert_eq!(out, [[text("Bob")], [text("Cy")]]);
    // A self-loop matches once undirected, and once in each direction.
    assert_eq!(one(&mut db, "MATCH (o:Org)-[:audits]-(x) RETURN count(*)"), int(1));
    assert_eq!(one(&mut db, "MATCH (o:Org)<-[:audits]-(x) RETURN count(*)"), int(1));
    // Several types; types nobody uses match nothing.
    assert_eq!(one(&mut db, "MATCH ()-[r:KNOWS|`works-for`]->() RETURN count(r)"), int(5));
    assert_eq!(one(&mut db, "MATCH ()-[r:NOPE]->() RETURN count(r)"), int(0));
    assert_eq!(one(&mut db, "MATCH (n:Nope) RETURN count(n)"), int(0));
    // A pattern may start anywhere: the bound end, the rarest label.
    let out =
        rows(&mut db, "MATCH (p:Person)-[:`works-for`]->(o:Org {name: 'BIS'}) RETURN p.name ORDER BY p.name");
    assert_eq!(out, [[text("Ann")], [text("Bob")]]);
    // Relationship properties in the pattern.
    assert_eq!(one(&mut db, "MATCH (a)-[:KNOWS {since: 2020}]->(b) RETURN b.name"), text("Bob"));
    // Two hops around the triangle, and a closed cycle.
    assert_eq!(one(&mut db, "MATCH (a {name: 'Ann'})-[:KNOWS]->()-[:KNOWS]->(c) RETURN c.name"), text("Cy"));
    assert_eq!(one(&mut db, "MATCH (a)-[:KNOWS]->(b)-[:KNOWS]->(c)-[:KNOWS]->(a) RETURN count(*)"), int(3));
}

#[test]
fn relationships_are_unique_within_a_match() {
    let mut db = Session::new();
    db.run("CREATE (:A)-[:R]->(:B)").unwrap();
    // Going out and back along the same single edge is not a match.
    assert_eq!(one(&mut db, "MATCH (a)-[:R]-(b)-[:R]-(c) RETURN count(*)"), int(0));
    // Across two MATCH clauses it is.
    assert_eq!(one(&mut db, "MATCH (a)-[:R]-(b) MATCH (b)-[:R]-(c) RETURN count(*)"), int(2));
}

#[test]
fn comma_separated_patterns_join_on_shared_variables() {
    let mut db = people();
    let out = rows(
        &mut db,
        "MATCH (a:Person)-[:`works-for`]->(o), (b:Person)-[:`works-for`]->(o) WHERE a.name < b.name RETURN a.name, b.name",
    );
    assert_eq!(out, [[text("Ann"), text("Bob")]]);
    // Unconnected patterns give the cartesian product.
    assert_eq!(one(&mut db, "MATCH (a:Person), (o:Org) RETURN count(*)"), int(3));
}

#[test]
fn aggregation_groups_implicitly() {
    let mut db = people();
    let out = rows(
        &mut db,
        "MATCH (p:Person)-[:KNOWS]->(q) RETURN p.name AS p, count(*) AS n, collect(q.name) AS known ORDER BY p",
    );
    assert_eq!(out[0], [text("Ann"), int(1), Value::List(vec![text("Bob")])]);
    assert_eq!(out.len(), 3);
    assert_eq!(one(&mut db, "MATCH (p:Person) RETURN count(p.age)"), int(2));
    assert_eq!(one(&mut db, "MATCH (p:Person) RETURN sum(p.age)"), int(55));
    assert_eq!(one(&mut db, "MATCH (p:Person) RETURN avg(p.age)"), Value::Float(27.5));
    assert_eq!(one(&mut db, "MATCH (p:Person) RETURN min(p.name) + max(p.name)"), text("AnnCy"));
    assert_eq!(one(&mut db, "MATCH (p)-[:`works-for`]->(o) RETURN count(DISTINCT o)"), int(1));
    // Nothing to aggregate still gives one row without grouping keys, none with them.
    assert_eq!(
        rows(&mut db, "MATCH (n:Nope) RETURN count(*), collect(n), sum(n.x), avg(n.x)"),
        [[int(0), Value::List(vec![]), int(0), Value::Null]]
    );
    assert!(rows(&mut db, "MATCH (n:Nope) RETURN n.name, count(*)").is_empty());
    // Mixed expressions over keys and aggregates.
    assert_eq!(one(&mut db, "MATCH (p:Person) RETURN count(*) * 10 + 1"), int(31));
    assert_eq!(error(&mut db, "MATCH (p:Person) RETURN p.age + count(*)").kind, ErrorKind::SemanticError);
    assert_eq!(error(&mut db, "MATCH (p) WHERE count(*) > 1 RETURN p").kind, ErrorKind::SemanticError);
    assert_eq!(error(&mut db, "RETURN count(count(*))").kind, ErrorKind::SemanticError);
    assert_eq!(error(&mut db, "MATCH (p:Person) RETURN sum(p.name)").kind, ErrorKind::TypeError);
}

#[test]
fn ordering_paging_and_distinct() {
    let mut db = people();
    let out = rows(&mut db, "MATCH (p:Person) RETURN p.age ORDER BY p.age");
    assert_eq!(out, [[int(25)], [int(30)], [Value::Null]]);
    let out = rows(&mut db, "MATCH (p:Person) RETURN p.name ORDER BY p.age DESC");
    assert_eq!(out, [[text("Cy")], [text("Ann")], [text("Bob")]]);
    let out = rows(&mut db, "MATCH (p:Person) RETURN p.name AS n ORDER BY n SKIP 1 LIMIT 1");
    assert_eq!(out, [[text("Bob")]]);
    db.set_param("k", int(2));
    assert_eq!(rows(&mut db, "MATCH (p:Person) RETURN p LIMIT $k").len(), 2);
    let out = rows(&mut db, "MATCH (p:Person)-[:`works-for`]->(o) RETURN DISTINCT o.name");
    assert_eq!(out, [[text("BIS")]]);
    // A literal count is checked before running, a parameter's when running.
    assert_eq!(error(&mut db, "MATCH (p) RETURN p LIMIT -1").kind, ErrorKind::SemanticError);
    assert_eq!(error(&mut db, "MATCH (p) RETURN p SKIP 1.5").kind, ErrorKind::SemanticError);
    db.set_param("negative", int(-1));
    assert_eq!(error(&mut db, "MATCH (p) RETURN p LIMIT $negative").kind, ErrorKind::ArgumentError);
    assert_eq!(error(&mut db, "MATCH (p) RETURN p LIMIT p.x").kind, ErrorKind::SemanticError);
    let star = db.run("MATCH (b:Org)<-[r]-(a:Person {name: 'Ann'}) RETURN *").unwrap();
    assert_eq!(star[0].columns, ["a", "b", "r"]);
}

#[test]
fn create_with_match_and_its_statistics() {
    let mut db = people();
    let out = db
        .run("MATCH (a:Person {name: 'Ann'}), (o:Org) CREATE (a)-[r:`member-of` {since: 2021}]->(o), (:Note {text: 'x'}) RETURN type(r)")
        .unwrap();
    assert_eq!(out[0].rows, [[text("member-of")]]);
    let st = out[0].stats;
    assert_eq!(
        (st.nodes_created, st.relationships_created, st.properties_set, st.labels_added),
        (1, 1, 2, 1)
    );
    assert_eq!(one(&mut db, "MATCH (:Person)-[r:`member-of`]->(:Org) RETURN r.since"), int(2021));
    // CREATE runs once per matched row.
    db.run("MATCH (p:Person) CREATE (p)-[:HAS]->(:Badge)").unwrap();
    assert_eq!(one(&mut db, "MATCH (:Person)-[:HAS]->(b:Badge) RETURN count(b)"), int(3));
    // A LIMIT does not stop the writes before it.
    db.run("MATCH (p:Person) CREATE (x:Copy) RETURN x LIMIT 0").unwrap();
    assert_eq!(one(&mut db, "MATCH (x:Copy) RETURN count(x)"), int(3));
}

#[test]
fn create_rejects_what_it_cannot_create() {
    let mut db = people();
    for q in [
        "CREATE (a)-[:R|S]->(b)",
        "CREATE (a)-[]->(b)",
        "CREATE (a)-[:R]-(b)",
        "MATCH (a:Person) CREATE (a:Again)",
        "MATCH (a)-[r]->(b) CREATE (a)-[r:R]->(b)",
        "MATCH (a:Person)",
    ] {
        assert_eq!(error(&mut db, q).kind, ErrorKind::SemanticError, "{q}");
    }
}

#[test]
fn a_failing_statement_changes_nothing() {
    let mut db = Session::new();
    db.run("CREATE (:P {x: 1}), (:P {x: 0}), (:P {x: 2})").unwrap();
    let before = db.graph().clone();
    // The second row divides by zero after the first row's node was created.
    assert_eq!(error(&mut db, "MATCH (p:P) CREATE (:Q {v: 10 / p.x})").kind, ErrorKind::ArithmeticError);
    assert_eq!(db.graph(), &before);
    assert_eq!(error(&mut db, "CREATE (:Q)-[:R]->(:Q {m: {a: 1}})").kind, ErrorKind::TypeError);
    assert_eq!(db.graph(), &before);
    assert_eq!(one(&mut db, "MATCH (q:Q) RETURN count(q)"), int(0));
}

#[test]
fn a_script_stops_at_its_first_failing_statement() {
    let mut db = Session::new();
    let e = db.run("CREATE (:A); CREATE (:B); RETURN nope; CREATE (:C)").unwrap_err();
    assert_eq!(e.as_query().map(|q| q.kind), Some(ErrorKind::SemanticError));
    assert!(e.to_string().contains("line 1, column 34"), "{e}");
    assert_eq!(one(&mut db, "MATCH (n) RETURN count(n)"), int(2));
}

#[test]
fn explain_shows_the_plan_without_running_it() {
    let mut db = people();
    let out = db.run("EXPLAIN MATCH (p:Person)-[:KNOWS]->(q) CREATE (q)-[:X]->(:Y) RETURN count(*)").unwrap();
    let plan = out[0].plan.as_deref().unwrap();
    assert!(plan.contains("NodeByLabelScan (p:Person)"), "{plan}");
    assert!(plan.contains("Expand (p)-[:KNOWS]->(q)"), "{plan}");
    assert!(plan.contains("Create"), "{plan}");
    assert_eq!(one(&mut db, "MATCH (y:Y) RETURN count(y)"), int(0));
}

#[test]
fn profile_runs_the_statement_and_counts_rows_per_operator() {
    let mut db = people();
    let knows = one(&mut db, "MATCH (:Person)-[r:KNOWS]->() RETURN count(r)");
    let out = db.run("PROFILE MATCH (p:Person)-[:KNOWS]->(q) CREATE (q)-[:X]->(:Y) RETURN count(*)").unwrap();
    let plan = out[0].plan.as_deref().unwrap();
    let Value::Int(k) = knows else { panic!("a count") };
    let line = |op: &str| plan.lines().find(|l| l.contains(op)).unwrap_or_else(|| panic!("{op} in {plan}"));
    assert!(line("Expand (p)-[:KNOWS]->(q)").contains(&format!("[rows {k}, ")), "{plan}");
    assert!(line("Aggregate").contains("[rows 1, "), "{plan}");
    assert_eq!(out[0].stats.nodes_created, k as usize, "the writes happened");
    assert_eq!(one(&mut db, "MATCH (y:Y) RETURN count(y)"), knows);
    let e = error(&mut db, "PROFILE EXPLAIN RETURN 1");
    assert_eq!(e.kind, ErrorKind::SyntaxError);
}

#[test]
fn variables_are_checked() {
    let mut db = people();
    let e = error(&mut db, "MATCH (a) RETURN b");
    assert_eq!(e.kind, ErrorKind::SemanticError);
    assert_eq!(e.span.map(|sp| sp.start), Some(17));
    assert_eq!(error(&mut db, "MATCH (a)-[a]->() RETURN a").kind, ErrorKind::SemanticError);
    assert_eq!(error(&mut db, "MATCH (a) RETURN a, a").kind, ErrorKind::SemanticError);
    assert_eq!(error(&mut db, "RETURN *").kind, ErrorKind::SemanticError);
    assert_eq!(error(&mut db, "MATCH p = (a)-->(p) RETURN p").kind, ErrorKind::SemanticError);
    assert_eq!(error(&mut db, "MATCH (a)-[r*]->(r) RETURN r").kind, ErrorKind::SemanticError);
    assert_eq!(error(&mut db, "WITH 1 AS n MATCH (n) RETURN n").kind, ErrorKind::SemanticError);
    assert_eq!(error(&mut db, "MATCH p = ()-->() RETURN labels(p)").kind, ErrorKind::SemanticError);
}

#[test]
fn nothing_typed_panics() {
    let mut db = people();
    let hostile = [
        "",
        ";;;",
        "MATCH",
        "MATCH (",
        "RETURN 'unterminated",
        "RETURN \"\\u12\"",
        "RETURN 99999999999999999999",
        "RETURN 1e999",
        "MATCH (a)<-[]->(b) RETURN a",
        "RETURN [1, 2][9999999999999]",
        "RETURN {a: 1}['a'], {a: 1}[1]",
        "MATCH (n) RETURN n.name.first",
        "MATCH (n) RETURN n[0]",
        "/* open comment",
        "RETURN ÚZSI",
        "MATCH (`weird ``name`) RETURN `weird ``name`",
        "RETURN toInteger('x'), toFloat('1e3'), toString(1.0), head([]), last([1])",
    ];
    for q in hostile {
        let _ = db.run(q);
    }
    let deep = format!("RETURN {}1{}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(error(&mut db, &deep).kind, ErrorKind::SyntaxError);
    let nots = format!("RETURN {}true", "NOT ".repeat(10_000));
    assert_eq!(error(&mut db, &nots).kind, ErrorKind::SyntaxError);
    let minus = format!("RETURN {}1", "- ".repeat(10_000));
    assert_eq!(error(&mut db, &minus).kind, ErrorKind::SyntaxError);
    // A long chain of operators builds a deep tree: a bounded number is fine, more is refused.
    let long = format!("RETURN {}1", "1 + ".repeat(200));
    assert_eq!(one(&mut db, &long), int(201));
    let longer = format!("RETURN {}1", "1 + ".repeat(100_000));
    assert_eq!(error(&mut db, &longer).kind, ErrorKind::SyntaxError);
    // Many operators in many nested parentheses: deep, refused before anything walks it.
    let nested =
        format!("RETURN {}1{}", "(".repeat(31), " + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1)".repeat(31));
    assert_eq!(error(&mut db, &nested).kind, ErrorKind::SyntaxError);
    // A long flat list is wide, not deep.
    let wide = format!("RETURN size([{}1])", "1, ".repeat(100_000));
    assert_eq!(one(&mut db, &wide), int(100_001));
}

/// Issue 14, item 8: 2,000 nested `CASE` expressions and 12,000 chained `WITH` clauses overflowed the
/// stack and aborted the process; a 20,000-hop pattern took quadratic memory to plan.
#[test]
fn nesting_and_length_past_the_bounds_are_syntax_errors_not_crashes() {
    let mut db = Session::new();
    let cases = format!("RETURN {}1{}", "CASE WHEN true THEN ".repeat(2000), " END".repeat(2000));
    let err = error(&mut db, &cases);
    assert_eq!(err.kind, ErrorKind::SyntaxError);
    assert!(err.message.contains("nested more than 64 levels"), "{}", err.message);
    let some_cases = format!("RETURN {}1{} AS x", "CASE WHEN true THEN ".repeat(60), " END".repeat(60));
    assert_eq!(one(&mut db, &some_cases), int(1));
    // `end` as a property key is no keyword.
    db.run("CREATE ({end: 2})").unwrap();
    assert_eq!(one(&mut db, "MATCH (n) RETURN CASE WHEN n.end = 2 THEN n.end END"), int(2));
    let withs = format!("WITH 1 AS x {}RETURN x", "WITH x ".repeat(12_000));
    let err = error(&mut db, &withs);
    assert!(err.message.contains("more than 256 clauses"), "{}", err.message);
    assert_eq!(one(&mut db, &format!("WITH 1 AS x {}RETURN x", "WITH x ".repeat(250))), int(1));
    let hops = format!("MATCH (a){} RETURN count(*)", "-[]->()".repeat(20_000));
    let err = error(&mut db, &hops);
    assert!(err.message.contains("more than 1000 relationship patterns"), "{}", err.message);
}

/// Comparisons read their operands in place (properties, constants, parameters, row values) rather
/// than copying them: every kind of operand still compares as before, and a deleted entity's
/// property is still an error.
#[test]
fn comparisons_read_properties_in_place_with_the_same_answers() {
    let mut db = people();
    db.set_param("who", text("Ann"));
    assert_eq!(one(&mut db, "MATCH (p:Person) WHERE p.name = $who RETURN p.age"), int(30));
    assert_eq!(one(&mut db, "MATCH (p:Person) WHERE p.age > 26 RETURN p.name"), text("Ann"));
    assert_eq!(one(&mut db, "MATCH ()-[k:KNOWS]->() WHERE k.since = 2020 RETURN k.since + 1"), int(2021));
    assert_eq!(one(&mut db, "MATCH (p {name: 'Cy'}) RETURN p.age = 1"), Value::Null);
    assert_eq!(one(&mut db, "WITH {a: 'x'} AS m RETURN m.a = 'x' AND m.b IS NULL"), Value::Bool(true));
    assert_eq!(one(&mut db, "WITH null AS n RETURN n.name = 'x'"), Value::Null);
    assert_eq!(
        one(&mut db, "MATCH (p:Person {name: 'Bob'}) RETURN p.name STARTS WITH 'B'"),
        Value::Bool(true)
    );
    assert_eq!(one(&mut db, "MATCH (p:Person {name: 'Bob'}) RETURN p.age IN [25, 26]"), Value::Bool(true));
    let gone = error(&mut db, "MATCH (p:Person {name: 'Bob'}) DETACH DELETE p RETURN p.name = 'Bob'");
    assert_eq!(gone.kind, ErrorKind::EntityNotFound);
    assert_eq!(error(&mut db, "RETURN $missing = 1").kind, ErrorKind::ParameterMissing);
}

/// A filter right above a scan runs inside it (no row is made for a node that fails): the answers,
/// the errors and the profile's row counts are those of a scan and then a filter.
#[test]
fn a_filter_over_a_scan_tests_nodes_in_place() {
    let mut db = people();
    assert_eq!(one(&mut db, "MATCH (p) WHERE p.age > 26 RETURN p.name"), text("Ann"));
    assert_eq!(
        one(&mut db, "MATCH (p {name: 'Cy'}) RETURN labels(p)"),
        Value::List(vec![text("Person"), text("Analyst")])
    );
    assert_eq!(one(&mut db, "MATCH (p:Person) WHERE p.age IS NULL RETURN p.name"), text("Cy"));
    assert_eq!(
        rows(&mut db, "UNWIND [25, 30] AS a MATCH (p) WHERE p.age = a RETURN p.name ORDER BY p.name"),
        vec![vec![text("Ann")], vec![text("Bob")]]
    );
    assert_eq!(error(&mut db, "MATCH (p) WHERE p.name RETURN p").kind, ErrorKind::TypeError);
    let out = db.run("PROFILE MATCH (p) WHERE p.age > 20 RETURN p.name").unwrap();
    let plan = out[0].plan.as_deref().unwrap();
    let line = |op: &str| plan.lines().find(|l| l.contains(op)).unwrap_or_else(|| panic!("{op} in {plan}"));
    assert!(line("AllNodesScan (p)").contains("[rows 4, "), "every node scanned: {plan}");
    assert!(line("Filter").contains("[rows 2, "), "two passed: {plan}");
}

/// A statement at the bounds runs on a thread with a small stack, as a library user's may be.
#[test]
fn statements_at_the_nesting_bounds_run_on_a_thread_with_a_small_stack() {
    let run = std::thread::Builder::new()
        .stack_size(256 << 10)
        .spawn(|| {
            let mut db = Session::new();
            let cases = format!("RETURN {}1{} AS x", "CASE WHEN true THEN ".repeat(63), " END".repeat(63));
            let withs = format!("WITH 1 AS x {}RETURN x", "WITH x ".repeat(250));
            let lists = format!("RETURN size({}1{}) AS x", "[".repeat(63), "]".repeat(63));
            [cases, withs, lists].map(|q| one(&mut db, &q))
        })
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert_eq!(run, [int(1), int(1), int(1)]);
}

/// Scans read nodes from the graph a batch at a time: across batch boundaries, with labels
/// changing and nodes deleted by the statement, they give what a node-at-a-time scan gives.
#[test]
fn scans_read_in_batches_keep_their_answers_across_batches_and_writes() {
    let mut db = Session::new();
    db.run("UNWIND range(0, 999) AS i CREATE (:L {i: i})").unwrap();
    db.run("UNWIND range(0, 9) AS i CREATE (:Other {i: i})").unwrap();
    assert_eq!(one(&mut db, "MATCH (n:L) RETURN count(*)"), int(1000));
    assert_eq!(one(&mut db, "MATCH (n:L) RETURN sum(n.i)"), int(999 * 1000 / 2));
    assert_eq!(one(&mut db, "MATCH (n) RETURN count(*)"), int(1010));
    let first: Vec<Vec<Value>> = rows(&mut db, "MATCH (n:L) RETURN n.i LIMIT 3");
    assert_eq!(first, vec![vec![int(0)], vec![int(1)], vec![int(2)]]);
    // A scan nested under another restarts for every outer row.
    assert_eq!(one(&mut db, "MATCH (a:Other) MATCH (b:L) WHERE b.i < 300 RETURN count(*)"), int(3000));
    let deleted = "MATCH (a:L) WHERE a.i % 2 = 0 MATCH (b:L {i: a.i + 1}) DETACH DELETE b RETURN count(*)";
    assert_eq!(one(&mut db, deleted), int(500));
    assert_eq!(one(&mut db, "MATCH (n:L) RETURN count(*)"), int(500));
    db.run("MATCH (n:L) WHERE n.i >= 500 REMOVE n:L").unwrap();
    assert_eq!(one(&mut db, "MATCH (n:L) RETURN count(*), max(n.i)"), int(250));
    assert_eq!(rows(&mut db, "MATCH (n:L) RETURN max(n.i)"), vec![vec![int(498)]]);
}

#[test]
fn reduce_folds_a_list_with_its_accumulator_and_element_in_scope() {
    let mut db = people();
    assert_eq!(one(&mut db, "RETURN reduce(total = 0, x IN [1, 2, 3] | total + x)"), int(6));
    assert_eq!(one(&mut db, "RETURN reduce(s = '', w IN ['a', 'b'] | s + w)"), text("ab"));
    assert_eq!(one(&mut db, "RETURN reduce(a = 1, x IN null | a + x)"), Value::Null);
    assert_eq!(one(&mut db, "RETURN reduce(a = 7, x IN [] | a + x)"), int(7));
    // Over an aggregated list, and inside a comprehension whose variable the body also reads.
    assert_eq!(one(&mut db, "MATCH (p:Person) RETURN reduce(t = 0, a IN collect(p.age) | t + a)"), int(55));
    assert_eq!(
        one(&mut db, "RETURN [y IN [1, 2] | reduce(m = y, z IN [10, 20] | m + z * y)]"),
        Value::List(vec![int(31), int(62)])
    );
    assert_eq!(
        one(
            &mut db,
            "MATCH p = (:Person {name: 'Ann'})-[:KNOWS*2]->() RETURN reduce(n = '', x IN nodes(p) | n + x.name)"
        ),
        text("AnnBobCy")
    );
    assert_eq!(error(&mut db, "RETURN reduce(t = 0, x IN 5 | t)").kind, ErrorKind::TypeError);
    assert_eq!(error(&mut db, "RETURN reduce(t = 0, x IN [1] | t + y)").kind, ErrorKind::SemanticError);
}

#[test]
fn create_takes_a_parameter_map_of_properties_which_match_and_merge_refuse() {
    let mut db = Session::new();
    let props = Value::Map(
        [
            ("name".to_string(), Value::from("APT31")),
            ("aliases".to_string(), Value::List(vec!["Zirconium".into()])),
        ]
        .into_iter()
        .collect(),
    );
    db.set_param("p", props);
    db.set_param("r", Value::Map([("w".to_string(), Value::Float(0.5))].into_iter().collect()));
    db.set_param("none", Value::Null);
    let created =
        db.run("CREATE (a:Actor $p)-[e:R $r]->(b $none) RETURN a.name, a.aliases, e.w, keys(b)").unwrap();
    assert_eq!(
        created[0].rows,
        [[text("APT31"), Value::List(vec![text("Zirconium")]), Value::Float(0.5), Value::List(vec![])]]
    );
    assert_eq!(created[0].stats.properties_set, 3);
    for q in [
        "MATCH (n $p) RETURN n",
        "MATCH ()-[r $r]->() RETURN r",
        "MERGE (n $p)",
        "MATCH (n) WHERE (n)-[$r]->() RETURN n",
    ] {
        assert_eq!(error(&mut db, q).kind, ErrorKind::SemanticError, "{q}");
    }
    db.set_param("x", int(1));
    assert_eq!(error(&mut db, "CREATE (n $x)").kind, ErrorKind::TypeError);
    assert_eq!(one(&mut db, "MATCH (n) RETURN count(n)"), int(2), "the failed CREATE left nothing");
}

#[test]
fn per_element_expressions_cannot_aggregate_and_arithmetic_cannot_be_deleted() {
    let mut db = people();
    for q in [
        "RETURN [x IN [1, 2] | count(*)]",
        "MATCH (n) RETURN [x IN [1] WHERE count(n) > 0]",
        "RETURN any(x IN [1] WHERE sum(x) > 0)",
        "RETURN reduce(t = 0, x IN [1, 2] | t + count(*))",
        "MATCH (n) DELETE 1 + 1",
        "MATCH (n) DELETE -n.age",
    ] {
        assert_eq!(error(&mut db, q).kind, ErrorKind::SemanticError, "{q}");
    }
    // Aggregating the list itself is what a comprehension over rows looks like.
    assert_eq!(one(&mut db, "MATCH (p:Person) RETURN size([a IN collect(p.age) WHERE a > 26])"), int(1));
    // `SET (n).key`: the variable in brackets.
    db.run("MATCH (n:Org) SET (n).audited = true").unwrap();
    assert_eq!(one(&mut db, "MATCH (n:Org) RETURN n.audited"), Value::Bool(true));
}

#[test]
fn an_aggregating_expression_uses_only_simple_grouping_keys() {
    let mut db = people();
    // A variable or a property that is a grouping key may stand beside the aggregate, in RETURN and
    // in ORDER BY; a computed key may not, even when it is returned (it would be ambiguous).
    assert_eq!(
        rows(&mut db, "MATCH (p:Person) RETURN p.age, p.age + count(*) AS n ORDER BY p.age + count(*) DESC"),
        // Descending, null (largest) first.
        [[Value::Null, Value::Null], [int(30), int(31)], [int(25), int(26)]]
    );
    for q in [
        "MATCH (p:Person) RETURN p.age + 1, p.age + 1 + count(*)",
        "MATCH (p:Person) WITH p.age + 1 AS a, p.age + 1 + count(*) AS b RETURN a, b",
        "MATCH (p:Person) RETURN p.age + 1 AS a, count(*) AS c ORDER BY p.age + 1 + count(*)",
    ] {
        assert_eq!(error(&mut db, q).kind, ErrorKind::SemanticError, "{q}");
    }
}

#[test]
fn where_after_with_reads_a_projected_expression_written_again() {
    let mut db = people();
    let q = "MATCH (a:Person) WITH DISTINCT a.name AS name WHERE a.name = 'Bob' RETURN name";
    assert_eq!(rows(&mut db, q), [[text("Bob")]]);
    // Not what draws anew: rand() written again is another draw, never the projected one.
    let drawn = "UNWIND range(1, 200) AS i WITH rand() AS r WHERE r = rand() RETURN count(*)";
    assert_eq!(one(&mut db, drawn), int(0));
    assert_eq!(
        error(&mut db, "MATCH (a) WITH a.name AS n WHERE 'yes' RETURN n").kind,
        ErrorKind::SemanticError
    );
}

/// `EXPLAIN` of a statement with parameters failed with ParameterMissing, where Neo4j shows the
/// plan: the parameters are needed to run, and EXPLAIN runs nothing.
#[test]
fn explain_shows_the_plan_of_a_statement_without_its_parameters() {
    let mut db = people();
    let plan = rows(&mut db, "EXPLAIN MATCH (p:Person {name: $who}) RETURN p LIMIT $n");
    assert!(plan.iter().any(|r| format!("{r:?}").contains("$who")), "{plan:?}");
    assert_eq!(error(&mut db, "MATCH (p:Person {name: $who}) RETURN p").kind, ErrorKind::ParameterMissing);
    assert_eq!(
        error(&mut db, "PROFILE MATCH (p:Person {name: $who}) RETURN p").kind,
        ErrorKind::ParameterMissing
    );
}
