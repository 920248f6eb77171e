//! Constraints through the public API: each kind refuses the statements that would break it,
//! whichever clause writes (CREATE, MERGE, SET, REMOVE, labels), and the whole statement is undone;
//! a constraint the graph breaks cannot be created; constraints are listed, dropped with the index
//! they own, and kept by journals, checkpoints and snapshots; a load that would break one is refused.

use kgraph::{Database, ErrorKind};

fn error_kind(db: &Database, q: &str) -> ErrorKind {
    let e = db.execute(q, ()).expect_err(q);
    e.as_query().unwrap_or_else(|| panic!("{q}: {e}")).kind
}

fn count(db: &Database, q: &str) -> i64 {
    db.execute(q, ()).unwrap().first().unwrap().get::<i64>("n").unwrap()
}

fn failed(db: &Database, q: &str) -> String {
    let e = db.execute(q, ()).expect_err(q);
    assert_eq!(e.as_query().map(|q| q.kind), Some(ErrorKind::ConstraintValidationFailed), "{q}: {e}");
    e.to_string()
}

#[test]
fn a_uniqueness_constraint_refuses_every_write_that_would_duplicate_a_value() {
    let db = Database::in_memory();
    db.execute("CREATE (:Actor {name: 'APT31'}), (:Actor {name: 'APT40'}), (:Other {name: 'APT31'})", ())
        .unwrap();
    db.execute("CREATE CONSTRAINT actor_name FOR (a:Actor) REQUIRE a.name IS UNIQUE", ()).unwrap();
    let said = failed(&db, "CREATE (:Actor {name: 'APT31'})");
    assert!(
        said.contains("actor_name") && said.contains("APT31"),
        "names the constraint and the value: {said}"
    );
    failed(&db, "MATCH (a:Actor {name: 'APT40'}) SET a.name = 'APT31'");
    failed(&db, "MATCH (o:Other) SET o:Actor");
    failed(&db, "CREATE (:Actor {name: 'x'}) WITH 1 AS one CREATE (:Actor {name: 'x'})");
    assert_eq!(count(&db, "MATCH (a:Actor) RETURN count(a) AS n"), 2, "every refused statement was undone");
    assert_eq!(count(&db, "MATCH (a {name: 'x'}) RETURN count(a) AS n"), 0);
    // MERGE finds the one there; 1 and 1.0 are one value; nodes without the key are not compared.
    db.execute("MERGE (:Actor {name: 'APT31'})", ()).unwrap();
    db.execute("CREATE (:Actor), (:Actor), (:Actor {name: 1})", ()).unwrap();
    failed(&db, "CREATE (:Actor {name: 1.0})");
    // A statement may pass through a duplicate as long as it ends without one.
    db.execute("MATCH (a:Actor {name: 'APT40'}) SET a.name = 'APT31' SET a.name = 'APT41'", ()).unwrap();
}

#[test]
fn not_null_key_and_type_constraints_hold_when_each_statement_ends() {
    let db = Database::in_memory();
    db.execute("CREATE CONSTRAINT FOR (t:Technique) REQUIRE t.id IS NOT NULL", ()).unwrap();
    db.execute("CREATE CONSTRAINT tech_key FOR (t:Technique) REQUIRE (t.id, t.version) IS NODE KEY", ())
        .unwrap();
    db.execute("CREATE CONSTRAINT score_type FOR (t:Technique) REQUIRE t.score IS :: INTEGER | FLOAT", ())
        .unwrap();
    let said = failed(&db, "CREATE (:Technique {version: 1})");
    assert!(said.contains("must have the property `id`"), "{said}");
    db.execute("CREATE (t:Technique) SET t.id = 'T1566', t.version = 1", ()).unwrap();
    failed(&db, "CREATE (:Technique {id: 'T1566', version: 1})");
    db.execute("CREATE (:Technique {id: 'T1566', version: 2, score: 0.5})", ()).unwrap();
    failed(&db, "MATCH (t:Technique {version: 2}) REMOVE t.version");
    let said = failed(&db, "MATCH (t:Technique {version: 2}) SET t.score = 'high'");
    assert!(said.contains("INTEGER | FLOAT") && said.contains("score_type"), "{said}");
    db.execute("MATCH (t:Technique {version: 2}) SET t.score = 3", ()).unwrap();
    db.execute("CREATE CONSTRAINT tags FOR (t:Tagged) REQUIRE t.tags IS :: LIST<STRING NOT NULL>", ())
        .unwrap();
    db.execute("CREATE (:Tagged {tags: ['a', 'b']})", ()).unwrap();
    failed(&db, "CREATE (:Tagged {tags: ['a', 1]})");
    // A transaction's statements are each checked as they end.
    let mut tx = db.transaction().unwrap();
    assert!(tx.execute("CREATE (:Technique)", ()).is_err());
    tx.execute("CREATE (:Technique {id: 'T1003', version: 1})", ()).unwrap();
    tx.commit().unwrap();
    assert_eq!(count(&db, "MATCH (t:Technique) RETURN count(t) AS n"), 3);
}

