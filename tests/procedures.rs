//! `CALL` and `SHOW`, driven through the public API: each procedure's columns are those Neo4j
//! documents, the clause's YIELD, AS and WHERE work alone and inside queries, and the schema text
//! LangChain's `Neo4jGraph` builds from `apoc.meta.data` names the seed graph's labels, types and
//! properties (its three documented queries, run as it runs them).

use std::collections::BTreeSet;
use std::path::Path;

use kgraph::{ErrorKind, Session, Value};

fn seed() -> Session {
    let mut s = Session::new();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("graphs/czech-apt31.cypher");
    s.load_file(&path).expect("the seed graph loads");
    s
}

fn columns(s: &mut Session, q: &str) -> Vec<String> {
    s.run(q).unwrap_or_else(|e| panic!("{q}: {e}")).remove(0).columns
}

fn rows(s: &mut Session, q: &str) -> Vec<Vec<Value>> {
    s.run(q).unwrap_or_else(|e| panic!("{q}: {e}")).remove(0).rows
}

fn error(s: &mut Session, q: &str) -> kgraph::QueryError {
    let e = s.run(q).expect_err(q);
    e.as_query().cloned().unwrap_or_else(|| panic!("{q}: not a query error: {e}"))
}

#[test]
fn each_procedure_has_the_columns_neo4j_documents() {
    let mut s = seed();
    s.run("CREATE FULLTEXT INDEX actor_names FOR (n:ThreatActor) ON EACH [n.name]").unwrap();
    s.run("CREATE FULLTEXT INDEX rel_text FOR ()-[r:`attributed-to`]-() ON EACH [r.source]").unwrap();
    let shapes: &[(&str, &[&str])] = &[
        ("CALL db.labels()", &["label"]),
        ("CALL db.index.fulltext.queryNodes('actor_names', 'apt31')", &["node", "score"]),
        (
            "CALL db.index.fulltext.queryRelationships('rel_text', 'x', {limit: 3})",
            &["relationship", "score"],
        ),
        ("CALL db.index.fulltext.listAvailableAnalyzers()", &["analyzer", "description", "stopwords"]),
        ("CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()", &[]),
        ("CALL db.relationshipTypes()", &["relationshipType"]),
        ("CALL db.propertyKeys()", &["propertyKey"]),
        (
            "CALL db.indexes()",
            &[
                "id",
                "name",
                "state",
                "populationPercent",
                "uniqueness",
                "type",
                "entityType",
                "labelsOrTypes",
                "properties",
                "provider",
            ],
        ),
        (
            "SHOW INDEXES",
            &[
                "id",
                "name",
                "state",
                "populationPercent",
                "type",
                "entityType",
                "labelsOrTypes",
                "properties",
                "indexProvider",
                "owningConstraint",
            ],
        ),
        (
            "SHOW CONSTRAINTS",
            &[
                "id",
                "name",
                "type",
                "entityType",
                "labelsOrTypes",
                "properties",
                "ownedIndex",
                "propertyType",
            ],
        ),
        ("SHOW PROCEDURES", &["name", "description", "mode", "worksOnSystem"]),
        ("SHOW FUNCTIONS", &["name", "category", "isBuiltIn"]),
        ("CALL dbms.components()", &["name", "versions", "edition"]),
        ("CALL dbms.procedures()", &["name", "signature", "description", "mode", "worksOnSystem"]),
        (
            "CALL db.schema.nodeTypeProperties()",
            &["nodeType", "nodeLabels", "propertyName", "propertyTypes", "mandatory"],
        ),
        ("CALL db.schema.relTypeProperties()", &["relType", "propertyName", "propertyTypes", "mandatory"]),
        ("CALL db.schema.visualization()", &["nodes", "relationships"]),
        (
            "CALL apoc.meta.data()",
            &[
                "label",
                "property",
                "count",
                "unique",
                "index",
                "existence",
                "type",
                "array",
                "sample",
                "left",
                "right",
                "other",
                "otherLabels",
                "elementType",
            ],
        ),
    ];
    for (q, expected) in shapes {
        assert_eq!(columns(&mut s, q), *expected, "{q}");
    }
    // Every procedure there is has its shape checked here.
    let listed: BTreeSet<String> =
        rows(&mut s, "SHOW PROCEDURES YIELD name").into_iter().map(|r| r[0].to_string()).collect();
    for name in &listed {
        let name = name.trim_matches('"');
        assert!(shapes.iter().any(|(q, _)| q.contains(name)), "{name} has no shape in this test");
    }
}

