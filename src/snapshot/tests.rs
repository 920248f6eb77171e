use super::*;
use crate::value::Value;

/// A file's payload (of the version written), its body's length, and the body proper with the
/// bytes it, the index names and the full-text indexes took.
pub(super) fn body_of(bytes: &[u8]) -> (&[u8], usize, Body, usize) {
    let payload = &bytes[HEADER_LEN..];
    let body_len = u64::from_le_bytes(payload[..8].try_into().unwrap()) as usize;
    let body = &payload[PREFIX_LEN..PREFIX_LEN + body_len];
    type Named = Vec<(String, u32, u32)>;
    type Decoded = (Body, Named, Vec<FulltextRecord>, Vec<ConstraintRecord>);
    let ((head, _names, _fulltext, _constraints), used): (Decoded, usize) =
        bincode::serde::decode_from_slice(body, bincode::config::standard()).unwrap();
    (payload, body_len, head, used)
}

/// `payload` in a file whose header (and so checksum) is right for it.
pub(super) fn sealed(payload: &[u8]) -> Vec<u8> {
    let mut file = header_for(VERSION, payload).to_vec();
    file.extend_from_slice(payload);
    file
}

fn sample() -> Graph {
    let mut g = Graph::new();
    let a = g.create_node(&["Campaign"], [("name", Value::from("c")), ("year", Value::Int(2022))]);
    let b = g.create_node(&["ThreatActor", "Group"], [("aliases", Value::List(vec!["Z".into()]))]);
    let gone = g.create_node(&[], []);
    g.create_edge(a, b, "attributed-to", [("confidence", Value::Float(0.9))]).unwrap();
    g.remove_node(gone).unwrap();
    g
}

#[test]
fn round_trip_keeps_ids_and_contents() {
    let g = sample();
    let bytes = to_bytes(&g);
    let back = from_bytes(&bytes, Path::new("mem")).unwrap();
    assert_eq!(back, g);
}

/// Nodes in several chunks, restored while later chunks are still being decoded: holes across
/// chunk boundaries, labels and properties, and a damaged chunk after good ones still refuses
/// the whole file.
#[test]
fn nodes_in_many_chunks_round_trip_and_a_bad_late_chunk_is_refused() {
    let mut g = Graph::new();
    let mut nodes = Vec::new();
    for i in 0..(2 * NODES_PER_CHUNK + 5_000) {
        let labels: &[&str] = if i % 3 == 0 { &["Campaign"] } else { &[] };
        nodes.push(g.create_node(labels, [("n", Value::Int(i as i64))]));
    }
    for (i, &n) in nodes.iter().enumerate() {
        if i % 1000 == 999 || i == NODES_PER_CHUNK {
            g.remove_node(n).unwrap();
        }
    }
    g.create_edge(nodes[1], nodes[2 * NODES_PER_CHUNK + 1], "linked-to", []).unwrap();
    let bytes = to_bytes(&g);
    let back = from_bytes(&bytes, Path::new("mem")).unwrap();
    assert!(back == g, "the graph read back differs");
    // The last chunk's node count made a four-byte number (far more nodes than its bytes hold),
    // with the checksum made right again.
    let (payload, _, head, used) = body_of(&bytes);
    assert_eq!(head.node_chunks.len(), 3);
    let last_chunk = used + (head.node_chunks[0] + head.node_chunks[1]) as usize;
    let mut forged = payload.to_vec();
    forged[PREFIX_LEN + last_chunk] = 252;
    assert!(matches!(from_bytes(&sealed(&forged), Path::new("mem")), Err(SnapshotError::Corrupt { .. })));
}

#[test]
fn every_damage_is_reported() {
    let bytes = to_bytes(&sample());
    let p = Path::new("mem");
    assert!(matches!(from_bytes(b"CREATE (n)", p), Err(SnapshotError::NotASnapshot { .. })));
    assert!(matches!(from_bytes(&bytes[..bytes.len() - 3], p), Err(SnapshotError::Truncated { .. })));
    assert!(matches!(from_bytes(&bytes[..10], p), Err(SnapshotError::Truncated { .. })));
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x40;
    assert!(matches!(from_bytes(&flipped, p), Err(SnapshotError::ChecksumMismatch { .. })));
    let mut version = bytes.clone();
    version[8] = VERSION as u8 + 1;
    let newer = VERSION + 1;
    assert!(
        matches!(from_bytes(&version, p), Err(SnapshotError::UnsupportedVersion { found, .. }) if found == newer)
    );
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(from_bytes(&longer, p), Err(SnapshotError::TrailingData { .. })));
}

/// Found by the damage property test (tests/properties.rs): flipping bit 0 of a version 5 file's
/// version field made it a version 4 file, whose checksum covered only the payload, and it loaded.
#[test]
fn a_bit_flipped_in_the_version_field_is_an_error() {
    let bytes = to_bytes(&sample());
    for bit in 0..32 {
        let mut flipped = bytes.clone();
        flipped[8 + bit / 8] ^= 1 << (bit % 8);
        assert!(from_bytes(&flipped, Path::new("mem")).is_err(), "bit {bit} of the version");
    }
}

