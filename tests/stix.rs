//! MITRE ATT&CK Enterprise (a STIX 2.1 bundle, in `../shared/data/`) through the importer, checked
//! against counts and answers computed here from the JSON itself. The shared data is not part of the
//! repository, so these tests are ignored by `cargo test` and run by `cargo test -- --ignored` (as CI
//! does); run so, a missing bundle fails them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::Path;

use kgraph::{Session, Value};
use serde_json::Value as Json;

const ATTACK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/enterprise-attack-18.1.json.gz");

fn bundle() -> Vec<Json> {
    assert!(
        Path::new(ATTACK).exists(),
        "{ATTACK} is not there: these tests need ../shared beside the repository"
    );
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(ATTACK).unwrap()).read_to_end(&mut text).unwrap();
    let json: Json = serde_json::from_slice(&text).unwrap();
    json["objects"].as_array().unwrap().clone()
}

fn strings(s: &mut Session, q: &str) -> BTreeSet<String> {
    s.run(q)
        .unwrap()
        .remove(0)
        .rows
        .into_iter()
        .map(|r| match &r[0] {
            Value::String(x) => x.clone(),
            other => panic!("{q}: expected a string, got {other:?}"),
        })
        .collect()
}

fn external_id(o: &Json) -> Option<&str> {
    o["external_references"].as_array()?.iter().find_map(|r| r["external_id"].as_str())
}

#[test]
#[ignore = "reads ../shared/data (the ATT&CK bundle), which the README's test command must not need: cargo test -- --ignored runs it (CI does)"]
fn attack_loads_with_one_node_per_object_and_one_edge_per_reference() {
    let objects = bundle();
    let mut session = Session::new();
    let report = session.load_file(Path::new(ATTACK)).unwrap();
    assert_eq!(report.stix_objects, Some(objects.len()));

    let ids: BTreeSet<&str> =
        objects.iter().filter(|o| o["type"] != "relationship").filter_map(|o| o["id"].as_str()).collect();
    let mut labels: BTreeMap<String, usize> = BTreeMap::new();
    let mut types: BTreeMap<String, usize> = BTreeMap::new();
    for o in &objects {
        let ty = o["type"].as_str().unwrap();
        if ty == "relationship" {
            if ids.contains(o["source_ref"].as_str().unwrap())
                && ids.contains(o["target_ref"].as_str().unwrap())
            {
                *types.entry(o["relationship_type"].as_str().unwrap().to_string()).or_default() += 1;
            }
        } else {
            let label: String = ty.split('-').map(|p| p[..1].to_uppercase() + &p[1..]).collect();
            *labels.entry(label).or_default() += 1;
            if o["created_by_ref"].as_str().is_some_and(|c| ids.contains(c)) {
                *types.entry("created-by".to_string()).or_default() += 1;
            }
        }
    }
    let schema = session.graph().schema();
    assert_eq!(schema.labels, labels);
    assert_eq!(schema.edge_types, types);
}

#[test]
#[ignore = "reads ../shared/data (the ATT&CK bundle), which the README's test command must not need: cargo test -- --ignored runs it (CI does)"]
fn analysts_questions_get_the_answers_the_json_gives() {
    let objects = bundle();
    let mut session = Session::new();
    session.load_file(Path::new(ATTACK)).unwrap();
    let by_id: HashMap<&str, &Json> = objects.iter().filter_map(|o| Some((o["id"].as_str()?, o))).collect();
    let uses = |group_ext: &str| -> BTreeSet<String> {
        let group = objects
            .iter()
            .find(|o| o["type"] == "intrusion-set" && external_id(o) == Some(group_ext))
            .unwrap();
        objects
            .iter()
            .filter(|r| {
                r["type"] == "relationship"
                    && r["relationship_type"] == "uses"
                    && r["source_ref"] == group["id"]
            })
            .filter_map(|r| by_id.get(r["target_ref"].as_str()?))
            .filter(|t| t["type"] == "attack-pattern")
            .filter_map(|t| external_id(t).map(String::from))
            .collect()
    };

    // Which groups use phishing (T1566)?
    let phishing =
        objects.iter().find(|o| o["type"] == "attack-pattern" && external_id(o) == Some("T1566")).unwrap();
    let expected: BTreeSet<String> = objects
        .iter()
        .filter(|r| {
            r["type"] == "relationship"
                && r["relationship_type"] == "uses"
                && r["target_ref"] == phishing["id"]
        })
        .filter_map(|r| by_id.get(r["source_ref"].as_str()?))
        .filter(|g| g["type"] == "intrusion-set")
        .map(|g| g["name"].as_str().unwrap().to_string())
        .collect();
    assert!(!expected.is_empty());
    let got = strings(
        &mut session,
        "MATCH (g:IntrusionSet)-[:uses]->(:AttackPattern {external_id: 'T1566'}) RETURN g.name",
    );
    assert_eq!(got, expected);

    // Which techniques do APT31 (G0128) and APT28 (G0007) share?
    let shared: BTreeSet<String> = uses("G0128").intersection(&uses("G0007")).cloned().collect();
    assert!(!shared.is_empty());
    let got = strings(
        &mut session,
        "MATCH (a:IntrusionSet {external_id: 'G0128'})-[:uses]->(t:AttackPattern)<-[:uses]-(b:IntrusionSet {external_id: 'G0007'}) \
         RETURN DISTINCT t.external_id",
    );
    assert_eq!(got, shared);
    // And APT31 is found by its alias.
    let by_alias =
        strings(&mut session, "MATCH (g:IntrusionSet) WHERE 'APT31' IN g.aliases RETURN g.external_id");
    assert_eq!(by_alias, BTreeSet::from(["G0128".to_string()]));
}

#[test]
#[ignore = "reads ../shared/data (the ATT&CK bundle), which the README's test command must not need: cargo test -- --ignored runs it (CI does)"]
fn attack_written_as_stix_reads_back_to_an_equal_graph() {
    assert!(!bundle().is_empty());
    let mut session = Session::new();
    session.load_file(Path::new(ATTACK)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("attack.stix.json");
    let g = session.graph();
    kgraph::export::export(g, &kgraph::export::Selection::all(g), &out).unwrap();
    let mut back = Session::new();
    let report = back.load_file(&out).unwrap();
    assert!(report.problems.is_empty(), "{:?}", &report.problems[..report.problems.len().min(5)]);
    assert!(back.graph() == g, "ATT&CK written as STIX and read back differs");
}
