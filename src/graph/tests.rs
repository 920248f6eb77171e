use std::collections::BTreeMap;

use super::*;

fn small() -> (Graph, NodeId, NodeId, NodeId) {
    let mut g = Graph::new();
    let a = g.create_node(&["Campaign"], [("name", Value::from("c"))]);
    let b = g.create_node(&["ThreatActor"], [("name", Value::from("APT31"))]);
    let c = g.create_node(&["Organization"], [("name", Value::from("MSS"))]);
    g.create_edge(a, b, "attributed-to", []).unwrap();
    g.create_edge(b, c, "linked-to", [("confidence", Value::from("high"))]).unwrap();
    g.create_edge(c, c, "part-of", []).unwrap();
    (g, a, b, c)
}

#[test]
fn neighbours_by_direction_and_type() {
    let (g, a, b, c) = small();
    let mut out = Vec::new();
    g.neighbours(b, Direction::Outgoing, &[], &mut out);
    assert_eq!(out.iter().map(|p| p.1).collect::<Vec<_>>(), [c]);
    out.clear();
    g.neighbours(b, Direction::Incoming, &[], &mut out);
    assert_eq!(out.iter().map(|p| p.1).collect::<Vec<_>>(), [a]);
    out.clear();
    let linked = g.symbol("linked-to").unwrap();
    g.neighbours(b, Direction::Both, &[linked], &mut out);
    assert_eq!(out.iter().map(|p| p.1).collect::<Vec<_>>(), [c]);
    out.clear();
    // The self-loop shows once when both directions are followed.
    g.neighbours(c, Direction::Both, &[g.symbol("part-of").unwrap()], &mut out);
    assert_eq!(out.len(), 1);
}

#[test]
fn label_index_follows_removals() {
    let (mut g, a, b, _) = small();
    let actor = g.symbol("ThreatActor").unwrap();
    assert_eq!(g.next_node(None, Some(actor)), Some(b));
    assert_eq!(g.remove_node(b), Err(GraphError::NodeHasEdges(b.0)));
    g.detach_remove_node(b).unwrap();
    assert_eq!(g.next_node(None, Some(actor)), None);
    assert_eq!(g.label_count(actor), 0);
    assert_eq!(g.edge_count(), 1);
    assert_eq!(g.next_node(None, None), Some(a));
    assert_eq!(g.next_node(Some(a), None).map(|n| n.0), Some(2));
}

/// The graph's relationships as columns with their ids, as a snapshot holds them.
fn columns_of(g: &Graph) -> Columns {
    let mut columns = Columns { ids: Some(Vec::new()), ..Columns::default() };
    for e in g.edges() {
        let (s, t) = g.endpoints(e).unwrap();
        columns.ids.as_mut().unwrap().push(e.0);
        columns.push(s.0, t.0, g.edge_type(e).unwrap(), g.edge_properties(e).clone());
    }
    columns
}

#[test]
fn restore_keeps_ids_across_holes() {
    let (mut g, a, _, _) = small();
    let extra = g.create_node(&["X"], []);
    g.detach_remove_node(a).unwrap();
    let names = g.interner().clone();
    let nodes = g
        .nodes()
        .map(|n| (n.0, g.labels(n).iter().copied().collect(), g.node_properties(n).clone()))
        .collect();
    let back = Graph::restore(names, nodes, columns_of(&g), Some(g.edge_id_mark())).unwrap();
    assert_eq!(back, g);
    assert!(back.contains_node(extra) && !back.contains_node(a));
    assert_eq!(back.edge_id_mark(), g.edge_id_mark(), "the next id survives the round trip");
}

/// What `neighbours` must list, from a plain list of the live relationships.
fn expected(
    model: &BTreeMap<u32, (u32, u32, Sym)>,
    n: u32,
    dir: Direction,
    wanted: &[Sym],
) -> Vec<(EdgeId, NodeId)> {
    let mut out = Vec::new();
    for (&id, &(a, b, t)) in model {
        if !wanted.is_empty() && !wanted.contains(&t) {
            continue;
        }
        if a == n && dir != Direction::Incoming {
            out.push((EdgeId(id), NodeId(b)));
        } else if b == n && dir != Direction::Outgoing {
            out.push((EdgeId(id), NodeId(a)));
        }
    }
    out
}

