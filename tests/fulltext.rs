//! Full-text indexes through the public API: created, queried with Lucene's syntax and BM25
//! scores, kept current by every write (and by the undoing of a failed statement or a rolled back
//! transaction), listed, dropped, and kept by journals and snapshots; and, by property test, an
//! index kept current by any sequence of writes answers as one built afresh on the graph they left.

use kgraph::graph::{FulltextDef, Graph, NodeId};
use kgraph::{Database, Value};
use proptest::prelude::*;

fn names(db: &Database, index: &str, query: &str) -> Vec<String> {
    let q = "CALL db.index.fulltext.queryNodes($index, $query) YIELD node, score RETURN node.name AS name";
    let rows = db
        .execute(q, kgraph::params! { "index" => index, "query" => query })
        .unwrap_or_else(|e| panic!("{query}: {e}"));
    rows.iter().map(|r| r.get::<String>("name").unwrap()).collect()
}

fn documents() -> Database {
    let db = Database::in_memory();
    db.execute(
        "CREATE (:Technique {name: 'Phishing', description: 'Adversaries send phishing messages to harvest credentials.'}),
                (:Technique {name: 'Credential Dumping', description: 'Adversaries dump credentials from memory.'}),
                (:Malware {name: 'Mimikatz', description: 'A credential harvesting tool.'}),
                (:Actor {name: 'APT31', description: 'Phishing and credential harvesting.'})",
        (),
    )
    .unwrap();
    db.execute("CREATE FULLTEXT INDEX text FOR (n:Technique|Malware) ON EACH [n.name, n.description]", ())
        .unwrap();
    db
}

#[test]
fn a_query_finds_the_entities_of_the_indexed_labels_best_first() {
    let db = documents();
    assert_eq!(names(&db, "text", "phishing"), ["Phishing"], "the Actor is not of an indexed label");
    let found = names(&db, "text", "credential*");
    assert_eq!(found.len(), 3);
    assert_eq!(names(&db, "text", "\"credential harvesting\""), ["Mimikatz"]);
    assert_eq!(names(&db, "text", "credentials AND NOT phishing"), ["Credential Dumping"]);
    assert_eq!(names(&db, "text", "name:mimikatz"), ["Mimikatz"]);
    assert_eq!(names(&db, "text", "mimikats~1"), ["Mimikatz"]);
    // A term in both fields of one entity scores above a term in one.
    assert_eq!(names(&db, "text", "phishing credentials")[0], "Phishing");
    let scores = db
        .execute("CALL db.index.fulltext.queryNodes('text', 'credential~') YIELD score RETURN score", ())
        .unwrap();
    let scores: Vec<f64> = scores.iter().map(|r| r.get::<f64>("score").unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]) && scores.iter().all(|s| *s > 0.0), "{scores:?}");
    let limited = db
        .execute("CALL db.index.fulltext.queryNodes('text', 'credential*', {skip: 1, limit: 1}) YIELD node RETURN node", ())
        .unwrap();
    assert_eq!(limited.len(), 1);
}

