use super::*;
use crate::Session;

const BUNDLE: &str = r#"{"type": "bundle", "id": "bundle--1", "objects": [
  {"type": "identity", "id": "identity--m", "name": "The MITRE Corporation"},
  {"type": "intrusion-set", "id": "intrusion-set--z", "name": "ZIRCONIUM", "aliases": ["APT31", "Violet Typhoon"],
   "created_by_ref": "identity--m", "revoked": false, "x_mitre_version": "2.0",
   "external_references": [{"source_name": "x", "url": "u"}, {"source_name": "mitre-attack", "external_id": "G0128"}]},
  {"type": "attack-pattern", "id": "attack-pattern--p", "name": "Phishing",
   "external_references": [{"source_name": "mitre-attack", "external_id": "T1566"}],
   "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "initial-access"}]},
  {"type": "x-mitre-tactic", "id": "x-mitre-tactic--t", "name": "Initial Access", "created_by_ref": "identity--gone"},
  {"type": "relationship", "id": "relationship--1", "relationship_type": "uses",
   "source_ref": "intrusion-set--z", "target_ref": "attack-pattern--p", "description": "spearphishing", "confidence": 80},
  {"type": "relationship", "id": "relationship--2", "relationship_type": "uses",
   "source_ref": "intrusion-set--z", "target_ref": "malware--absent"}
]}"#;

#[test]
fn objects_become_nodes_relationships_edges_and_absent_references_are_reported() {
    let (g, report) = import(BUNDLE.as_bytes()).unwrap();
    assert_eq!((report.objects, report.nodes, report.relationships), (6, 4, 2));
    assert_eq!(
        report.problems,
        vec![
            "relationship--2: target_ref malware--absent is not in the bundle".to_string(),
            "x-mitre-tactic--t: created_by_ref identity--gone is not in the bundle".to_string(),
        ]
    );
    let mut s = Session::with_graph(g);
    let rows = s
        .run("MATCH (g:IntrusionSet)-[u:uses]->(t:AttackPattern {external_id: 'T1566'}) RETURN g.name, g.aliases, g.external_id, g.stix_id, g.revoked, u.confidence, u.description, t.kill_chain_phases")
        .unwrap();
    assert_eq!(
        rows[0].rows,
        vec![vec![
            Value::from("ZIRCONIUM"),
            Value::List(vec![Value::from("APT31"), Value::from("Violet Typhoon")]),
            Value::from("G0128"),
            Value::from("intrusion-set--z"),
            Value::Bool(false),
            Value::Int(80),
            Value::from("spearphishing"),
            Value::Null,
        ]]
    );
    let creator = s.run("MATCH (:IntrusionSet)-[:`created-by`]->(i:Identity) RETURN i.name").unwrap();
    assert_eq!(creator[0].rows, vec![vec![Value::from("The MITRE Corporation")]]);
    let tactic = s.run("MATCH (t:XMitreTactic) RETURN t.name").unwrap();
    assert_eq!(tactic[0].rows, vec![vec![Value::from("Initial Access")]]);
}

#[test]
fn gzip_is_detected_by_content() {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(BUNDLE.as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    assert!(looks_like_stix(&bytes));
    assert_eq!(import(&bytes).unwrap().1.nodes, 4);
}

/// Issue 14, item 12: a small gzip file that expands without end cost gigabytes of memory and
/// ended as "out of memory" rather than "too large".
#[test]
fn a_gzip_bomb_stops_at_the_limit_with_a_clear_error() {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(b"{\"type\": \"bundle\", \"objects\": [], \"padding\": \"").unwrap();
    gz.write_all(&vec![b' '; 8 << 20]).unwrap();
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 64 << 10, "{} bytes", bomb.len());
    let err = import_within(&bomb, 1 << 20, &mut Silent).unwrap_err();
    assert!(matches!(err, StixError::TooLarge { limit } if limit == 1 << 20), "{err}");
    assert!(err.to_string().contains("larger than 1 MiB"), "{err}");
}

/// Issue 14, item 16: a bundle with a UTF-8 byte-order mark, or its objects as a top-level JSON
/// array, was taken for a Cypher script and reported as a syntax error.
#[test]
fn a_byte_order_mark_and_a_bare_array_of_objects_are_read() {
    let with_bom = [b"\xEF\xBB\xBF".as_slice(), BUNDLE.as_bytes()].concat();
    assert!(looks_like_stix(&with_bom));
    assert_eq!(import(&with_bom).unwrap().1.nodes, 4);
    let objects = &BUNDLE[BUNDLE.find('[').unwrap()..BUNDLE.rfind(']').unwrap() + 1];
    assert!(looks_like_stix(objects.as_bytes()));
    let (_, report) = import(objects.as_bytes()).unwrap();
    assert_eq!((report.nodes, report.relationships), (4, 2), "one `uses`, one `created-by`");
}

/// Issue 14, item 16: a relationship id given twice was kept twice, without a word (nodes warned).
#[test]
fn a_relationship_given_twice_is_reported_and_kept_once() {
    let twice = BUNDLE.replace(
        r#""target_ref": "malware--absent"}"#,
        r#""target_ref": "malware--absent"},
  {"type": "relationship", "id": "relationship--1", "relationship_type": "uses",
   "source_ref": "intrusion-set--z", "target_ref": "attack-pattern--p"}"#,
    );
    let (_, report) = import(twice.as_bytes()).unwrap();
    assert_eq!(report.relationships, 2, "one `uses` and one `created-by`");
    assert!(
        report.problems.iter().any(|p| p == "relationship--1: appears twice; the second was skipped"),
        "{:?}",
        report.problems
    );
}