#[test]
fn yield_renames_filters_and_feeds_the_rest_of_the_query() {
    let mut s = seed();
    let q = "CALL db.labels() YIELD label AS l WHERE l STARTS WITH 'C' RETURN collect(l) AS ls";
    assert_eq!(rows(&mut s, q), [[Value::List(vec!["Campaign".into(), "Country".into()])]]);
    // Standalone with YIELD: just the yielded fields, renamed.
    assert_eq!(columns(&mut s, "CALL db.relationshipTypes() YIELD relationshipType AS t"), ["t"]);
    // In a query, per input row.
    let per_row = "UNWIND [1, 2] AS i CALL db.labels() YIELD label RETURN i, count(label) AS n ORDER BY i";
    assert_eq!(rows(&mut s, per_row), [[Value::Int(1), Value::Int(6)], [Value::Int(2), Value::Int(6)]]);
    // Counting the nodes per label with what db.labels() gives: the label index's own counts.
    let counts = "CALL db.labels() YIELD label MATCH (n) WHERE label IN labels(n) RETURN label, count(n) AS c ORDER BY label";
    let expected: Vec<Vec<Value>> = s
        .graph()
        .schema()
        .labels
        .into_iter()
        .map(|(l, c)| vec![Value::String(l), Value::Int(c as i64)])
        .collect();
    assert_eq!(rows(&mut s, counts), expected);
    assert!(format!("{:?}", rows(&mut s, "EXPLAIN CALL db.labels()")).contains("ProcedureCall"));
}

#[test]
fn calls_that_cannot_run_say_why_before_anything_runs() {
    let mut s = seed();
    let e = error(&mut s, "CALL db.lables()");
    assert_eq!(e.kind, ErrorKind::ProcedureNotFound);
    assert!(e.message.contains("db.labels"), "{}", e.message);
    for q in [
        "CALL db.labels(1)",
        "MATCH (n) CALL db.labels() RETURN n",
        "MATCH (n) CALL db.labels() YIELD * RETURN n",
        "CALL db.labels() YIELD name",
        "MATCH (label) CALL db.labels() YIELD label RETURN label",
        "MATCH (n) CALL db.labels YIELD label RETURN label",
    ] {
        assert_eq!(error(&mut s, q).kind, ErrorKind::SemanticError, "{q}");
    }
    assert_eq!(error(&mut s, "SHOW TABLES").kind, ErrorKind::SyntaxError);
}

