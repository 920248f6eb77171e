use super::*;
use crate::{Value, params};

fn count(db: &Database, query: &str) -> i64 {
    db.execute(query, ()).unwrap().first().unwrap().get("n").unwrap()
}

#[test]
fn a_database_and_what_it_hands_out_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Database>();
    send_sync::<Rows>();
    send_sync::<Prepared<'_>>();
    send_sync::<Node>();
}

#[test]
fn parameters_are_given_with_each_call_and_a_missing_one_is_an_error() {
    let db = Database::in_memory();
    let rows = db.execute("RETURN $x * 2 AS y", params! { "x" => 21 }).unwrap();
    assert_eq!(rows.first().unwrap().get::<i64>("y").unwrap(), 42);
    let pairs: &[(&str, Value)] = &[("x", Value::from("a"))];
    assert_eq!(db.execute("RETURN $x AS y", pairs).unwrap().first().unwrap().get::<String>(0).unwrap(), "a");
    let err = db.execute("RETURN $x AS y", ()).unwrap_err();
    assert_eq!(err.as_query().map(|q| q.kind), Some(crate::ErrorKind::ParameterMissing), "{err}");
    assert!(err.to_string().contains("line 1, column 8"), "{err}");
}

#[test]
fn serialised_parameters_must_be_a_map() {
    let db = Database::in_memory();
    let err = db.execute("RETURN 1", Serialized(&[1, 2])).unwrap_err();
    assert!(err.to_string().contains("map of names to values"), "{err}");
    let map = serde_json::json!({ "name": "APT31", "n": 3, "tags": ["a", "b"] });
    let rows = db.execute("RETURN $name AS name, $n AS n, size($tags) AS t", Serialized(&map)).unwrap();
    let row = rows.first().unwrap();
    assert_eq!((row.get::<String>("name").unwrap(), row.get::<i64>("n").unwrap()), ("APT31".into(), 3));
    assert_eq!(row.get::<i64>("t").unwrap(), 2);
}

#[test]
fn execute_takes_one_statement() {
    let db = Database::in_memory();
    assert!(db.execute("RETURN 1;", ()).is_ok());
    assert!(matches!(db.execute("RETURN 1; RETURN 2", ()), Err(Error::NotOneStatement(_))));
    assert!(matches!(db.execute("  // nothing\n", ()), Err(Error::NotOneStatement(_))));
    assert_eq!(
        db.run_script("CREATE (:A); CREATE (:A); MATCH (a:A) RETURN count(a) AS n", "").unwrap().len(),
        3
    );
    assert_eq!(count(&db, "MATCH (a:A) RETURN count(a) AS n"), 2);
}

#[test]
fn typed_gets_say_what_is_wrong() {
    let db = Database::in_memory();
    let rows = db
        .execute(
            "RETURN 1 AS i, 2.5 AS f, 'x' AS s, null AS z, [1, 2] AS l, {a: 1} AS m, 300 AS big, true AS b",
            (),
        )
        .unwrap();
    let row = rows.first().unwrap();
    assert_eq!(row.get::<f64>("i").unwrap(), 1.0, "an integer reads as a float");
    assert!(matches!(row.get::<i64>("f"), Err(GetError::WrongType { expected: "Integer", .. })));
    assert_eq!(row.get::<Option<String>>("z").unwrap(), None);
    assert!(row.get::<String>("z").unwrap_err().to_string().contains("`z`: expected String, found Null"));
    assert_eq!(row.get::<Vec<i64>>("l").unwrap(), [1, 2]);
    assert_eq!(row.get::<std::collections::BTreeMap<String, i64>>("m").unwrap()["a"], 1);
    assert!(matches!(row.get::<u8>("big"), Err(GetError::OutOfRange { value: 300, .. })));
    assert!(row.get::<bool>("b").unwrap());
    assert!(matches!(row.get::<i64>("nope"), Err(GetError::NoSuchColumn { .. })));
    assert!(matches!(row.get::<i64>(8), Err(GetError::NoSuchColumn { .. })));
    assert_eq!(row.get::<serde_json::Value>("m").unwrap(), serde_json::json!({"a": 1}));
}

