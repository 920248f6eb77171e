//! Property indexes: a lookup through an index finds what a scan finds, whatever writes came after
//! the index was made; indexes survive snapshots and database restarts; version-1 snapshots (before
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