proptest::proptest! {
    /// Whatever the writes, rollbacks and compactions, the store reads as a plain list of the live
    /// relationships would, ids are never handed out twice, and the in-place rows (when offered)
    /// agree.
    #[test]
    fn the_store_agrees_with_a_plain_list(ops in proptest::collection::vec((0u8..8, 0u32..12, 0u32..12, 0u32..3), 1..120)) {
        let mut g = Graph::new();
        let types = [g.intern("a"), g.intern("b"), g.intern("c")];
        let mut model: BTreeMap<u32, (u32, u32, Sym)> = BTreeMap::new();
        let mut highest_given: Option<u32> = None;
        for (op, x, y, t) in ops {
            let (nx, ny) = (NodeId(x), NodeId(y));
            match op {
                0 => { g.add_node(&[], Properties::default()); }
                1 | 2 => {
                    if let Ok(e) = g.add_edge(nx, ny, types[t as usize], Properties::default()) {
                        proptest::prop_assert!(highest_given.is_none_or(|h| e.0 > h), "id {} reused", e.0);
                        highest_given = Some(e.0);
                        model.insert(e.0, (x, y, types[t as usize]));
                    }
                }
                3 => {
                    let e = EdgeId(x * 3 + t);
                    proptest::prop_assert_eq!(g.remove_edge(e).is_ok(), model.remove(&e.0).is_some());
                }
                4 => {
                    if g.detach_remove_node(nx).is_ok() {
                        model.retain(|_, &mut (a, b, _)| a != x && b != x);
                    }
                }
                5 => {
                    // A failed statement's delete, undone.
                    let e = EdgeId(x * 3 + t);
                    if let Some(&(a, b, ty)) = model.get(&e.0) {
                        let key = g.intern("k");
                        g.set_edge_property(e, key, Value::Int(7)).unwrap();
                        let props = g.edge_properties(e).clone();
                        g.remove_edge(e).unwrap();
                        g.restore_edge(e, NodeId(a), NodeId(b), ty, props).unwrap();
                        proptest::prop_assert_eq!(g.edge_property(e, "k"), Some(&Value::Int(7)));
                    }
                }
                _ => g.prepare_reads(),
            }
            let ids: Vec<u32> = g.edges().map(|e| e.0).collect();
            proptest::prop_assert_eq!(&ids, &model.keys().copied().collect::<Vec<_>>());
            proptest::prop_assert_eq!(g.edge_count(), model.len());
            for (&id, &(a, b, ty)) in &model {
                proptest::prop_assert_eq!(g.endpoints(EdgeId(id)), Some((NodeId(a), NodeId(b))));
                proptest::prop_assert_eq!(g.edge_type(EdgeId(id)), Some(ty));
            }
            for n in 0..14 {
                for dir in [Direction::Outgoing, Direction::Incoming, Direction::Both] {
                    for wanted in [&[][..], &types[..1], &types[1..]] {
                        let mut listed = Vec::new();
                        g.neighbours(NodeId(n), dir, wanted, &mut listed);
                        listed.sort();
                        let want = expected(&model, n, dir, wanted);
                        proptest::prop_assert_eq!(g.degree(NodeId(n), dir, wanted), want.len());
                        if let Some(rows) = g.rows(dir) {
                            let mut viewed = Vec::new();
                            rows.any(n, &rows.wanted(wanted), |m| { viewed.push(NodeId(m)); false });
                            proptest::prop_assert_eq!(rows.degree(n, &rows.wanted(wanted)), viewed.len());
                            viewed.sort();
                            let mut others: Vec<NodeId> = want.iter().map(|&(_, m)| m).collect();
                            others.sort();
                            proptest::prop_assert_eq!(viewed, others);
                        }
                        proptest::prop_assert_eq!(listed, want);
                    }
                }
            }
        }
    }
}