#[test]
fn nodes_relationships_and_paths_carry_what_they_were_and_outlive_the_graph() {
    let db = Database::in_memory();
    let rows = db
        .execute(
            "CREATE p = (a:ThreatActor:Group {name: 'APT31'})-[r:`linked-to` {since: 2010}]->(o:Organization {name: 'MSS'}) \
             RETURN a, r, p",
            (),
        )
        .unwrap();
    drop(db);
    let row = rows.first().unwrap();
    let a: Node = row.get("a").unwrap();
    assert_eq!(a.labels, ["ThreatActor", "Group"]);
    assert_eq!(a.get::<String>("name").unwrap(), "APT31");
    assert!(matches!(a.get::<String>("alias"), Err(GetError::Missing { .. })));
    let r: Relationship = row.get("r").unwrap();
    assert_eq!((r.rel_type.as_str(), r.start, r.get::<i64>("since").unwrap()), ("linked-to", a.id, 2010));
    let p: Path = row.get("p").unwrap();
    assert_eq!(p.nodes.len(), 2);
    assert_eq!(p.nodes[1].get::<String>("name").unwrap(), "MSS");
    assert_eq!(p.relationships[0], r);
    let json = row.to_json();
    assert_eq!(json["a"]["_labels"], serde_json::json!(["ThreatActor", "Group"]));
    assert_eq!(json["r"]["_type"], "linked-to");
    assert_eq!(json["r"]["_src"], serde_json::json!(a.id.0));
    assert_eq!(serde_json::to_value(&rows).unwrap()[0]["a"]["name"], "APT31");
}

#[test]
fn a_node_the_statement_deleted_is_not_resolved() {
    let db = Database::in_memory();
    db.execute("CREATE (:Gone)", ()).unwrap();
    let rows = db.execute("MATCH (n:Gone) DELETE n RETURN n", ()).unwrap();
    assert!(matches!(rows.first().unwrap().get::<Node>("n"), Err(GetError::Deleted { .. })));
}

#[test]
fn a_prepared_statement_is_planned_again_once_the_graph_changed() {
    let db = Database::in_memory();
    let q = db.prepare("MATCH (n:Late) RETURN count(n) AS n").unwrap();
    assert_eq!(q.execute(()).unwrap().first().unwrap().get::<i64>("n").unwrap(), 0);
    // The label did not exist when it was first planned.
    db.execute("CREATE (:Late), (:Late)", ()).unwrap();
    assert_eq!(q.execute(()).unwrap().first().unwrap().get::<i64>("n").unwrap(), 2);
    db.execute("CREATE INDEX FOR (n:Late) ON (n.k)", ()).unwrap();
    let write = db.prepare("CREATE (:Late {k: $k})").unwrap();
    write.execute(params! { "k" => 1 }).unwrap();
    assert_eq!(q.execute(()).unwrap().first().unwrap().get::<i64>("n").unwrap(), 3);
    assert!(db.prepare("RETURN 1; RETURN 2").is_err());
    let err = db.prepare("MATCH (n RETURN n").unwrap_err();
    assert!(err.to_string().contains("line 1"), "{err}");
}

#[test]
fn a_transaction_sees_its_own_writes_and_a_rollback_or_a_drop_leaves_nothing() {
    let db = Database::in_memory();
    db.execute("CREATE (:Keep {v: 1})", ()).unwrap();
    {
        let mut tx = db.transaction().unwrap();
        tx.execute("CREATE (:T)", ()).unwrap();
        tx.execute("MATCH (k:Keep) SET k.v = 2", ()).unwrap();
        tx.execute("MATCH (k:Keep) DETACH DELETE k", ()).unwrap();
        assert_eq!(
            tx.execute("MATCH (n) RETURN count(n) AS n", ()).unwrap().first().unwrap().get::<i64>(0).unwrap(),
            1
        );
    }
    assert_eq!(count(&db, "MATCH (k:Keep {v: 1}) RETURN count(k) AS n"), 1);
    assert_eq!(count(&db, "MATCH (n) RETURN count(n) AS n"), 1);
    let mut tx = db.transaction().unwrap();
    tx.execute("CREATE (:T)", ()).unwrap();
    assert!(tx.execute("RETURN 1/0 AS x", ()).is_err(), "a failing statement");
    tx.execute("CREATE (:T)", ()).unwrap();
    tx.commit().unwrap();
    assert_eq!(count(&db, "MATCH (t:T) RETURN count(t) AS n"), 2);
}