/// LangChain's `Neo4jGraph.refresh_schema` runs these three queries (as its documentation gives
/// them) and writes the schema text an LLM is shown; the text must name every label, relationship
/// type and property key of the graph, and each relationship pattern it holds.
#[test]
fn the_schema_langchain_builds_from_apoc_meta_data_names_the_whole_seed_graph() {
    let mut s = seed();
    let node_properties = "CALL apoc.meta.data() YIELD label, other, elementType, type, property \
        WHERE NOT type = 'RELATIONSHIP' AND elementType = 'node' \
        WITH label AS nodeLabels, collect({property: property, type: type}) AS properties \
        RETURN {labels: nodeLabels, properties: properties} AS output";
    let rel_properties = "CALL apoc.meta.data() YIELD label, other, elementType, type, property \
        WHERE NOT type = 'RELATIONSHIP' AND elementType = 'relationship' \
        WITH label AS nodeLabels, collect({property: property, type: type}) AS properties \
        RETURN {type: nodeLabels, properties: properties} AS output";
    let relationships = "CALL apoc.meta.data() YIELD label, other, elementType, type, property \
        WHERE type = 'RELATIONSHIP' AND elementType = 'node' UNWIND other AS other_node \
        RETURN {start: label, type: property, end: toString(other_node)} AS output";
    // Through the front door, whose rows read as JSON as a Python driver's records do.
    let db = kgraph::Database::in_memory();
    db.load(Path::new(env!("CARGO_MANIFEST_DIR")).join("graphs/czech-apt31.cypher")).expect("the seed loads");
    let outputs = |_: &mut Session, q: &str| -> Vec<serde_json::Value> {
        let found = db.execute(q, ()).unwrap_or_else(|e| panic!("{q}: {e}"));
        found.iter().map(|r| r.get::<serde_json::Value>("output").expect("a map")).collect()
    };
    let props = |o: &serde_json::Value| -> String {
        o["properties"]
            .as_array()
            .expect("a list of properties")
            .iter()
            .map(|p| format!("{}: {}", p["property"].as_str().unwrap(), p["type"].as_str().unwrap()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text = String::from("Node properties:\n");
    for o in outputs(&mut s, node_properties) {
        text += &format!("{} {{{}}}\n", o["labels"].as_str().unwrap(), props(&o));
    }
    text += "Relationship properties:\n";
    for o in outputs(&mut s, rel_properties) {
        text += &format!("{} {{{}}}\n", o["type"].as_str().unwrap(), props(&o));
    }
    text += "The relationships:\n";
    for o in outputs(&mut s, relationships) {
        let [a, t, b] = ["start", "type", "end"].map(|k| o[k].as_str().unwrap().to_string());
        text += &format!("(:{a})-[:{t}]->(:{b})\n");
    }
    let schema = s.graph().schema();
    for label in schema.labels.keys() {
        assert!(text.contains(&format!("\n{label} {{")), "label {label} in\n{text}");
    }
    for ty in schema.edge_types.keys() {
        assert!(text.contains(&format!("\n{ty} {{")), "type {ty} in\n{text}");
    }
    for key in schema.node_keys.keys().chain(schema.edge_keys.keys()) {
        assert!(text.contains(&format!("{key}: ")), "key {key} in\n{text}");
    }
    // Every (start label, type, end label) the graph holds is listed, and nothing else.
    let mut held = BTreeSet::new();
    for r in rows(
        &mut s,
        "MATCH (a)-[r]->(b) UNWIND labels(a) AS x UNWIND labels(b) AS y RETURN DISTINCT x, type(r), y",
    ) {
        held.insert(format!(
            "(:{})-[:{}]->(:{})",
            r[0].to_string().trim_matches('"'),
            r[1].to_string().trim_matches('"'),
            r[2].to_string().trim_matches('"')
        ));
    }
    let listed: BTreeSet<String> =
        text.lines().skip_while(|l| *l != "The relationships:").skip(1).map(str::to_string).collect();
    assert_eq!(listed, held);
    assert!(text.contains("(:Campaign)-[:attributed-to]->(:ThreatActor)"), "{text}");
    assert!(text.contains("started: DATE"), "{text}");
}

#[test]
fn a_declared_table_procedure_answers_by_its_inputs_and_checks_their_types() {
    use kgraph::query::procedures::TableProcedure;
    let mut s = seed();
    let table = vec![
        vec![Value::from("CN"), Value::from("China")],
        vec![Value::from("CZ"), Value::from("Czechia")],
        vec![Value::Null, Value::from("nowhere")],
    ];
    let country = TableProcedure::new("lookup.country(code :: STRING?) :: (name :: STRING?)", table).unwrap();
    s.register_procedure(country);
    let q = "UNWIND ['CZ', 'XX', null] AS c CALL lookup.country(c) YIELD name RETURN c, name";
    assert_eq!(
        rows(&mut s, q),
        [vec![Value::from("CZ"), Value::from("Czechia")], vec![Value::Null, Value::from("nowhere")]]
    );
    assert_eq!(error(&mut s, "CALL lookup.country(42)").kind, ErrorKind::SemanticError);
    // Declared names come first, and a declaration of the same name replaces the last one.
    s.register_procedure(
        TableProcedure::new("db.labels() :: (label :: STRING?)", vec![vec!["only".into()]]).unwrap(),
    );
    assert_eq!(rows(&mut s, "CALL db.labels()"), [[Value::from("only")]]);
    for bad in ["no brackets", "p(x :: INTEGER) (y :: INTEGER)", "p(x) :: (y :: INTEGER)"] {
        assert!(TableProcedure::new(bad, Vec::new()).is_err(), "{bad}");
    }
    assert!(TableProcedure::new("p(x :: INTEGER?) :: ()", vec![vec![]]).is_err(), "a row of the wrong width");
}

/// Neo4j documents `db.schema.visualization() :: (nodes :: LIST<NODE>, relationships ::
/// LIST<RELATIONSHIP>)`: one row, a node per label named by its `name`, a relationship per
/// (start label, type, end label) between those nodes.
#[test]
fn schema_visualization_gives_a_node_per_label_and_a_relationship_per_pattern() {
    let mut s = seed();
    let found = rows(&mut s, "CALL db.schema.visualization()");
    assert_eq!(found.len(), 1);
    let (Value::List(nodes), Value::List(rels)) = (&found[0][0], &found[0][1]) else {
        panic!("two lists: {:?}", found[0]);
    };
    let schema = s.graph().schema();
    let mut names = BTreeSet::new();
    let mut ids = BTreeSet::new();
    for n in nodes {
        let Value::VirtualNode(n) = n else { panic!("a node: {n:?}") };
        assert!(n.id < 0, "virtual ids are negative: {}", n.id);
        assert_eq!(n.labels.len(), 1);
        assert_eq!(n.property("name"), &Value::String(n.labels[0].clone()));
        assert!(matches!(n.property("indexes"), Value::List(_)));
        names.insert(n.labels[0].clone());
        ids.insert(n.id);
    }
    assert_eq!(names, schema.labels.keys().cloned().collect::<BTreeSet<_>>());
    assert_eq!(ids.len(), nodes.len(), "ids are unique");
    for r in rels {
        let Value::VirtualRelationship(r) = r else { panic!("a relationship: {r:?}") };
        assert!(ids.contains(&r.start.id) && ids.contains(&r.end.id), "{r:?} joins the listed nodes");
        assert_eq!(r.property("name"), &Value::String(r.rel_type.clone()));
    }
    // An indexed key is listed on its label's node.
    s.run("CREATE INDEX FOR (n:ThreatActor) ON (n.name)").unwrap();
    let q = "CALL db.schema.visualization() YIELD nodes UNWIND nodes AS n WITH n WHERE n.name = 'ThreatActor' RETURN n.indexes";
    assert_eq!(rows(&mut s, q), [[Value::List(vec!["name".into()])]]);
    // Virtual entities are results only: the graph cannot take them.
    let e = error(&mut s, "CALL db.schema.visualization() YIELD nodes UNWIND nodes AS n SET n.x = 1");
    assert_eq!(e.kind, ErrorKind::TypeError);
    assert!(e.message.contains("virtual Node"), "{}", e.message);
    let e = error(
        &mut s,
        "CALL db.schema.visualization() YIELD nodes UNWIND nodes AS n MATCH (n)-->(m) RETURN m",
    );
    assert_eq!(e.kind, ErrorKind::TypeError);
}

/// The schema text LangChain's `Neo4jGraph` and the tools like it build, with the node properties
/// from `apoc.meta.data` and the relationship patterns from `db.schema.visualization` (read with
/// `labels(startNode(rel))[0]`, `type(rel)`, as their documented queries do), names every label,
/// property key and (start label, type, end label) of the seed graph, and nothing it lacks.
#[test]
fn the_schema_text_built_from_schema_visualization_names_the_whole_seed_graph() {
    let mut s = seed();
    let db = kgraph::Database::in_memory();
    db.load(Path::new(env!("CARGO_MANIFEST_DIR")).join("graphs/czech-apt31.cypher")).expect("the seed loads");
    let json = |q: &str, column: &str| -> Vec<serde_json::Value> {
        let found = db.execute(q, ()).unwrap_or_else(|e| panic!("{q}: {e}"));
        found.iter().map(|r| r.get::<serde_json::Value>(column).expect("json")).collect()
    };
    let mut text = String::from("Node properties:\n");
    let node_properties = "CALL apoc.meta.data() YIELD label, other, elementType, type, property \
        WHERE NOT type = 'RELATIONSHIP' AND elementType = 'node' \
        WITH label AS nodeLabels, collect({property: property, type: type}) AS properties \
        RETURN {labels: nodeLabels, properties: properties} AS output";
    for o in json(node_properties, "output") {
        let props: Vec<String> = o["properties"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|p| format!("{}: {}", p["property"].as_str().unwrap(), p["type"].as_str().unwrap()))
            .collect();
        text += &format!("{} {{{}}}\n", o["labels"].as_str().unwrap(), props.join(", "));
    }
    // The labels as the visualization's nodes name them (a driver reads `node['name']`).
    let labels = json("CALL db.schema.visualization() YIELD nodes RETURN nodes", "nodes");
    let labels: BTreeSet<String> = labels[0]
        .as_array()
        .expect("a list of nodes")
        .iter()
        .map(|n| n["name"].as_str().expect("a name").to_string())
        .collect();
    text += "The relationships:\n";
    let patterns = "CALL db.schema.visualization() YIELD relationships UNWIND relationships AS rel \
        RETURN labels(startNode(rel))[0] AS src, type(rel) AS rel_type, labels(endNode(rel))[0] AS tgt";
    for r in rows(&mut s, patterns) {
        let [a, t, b] = [&r[0], &r[1], &r[2]].map(|v| v.to_string().trim_matches('"').to_string());
        text += &format!("(:{a})-[:{t}]->(:{b})\n");
    }
    let schema = s.graph().schema();
    assert_eq!(labels, schema.labels.keys().cloned().collect::<BTreeSet<_>>());
    for key in schema.node_keys.keys() {
        assert!(text.contains(&format!("{key}: ")), "key {key} in\n{text}");
    }
    let mut held = BTreeSet::new();
    for r in rows(
        &mut s,
        "MATCH (a)-[r]->(b) UNWIND labels(a) AS x UNWIND labels(b) AS y RETURN DISTINCT x, type(r), y",
    ) {
        let [a, t, b] = [&r[0], &r[1], &r[2]].map(|v| v.to_string().trim_matches('"').to_string());
        held.insert(format!("(:{a})-[:{t}]->(:{b})"));
    }
    let listed: BTreeSet<String> =
        text.lines().skip_while(|l| *l != "The relationships:").skip(1).map(str::to_string).collect();
    assert_eq!(listed, held);
    for ty in schema.edge_types.keys() {
        assert!(text.contains(&format!("[:{ty}]")), "type {ty} in\n{text}");
    }
    // The same patterns through nested subqueries, as an agent's one-shot schema query asks.
    let one_shot = "CALL { CALL db.labels() YIELD label RETURN collect(label) AS labels } \
        CALL { CALL db.schema.visualization() YIELD relationships UNWIND relationships AS rel \
               WITH startNode(rel) AS s, type(rel) AS t, endNode(rel) AS e \
               RETURN collect(DISTINCT [labels(s)[0], t, labels(e)[0]]) AS patterns } \
        RETURN size(labels) AS labels, size(patterns) AS patterns";
    assert_eq!(rows(&mut s, one_shot), [[Value::Int(labels.len() as i64), Value::Int(held.len() as i64)]]);
}

/// Found writing the full-text benchmark: `SHOW INDEXES YIELD … WHERE … RETURN …` was refused as
/// "a CALL inside a query needs its arguments in brackets", though SHOW takes none.
#[test]
fn show_commands_feed_the_rest_of_a_query() {
    let mut s = seed();
    s.run("CREATE INDEX FOR (c:Campaign) ON (c.name)").unwrap();
    let found = rows(&mut s, "SHOW INDEXES YIELD name, type WHERE type = 'RANGE' RETURN name ORDER BY name");
    assert!(found.contains(&vec![Value::from("index_node_Campaign_name")]), "{found:?}");
    let counted = rows(&mut s, "SHOW PROCEDURES YIELD name RETURN count(name) AS n");
    assert!(matches!(counted[0][0], Value::Int(n) if n > 10), "{counted:?}");
}
