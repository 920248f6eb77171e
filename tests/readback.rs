//! Issue 14, item 24: JSON Lines exports did not read back, and GraphML exports lost every value's
//! type. Every export that carries a whole graph — JSON Lines, GraphML, a CSV directory, a Cypher
//! script, a STIX bundle — loads back, as a FILE and through `:load`, into an equal graph.

use std::path::Path;

use kgraph::export::{Selection, export};
use kgraph::{Graph, Session};

/// The seed story, then what exports find hard: odd names, quotes, markup, a carriage return, NaN
/// and infinities, lists of each type, integers past 2^53, a `;` in text and in a list's strings,
/// empty strings and lists, a key holding values of different types, and a deleted node (a hole in
/// the ids).
fn awkward() -> Session {
    let mut s = Session::new();
    s.run(include_str!("data/awkward.cypher")).expect("the awkward graph builds");
    s
}

/// Nodes and relationships by content, whatever their ids: labels, properties (floats bit for bit,
/// through their Debug form), and each relationship by its type and its ends' content.
fn content(g: &Graph) -> (Vec<String>, Vec<String>) {
    let node = |n| {
        let mut labels: Vec<&str> = g.labels(n).iter().map(|&l| g.name(l)).collect();
        labels.sort_unstable();
        let mut props: Vec<String> =
            g.node_properties(n).iter().map(|(k, v)| format!("{}={v:?}", g.name(k))).collect();
        props.sort();
        format!("{labels:?}{props:?}")
    };
    let mut nodes: Vec<String> = g.nodes().map(node).collect();
    nodes.sort();
    let mut edges: Vec<String> = g
        .edges()
        .map(|e| {
            let (a, b) = g.endpoints(e).expect("a relationship has ends");
            let ty = g.name(g.edge_type(e).expect("a relationship has a type"));
            let mut props: Vec<String> =
                g.edge_properties(e).iter().map(|(k, v)| format!("{}={v:?}", g.name(k))).collect();
            props.sort();
            format!("{} -[{ty} {props:?}]-> {}", node(a), node(b))
        })
        .collect();
    edges.sort();
    (nodes, edges)
}

fn load(path: &Path) -> Session {
    let mut s = Session::new();
    let report = s.load_file(path).unwrap_or_else(|e| panic!("{} loads: {e}", path.display()));
    assert!(report.problems.is_empty(), "{}: {:?}", path.display(), report.problems);
    s
}

#[test]
fn json_lines_and_graphml_exports_load_back_equal_ids_included() {
    let original = awkward();
    let g = original.graph();
    let dir = tempfile::tempdir().expect("a temporary directory");
    for name in ["graph.jsonl", "graph.graphml"] {
        let path = dir.path().join(name);
        export(g, &Selection::all(g), &path).expect("exported");
        let back = load(&path);
        assert_eq!(content(back.graph()), content(g), "{name}");
        assert!(back.graph() == g, "{name}: the same ids, labels, types and values");
        // The graph read back takes writes like any other.
        let mut back = back;
        back.run("CREATE (:After)").expect("a node can be added");
    }
}

#[test]
fn csv_cypher_and_stix_exports_load_back_to_the_same_content() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    // CSV and Cypher carry everything but the holes in the ids.
    let original = awkward();
    let g = original.graph();
    for name in ["csv", "graph.cypher"] {
        let path = dir.path().join(name);
        export(g, &Selection::all(g), &path).expect("exported");
        assert_eq!(content(load(&path).graph()), content(g), "{name}");
    }
    // A STIX export is equal for a graph that came from STIX.
    let stix = Path::new(env!("CARGO_MANIFEST_DIR")).join("graphs/attack-sample.stix.json");
    let from_stix = load(&stix);
    let path = dir.path().join("again.stix.json");
    export(from_stix.graph(), &Selection::all(from_stix.graph()), &path).expect("exported");
    assert!(load(&path).graph() == from_stix.graph(), "STIX out and in again");
}

#[test]
fn graphml_from_other_tools_reads_with_its_types_and_defaults() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("gephi.graphml");
    std::fs::write(
        &path,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key id="d0" for="node" attr.name="name" attr.type="string"/>
  <key id="d1" for="node" attr.name="weight" attr.type="double"><default>1.5</default></key>
  <key id="d2" for="edge" attr.name="count" attr.type="int"/>
  <graph edgedefault="directed">
    <node id="a"><data key="d0">APT31 &amp; co</data></node>
    <node id="b"><data key="d0">MSS</data><data key="d1">2.0</data></node>
    <edge source="a" target="b"><data key="d2">3</data></edge>
  </graph>
</graphml>"#,
    )
    .expect("written");
    let mut s = load(&path);
    let rows = s.run("MATCH (a)-[r]->(b) RETURN a.name, a.weight, b.weight, r.count, type(r)").expect("runs");
    let row: Vec<String> = rows[0].rows[0].iter().map(|v| format!("{v:?}")).collect();
    assert_eq!(row, ["String(\"APT31 & co\")", "Float(1.5)", "Float(2.0)", "Int(3)", "String(\"RELATED\")"]);

    let broken = dir.path().join("broken.graphml");
    std::fs::write(&broken, "<graphml><node id='a'></graphml>").expect("written");
    let err = Session::new().load_file(&broken).expect_err("malformed XML is refused");
    assert!(err.to_string().contains("cannot read it as GraphML"), "{err}");
}