/// Past 256 relationship types the rows store full symbols instead of one-byte codes; both forms
/// read the same, and a type no relationship has matches nothing.
#[test]
fn narrow_and_wide_type_codes_read_the_same() {
    for type_count in [3u32, 300] {
        let mut g = Graph::new();
        let nodes: Vec<NodeId> = (0..20).map(|_| g.add_node(&[], Properties::default())).collect();
        let types: Vec<Sym> = (0..type_count).map(|t| g.intern(&format!("t{t}"))).collect();
        let unused = g.intern("unused");
        let mut model = BTreeMap::new();
        for i in 0..600u32 {
            let (a, b) = (nodes[(i * 7 % 20) as usize], nodes[(i * 13 % 20) as usize]);
            let ty = types[(i % type_count) as usize];
            let e = g.add_edge(a, b, ty, Properties::default()).unwrap();
            model.insert(e.0, (a.0, b.0, ty));
        }
        g.prepare_reads();
        assert!(g.rows(Direction::Outgoing).is_some());
        for &n in &nodes {
            for dir in [Direction::Outgoing, Direction::Incoming, Direction::Both] {
                for wanted in [vec![], vec![types[1]], vec![types[0], types[2]], vec![unused]] {
                    let mut listed = Vec::new();
                    g.neighbours(n, dir, &wanted, &mut listed);
                    listed.sort();
                    let want = expected(&model, n.0, dir, &wanted);
                    assert_eq!(listed, want, "{type_count} types, {dir:?}, {wanted:?}");
                    assert_eq!(g.degree(n, dir, &wanted), want.len());
                    if let Some(rows) = g.rows(dir) {
                        assert_eq!(rows.degree(n.0, &rows.wanted(&wanted)), want.len());
                    }
                }
            }
        }
    }
}

/// What each node and relationship costs, besides the compressed rows: a regression here is paid
/// per entity, millions of times.
#[test]
fn entity_records_stay_small() {
    assert_eq!(std::mem::size_of::<Properties>(), 8);
    assert_eq!(std::mem::size_of::<Value>(), 32);
    assert_eq!(std::mem::size_of::<Option<NewEdge>>(), 16);
    // Labels inline (one label needs no allocation of its own), properties behind one pointer.
    assert_eq!(std::mem::size_of::<Option<NodeData>>(), 24);
}

/// 1000 nodes and 100,000 relationships of one type loaded in bulk; the nodes and the type.
fn bulk_loaded() -> (Graph, Vec<NodeId>, Sym) {
    let mut g = Graph::new();
    let nodes: Vec<NodeId> = (0..1000).map(|_| g.add_node(&[], Properties::default())).collect();
    let ty = g.intern("linked-to");
    let mut columns = Columns::default();
    for i in 0..100_000u32 {
        columns.push(
            nodes[(i * 7919 % 1000) as usize].0,
            nodes[(i % 1000) as usize].0,
            ty,
            Properties::default(),
        );
    }
    g.add_edges(columns).unwrap();
    (g, nodes, ty)
}

/// A bulk load numbers relationships by start node and keeps no id table for it; the rows then
/// cost 14 bytes a relationship, plus per-node offsets and degrees.
#[test]
fn bulk_loaded_relationships_cost_fourteen_bytes_each() {
    let (mut g, nodes, ty) = bulk_loaded();
    assert_eq!(g.edge_count(), 100_000);
    let per_node = 2 * 4 + 2 * 4; // offsets and degrees by type, both directions
    assert!(g.adjacency_bytes() <= 100_000 * 14 + 1000 * per_node + 64, "{} bytes", g.adjacency_bytes());
    // Ids are the positions: the first relationships are those of node 0.
    assert_eq!(g.endpoints(EdgeId(0)).map(|(a, _)| a), Some(nodes[0]));
    let e = g.add_edge(nodes[1], nodes[2], ty, Properties::default()).unwrap();
    assert_eq!(e, EdgeId(100_000), "new relationships are numbered after the loaded ones");
}

/// Setting a property on a few loaded relationships costs those few, not a slot for every one (which
/// was 8 bytes a relationship: 128 MB at 16 M), and they are saved and loaded as any others.
#[test]
fn a_few_relationship_properties_on_a_bulk_load_cost_only_themselves() {
    let (mut g, _, _) = bulk_loaded();
    let before = g.adjacency_bytes();
    let note = g.intern("note");
    for id in [5u32, 77_777, 99_999] {
        g.set_edge_property(EdgeId(id), note, Value::Int(id.into())).unwrap();
    }
    let grown = g.adjacency_bytes() - before;
    assert!(grown < 1000, "three properties took {grown} bytes of the rows");
    let loaded =
        crate::snapshot::from_bytes(&crate::snapshot::to_bytes(&g), std::path::Path::new("-")).unwrap();
    for id in [5u32, 77_777, 99_999] {
        assert_eq!(loaded.edge_properties(EdgeId(id)).get(note), Some(&Value::Int(id.into())));
    }
    assert!(loaded.edge_properties(EdgeId(6)).is_empty());
}