#[test]
fn labels_are_pascal_case() {
    assert_eq!(label_for("intrusion-set"), "IntrusionSet");
    assert_eq!(label_for("attack-pattern"), "AttackPattern");
    assert_eq!(label_for("x-mitre-tactic"), "XMitreTactic");
    assert_eq!(label_for("identity"), "Identity");
}

#[test]
fn what_is_not_a_bundle_is_refused() {
    assert!(matches!(import(b"{\"type\": \"indicator\"}"), Err(StixError::NotABundle(_))));
    assert!(matches!(import(b"{\"type\": \"bundle\"}"), Err(StixError::NotABundle(_))));
    assert!(matches!(import(b"{ not json"), Err(StixError::Json(_))));
    assert!(matches!(import(&[0x1f, 0x8b, 0, 1, 2]), Err(StixError::Gzip(_))));
    assert!(!looks_like_stix(b"MATCH (n) RETURN n"));
}

fn written(g: &Graph) -> String {
    let mut out = Vec::new();
    crate::export::write(g, &crate::export::Selection::all(g), crate::export::ExportFormat::Stix, &mut out)
        .unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn a_written_bundle_reads_back_to_an_equal_graph() {
    // STIX 2.1 objects carry their spec_version (a written object without one is given "2.1").
    let bundle = BUNDLE.replace(r#""type": ""#, r#""spec_version": "2.1", "type": ""#);
    let (g, _) = import(bundle.as_bytes()).unwrap();
    let text = written(&g);
    let (back, report) = import(text.as_bytes()).unwrap();
    assert!(report.problems.is_empty(), "{:?}\n{text}", report.problems);
    assert!(back == g, "the graph read back differs:\n{text}");
    let bundle: Json = serde_json::from_str(&text).unwrap();
    let set = bundle["objects"].as_array().unwrap().iter().find(|o| o["id"] == "intrusion-set--z").unwrap();
    assert_eq!(set["created_by_ref"], "identity--m", "created-by edges become created_by_ref again");
    assert_eq!(set["external_references"][0]["external_id"], "G0128");
    assert_eq!(set["external_references"][0]["source_name"], "mitre-attack");
    assert_eq!(set["aliases"][1], "Violet Typhoon");
    assert!(set.get("stix_id").is_none() && set.get("external_id").is_none());
}

#[test]
fn a_graph_not_from_stix_gets_stable_identifiers_and_reads_back_whole() {
    let mut s = Session::new();
    s.run(include_str!("../../graphs/czech-apt31.cypher")).unwrap();
    s.run("CREATE ({name: 'unlabelled', nan: 0.0 / 0.0})").unwrap();
    let g = s.graph();
    let text = written(g);
    assert_eq!(text, written(g), "the same graph is written the same way twice");
    let (once, report) = import(text.as_bytes()).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!((once.node_count(), once.edge_count()), (g.node_count(), g.edge_count()));
    let mut back = Session::with_graph(once.clone());
    let rows = back
        .run("MATCH (c:Campaign)-[r:`attributed-to`]->(a:ThreatActor) RETURN a.name, r.confidence, c.stix_id STARTS WITH 'campaign--'")
        .unwrap();
    assert_eq!(rows[0].rows[0][0], Value::from("APT31"));
    assert_eq!(rows[0].rows[0][2], Value::Bool(true));
    let unlabelled = back.run("MATCH (n:XKgraphNode) RETURN n.name, n.nan").unwrap();
    assert_eq!(unlabelled[0].rows, vec![vec![Value::from("unlabelled"), Value::Null]], "NaN is left out");
    // Once it has STIX ids, writing and reading again changes nothing.
    let (twice, _) = import(written(&once).as_bytes()).unwrap();
    assert!(twice == once);
}

#[test]
fn minted_identifiers_are_uuids() {
    let id = export::minted_uuid_for_test(7);
    let parts: Vec<&str> = id.split('-').collect();
    assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12], "{id}");
    assert!(parts[2].starts_with('4'), "version 4: {id}");
    assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'), "variant 10: {id}");
    assert_ne!(export::minted_uuid_for_test(8), id);
}

#[test]
fn timestamps_become_datetimes_and_are_written_back_in_stix_form() {
    let bundle = r#"{"type": "bundle", "id": "bundle--t", "objects": [
      {"type": "intrusion-set", "id": "intrusion-set--a", "spec_version": "2.1", "name": "APT31",
       "created": "2017-05-31T21:31:00Z", "modified": "2025-05-28T10:15:30.123Z", "first_seen": "2010-01-01T00:00:00Z",
       "x_note": "2017-05-31T21:31:00Z"}
    ]}"#;
    let (g, _) = import(bundle.as_bytes()).unwrap();
    let mut s = Session::with_graph(g);
    let rows = s
        .run(
            "MATCH (g:IntrusionSet) RETURN g.first_seen < datetime('2022-01-01T00:00Z') AS early, \
             g.modified.year AS year, g.x_note AS note",
        )
        .unwrap();
    // A field STIX does not define as a timestamp keeps its text.
    assert_eq!(
        rows[0].rows,
        vec![vec![Value::Bool(true), Value::Int(2025), Value::from("2017-05-31T21:31:00Z")]]
    );
    let text = written(s.graph());
    let bundle: Json = serde_json::from_str(&text).unwrap();
    let set = &bundle["objects"][0];
    assert_eq!(set["created"], "2017-05-31T21:31:00.000Z", "seconds and milliseconds, even when zero");
    assert_eq!(set["modified"], "2025-05-28T10:15:30.123Z");
    let (back, _) = import(text.as_bytes()).unwrap();
    assert!(&back == s.graph(), "the graph read back differs:\n{text}");
}
