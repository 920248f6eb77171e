//! The seed story answers the questions it was built for.

use std::path::Path;

use kgraph::{Session, Value};

fn seed() -> Session {
    let mut s = Session::new();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("graphs/czech-apt31.cypher");
    let report = s.load_file(&path).expect("the seed graph loads");
    assert!(report.nodes == 17 && report.relationships == 30, "{report:?}");
    s
}

fn strings(s: &mut Session, query: &str) -> Vec<String> {
    let out = s.run(query).unwrap_or_else(|e| panic!("{query}: {e}"));
    out[0]
        .rows
        .iter()
        .map(|r| match &r[0] {
            Value::String(s) => s.clone(),
            other => panic!("expected a string, got {other:?}"),
        })
        .collect()
}

#[test]
fn to_whom_is_the_campaign_attributed() {
    let mut s = seed();
    let names = strings(
        &mut s,
        "MATCH (:Campaign {name: 'Foreign Ministry espionage campaign'})-[:`attributed-to`]->(a) RETURN a.name",
    );
    assert_eq!(names, ["APT31"]);
    // And unquoted, with the hyphen in the type.
    let names = strings(
        &mut s,
        "MATCH (c:Campaign)-[r:attributed-to]->(a:ThreatActor) WHERE r.date = date('2025-05-28') RETURN a.name",
    );
    assert_eq!(names, ["APT31"]);
}

#[test]
fn who_condemned_it() {
    let mut s = seed();
    let names = strings(&mut s, "MATCH (:Campaign)-[:`condemned-by`]->(x) RETURN x.name AS who ORDER BY who");
    assert_eq!(names, ["Czech Government", "European Union", "Jan Lipavský", "NATO"]);
}

#[test]
fn who_investigated_it() {
    let mut s = seed();
    let names = strings(
        &mut s,
        "MATCH (c:Campaign)-[:`investigated-by`]->(o:Organization) RETURN o.abbreviation ORDER BY o.abbreviation",
    );
    assert_eq!(names, ["BIS", "NÚKIB", "VZ", "ÚZSI"]);
}

#[test]
fn the_actor_leads_to_a_state_in_two_hops() {
    let mut s = seed();
    let names = strings(
        &mut s,
        "MATCH (a:ThreatActor {name: 'APT31'})-[:`linked-to`]->(o)-[:`part-of`]->(c:Country) RETURN c.name",
    );
    assert_eq!(names, ["China"]);
    let aliases = s.run("MATCH (a:ThreatActor) RETURN a.aliases").unwrap();
    assert_eq!(
        aliases[0].rows[0][0],
        Value::List(vec!["ZIRCONIUM".into(), "Violet Typhoon".into(), "Judgment Panda".into()])
    );
}

#[test]
fn every_claim_has_a_source() {
    let mut s = seed();
    let out = s.run("MATCH ()-[r]->() WHERE r.source IS NULL RETURN count(*)").unwrap();
    assert_eq!(out[0].rows, [[Value::Int(0)]]);
    let out =
        s.run("MATCH ()-[r]->() RETURN r.source AS source, count(*) AS claims ORDER BY source").unwrap();
    let sources: Vec<&Value> = out[0].rows.iter().map(|r| &r[0]).collect();
    assert_eq!(sources, [&Value::from("background"), &Value::from("czech-apt31-article")]);
}

#[test]
fn required_names_and_labels_exist() {
    let mut s = seed();
    for (label, name) in [
        ("Country", "Czech Republic"),
        ("Country", "China"),
        ("ThreatActor", "APT31"),
        ("Campaign", "Foreign Ministry espionage campaign"),
        ("Organization", "Ministry of State Security"),
        ("Organization", "Czech Ministry of Foreign Affairs"),
        ("Organization", "Czech Government"),
        ("Organization", "Security Information Service"),
        ("Organization", "Military Intelligence"),
        ("Organization", "Office for Foreign Relations and Information"),
        ("Organization", "National Cyber and Information Security Agency"),
        ("Organization", "European Union"),
        ("Organization", "NATO"),
        ("Organization", "Critical infrastructure institution"),
        ("Person", "Jan Lipavský"),
        ("Person", "Chinese Ambassador to Prague"),
        ("Infrastructure", "Unclassified communication network"),
    ] {
        s.set_param("name", name.into());
        let q = format!("MATCH (n:{label} {{name: $name}}) RETURN count(*)");
        let out = s.run(&q).unwrap();
        assert_eq!(out[0].rows, [[Value::Int(1)]], "{label} {name}");
    }
}