#[test]
fn writes_after_the_build_read_correctly_and_fold_in_when_many() {
    let (mut g, a, _, c) = small();
    g.prepare_reads();
    assert!(g.rows(Direction::Outgoing).is_some());
    let t = g.intern("new");
    let e = g.add_edge(c, a, t, Properties::default()).unwrap();
    assert!(g.rows(Direction::Outgoing).is_none(), "rows in place would miss the new relationship");
    let mut out = Vec::new();
    g.neighbours(c, Direction::Outgoing, &[t], &mut out);
    assert_eq!(out, vec![(e, a)]);
    g.remove_edge(e).unwrap();
    out.clear();
    g.neighbours(c, Direction::Outgoing, &[t], &mut out);
    assert!(out.is_empty());
    let f = g.add_edge(a, c, t, Properties::default()).unwrap();
    assert!(f.0 > e.0, "a deleted relationship's id is not handed out again");
    g.prepare_reads();
    assert!(g.rows(Direction::Outgoing).is_some(), "a small graph folds its writes in at once");
    out.clear();
    g.neighbours(a, Direction::Both, &[], &mut out);
    let ids: Vec<u32> = out.iter().map(|&(e, _)| e.0).collect();
    assert_eq!(ids, [f.0, 0], "newest first");
    assert_eq!(g.edges().map(|e| e.0).collect::<Vec<_>>(), [0, 1, 2, f.0]);
}

#[test]
fn schema_counts() {
    let (g, ..) = small();
    let s = g.schema();
    assert_eq!(s.labels["Campaign"], 1);
    assert_eq!(s.edge_types["linked-to"], 1);
    assert_eq!(s.node_keys["name"], 3);
    assert_eq!(s.edge_keys["confidence"], 1);
}

/// Past a million relationships the rows are built on every core; what each core builds must fit
/// together into the rows one pass would build: every relationship once, in its start node's row
/// in load order and in its end node's row by id.
#[test]
fn rows_built_on_several_cores_hold_every_relationship_in_order() {
    let mut g = Graph::new();
    let nodes = 5_000u32;
    for _ in 0..nodes {
        g.add_node(&[], Properties::default());
    }
    let types = [g.intern("a"), g.intern("b"), g.intern("c")];
    let mut columns = Columns::default();
    let mut x = 12345u64;
    let mut next = || {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (x >> 33) as u32
    };
    let total = (1 << 20) + 4321;
    for _ in 0..total {
        let (a, b, t) = (next() % nodes, next() % nodes, next() % 3);
        columns.push(a, b, types[t as usize], Properties::default());
    }
    let (src, dst, tys) = (columns.src.clone(), columns.dst.clone(), columns.types.clone());
    g.add_edges(columns).unwrap();
    // Ids are positions in the outgoing rows: a node's row follows the rows of the nodes before it.
    let mut first = vec![0u32; nodes as usize + 1];
    for &a in &src {
        first[a as usize + 1] += 1;
    }
    for n in 1..first.len() {
        first[n] += first[n - 1];
    }
    let mut outgoing: Vec<Vec<(EdgeId, NodeId)>> = vec![Vec::new(); nodes as usize];
    let mut incoming: Vec<Vec<(EdgeId, NodeId)>> = vec![Vec::new(); nodes as usize];
    for i in 0..total {
        let (a, b) = (src[i] as usize, dst[i] as usize);
        let id = EdgeId(first[a]);
        first[a] += 1;
        assert_eq!(g.edge_type(id), Some(tys[i]));
        outgoing[a].push((id, NodeId(b as u32)));
        incoming[b].push((id, NodeId(a as u32)));
    }
    let mut listed = Vec::new();
    for n in 0..nodes as usize {
        listed.clear();
        g.neighbours(NodeId(n as u32), Direction::Outgoing, &[], &mut listed);
        listed.reverse();
        assert_eq!(listed, outgoing[n], "outgoing row of {n}, in load order");
        listed.clear();
        g.neighbours(NodeId(n as u32), Direction::Incoming, &[], &mut listed);
        listed.reverse();
        incoming[n].sort();
        assert_eq!(listed, incoming[n], "incoming row of {n}, by id");
    }
}