#[test]
fn relationship_constraints_hold_as_node_constraints_do() {
    let db = Database::in_memory();
    db.execute(
        "CREATE CONSTRAINT claim_source FOR ()-[r:`attributed-to`]-() REQUIRE r.source IS NOT NULL",
        (),
    )
    .unwrap();
    db.execute(
        "CREATE CONSTRAINT claim_id FOR ()-[r:`attributed-to`]-() REQUIRE r.id IS RELATIONSHIP UNIQUE",
        (),
    )
    .unwrap();
    failed(&db, "CREATE (:C)-[:`attributed-to`]->(:A)");
    db.execute("CREATE (:C)-[:`attributed-to` {source: 'article', id: 1}]->(:A)", ()).unwrap();
    failed(&db, "CREATE (:C)-[:`attributed-to` {source: 'article', id: 1}]->(:A)");
    failed(&db, "MATCH ()-[r:`attributed-to`]->() SET r.source = null");
    assert_eq!(
        error_kind(&db, "CREATE CONSTRAINT FOR ()-[r:R]-() REQUIRE r.k IS NODE KEY"),
        ErrorKind::SemanticError
    );
}

#[test]
fn a_constraint_the_graph_breaks_is_not_created_and_names_clash_with_indexes() {
    let db = Database::in_memory();
    db.execute("CREATE (:Actor {name: 'APT31'}), (:Actor {name: 'APT31'}), (:Actor)", ()).unwrap();
    failed(&db, "CREATE CONSTRAINT dup FOR (a:Actor) REQUIRE a.name IS UNIQUE");
    failed(&db, "CREATE CONSTRAINT FOR (a:Actor) REQUIRE a.name IS NOT NULL");
    let listed = db.execute("SHOW CONSTRAINTS", ()).unwrap();
    assert_eq!(listed.len(), 0);
    assert_eq!(db.execute("SHOW INDEXES", ()).unwrap().len(), 0, "the index it made went with it");
    db.execute("MATCH (a:Actor) WHERE a.name IS NULL DELETE a", ()).unwrap();
    db.execute("CREATE CONSTRAINT named FOR (a:Actor) REQUIRE a.name IS NOT NULL", ()).unwrap();
    db.execute("CREATE CONSTRAINT named IF NOT EXISTS FOR (a:Actor) REQUIRE a.name IS NOT NULL", ()).unwrap();
    assert_eq!(
        error_kind(&db, "CREATE CONSTRAINT named FOR (a:X) REQUIRE a.k IS UNIQUE"),
        ErrorKind::SchemaError
    );
    assert_eq!(error_kind(&db, "CREATE INDEX named FOR (a:X) ON (a.k)"), ErrorKind::SchemaError);
    assert_eq!(error_kind(&db, "DROP CONSTRAINT nothing"), ErrorKind::SchemaError);
    db.execute("DROP CONSTRAINT nothing IF EXISTS", ()).unwrap();
}

#[test]
fn a_constraint_owns_its_index_which_goes_with_it() {
    let db = Database::in_memory();
    db.execute("CREATE CONSTRAINT actor_name FOR (a:Actor) REQUIRE a.name IS UNIQUE", ()).unwrap();
    let rows = db.execute("SHOW INDEXES", ()).unwrap();
    let row = rows.first().unwrap();
    assert_eq!(row.get::<String>("name").unwrap(), "actor_name");
    assert_eq!(row.get::<String>("owningConstraint").unwrap(), "actor_name");
    let rows = db.execute("SHOW CONSTRAINTS", ()).unwrap();
    let row = rows.first().unwrap();
    assert_eq!(row.get::<String>("type").unwrap(), "UNIQUENESS");
    assert_eq!(row.get::<String>("ownedIndex").unwrap(), "actor_name");
    assert_eq!(error_kind(&db, "DROP INDEX actor_name"), ErrorKind::SchemaError);
    db.execute("CREATE (:Actor {name: 'APT31'})", ()).unwrap();
    let rows = db.execute("CALL db.schema.visualization() YIELD nodes RETURN nodes", ()).unwrap();
    let nodes: Vec<kgraph::VirtualNode> = rows.first().unwrap().get("nodes").unwrap();
    assert_eq!(nodes[0].property("constraints"), &kgraph::Value::List(vec!["actor_name".into()]));
    db.execute("MATCH (a:Actor) DELETE a", ()).unwrap();
    db.execute("DROP CONSTRAINT actor_name", ()).unwrap();
    assert_eq!(db.execute("SHOW INDEXES", ()).unwrap().len(), 0);
    // An index there before the constraint stays after it.
    db.execute("CREATE INDEX mine FOR (a:Actor) ON (a.name)", ()).unwrap();
    db.execute("CREATE CONSTRAINT again FOR (a:Actor) REQUIRE a.name IS UNIQUE", ()).unwrap();
    db.execute("DROP CONSTRAINT again", ()).unwrap();
    assert_eq!(db.execute("SHOW INDEXES", ()).unwrap().len(), 1);
}