#[test]
fn every_write_keeps_the_index_current_and_failed_writes_leave_no_trace() {
    let db = documents();
    db.execute("CREATE (:Malware {name: 'Zebrocy', description: 'A downloader.'})", ()).unwrap();
    assert_eq!(names(&db, "text", "downloader"), ["Zebrocy"]);
    db.execute("MATCH (m {name: 'Zebrocy'}) SET m.description = 'A backdoor.'", ()).unwrap();
    assert!(names(&db, "text", "downloader").is_empty());
    assert_eq!(names(&db, "text", "backdoor"), ["Zebrocy"]);
    db.execute("MATCH (m {name: 'Zebrocy'}) REMOVE m:Malware", ()).unwrap();
    assert!(names(&db, "text", "backdoor").is_empty(), "no longer of an indexed label");
    db.execute("MATCH (m {name: 'Zebrocy'}) SET m:Technique", ()).unwrap();
    assert_eq!(names(&db, "text", "backdoor"), ["Zebrocy"]);
    db.execute("MATCH (m {name: 'Zebrocy'}) SET m.description = ['a dropper', 42, 'a loader']", ()).unwrap();
    assert_eq!(names(&db, "text", "dropper AND loader"), ["Zebrocy"], "the strings of a list are text");
    assert!(names(&db, "text", "\"dropper a\"").is_empty(), "a phrase does not run across a list's strings");
    db.execute("MATCH (m {name: 'Zebrocy'}) DETACH DELETE m", ()).unwrap();
    assert!(names(&db, "text", "dropper").is_empty());

    let failed =
        db.execute("CREATE (:Malware {name: 'Ghost', description: 'rat'}) WITH 1 AS one RETURN 1 / 0", ());
    assert!(failed.is_err());
    assert!(names(&db, "text", "rat").is_empty(), "a failed statement is undone in the index too");
    let mut tx = db.transaction().unwrap();
    tx.execute("MATCH (t:Technique {name: 'Phishing'}) SET t.description = 'rat'", ()).unwrap();
    tx.rollback();
    assert!(names(&db, "text", "rat").is_empty());
    assert_eq!(names(&db, "text", "phishing"), ["Phishing"], "a rolled back transaction is undone too");
}

#[test]
fn relationships_have_full_text_indexes_of_their_own() {
    let db = Database::in_memory();
    db.execute(
        "CREATE (a:Actor {name: 'APT31'})-[:`attributed-to` {source: 'Czech government statement'}]->(:Campaign {name: 'c'}),
                (a)-[:`linked-to` {source: 'press report'}]->(:Org {name: 'MSS'})",
        (),
    )
    .unwrap();
    db.execute(
        "CREATE FULLTEXT INDEX sources FOR ()-[r:`attributed-to`|`linked-to`]-() ON EACH [r.source]",
        (),
    )
    .unwrap();
    let q = "CALL db.index.fulltext.queryRelationships('sources', 'statement OR report') YIELD relationship, score RETURN type(relationship) AS t";
    let rows = db.execute(q, ()).unwrap();
    let mut types: Vec<String> = rows.iter().map(|r| r.get::<String>("t").unwrap()).collect();
    types.sort();
    assert_eq!(types, ["attributed-to", "linked-to"]);
    let wrong =
        db.execute("CALL db.index.fulltext.queryNodes('sources', 'report') YIELD node RETURN node", ());
    assert!(
        wrong.unwrap_err().to_string().contains("relationships"),
        "a relationship index is not queried for nodes"
    );
}

#[test]
fn full_text_indexes_are_listed_named_and_dropped_as_other_indexes() {
    let db = documents();
    let rows = db.execute("SHOW INDEXES YIELD name, type, labelsOrTypes, properties", ()).unwrap();
    let row = rows.first().unwrap();
    assert_eq!(row.get::<String>("type").unwrap(), "FULLTEXT");
    assert_eq!(row.get::<Vec<String>>("labelsOrTypes").unwrap(), ["Technique", "Malware"]);
    assert_eq!(row.get::<Vec<String>>("properties").unwrap(), ["name", "description"]);
    let again = "CREATE FULLTEXT INDEX text FOR (n:Other) ON EACH [n.name]";
    assert!(db.execute(again, ()).unwrap_err().to_string().contains("already"));
    db.execute("CREATE FULLTEXT INDEX text IF NOT EXISTS FOR (n:Other) ON EACH [n.name]", ()).unwrap();
    assert!(db.execute("CREATE INDEX text FOR (n:Other) ON (n.name)", ()).is_err(), "one space of names");
    let bad = db.execute("CALL db.index.fulltext.queryNodes('text', 'a AND') YIELD node RETURN node", ());
    assert!(bad.unwrap_err().to_string().contains("at character 5"));
    db.execute("DROP INDEX text", ()).unwrap();
    let gone = db.execute("CALL db.index.fulltext.queryNodes('text', 'a') YIELD node RETURN node", ());
    assert!(gone.unwrap_err().to_string().contains("no full-text index called `text`"));
    db.execute("DROP INDEX text IF EXISTS", ()).unwrap();
}

