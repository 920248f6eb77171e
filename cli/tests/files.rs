//! Files given to the binary as arguments: a MISP galaxy beside a STIX bundle (issue 14, item 25),
//! and every whole-graph export loaded back as a FILE (issue 14, item 24). The library's side of
//! both is in the engine's tests/misp.rs and tests/readback.rs; these drive the real binary.

use std::path::Path;
use std::process::Command;

use kgraph::Session;
use kgraph::export::{Selection, export};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data");

fn kgraph(files: &[&Path], query: &str) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kgraph"))
        .args(files)
        .args(["--format", "csv", "-c", query])
        .output()
        .expect("kgraph runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{files:?}: {stderr}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

#[test]
fn a_galaxy_through_the_command_line_says_what_it_was() {
    let galaxy = Path::new(DATA).join("misp/threat-actor.json");
    let bundle = Path::new(DATA).join("misp/bundle.json");
    let (out, said) =
        kgraph(&[&galaxy, &bundle], "MATCH (:ThreatActor)-[s:`same-as`]->() RETURN count(s) AS n");
    assert_eq!(out, "n\n2\n");
    assert!(said.contains("1 problem(s)") && said.contains("is not in the galaxy"), "{said}");
    assert!(said.contains("Joined 2 MISP actor"), "{said}");
}

#[test]
fn exports_load_back_as_file_arguments() {
    let script =
        std::fs::read_to_string(Path::new(DATA).join("awkward.cypher")).expect("tests/data/awkward.cypher");
    let mut original = Session::new();
    original.run(&script).expect("the awkward graph builds");
    let g = original.graph();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let count = "MATCH (n) WITH count(n) AS nodes MATCH ()-[r]->() RETURN nodes, count(r) AS relationships";
    let expected = format!("nodes,relationships\n{},{}\n", g.node_count(), g.edge_count());
    for name in ["graph.jsonl", "graph.graphml", "csv", "graph.cypher"] {
        let path = dir.path().join(name);
        export(g, &Selection::all(g), &path).expect("exported");
        let (out, _) = kgraph(&[&path], count);
        assert_eq!(out, expected, "{name}");
    }
}
