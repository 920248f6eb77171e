//! Comparing graphs by content: the same ids with the same labels, types, ends and properties,
//! however names happen to be interned and whatever order entities were made in.

use super::{Graph, Properties};
use crate::value::Value;

impl Graph {
    /// A form independent of symbol numbering and insertion history, for comparing graphs.
    fn canonical(&self) -> CanonicalGraph {
        let name_map = |props: &Properties| -> Vec<(String, Value)> {
            let mut v: Vec<(String, Value)> =
                props.iter().map(|(k, v)| (self.name(k).to_string(), v.clone())).collect();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        };
        let nodes = self
            .nodes()
            .map(|n| {
                let mut labels: Vec<String> =
                    self.labels(n).iter().map(|&l| self.name(l).to_string()).collect();
                labels.sort();
                (n.0, labels, name_map(self.node_properties(n)))
            })
            .collect();
        let mut edges: Vec<_> = self
            .edges()
            .filter_map(|e| {
                let (a, b) = self.endpoints(e)?;
                let ty = self.name(self.edge_type(e)?).to_string();
                Some((e.0, a.0, b.0, ty, name_map(self.edge_properties(e))))
            })
            .collect();
        // Relationships come out of storage in its order (rows, then those created since), which
        // two equal graphs need not share.
        edges.sort_by_key(|e| e.0);
        let mut nodes: Vec<_> = nodes;
        nodes.sort_by_key(|n: &(u32, Vec<String>, CanonicalProps)| n.0);
        CanonicalGraph { nodes, edges }
    }
}

type CanonicalProps = Vec<(String, Value)>;

#[derive(Debug)]
struct CanonicalGraph {
    nodes: Vec<(u32, Vec<String>, CanonicalProps)>,
    edges: Vec<(u32, u32, u32, String, CanonicalProps)>,
}

/// Values as stored, floats bit for bit, but any NaN equal to any other: the sign and payload of a
/// NaN mean nothing to Cypher, and no text format (JSON, GraphML, CSV) keeps them.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
        (Value::List(xs), Value::List(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same_value(x, y))
        }
        _ => a.identical(b),
    }
}

impl PartialEq for CanonicalGraph {
    fn eq(&self, other: &Self) -> bool {
        let same_props = |a: &CanonicalProps, b: &CanonicalProps| {
            a.len() == b.len() && a.iter().zip(b).all(|((ka, va), (kb, vb))| ka == kb && same_value(va, vb))
        };
        self.nodes.len() == other.nodes.len()
            && self.edges.len() == other.edges.len()
            && self
                .nodes
                .iter()
                .zip(&other.nodes)
                .all(|(a, b)| a.0 == b.0 && a.1 == b.1 && same_props(&a.2, &b.2))
            && self
                .edges
                .iter()
                .zip(&other.edges)
                .all(|(a, b)| (a.0, a.1, a.2, &a.3) == (b.0, b.1, b.2, &b.3) && same_props(&a.4, &b.4))
    }
}

impl Graph {
    /// Equality as `==` has it, but for relationship ids: the same nodes (ids included), and the same
    /// relationships (ends, type, properties) however they are numbered. What a bulk import of an
    /// export gives back, since an import numbers relationships its own way.
    pub fn equal_but_for_relationship_ids(&self, other: &Graph) -> bool {
        let renumbered = |g: &Graph| {
            let mut canonical = g.canonical();
            for e in &mut canonical.edges {
                e.0 = 0;
            }
            canonical.edges.sort_by_cached_key(|e| (e.1, e.2, e.3.clone(), format!("{:?}", e.4)));
            canonical
        };
        renumbered(self) == renumbered(other)
    }
}

/// Two graphs are equal when they hold the same ids with the same labels, types, endpoints and
/// properties (floats compared bit for bit, NaNs all alike), however their names happen to be interned.
impl PartialEq for Graph {
    fn eq(&self, other: &Self) -> bool {
        self.canonical() == other.canonical()
    }
}