#[test]
fn full_text_indexes_survive_the_journal_a_checkpoint_and_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Database::open(dir.path()).unwrap();
        db.execute("CREATE (:Technique {name: 'Phishing', description: 'spearphishing links'})", ()).unwrap();
        db.execute("CREATE FULLTEXT INDEX text FOR (n:Technique) ON EACH [n.description]", ()).unwrap();
        db.execute("CREATE (:Technique {name: 'Dumping', description: 'credential dumping'})", ()).unwrap();
    }
    let db = Database::open(dir.path()).unwrap();
    assert_eq!(names(&db, "text", "dumping OR links").len(), 2, "replayed from the journal");
    db.execute("CHECKPOINT", ()).unwrap();
    drop(db);
    let db = Database::open(dir.path()).unwrap();
    assert_eq!(names(&db, "text", "credential"), ["Dumping"], "read back from the checkpoint's snapshot");
    let snapshot = dir.path().join("copy.kg");
    db.save(&snapshot).unwrap();
    let copy = Database::in_memory();
    copy.load(&snapshot).unwrap();
    assert_eq!(names(&copy, "text", "spearphishing"), ["Phishing"], "loaded from a saved snapshot");
}

#[derive(Debug, Clone)]
enum Op {
    Create(bool, usize),
    Set(usize, usize),
    Label(usize, bool),
    Delete(usize),
}

const TEXTS: [&str; 4] =
    ["credential harvesting", "spear phishing links", "phishing", "dumped credential stores"];

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        (any::<bool>(), 0..TEXTS.len()).prop_map(|(l, t)| Op::Create(l, t)),
        (0usize..20, 0..TEXTS.len()).prop_map(|(n, t)| Op::Set(n, t)),
        (0usize..20, any::<bool>()).prop_map(|(n, on)| Op::Label(n, on)),
        (0usize..20).prop_map(Op::Delete),
    ];
    prop::collection::vec(op, 1..40)
}

proptest! {
    #[test]
    fn an_index_kept_current_answers_as_one_built_afresh(ops in ops(), query in prop::sample::select(vec![
        "phishing", "credential*", "\"spear phishing\"", "credentials~1 -links", "+phishing +links",
    ])) {
        let mut g = Graph::new();
        let (doc, text) = (g.intern("Doc"), g.intern("text"));
        g.create_fulltext_index("live", FulltextDef { relationship: false, on: vec![doc], keys: vec![text] });
        let mut nodes: Vec<NodeId> = Vec::new();
        for op in ops {
            match op {
                Op::Create(labelled, t) => {
                    let labels: &[&str] = if labelled { &["Doc"] } else { &[] };
                    nodes.push(g.create_node(labels, [("text", Value::from(TEXTS[t]))]));
                }
                Op::Set(n, t) if !nodes.is_empty() => {
                    let value = if t == 0 { Value::Null } else { Value::from(TEXTS[t]) };
                    g.set_node_property(nodes[n % nodes.len()], text, value).unwrap();
                }
                Op::Label(n, on) if !nodes.is_empty() => {
                    let n = nodes[n % nodes.len()];
                    if on { g.add_label(n, doc).unwrap(); } else { g.remove_label(n, doc).unwrap(); }
                }
                Op::Delete(n) if !nodes.is_empty() => {
                    let n = nodes.remove(n % nodes.len());
                    g.detach_remove_node(n).unwrap();
                }
                _ => {}
            }
        }
        g.create_fulltext_index("fresh", FulltextDef { relationship: false, on: vec![doc], keys: vec![text] });
        let live = g.fulltext_query("live", false, query).unwrap();
        let fresh = g.fulltext_query("fresh", false, query).unwrap();
        prop_assert_eq!(live, fresh);
    }
}
