//! Reading back what kgraph exports — JSON Lines and GraphML (CSV directories go through
//! [`crate::import`], Cypher scripts run, STIX bundles through [`crate::stix`]) — into a graph equal to
//! the one exported: the same ids where the file gives them densely, the same labels, types and
//! property values with their types.

mod graphml;
mod jsonl;

pub use graphml::{KGRAPH_NS, looks_like_graphml, read_graphml};
pub use jsonl::{looks_like_jsonl, read_jsonl, value_from_json_text, value_to_json};

use std::collections::HashMap;

use crate::graph::{EdgeId, Graph, NodeId, Properties};
use crate::value::Value;

/// What a reader found, before it is a graph: entities under the ids the file gives them.
#[derive(Default)]
pub(crate) struct Found {
    pub nodes: Vec<FoundNode>,
    pub edges: Vec<FoundEdge>,
    pub problems: Vec<String>,
}

pub(crate) struct FoundNode {
    pub key: String,
    pub labels: Vec<String>,
    pub properties: Vec<(String, Value)>,
}

pub(crate) struct FoundEdge {
    pub key: String,
    pub from: String,
    pub to: String,
    pub ty: String,
    pub properties: Vec<(String, Value)>,
}

/// Ids spread wider than this many slots per entity (plus a margin) are renumbered rather than kept:
/// a file cannot make the graph allocate for ids it does not hold.
const SPREAD: u64 = 2;
const MARGIN: u64 = 1024;

/// The numbers of `keys` if every key is a distinct number and they are dense enough to keep.
fn keepable<'a>(keys: impl Iterator<Item = &'a str>, count: usize) -> Option<Vec<u32>> {
    let mut ids = Vec::with_capacity(count);
    let mut seen = std::collections::HashSet::with_capacity(count);
    for key in keys {
        let id: u32 = key.parse().ok()?;
        if !seen.insert(id) {
            return None;
        }
        ids.push(id);
    }
    let max = ids.iter().copied().max().map_or(0, u64::from);
    (max < SPREAD * count as u64 + MARGIN).then_some(ids)
}

impl Found {
    /// The graph: node and relationship ids as in the file when they are distinct numbers (an
    /// export's), numbered in file order otherwise. Relationships whose ends are not nodes of the
    /// file are reported and left out.
    pub(crate) fn into_graph(self) -> (Graph, Vec<String>) {
        let Found { nodes, edges, mut problems } = self;
        let mut g = Graph::new();
        let mut by_key: HashMap<String, NodeId> = HashMap::with_capacity(nodes.len());
        let kept = keepable(nodes.iter().map(|n| n.key.as_str()), nodes.len());
        let props = |g: &mut Graph, found: Vec<(String, Value)>| {
            let mut p = Properties::default();
            for (k, v) in found {
                let k = g.intern(&k);
                p.set(k, v);
            }
            p
        };
        match kept {
            Some(ids) => {
                // Slots are taken in id order; the ids no node holds are filled, then freed, so
                // that every node gets its own.
                let mut order: Vec<(u32, FoundNode)> = ids.into_iter().zip(nodes).collect();
                order.sort_by_key(|(id, _)| *id);
                let mut fillers = Vec::new();
                let mut next = 0u32;
                for (id, node) in order {
                    while next < id {
                        fillers.push(g.add_node(&[], Properties::default()));
                        next += 1;
                    }
                    let labels: Vec<_> = node.labels.iter().map(|l| g.intern(l)).collect();
                    let p = props(&mut g, node.properties);
                    by_key.insert(node.key, g.add_node(&labels, p));
                    next = id + 1;
                }
                for filler in fillers {
                    // A filler was just made, with no relationships.
                    g.remove_node(filler).expect("a filler node has no relationships");
                }
            }
            None => {
                for node in nodes {
                    if by_key.contains_key(&node.key) {
                        problems
                            .push(format!("node {}: the id appears twice; the second was skipped", node.key));
                        continue;
                    }
                    let labels: Vec<_> = node.labels.iter().map(|l| g.intern(l)).collect();
                    let p = props(&mut g, node.properties);
                    by_key.insert(node.key, g.add_node(&labels, p));
                }
            }
        }
        let kept = keepable(edges.iter().map(|e| e.key.as_str()), edges.len());
        let mut order: Vec<(Option<u32>, FoundEdge)> = match kept {
            Some(ids) => ids.into_iter().map(Some).zip(edges).collect(),
            None => edges.into_iter().map(|e| (None, e)).collect(),
        };
        order.sort_by_key(|(id, _)| *id);
        for (id, edge) in order {
            let (Some(&from), Some(&to)) = (by_key.get(&edge.from), by_key.get(&edge.to)) else {
                problems.push(format!(
                    "relationship {}: its start {} or end {} is not a node of the file",
                    edge.key, edge.from, edge.to
                ));
                continue;
            };
            let ty = g.intern(&edge.ty);
            let p = props(&mut g, edge.properties);
            let added = match id {
                Some(id) => g.add_edge_at(EdgeId(id), from, to, ty, p).map(|_| ()),
                None => g.add_edge(from, to, ty, p).map(|_| ()),
            };
            if let Err(e) = added {
                problems.push(format!("relationship {}: {e}", edge.key));
            }
        }
        g.prepare_reads();
        (g, problems)
    }
}