/// `payload` with `head` for its body (and `chunks` after it), the rest as it was.
fn with_body(payload: &[u8], body_len: usize, head: &[u8], chunks: &[u8]) -> Vec<u8> {
    let mut out = ((head.len() + chunks.len()) as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&payload[8..PREFIX_LEN]);
    out.extend_from_slice(head);
    out.extend_from_slice(chunks);
    out.extend_from_slice(&payload[PREFIX_LEN + body_len..]);
    out
}

/// A body read back, as a writer writes it again.
fn rewritten(head: &Body) -> BodyOut<'_> {
    BodyOut {
        names: head.names.iter().map(String::as_str).collect(),
        node_chunks: head.node_chunks.clone(),
        indexes: head.indexes.clone(),
        next_edge: head.next_edge,
        edge_properties: head.edge_properties.iter().map(|(id, p)| (*id, p)).collect(),
    }
}

/// The payload a version 7 writer made of the graph in `bytes` (which names no index): the
/// body without the index names that follow it from version 8.
fn version_7_payload(bytes: &[u8]) -> Vec<u8> {
    let (payload, body_len, head, used) = body_of(bytes);
    let encoded = bincode::serde::encode_to_vec(rewritten(&head), bincode::config::standard()).unwrap();
    with_body(payload, body_len, &encoded, &payload[PREFIX_LEN + used..PREFIX_LEN + body_len])
}

#[test]
fn a_version_7_file_without_index_names_still_loads() {
    let g = sample();
    let old = version_7_payload(&to_bytes(&g));
    let file = [header_for(7, &old).as_slice(), &old].concat();
    assert_eq!(from_bytes(&file, Path::new("v7")).unwrap(), g);
}

#[test]
fn a_version_8_file_without_full_text_indexes_still_loads() {
    let mut g = sample();
    g.create_index("Campaign", "name");
    let bytes = to_bytes(&g);
    let (payload, body_len, head, used) = body_of(&bytes);
    let head = rewritten(&head);
    let no_names: Vec<(String, u32, u32)> = Vec::new();
    let encoded = bincode::serde::encode_to_vec((&head, &no_names), bincode::config::standard()).unwrap();
    let old = with_body(payload, body_len, &encoded, &payload[PREFIX_LEN + used..PREFIX_LEN + body_len]);
    let file = [header_for(8, &old).as_slice(), &old].concat();
    let back = from_bytes(&file, Path::new("v8")).unwrap();
    assert_eq!(back, g);
    assert!(back.has_index("Campaign", "name"));
}

#[test]
fn full_text_indexes_are_kept_and_rebuilt() {
    let mut g = sample();
    let def = crate::graph::FulltextDef {
        relationship: false,
        on: vec![g.intern("Campaign")],
        keys: vec![g.intern("name")],
    };
    assert!(g.create_fulltext_index("campaigns", def.clone()));
    let back = from_bytes(&to_bytes(&g), Path::new("mem")).unwrap();
    assert_eq!(back.fulltext_index("campaigns"), Some(&def));
    assert_eq!(back.fulltext_query("campaigns", false, "c").unwrap().len(), 1);
}

#[test]
fn index_names_are_kept() {
    let mut g = sample();
    g.create_index("Person", "name");
    g.create_rel_index("KNOWS", "since");
    let defs = g.index_defs();
    assert!(g.name_index("actor_name", defs[0]) && g.name_index("known_since", defs[1]));
    let def = defs[0];
    let back = from_bytes(&to_bytes(&g), Path::new("mem")).unwrap();
    assert_eq!(back.index_called("actor_name"), Some(def));
    assert_eq!(back.index_name(def), "actor_name");
    assert_eq!(back.index_called("known_since"), Some(defs[1]));
}

#[test]
fn a_version_5_file_checksummed_over_its_payload_alone_still_loads() {
    let g = sample();
    let payload = version_7_payload(&to_bytes(&g));
    let bytes = [header_for(7, &payload).as_slice(), &payload].concat();
    let old = [header_for(5, &bytes[HEADER_LEN..]).as_slice(), &bytes[HEADER_LEN..]].concat();
    assert_ne!(old[20..24], bytes[20..24], "the checksums differ");
    assert_eq!(from_bytes(&old, Path::new("v5")).unwrap(), g);
}

fn flags_of(bytes: &[u8]) -> u32 {
    u32::from_le_bytes(bytes[HEADER_LEN + 20..HEADER_LEN + 24].try_into().unwrap())
}

