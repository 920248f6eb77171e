//! Issue 14, item 21: what Neo4j users type by habit, and slips of the keyboard, get an answer that
//! helps — "not supported yet" with what works, notifications for names the graph does not have,
//! and "did you mean" — instead of a generic syntax error or a silent empty result.

use kgraph::{NotificationKind, Session};

fn seed() -> Session {
    let mut db = Session::new();
    db.run(include_str!("../graphs/czech-apt31.cypher")).expect("the seed graph builds");
    db
}

fn message(db: &mut Session, q: &str) -> String {
    match db.run(q) {
        Ok(out) => panic!("{q} should fail, returned {out:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn neo4j_habits_are_told_not_supported_yet_with_what_works() {
    let mut db = seed();
    for (q, points_to) in [
        ("UNWIND [1, 2] AS x CALL { CREATE (:A) } IN TRANSACTIONS OF 1 ROW", "one statement per part"),
        ("CREATE TEXT INDEX actor_name FOR (n:ThreatActor) ON (n.name)", "range index"),
        ("MATCH ()-[r:!`attributed-to`]->() RETURN r", "type(r)"),
        ("MATCH ()-[r:%]->() RETURN r", "[r:A|B]"),
    ] {
        let said = message(&mut db, q);
        assert!(said.contains("not supported yet"), "{q}: {said}");
        assert!(said.contains(points_to), "{q} points to {points_to}: {said}");
        assert!(said.contains("line 1, column"), "{q}: {said}");
    }
    // What is supported still runs: a relationship type alternative, and a `|` inside a string.
    db.run("MATCH ()-[r:`attributed-to`|`linked-to`]->() RETURN count(r)").expect("type alternatives run");
    db.run("RETURN [x IN [1, 2] | x * 2] AS doubled, 'a|b' AS s").expect("comprehensions run");
    db.run("RETURN reduce(total = 0, x IN [1, 2, 3] | total + x) AS six").expect("reduce runs");
    db.run("MATCH (n:ThreatActor|Campaign) RETURN n").expect("label expressions run");
    db.run("CALL db.labels()").expect("procedures run");
    db.run("SHOW INDEXES").expect("SHOW runs");
}

#[test]
fn names_the_graph_does_not_have_are_notified_with_the_nearest_that_it_has() {
    let mut db = seed();
    let out = db.run("MATCH (a:ThreatActr)-[:attributed_to]-(c) WHERE c.nmae = 'x' RETURN a").expect("runs");
    let notes = &out[0].notifications;
    let kinds: Vec<NotificationKind> = notes.iter().map(|n| n.kind).collect();
    assert_eq!(
        kinds,
        [
            NotificationKind::UnknownLabel,
            NotificationKind::UnknownRelationshipType,
            NotificationKind::UnknownPropertyKey
        ],
        "{notes:?}"
    );
    assert!(notes[0].message.contains("`ThreatActr` does not exist"), "{}", notes[0].message);
    assert!(notes[0].message.contains("did you mean `ThreatActor`?"), "{}", notes[0].message);
    assert!(notes[1].message.contains("did you mean `attributed-to`?"), "{}", notes[1].message);
    assert!(notes[2].message.contains("did you mean `name`?"), "{}", notes[2].message);
    let shown = notes[0].to_string();
    assert!(shown.starts_with("warning: ") && shown.contains("line 1, column 7"), "{shown}");

    // Names that exist, and names the statement itself writes, are not notified.
    let quiet = [
        "MATCH (a:ThreatActor)-[:`attributed-to`]-(c) WHERE c.name <> 'x' RETURN a",
        "CREATE (n:Fresh {k: 1}) WITH n MATCH (m:Fresh) WHERE m.k = 1 RETURN m",
        "MATCH (a:ThreatActor) SET a.reviewed = true RETURN a.reviewed",
        "WITH {nmae: 1} AS m RETURN m.nmae",
    ];
    for q in quiet {
        let out = db.run(q).expect("runs");
        assert!(out[0].notifications.is_empty(), "{q}: {:?}", out[0].notifications);
    }
    // A name with nothing near it is notified without a guess.
    let out = db.run("MATCH (m:Malware) RETURN m").expect("runs");
    assert_eq!(out[0].notifications.len(), 1);
    assert!(!out[0].notifications[0].message.contains("did you mean"), "{:?}", out[0].notifications);
}

#[test]
fn misspelt_functions_and_keywords_get_a_did_you_mean() {
    let mut db = seed();
    let said = message(&mut db, "MATCH (n) RETURN toLowr(n.name)");
    assert!(said.contains("unknown function `toLowr`; did you mean `toLower`?"), "{said}");
    let said = message(&mut db, "MATCH (n) RETURN coutn(n)");
    assert!(said.contains("did you mean `count`?"), "{said}");
    let said = message(&mut db, "MATHC (n) RETURN n");
    assert!(said.contains("(did you mean MATCH?)"), "{said}");
    let said = message(&mut db, "MATCH (n) RETRUN n");
    assert!(said.contains("(did you mean RETURN?)"), "{said}");
    let said = message(&mut db, "MATCH (n) RETURN frobnicate(n)");
    assert!(!said.contains("did you mean"), "no guess for a stranger: {said}");
}
