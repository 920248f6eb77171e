use super::*;

/// A graph with what the schema procedures must describe: several labels on one node, a node with
/// none, lists, dates, a key not every node of a label has, indexes on nodes and relationships.
fn sample() -> Graph {
    let mut g = Graph::new();
    let date = Value::Temporal(crate::temporal::Temporal::from_canonical("2025-05-28").unwrap());
    let a = g.create_node(
        &["ThreatActor"],
        [("name", "APT31".into()), ("aliases", Value::List(vec!["Zirconium".into()]))],
    );
    let b = g.create_node(&["ThreatActor"], [("name", "APT40".into())]);
    let c = g.create_node(&["Campaign", "Espionage"], [("started", date.clone())]);
    g.create_node(&[], []);
    g.create_edge(c, a, "attributed-to", [("date", date), ("confidence", Value::Float(0.9))]).unwrap();
    g.create_edge(c, b, "attributed-to", [("confidence", Value::Int(1))]).unwrap();
    g.create_index("ThreatActor", "name");
    g.create_rel_index("attributed-to", "date");
    g
}

/// [`sample`] with a full-text index on nodes (`actors`) and one on relationships
/// (`attributions`).
fn sample_with_fulltext() -> Graph {
    let mut g = sample();
    let def = |g: &mut Graph, relationship, on: &str, key: &str| crate::graph::FulltextDef {
        relationship,
        on: vec![g.intern(on)],
        keys: vec![g.intern(key)],
    };
    let (nodes, rels) =
        (def(&mut g, false, "ThreatActor", "name"), def(&mut g, true, "attributed-to", "name"));
    g.create_fulltext_index("actors", nodes);
    g.create_fulltext_index("attributions", rels);
    g
}

/// Whether a value has the type a Neo4j signature names (null goes with every type).
fn has_type(v: &Value, ty: &str) -> bool {
    match (v, ty) {
        (Value::Null, _) | (_, "ANY") => true,
        (Value::String(_), "STRING") | (Value::Int(_), "INTEGER") | (Value::Float(_), "FLOAT") => true,
        (Value::Bool(_), "BOOLEAN") => true,
        (Value::Node(_) | Value::VirtualNode(_), "NODE") => true,
        (Value::Relationship(_) | Value::VirtualRelationship(_), "RELATIONSHIP") => true,
        (Value::List(items), list) if list.starts_with("LIST<") => {
            let inner = &list[5..list.len() - 1];
            items.iter().all(|i| has_type(i, inner))
        }
        _ => false,
    }
}

#[test]
fn every_procedure_gives_rows_of_its_signature() {
    let g = sample_with_fulltext();
    for p in all() {
        // The procedures that take arguments are called with some, on an index of the sample.
        let index = if p.name.ends_with("Relationships") { "attributions" } else { "actors" };
        let args = if p.inputs.is_empty() { Vec::new() } else { vec![index.into(), "apt*".into()] };
        let rows = p.call(&g, &args).unwrap_or_else(|e| panic!("{}: {e}", p.name));
        for row in &rows {
            assert_eq!(row.len(), p.outputs.len(), "{}: {row:?}", p.name);
            for (v, f) in row.iter().zip(p.outputs) {
                assert!(has_type(v, f.ty), "{}: {} = {v:?} is not {}", p.name, f.name, f.ty);
            }
        }
    }
}

#[test]
fn the_registry_is_in_name_order_and_names_are_unique() {
    let names: Vec<&str> = all().iter().map(|p| p.name).collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(names, sorted);
    assert_eq!(lookup("db.labels").unwrap().signature(), "db.labels() :: (label :: STRING)");
    assert!(lookup("DB.LABELS").is_none(), "names are exact, as Neo4j's");
    assert_eq!(nearest("db.lables"), Some("db.labels"));
}

fn rows(name: &str) -> Vec<Vec<Value>> {
    lookup(name).unwrap().call(&sample(), &[]).unwrap()
}

fn texts(v: &[&str]) -> Value {
    Value::List(v.iter().map(|s| Value::from(*s)).collect())
}

#[test]
fn schema_procedures_describe_the_graph() {
    let labels: Vec<Value> = rows("db.labels").into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(labels, ["Campaign", "Espionage", "ThreatActor"].map(Value::from));
    assert_eq!(rows("db.relationshipTypes"), [[Value::from("attributed-to")]]);
    let keys: Vec<Value> = rows("db.propertyKeys").into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(keys, ["aliases", "confidence", "date", "name", "started"].map(Value::from));

    let node_types = rows("db.schema.nodeTypeProperties");
    let actor_aliases = vec![
        ":`ThreatActor`".into(),
        texts(&["ThreatActor"]),
        "aliases".into(),
        texts(&["StringArray"]),
        Value::Bool(false),
    ];
    assert!(node_types.contains(&actor_aliases), "{node_types:?}");
    let campaign = vec![
        ":`Campaign`:`Espionage`".into(),
        texts(&["Campaign", "Espionage"]),
        "started".into(),
        texts(&["Date"]),
        Value::Bool(true),
    ];
    assert!(node_types.contains(&campaign), "{node_types:?}");
    let unlabelled = vec!["".into(), texts(&[]), Value::Null, Value::Null, Value::Bool(false)];
    assert!(node_types.contains(&unlabelled), "{node_types:?}");

    let rel_types = rows("db.schema.relTypeProperties");
    let confidence =
        vec![":`attributed-to`".into(), "confidence".into(), texts(&["Double", "Long"]), Value::Bool(true)];
    assert!(rel_types.contains(&confidence), "{rel_types:?}");
    let date = vec![":`attributed-to`".into(), "date".into(), texts(&["Date"]), Value::Bool(false)];
    assert!(rel_types.contains(&date), "{rel_types:?}");

    let indexes = rows("SHOW INDEXES");
    let on = |r: &Vec<Value>| (r[5].clone(), r[6].clone(), r[7].clone());
    assert_eq!(
        indexes.iter().map(on).collect::<Vec<_>>(),
        [
            ("NODE".into(), texts(&["ThreatActor"]), texts(&["name"])),
            ("RELATIONSHIP".into(), texts(&["attributed-to"]), texts(&["date"]))
        ]
    );
}

#[test]
fn apoc_meta_data_reports_properties_and_relationships_as_apoc_does() {
    let rows = rows("apoc.meta.data");
    let find = |label: &str, property: &str| {
        rows.iter().find(|r| r[0] == Value::from(label) && r[1] == Value::from(property)).cloned()
    };
    let name = find("ThreatActor", "name").expect("a row for ThreatActor.name");
    assert_eq!((&name[6], &name[4], &name[13]), (&"STRING".into(), &Value::Bool(true), &"node".into()));
    let aliases = find("ThreatActor", "aliases").unwrap();
    assert_eq!((&aliases[6], &aliases[7]), (&"LIST".into(), &Value::Bool(true)));
    assert_eq!(find("Campaign", "started").unwrap()[6], "DATE".into());
    // Relationships leave the labels of their start node, towards the labels of their end node.
    let out = find("Campaign", "attributed-to").expect("a relationship row");
    assert_eq!(
        (&out[6], &out[11], &out[2]),
        (&"RELATIONSHIP".into(), &texts(&["ThreatActor"]), &Value::Int(2))
    );
    assert!(find("ThreatActor", "attributed-to").is_none(), "nothing of that type leaves an actor");
    let date = find("attributed-to", "date").unwrap();
    assert_eq!((&date[6], &date[13], &date[4]), (&"DATE".into(), &"relationship".into(), &Value::Bool(true)));
}