/// Each of the three ways relationships are written reads back to an equal graph, ids and next
/// id included.
#[test]
fn every_relationship_layout_round_trips() {
    let mut rows = Graph::new();
    let nodes: Vec<_> = (0..10).map(|_| rows.create_node(&["N"], [])).collect();
    let types = [rows.intern("attributed-to"), rows.intern("linked-to")];
    let mut columns = crate::graph::Columns::default();
    for i in 0..40 {
        columns.push(nodes[i % 10].0, nodes[i * 3 % 10].0, types[i % 2], Properties::default());
    }
    // Loaded in bulk: numbered by start node, as rows are written.
    rows.add_edges(columns).unwrap();
    let mut with_ids = rows.clone();
    with_ids.remove_edge(crate::graph::EdgeId(7)).unwrap();
    let mut wide = Graph::new();
    let a = wide.create_node(&[], []);
    for t in 0..300 {
        wide.create_edge(a, a, &format!("t{t}"), [("w", Value::Int(t))]).unwrap();
    }
    // Created one by one and not folded into rows yet, but numbered by start node: written as
    // rows all the same, the codes given as the rows would give them.
    let mut pending = Graph::new();
    let (a, b) = (pending.create_node(&[], []), pending.create_node(&[], []));
    for (from, to, ty) in [(a, b, "linked-to"), (a, a, "attributed-to"), (b, a, "linked-to")] {
        pending.create_edge(from, to, ty, []).unwrap();
    }
    assert!(pending.out_rows().is_none());
    for (graph, flags) in [(rows, ROWS), (with_ids, EDGE_IDS), (wide, 0), (pending, ROWS)] {
        let bytes = to_bytes(&graph);
        assert_eq!(flags_of(&bytes), flags);
        let back = from_bytes(&bytes, Path::new("mem")).unwrap();
        assert_eq!(back, graph, "flags {flags}");
        assert_eq!(back.edge_id_mark(), graph.edge_id_mark());
    }
}

/// A chunk of nodes longer than its records, in a file whose checksum is right: refused.
#[test]
fn a_chunk_of_nodes_with_bytes_left_over_is_refused() {
    let bytes = to_bytes(&sample());
    let (payload, body_len, head, used) = body_of(&bytes);
    let chunk = &payload[PREFIX_LEN + used..PREFIX_LEN + body_len];
    let config = bincode::config::standard();
    let forged_head = BodyOut {
        names: head.names.iter().map(String::as_str).collect(),
        node_chunks: vec![chunk.len() as u64 + 1],
        indexes: head.indexes.clone(),
        next_edge: head.next_edge,
        edge_properties: head.edge_properties.iter().map(|(id, p)| (*id, p)).collect(),
    };
    let no_names: Vec<(&str, u32, u32)> = Vec::new();
    let no_fulltext: Vec<FulltextRecord> = Vec::new();
    let no_constraints: Vec<ConstraintRecord> = Vec::new();
    let forged_body =
        bincode::serde::encode_to_vec((&forged_head, &no_names, &no_fulltext, &no_constraints), config)
            .unwrap();
    let forged = with_body(payload, body_len, &forged_body, &[chunk, &[0]].concat());
    match from_bytes(&sealed(&forged), Path::new("mem")) {
        Err(SnapshotError::Corrupt { detail, .. }) => {
            assert!(detail.contains("left over in a chunk"), "{detail}")
        }
        other => panic!("expected a corrupt snapshot, got {other:?}"),
    }
}

#[test]
fn a_node_bound_the_machine_cannot_hold_is_refused_before_anything_is_allocated() {
    let big = u64::from(u32::MAX);
    let refused = check_room(Path::new("g.kgs"), big, Some(24 << 30)).unwrap_err().to_string();
    assert!(refused.contains("node ids run up to 4294967295, which would take 163839 MiB"), "{refused}");
    assert!(refused.contains("this machine has 24576 MiB"), "{refused}");
    assert!(check_room(Path::new("g.kgs"), 1 << 20, Some(24 << 30)).is_ok());
    assert!(check_room(Path::new("g.kgs"), big, None).is_ok(), "unknown memory: no guess");
    // A file claiming that bound, with a right checksum: refused for the memory where the
    // machine is smaller than the bound needs, else for its columns' length; never loaded.
    let bytes = to_bytes(&sample());
    let mut payload = bytes[HEADER_LEN..].to_vec();
    payload[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
    let error = from_bytes(&sealed(&payload), Path::new("mem")).unwrap_err();
    match machine_memory() {
        Some(has) if has < big * BYTES_PER_NODE_ID => {
            assert!(matches!(error, SnapshotError::TooLarge { .. }), "{error}")
        }
        _ => assert!(matches!(error, SnapshotError::Corrupt { .. }), "{error}"),
    }
}

#[test]
fn a_forged_payload_with_a_valid_checksum_is_refused_not_trusted() {
    // A huge length prefix for the name table, with a correct header around it.
    let payload = [0xFFu8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F];
    assert!(matches!(from_bytes(&sealed(&payload), Path::new("mem")), Err(SnapshotError::Corrupt { .. })));
}