#[test]
fn constraints_survive_the_journal_a_checkpoint_and_a_snapshot_and_refuse_a_load_that_breaks_them() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Database::open(dir.path()).unwrap();
        db.execute("CREATE CONSTRAINT actor_name FOR (a:Actor) REQUIRE a.name IS UNIQUE", ()).unwrap();
        db.execute("CREATE (:Actor {name: 'APT31'})", ()).unwrap();
    }
    let db = Database::open(dir.path()).unwrap();
    failed(&db, "CREATE (:Actor {name: 'APT31'})");
    db.execute("CHECKPOINT", ()).unwrap();
    drop(db);
    let db = Database::open(dir.path()).unwrap();
    failed(&db, "CREATE (:Actor {name: 'APT31'})");
    let rows = db.execute("SHOW CONSTRAINTS", ()).unwrap();
    assert_eq!(rows.first().unwrap().get::<String>("ownedIndex").unwrap(), "actor_name");
    let snapshot = dir.path().join("copy.kg");
    db.save(&snapshot).unwrap();
    let copy = Database::in_memory();
    copy.load(&snapshot).unwrap();
    failed(&copy, "CREATE (:Actor {name: 'APT31'})");
    // Loading the snapshot again would put a second APT31 beside the first.
    let e = copy.load(&snapshot).expect_err("the merge breaks the constraint");
    assert_eq!(e.as_query().map(|q| q.kind), Some(ErrorKind::ConstraintValidationFailed), "{e}");
    assert_eq!(count(&copy, "MATCH (a:Actor) RETURN count(a) AS n"), 1, "the refused load changed nothing");
}

mod random_writes {
    use super::*;
    use proptest::prelude::*;

    fn statement() -> impl Strategy<Value = String> {
        let name = prop_oneof![
            Just("'a'".to_string()),
            Just("'b'".to_string()),
            Just("null".to_string()),
            Just("1".to_string())
        ];
        prop_oneof![
            name.clone().prop_map(|v| format!("CREATE (:Actor {{name: {v}, id: 1}})")),
            name.clone().prop_map(|v| format!("MATCH (a:Actor) WITH a LIMIT 1 SET a.name = {v}")),
            name.clone().prop_map(|v| format!("CREATE (:Other {{name: {v}}})")),
            Just("MATCH (o:Other) WITH o LIMIT 1 SET o:Actor".to_string()),
            Just("MATCH (a:Actor) WITH a LIMIT 1 REMOVE a.id".to_string()),
            Just("MATCH (a:Actor) WITH a LIMIT 1 DETACH DELETE a".to_string()),
            name.prop_map(|v| format!("MERGE (a:Actor {{name: {v}}}) ON CREATE SET a.id = 2")),
        ]
    }

    proptest! {
        /// Whatever is written, the graph never breaks a constraint, and a refused statement
        /// leaves it as it was.
        #[test]
        fn no_sequence_of_statements_leaves_a_constraint_broken(statements in prop::collection::vec(statement(), 1..25)) {
            let db = Database::in_memory();
            db.execute("CREATE CONSTRAINT FOR (a:Actor) REQUIRE a.name IS UNIQUE", ()).unwrap();
            db.execute("CREATE CONSTRAINT FOR (a:Actor) REQUIRE a.id IS NOT NULL", ()).unwrap();
            let shape = |db: &Database| db.read(|g| (g.node_count(), format!("{:?}", g.schema()))).unwrap();
            for q in statements {
                let before = shape(&db);
                match db.execute(&q, ()) {
                    Ok(_) => {}
                    Err(e) => {
                        // MERGE refuses a null key by itself, before any constraint.
                        let kind = e.as_query().map(|q| q.kind);
                        let expected = kind == Some(ErrorKind::ConstraintValidationFailed)
                            || (q.starts_with("MERGE") && q.contains("null") && kind == Some(ErrorKind::SemanticError));
                        prop_assert!(expected, "{}: {}", q, e);
                        prop_assert_eq!(shape(&db), before, "{} was refused and changed nothing", q);
                    }
                }
                prop_assert_eq!(db.read(|g| g.check_all_constraints()).unwrap(), Ok(()), "after {}", q);
            }
        }
    }
}
