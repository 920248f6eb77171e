//! Issue 14, item 11: files whose checksum was made right again after forging, which allocated for
//! what they claimed before anything checked it. The file's own size bounds what it can honestly
//! hold; every claim is checked against it before a slot is made.

use std::path::Path;

use super::tests::{body_of, sealed};
use super::*;
use crate::value::Value;

/// A graph whose relationships are written as columns (one was deleted, so ids are not 0, 1, 2…).
fn columns_graph(holes: bool) -> Graph {
    let mut g = Graph::new();
    let nodes: Vec<_> = (0..20).map(|i| g.create_node(&["N"], [("i", Value::Int(i))])).collect();
    for w in nodes.windows(2) {
        g.create_edge(w[0], w[1], "linked-to", []).unwrap();
    }
    g.remove_edge(crate::graph::EdgeId(3)).unwrap();
    if holes {
        g.detach_remove_node(nodes[7]).unwrap();
        g.detach_remove_node(nodes[12]).unwrap();
    }
    g
}

fn refused(bytes: &[u8]) -> String {
    match from_bytes(bytes, Path::new("forged")) {
        Err(SnapshotError::Corrupt { detail, .. }) => detail,
        other => panic!("expected a corrupt snapshot, got {other:?}"),
    }
}

#[test]
fn a_forged_node_bound_is_refused_by_what_the_file_holds() {
    for holes in [false, true] {
        let g = columns_graph(holes);
        let bytes = to_bytes(&g);
        assert_eq!(from_bytes(&bytes, Path::new("honest")).unwrap(), g);
        assert_eq!(
            u32::from_le_bytes(bytes[HEADER_LEN + 20..HEADER_LEN + 24].try_into().unwrap()) & HOLES != 0,
            holes
        );
        // 50 million ids claimed by a file of a few hundred bytes.
        let mut payload = bytes[HEADER_LEN..].to_vec();
        payload[16..20].copy_from_slice(&50_000_000u32.to_le_bytes());
        let detail = refused(&sealed(&payload));
        let expected = if holes { "do not make a" } else { "more than" };
        assert!(detail.contains(expected), "{detail}");
    }
}

#[test]
fn a_bitmap_that_does_not_match_the_nodes_is_refused() {
    let bytes = to_bytes(&columns_graph(true));
    let (payload, body_len, _, _) = body_of(&bytes);
    let mut forged = payload.to_vec();
    // Mark id 7, which no node holds.
    forged[PREFIX_LEN + body_len] |= 1 << 7;
    assert!(refused(&sealed(&forged)).contains("bitmap"));
}

#[test]
fn a_node_id_past_the_bound_gets_no_slot() {
    let names = crate::graph::Interner::default();
    let mut restorer = crate::graph::NodeRestorer::new(names, 4, 10);
    assert!(restorer.push(3, Labels::None, Properties::default()).is_ok());
    let err = restorer.push(4_000_000_000, Labels::None, Properties::default()).unwrap_err();
    assert!(err.contains("past the node bound 10"), "{err}");
    assert_eq!(restorer.finish().node_bound(), 4, "no slot was made for the forged id");
}

/// A version-2 file of a few dozen bytes naming a node 50 million: accepted at 3.5 GB before.
#[test]
fn a_tiny_old_file_naming_a_far_node_id_is_refused() {
    type Props = Vec<(u32, Value)>;
    #[derive(serde::Serialize)]
    struct V2 {
        names: Vec<String>,
        nodes: Vec<(u32, Vec<u32>, Props)>,
        edges: Vec<(u32, u32, u32, u32, Props)>,
        indexes: Vec<(u32, u32)>,
    }
    let file = |id: u32| {
        let body = V2 { names: vec![], nodes: vec![(id, vec![], vec![])], edges: vec![], indexes: vec![] };
        let payload = bincode::serde::encode_to_vec(&body, bincode::config::standard()).unwrap();
        let header = header_for(2, &payload);
        [header.to_vec(), payload].concat()
    };
    assert_eq!(from_bytes(&file(5), Path::new("v2")).unwrap().node_count(), 1, "an honest small file");
    let big = file(50_000_000);
    assert!(big.len() < 64, "{} bytes", big.len());
    assert!(refused(&big).contains("more than a"));
}

/// Found by the snapshot fuzz target: a name whose length prefix claims 720 petabytes, in a body
/// whose checksum is right. bincode allocated the length before reading the bytes (and with no
/// limit, the allocation ended the process).
#[test]
fn a_forged_length_in_the_body_is_refused_without_allocating_it() {
    let bytes = include_bytes!("../../tests/fuzz/seeds/snapshot/forged-name-length.kgs");
    assert!(from_bytes(bytes, Path::new("forged")).is_err());
}
