//! Property indexes: a lookup through an index, by value, by range or by prefix, finds what a scan
//! finds, whatever writes came after the index was made; indexes survive snapshots and database restarts; version-1 snapshots (before
//! indexes) still load.

use std::path::Path;

use kgraph::db::Directory;
use kgraph::{Session, Value};
use proptest::prelude::*;

fn rows(s: &mut Session, q: &str) -> Vec<Vec<Value>> {
    s.run(q).unwrap_or_else(|e| panic!("{q}: {e}")).remove(0).rows
}

fn write() -> impl Strategy<Value = String> {
    prop_oneof![
        (0i64..6, 0i64..4).prop_map(|(i, v)| format!("MATCH (n {{i: {i}}}) SET n.k = {v}")),
        (0i64..6).prop_map(|i| format!("MATCH (n {{i: {i}}}) SET n.k = 'x'")),
        (0i64..6).prop_map(|i| format!("MATCH (n {{i: {i}}}) SET n.k = 2.0")),
        (0i64..6).prop_map(|i| format!("MATCH (n {{i: {i}}}) REMOVE n.k")),
        (0i64..6).prop_map(|i| format!("MATCH (n {{i: {i}}}) SET n:L")),
        (0i64..6).prop_map(|i| format!("MATCH (n {{i: {i}}}) REMOVE n:L")),
        (0i64..6).prop_map(|i| format!("MATCH (n {{i: {i}}}) DETACH DELETE n")),
        (0i64..6, 0i64..4).prop_map(|(i, v)| format!("CREATE (:L {{i: {i}, k: {v}}})")),
        (0i64..6).prop_map(|i| format!("MATCH (n {{i: {i}}}) SET n = {{i: {i}, k: [1, 2]}}")),
        Just("MATCH (n:L) WITH n LIMIT 1 SET n.k = 1, n.k = 3".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn index_lookups_find_what_scans_find(writes in prop::collection::vec(write(), 0..12)) {
        let setup = "UNWIND range(0, 5) AS i CREATE (n:L {i: i, k: i % 3})";
        let (mut indexed, mut scanned) = (Session::new(), Session::new());
        indexed.run(setup).unwrap();
        scanned.run(setup).unwrap();
        indexed.run("CREATE INDEX FOR (n:L) ON (n.k)").unwrap();
        for w in &writes {
            let (a, b) = (indexed.run(w).is_ok(), scanned.run(w).is_ok());
            prop_assert_eq!(a, b, "{}", w);
        }
        for q in [
            "MATCH (n:L {k: 1}) RETURN n.i ORDER BY n.i",
            "MATCH (n:L) WHERE n.k = 2 RETURN n.i ORDER BY n.i",
            "MATCH (n:L) WHERE 'x' = n.k RETURN n.i ORDER BY n.i",
            "MATCH (n:L {k: [1, 2]}) RETURN n.i ORDER BY n.i",
            "UNWIND [0, 1, 2, 3, 1.0, null] AS v MATCH (n:L {k: v}) RETURN v, count(n) ORDER BY v",
        ] {
            let plan = rows(&mut indexed, &format!("EXPLAIN {q}"));
            prop_assert!(format!("{plan:?}").contains("NodeIndexSeek"), "{}", q);
            prop_assert_eq!(rows(&mut indexed, q), rows(&mut scanned, q), "{}", q);
        }
    }
}

/// Values of every type `<` compares, and some it does not, written as Cypher literals.
fn literal() -> impl Strategy<Value = String> {
    prop_oneof![
        (-3i64..4).prop_map(|i| i.to_string()),
        (-3i64..4).prop_map(|i| format!("{}.5", i)),
        Just("0.0 / 0.0".to_string()),
        Just("-0.0".to_string()),
        prop::sample::select(vec!["''", "'a'", "'ab'", "'abc'", "'b'", "'B'", "'é'"]).prop_map(String::from),
        Just("true".to_string()),
        Just("false".to_string()),
        (1i64..4).prop_map(|m| format!("date('2025-0{m}-01')")),
        (0i64..3).prop_map(|h| format!("datetime('2025-05-28T1{h}:00+0{h}:00')")),
        Just("localtime('10:00')".to_string()),
        Just("duration('P1D')".to_string()),
        (0i64..3).prop_map(|i| format!("[{i}, 'x']")),
        Just("{a: 1}".to_string()),
        Just("null".to_string()),
    ]
}

fn comparison() -> impl Strategy<Value = String> {
    let op = prop::sample::select(vec!["<", "<=", ">", ">="]);
    prop_oneof![
        (op.clone(), literal()).prop_map(|(op, v)| format!("n.k {op} {v}")),
        (op, literal()).prop_map(|(op, v)| format!("{v} {op} n.k")),
        literal().prop_map(|v| format!("n.k STARTS WITH {v}")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Ranges of every type, one-sided and two-sided, empty and inverted, with ends of the wrong
    /// type, NaN or null: what the index proposes, the WHERE clause then tests, and the rows are
    /// those of a scan.
    #[test]
    fn range_lookups_find_what_scans_find(
        values in prop::collection::vec(literal(), 1..24),
        conditions in prop::collection::vec((comparison(), prop::option::of(comparison())), 1..6),
    ) {
        let (mut indexed, mut scanned) = (Session::new(), Session::new());
        indexed.run("CREATE INDEX FOR (n:L) ON (n.k)").unwrap();
        for (i, v) in values.iter().enumerate() {
            let create = format!("CREATE (:L {{i: {i}, k: {v}}})");
            prop_assert_eq!(indexed.run(&create).is_ok(), scanned.run(&create).is_ok(), "{}", create);
        }
        for (first, second) in &conditions {
            let condition = match second {
                Some(s) => format!("{first} AND {s}"),
                None => first.clone(),
            };
            let q = format!("MATCH (n:L) WHERE {condition} RETURN n.i ORDER BY n.i");
            let plan = rows(&mut indexed, &format!("EXPLAIN {q}"));
            prop_assert!(format!("{plan:?}").contains("NodeIndexSeekByRange"), "{}", q);
            let (a, b) = (indexed.run(&q), scanned.run(&q));
            match (a, b) {
                (Ok(a), Ok(b)) => prop_assert_eq!(&a[0].rows, &b[0].rows, "{}", q),
                (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string(), "{}", q),
                (a, b) => prop_assert!(false, "{q}: indexed {a:?}, scanned {b:?}"),
            }
        }
    }
}

#[test]
fn range_lookups_are_shown_in_explain_and_serve_the_seed_question() {
    let mut s = Session::new();
    s.run("CREATE INDEX FOR (c:Claim) ON (c.date)").unwrap();
    s.run(
        "UNWIND range(1, 12) AS m CREATE (:Claim {n: m, date: date({year: 2024, month: m, day: 15})}), \
         (:Claim {n: 100 + m, date: toString(m)})",
    )
    .unwrap();
    let q = "MATCH (c:Claim) WHERE c.date >= date('2024-06-01') AND c.date < date('2024-09-01') RETURN c.n ORDER BY c.n";
    let plan = format!("{:?}", rows(&mut s, &format!("EXPLAIN {q}")));
    assert!(plan.contains("NodeIndexSeekByRange (c:Claim)"), "{plan}");
    assert!(!plan.contains("NodeByLabelScan"), "{plan}");
    assert_eq!(rows(&mut s, q), [6, 7, 8].map(|m| vec![Value::Int(m)]));
    let prefix = "MATCH (c:Claim) WHERE c.date STARTS WITH '1' RETURN c.n ORDER BY c.n";
    assert!(format!("{:?}", rows(&mut s, &format!("EXPLAIN {prefix}"))).contains("NodeIndexSeekByRange"));
    assert_eq!(rows(&mut s, prefix), [101, 110, 111, 112].map(|m| vec![Value::Int(m)]));
}

#[test]
fn indexes_survive_snapshots_and_database_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Session::new();
    s.run("CREATE (:Actor {name: 'APT31'}), (:Actor {name: 'APT28'})").unwrap();
    let out = s.run("CREATE INDEX FOR (a:Actor) ON (a.name)").unwrap();
    assert_eq!(out[0].stats.indexes_added, 1);
    assert_eq!(s.run("CREATE INDEX FOR (a:Actor) ON (a.name)").unwrap()[0].stats.indexes_added, 0);
    let path = dir.path().join("g.kgs");
    s.save(&path).unwrap();
    let mut back = Session::new();
    back.load_file(&path).unwrap();
    assert_eq!(back.graph().index_names(), vec![("Actor".to_string(), "name".to_string())]);
    let plan = rows(&mut back, "EXPLAIN MATCH (a:Actor {name: 'APT31'}) RETURN a");
    assert!(format!("{plan:?}").contains("NodeIndexSeek"));

    let db_dir = dir.path().join("db");
    {
        let (mut db, _) = Directory::open(&db_dir).unwrap();
        db.run("CREATE (:Actor {name: 'APT31'}); CREATE INDEX FOR (a:Actor) ON (a.name)").unwrap();
    }
    {
        let (mut db, _) = Directory::open(&db_dir).unwrap();
        assert!(db.session().graph().has_index("Actor", "name"), "replayed from the journal");
        db.checkpoint().unwrap();
    }
    let (mut db, _) = Directory::open(&db_dir).unwrap();
    assert!(db.session().graph().has_index("Actor", "name"), "kept by the checkpoint's snapshot");
    db.run("DROP INDEX FOR (a:Actor) ON (a.name)").unwrap();
    drop(db);
    let (db, _) = Directory::open(&db_dir).unwrap();
    assert!(!db.session().graph().has_index("Actor", "name"), "the drop was journalled");
}

#[test]
fn version_1_snapshots_still_load() {
    let v1 = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/seeds/snapshot/seed.kgs");
    let bytes = std::fs::read(&v1).unwrap();
    assert_eq!(u32::from_le_bytes(bytes[8..12].try_into().unwrap()), 1, "the seed is a version-1 snapshot");
    let mut s = Session::new();
    s.load_file(&v1).unwrap();
    assert_eq!(s.graph().node_count(), 17);
}

#[test]
fn explain_shows_an_index_command_without_running_it() {
    let mut s = Session::new();
    let out = s.run("EXPLAIN CREATE INDEX FOR (a:Actor) ON (a.name)").unwrap();
    assert_eq!(out[0].plan.as_deref(), Some("CREATE INDEX FOR (a:Actor) ON (a.name)\n"));
    assert!(!s.graph().has_index("Actor", "name"));
}

/// A version-2 snapshot (relationships as records), written by kgraph before version 3: the seed
/// story with an index and the relationship with id 2 deleted. It loads to the graph the same
/// statements build today, ids included, index kept, and a relationship created after the load
/// does not take an id the file's graph used.
#[test]
fn version_2_snapshots_still_load_to_the_same_graph() {
    let v2 = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/seeds/snapshot/seed-v2.kgs");
    let bytes = std::fs::read(&v2).unwrap();
    assert_eq!(u32::from_le_bytes(bytes[8..12].try_into().unwrap()), 2, "the seed is a version-2 snapshot");
    let mut loaded = Session::new();
    loaded.load_file(&v2).unwrap();
    let mut built = Session::new();
    // The seed as it was when the file was written, before it recorded its dates as dates.
    let seed_then = include_str!("../graphs/czech-apt31.cypher")
        .replace("date('2025-05-28')", "\"2025-05-28\"")
        .replace("date('2022')", "2022");
    built.run(&seed_then).unwrap();
    built.run("CREATE INDEX FOR (n:ThreatActor) ON (n.name)").unwrap();
    built.run("MATCH ()-[r]->() WITH r ORDER BY id(r) SKIP 2 LIMIT 1 DELETE r").unwrap();
    assert!(loaded.graph() == built.graph());
    assert!(loaded.graph().has_index("ThreatActor", "name"));
    let out = loaded.run("MATCH (a {name: 'APT31'}) CREATE (a)-[r:`linked-to`]->(a) RETURN id(r)").unwrap();
    assert_eq!(out[0].rows[0][0], kgraph::Value::Int(30), "one past the highest id in the file");
}

/// Writes to relationships of every kind, on a graph of nodes 0..6 and `R`/`S` relationships.
fn rel_write() -> impl Strategy<Value = String> {
    prop_oneof![
        (0i64..6, 0i64..6, literal()).prop_map(|(a, b, v)| format!(
            "MATCH (a {{i: {a}}}), (b {{i: {b}}}) CREATE (a)-[:R {{k: {v}}}]->(b)"
        )),
        (0i64..6, 0i64..6)
            .prop_map(|(a, b)| format!("MATCH (a {{i: {a}}}), (b {{i: {b}}}) CREATE (a)-[:S {{k: 1}}]->(b)")),
        (0i64..6, literal()).prop_map(|(a, v)| format!("MATCH ({{i: {a}}})-[r:R]->() SET r.k = {v}")),
        (0i64..6).prop_map(|a| format!("MATCH ({{i: {a}}})-[r]->() REMOVE r.k")),
        (0i64..6).prop_map(|a| format!("MATCH ({{i: {a}}})-[r:R]->() WITH r LIMIT 1 DELETE r")),
        (0i64..6).prop_map(|a| format!("MATCH (n {{i: {a}}}) DETACH DELETE n")),
        (0i64..6).prop_map(|a| format!("MATCH ({{i: {a}}})-[r:R]->() SET r = {{k: 2}}")),
        Just("MATCH ()-[r:R]->() WITH r LIMIT 1 SET r.k = 1, r.k = 3".to_string()),
        // A statement that fails after writing: its writes are undone, the index with them.
        Just("MATCH ()-[r:R]->() SET r.k = 9 WITH r RETURN 1 / 0".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A relationship index finds, by value, range and prefix, from either end of a directed
    /// pattern, what expanding from every node finds, whatever writes came after it was made.
    #[test]
    fn relationship_index_lookups_find_what_expansions_find(
        writes in prop::collection::vec(rel_write(), 0..16),
        conditions in prop::collection::vec(comparison(), 1..4),
        value in literal(),
    ) {
        let setup = "UNWIND range(0, 5) AS i CREATE (n:N {i: i})";
        let (mut indexed, mut scanned) = (Session::new(), Session::new());
        indexed.run(setup).unwrap();
        scanned.run(setup).unwrap();
        indexed.run("CREATE INDEX FOR ()-[r:R]-() ON (r.k)").unwrap();
        for w in &writes {
            let (a, b) = (indexed.run(w).is_ok(), scanned.run(w).is_ok());
            prop_assert_eq!(a, b, "{}", w);
        }
        let mut queries = vec![
            format!("MATCH (a)-[r:R {{k: {value}}}]->(b) RETURN a.i, b.i, r.k ORDER BY a.i, b.i"),
            format!("MATCH (b)<-[r:R]-(a) WHERE r.k = {value} RETURN a.i, b.i ORDER BY a.i, b.i"),
            "MATCH (a)-[r:R]->(a) WHERE r.k >= 0 RETURN a.i ORDER BY a.i".to_string(),
        ];
        for c in &conditions {
            let c = c.replace("n.k", "r.k");
            queries.push(format!("MATCH (a)-[r:R]->(b)-[s]->(c) WHERE {c} RETURN a.i, b.i, c.i ORDER BY a.i, b.i, c.i"));
            queries.push(format!("MATCH (a:N)<-[r:R]-(b) WHERE {c} RETURN a.i, b.i, r.k ORDER BY a.i, b.i"));
        }
        for q in &queries {
            let plan = rows(&mut indexed, &format!("EXPLAIN {q}"));
            prop_assert!(format!("{plan:?}").contains("RelIndexSeek"), "{}", q);
            match (indexed.run(q), scanned.run(q)) {
                (Ok(a), Ok(b)) => prop_assert_eq!(&a[0].rows, &b[0].rows, "{}", q),
                (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string(), "{}", q),
                (a, b) => prop_assert!(false, "{q}: indexed {a:?}, scanned {b:?}"),
            }
        }
    }
}

#[test]
fn relationship_indexes_survive_snapshots_journals_and_bulk_loads() {
    let dir = tempfile::tempdir().unwrap();
    let claims = "CREATE (c:Campaign)-[:`attributed-to` {date: date('2025-05-28')}]->(:Actor {name: 'APT31'}), \
                  (c)-[:`attributed-to` {date: date('2021-07-19')}]->(:Actor {name: 'APT40'})";
    let since = "MATCH (c)-[r:`attributed-to`]->(a) WHERE r.date >= date('2024-01-01') RETURN a.name";
    let mut s = Session::new();
    s.run("CREATE INDEX FOR ()-[r:`attributed-to`]-() ON (r.date)").unwrap();
    // Created before the relationships it indexes arrive, then loaded into.
    s.run(claims).unwrap();
    assert_eq!(rows(&mut s, since), [[Value::from("APT31")]]);
    let path = dir.path().join("g.kgs");
    s.save(&path).unwrap();
    let mut back = Session::new();
    back.load_file(&path).unwrap();
    assert_eq!(back.graph().rel_index_names(), vec![("attributed-to".to_string(), "date".to_string())]);
    assert!(back.graph().index_names().is_empty(), "not taken for a node index");
    assert!(format!("{:?}", rows(&mut back, &format!("EXPLAIN {since}"))).contains("RelIndexSeekByRange"));
    assert_eq!(rows(&mut back, since), [[Value::from("APT31")]]);
    // Into a graph that has the index and no relationships yet, the snapshot's come in bulk.
    let mut into = Session::new();
    into.run("CREATE INDEX FOR ()-[r:`attributed-to`]-() ON (r.date)").unwrap();
    into.load_file(&path).unwrap();
    assert_eq!(rows(&mut into, since), [[Value::from("APT31")]]);

    let db_dir = dir.path().join("db");
    {
        let (mut db, _) = Directory::open(&db_dir).unwrap();
        db.run(&format!("{claims}; CREATE INDEX FOR ()-[r:`attributed-to`]->() ON (r.date)")).unwrap();
    }
    {
        let (mut db, _) = Directory::open(&db_dir).unwrap();
        assert!(db.session().graph().has_rel_index("attributed-to", "date"), "replayed from the journal");
        assert_eq!(db.run(since).unwrap().remove(0).rows, [[Value::from("APT31")]]);
        db.checkpoint().unwrap();
    }
    let (mut db, _) = Directory::open(&db_dir).unwrap();
    assert!(db.session().graph().has_rel_index("attributed-to", "date"), "kept by the checkpoint's snapshot");
    db.run("DROP INDEX FOR ()<-[r:`attributed-to`]-() ON (r.date)").unwrap();
    drop(db);
    let (db, _) = Directory::open(&db_dir).unwrap();
    assert!(!db.session().graph().has_rel_index("attributed-to", "date"), "the drop was journalled");
}

/// Issue 18: `CREATE INDEX actor_name FOR …` was a syntax error. Named indexes: created, refused
/// when the name or the index is taken (unless IF NOT EXISTS), listed by name, dropped by name
/// (the given one or the one made), and kept by snapshots, journals, checkpoints and merges.
#[test]
fn named_indexes_are_created_listed_dropped_and_kept() {
    let kind = |s: &mut Session, q: &str| s.run(q).expect_err(q).as_query().map(|e| e.kind);
    let names = |s: &mut Session| -> Vec<Value> {
        rows(s, "SHOW INDEXES YIELD name").into_iter().map(|mut r| r.remove(0)).collect()
    };
    let mut s = Session::new();
    s.run("CREATE (:Actor {name: 'APT31'})").unwrap();
    let out = s.run("CREATE INDEX actor_name IF NOT EXISTS FOR (a:Actor) ON (a.name)").unwrap();
    assert_eq!(out[0].stats.indexes_added, 1);
    let again = s.run("CREATE INDEX actor_name IF NOT EXISTS FOR (a:Actor) ON (a.name)").unwrap();
    assert_eq!(again[0].stats.indexes_added, 0);
    assert_eq!(
        kind(&mut s, "CREATE INDEX actor_name FOR (c:Campaign) ON (c.name)"),
        Some(kgraph::ErrorKind::SchemaError)
    );
    assert_eq!(
        kind(&mut s, "CREATE INDEX other FOR (a:Actor) ON (a.name)"),
        Some(kgraph::ErrorKind::SchemaError)
    );
    s.run("CREATE INDEX FOR ()-[r:`attributed-to`]-() ON (r.source)").unwrap();
    assert_eq!(names(&mut s), vec![Value::from("actor_name"), Value::from("index_rel_attributed-to_source")]);
    let plan = rows(&mut s, "EXPLAIN MATCH (a:Actor {name: 'APT31'}) RETURN a");
    assert!(format!("{plan:?}").contains("NodeIndexSeek"), "a named index serves lookups");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.kgs");
    s.save(&path).unwrap();
    let mut back = Session::new();
    back.load_file(&path).unwrap();
    assert_eq!(names(&mut back), names(&mut s), "kept by a snapshot");
    let mut merged = Session::new();
    merged.run("CREATE (:Other)").unwrap();
    merged.load_file(&path).unwrap();
    assert_eq!(names(&mut merged), names(&mut s), "kept by a merge into a graph with entities");

    let db_dir = dir.path().join("db");
    {
        let (mut db, _) = Directory::open(&db_dir).unwrap();
        db.run("CREATE INDEX actor_name FOR (a:Actor) ON (a.name); CREATE INDEX claim_source FOR ()-[r:T]-() ON (r.source)")
            .unwrap();
    }
    let listed = |db: &mut Directory| -> Vec<Value> {
        let out = db.run("SHOW INDEXES YIELD name").unwrap();
        out.into_iter().next().unwrap().rows.into_iter().map(|mut r| r.remove(0)).collect()
    };
    {
        let (mut db, _) = Directory::open(&db_dir).unwrap();
        assert_eq!(listed(&mut db), vec![Value::from("actor_name"), Value::from("claim_source")], "replayed");
        db.checkpoint().unwrap();
    }
    {
        let (mut db, _) = Directory::open(&db_dir).unwrap();
        assert_eq!(
            listed(&mut db),
            vec![Value::from("actor_name"), Value::from("claim_source")],
            "checkpointed"
        );
        db.run("DROP INDEX actor_name").unwrap();
        assert!(db.run("DROP INDEX actor_name").is_err(), "gone");
        db.run("DROP INDEX actor_name IF EXISTS").unwrap();
    }
    let (mut db, _) = Directory::open(&db_dir).unwrap();
    assert_eq!(listed(&mut db), vec![Value::from("claim_source")], "the drop by name was journalled");
    // Dropped by what it is on, the name goes with the index.
    db.run("DROP INDEX FOR ()-[r:T]-() ON (r.source)").unwrap();
    db.run("CREATE INDEX FOR ()-[r:T]-() ON (r.source)").unwrap();
    assert_eq!(listed(&mut db), vec![Value::from("index_rel_T_source")]);
    db.run("DROP INDEX index_rel_T_source").unwrap();
    assert!(listed(&mut db).is_empty(), "dropped by the name made for it");
}
