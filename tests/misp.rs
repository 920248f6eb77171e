//! Issue 14, item 25: a MISP galaxy was refused as "not a STIX bundle". It imports as one node per
//! value with its meta, `related` links typed and tagged with their likelihood, and `same-as` links to
//! STIX intrusion sets of the same name or alias, whichever of the two is loaded first.

use std::path::{Path, PathBuf};

use kgraph::{Session, Value};

/// A galaxy of three actors (one related to another and to a value not in it), and a STIX bundle whose
/// intrusion sets share names and aliases with them; the command-line test reads the same files.
const GALAXY: &str = include_str!("data/misp/threat-actor.json");
const BUNDLE: &str = include_str!("data/misp/bundle.json");

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("written");
    path
}

fn rows(s: &mut Session, q: &str) -> Vec<Vec<Value>> {
    s.run(q).unwrap_or_else(|e| panic!("{q}: {e}")).remove(0).rows
}

fn text(v: &str) -> Value {
    Value::from(v)
}

#[test]
fn a_misp_galaxy_imports_values_meta_and_related_links() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let galaxy = write(dir.path(), "threat-actor.json", GALAXY);
    let mut s = Session::new();
    let report = s.load_file(&galaxy).expect("a galaxy loads");
    assert_eq!(report.misp_values, Some(3));
    assert_eq!((report.nodes, report.relationships), (3, 1));
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(report.problems[0].contains("99999999-9999-4999-8999-999999999999"), "{:?}", report.problems);

    let found = rows(
        &mut s,
        "MATCH (a:ThreatActor {name: 'APT31'}) RETURN a.uuid, a.country, a.synonyms, a.refs, \
         a.description, a.`attribution-confidence`, a.`cfr-target-category`, a.galaxy",
    );
    assert_eq!(
        found,
        [vec![
            text("6bf7e6b6-5917-45a6-9567-f0baba79768c"),
            text("CN"),
            Value::List(vec![text("ZIRCONIUM"), text("JUDGMENT PANDA")]),
            Value::List(vec![text("https://example.org/a")]),
            text("Chinese espionage"),
            text("50"),
            Value::List(vec![text("Government"), text("Private sector")]),
            text("Threat Actor"),
        ]]
    );
    let related =
        rows(&mut s, "MATCH (:ThreatActor {name: 'APT31'})-[r]->(b) RETURN type(r), r.likelihood, b.name");
    assert_eq!(related, [vec![text("similar"), text("likely"), text("APT40")]]);
}

#[test]
fn misp_actors_and_stix_intrusion_sets_of_one_name_are_the_same_whichever_loads_first() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let galaxy = write(dir.path(), "threat-actor.json", GALAXY);
    let bundle = write(dir.path(), "bundle.json", BUNDLE);
    let links =
        "MATCH (a:ThreatActor)-[s:`same-as`]->(i:IntrusionSet) RETURN a.name, i.name, s.name ORDER BY a.name";
    let expected = vec![
        vec![text("APT31"), text("ZIRCONIUM"), text("APT31")],
        vec![text("APT40"), text("Leviathan"), text("apt40")],
    ];
    for order in [[&galaxy, &bundle], [&bundle, &galaxy]] {
        let mut s = Session::new();
        s.load_file(order[0]).expect("loads");
        let second = s.load_file(order[1]).expect("loads");
        assert_eq!(second.same_as, 2, "{order:?}");
        assert_eq!(rows(&mut s, links), expected, "{order:?}");
        // Loading one of them again joins nothing twice.
        s.load_file(&bundle).expect("loads");
        let count =
            rows(&mut s, "MATCH (a {name: 'APT31'})-[s:`same-as`]->(i {name: 'ZIRCONIUM'}) RETURN count(s)");
        assert_eq!(count, [vec![Value::Int(2)]], "one link to each of the two ZIRCONIUM nodes");
    }
}

#[test]
fn a_galaxy_value_without_value_or_uuid_is_a_problem_and_the_rest_loads() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let broken = write(dir.path(), "broken.json", r#"{"name": "x", "values": [{"value": 1}]}"#);
    let mut s = Session::new();
    let report = s.load_file(&broken).expect("a galaxy with a bad value loads the rest");
    assert_eq!(report.nodes, 0);
    assert!(report.problems[0].contains("without \"value\" or \"uuid\""), "{:?}", report.problems);
}

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/");

#[test]
#[ignore = "reads ../shared/data (the MISP galaxy and an ATT&CK extract), which the README's test command must not need: cargo test -- --ignored runs it (CI does)"]
fn the_shared_misp_galaxy_imports_and_joins_attack() {
    let galaxy = Path::new(SHARED).join("misp-galaxy-threat-actor.json");
    let attack = Path::new(SHARED).join("attack-g0128-apt31-subgraph.json");
    assert!(galaxy.exists() && attack.exists(), "these tests need ../shared beside the repository");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&galaxy).expect("reads")).expect("JSON");
    let values = json["values"].as_array().expect("values").len();

    let mut s = Session::new();
    let report = s.load_file(&galaxy).expect("the galaxy loads");
    assert_eq!(report.misp_values, Some(values));
    assert_eq!(report.nodes, values);
    let apt31 = rows(&mut s, "MATCH (a:ThreatActor {name: 'APT31'}) RETURN a.uuid, a.country");
    assert_eq!(apt31, [vec![text("6bf7e6b6-5917-45a6-9567-f0baba79768c"), text("CN")]]);
    s.load_file(&attack).expect("the ATT&CK extract loads");
    let joined =
        rows(&mut s, "MATCH (:ThreatActor {name: 'APT31'})-[:`same-as`]->(i:IntrusionSet) RETURN i.name");
    assert_eq!(joined, [vec![text("ZIRCONIUM")]]);
}

#[test]
fn a_galaxys_since_year_becomes_a_date_that_compares_with_dates() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let galaxy = r#"{"name": "Threat Actor", "type": "threat-actor", "uuid": "7cdff317-a673-4474-84ec-4f1754947823",
      "values": [
        {"value": "Old", "uuid": "11111111-1111-4111-8111-111111111112", "meta": {"since": "2014"}},
        {"value": "New", "uuid": "11111111-1111-4111-8111-111111111113", "meta": {"since": "2023"}},
        {"value": "Vague", "uuid": "11111111-1111-4111-8111-111111111114", "meta": {"since": "early 2010s"}}
      ]}"#;
    let path = write(dir.path(), "galaxy.json", galaxy);
    let mut s = Session::new();
    s.load_file(&path).expect("a galaxy loads");
    let before = rows(
        &mut s,
        "MATCH (a:ThreatActor) WHERE a.since < date('2022-01-01') RETURN a.name, toString(a.since)",
    );
    assert_eq!(before, [vec![text("Old"), text("2014-01-01")]]);
    // Text that is not a year stays text.
    let vague = rows(&mut s, "MATCH (a:ThreatActor {name: 'Vague'}) RETURN a.since");
    assert_eq!(vague, [vec![text("early 2010s")]]);
}
