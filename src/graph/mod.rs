//! The graph store: entities (labelled nodes with properties) and typed, directed edges with properties.
//!
//! Built on petgraph's `StableGraph`, so node and edge ids survive deletions. Names (labels, types,
//! property keys) are interned; a node or edge holds symbols and a sorted vector of properties, never a
//! `String` name or a `HashMap` of its own, so that tens of millions of edges fit in a few GiB.
//!
//! The query executor reaches adjacency only through [`Graph::neighbours`], which reads a
//! compressed-sparse-row index ([`adjacency`]) kept beside petgraph's linked lists.

mod adjacency;
mod index;
mod interner;
mod properties;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

use adjacency::Adjacency;
pub use adjacency::{RowsView, Wanted};
use index::Indexes;
use petgraph::Direction as PgDirection;
use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableGraph};
use petgraph::visit::{EdgeIndexable, EdgeRef, NodeIndexable};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

pub use interner::{Interner, Sym};
pub use properties::Properties;

use crate::value::Value;

/// A node's id: stable for the node's lifetime, and kept by snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NodeId(pub u32);

/// A relationship's id: stable for the relationship's lifetime, and kept by snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EdgeId(pub u32);

/// Which edges of a node to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Edges leaving the node.
    Outgoing,
    /// Edges arriving at the node.
    Incoming,
    /// Both; a self-loop is reported once.
    Both,
}

impl Direction {
    /// The direction that walks the same edges the other way.
    pub fn reverse(self) -> Direction {
        match self {
            Direction::Outgoing => Direction::Incoming,
            Direction::Incoming => Direction::Outgoing,
            Direction::Both => Direction::Both,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum GraphError {
    #[error("node {0} does not exist")]
    NoSuchNode(u32),
    #[error("relationship {0} does not exist")]
    NoSuchEdge(u32),
    #[error("cannot delete node {0}: it still has relationships (use DETACH DELETE)")]
    NodeHasEdges(u32),
}

#[derive(Debug, Clone)]
struct NodeData {
    /// Sorted and deduplicated; thin (one pointer) because there is one per node.
    labels: thin_vec::ThinVec<Sym>,
    props: Properties,
}

#[derive(Debug, Clone)]
struct EdgeData {
    ty: Sym,
    props: Properties,
}

/// Counts by name, for `:schema` and the like.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    pub labels: BTreeMap<String, usize>,
    pub edge_types: BTreeMap<String, usize>,
    pub node_keys: BTreeMap<String, usize>,
    pub edge_keys: BTreeMap<String, usize>,
}

/// The in-memory property graph.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    g: StableGraph<NodeData, EdgeData, petgraph::Directed, u32>,
    names: Interner,
    by_label: FxHashMap<Sym, BTreeSet<u32>>,
    /// Relationships per type: counts only (a set of ids per type cost ten bytes per relationship and
    /// a sixth of a snapshot's load time, for nothing that reads it).
    type_counts: FxHashMap<Sym, usize>,
    /// Built by [`Graph::prepare_reads`]; until then, and for nodes changed since, adjacency is read
    /// from petgraph.
    adjacency: Option<Adjacency>,
    /// Property indexes (`CREATE INDEX`), kept current by every write below.
    indexes: Indexes,
}

impl Graph {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn node_count(&self) -> usize {
        self.g.node_count()
    }

    pub fn edge_count(&self) -> usize {
        self.g.edge_count()
    }

    /// One past the highest node id in use: the size of a table indexed by node id.
    pub fn node_bound(&self) -> usize {
        self.g.node_bound()
    }

    /// Interns a name (label, type or property key).
    pub fn intern(&mut self, name: &str) -> Sym {
        self.names.intern(name)
    }

    /// The symbol of a name already in the graph; `None` means nothing can carry that name.
    pub fn symbol(&self, name: &str) -> Option<Sym> {
        self.names.get(name)
    }

    pub fn name(&self, sym: Sym) -> &str {
        self.names.resolve(sym)
    }

    pub(crate) fn interner(&self) -> &Interner {
        &self.names
    }

    pub fn add_node(&mut self, labels: &[Sym], props: Properties) -> NodeId {
        let mut labels: thin_vec::ThinVec<Sym> = labels.iter().copied().collect();
        labels.sort_unstable();
        labels.dedup();
        let id = self.g.add_node(NodeData { labels, props });
        for &l in &self.g[id].labels {
            self.by_label.entry(l).or_default().insert(id.index() as u32);
        }
        let id = NodeId(id.index() as u32);
        // A reused slot may still have the edges of the node that held it in the index.
        self.mark_stale(id);
        if !self.indexes.is_empty() {
            let data = &self.g[node_index(id)];
            for (l, k) in self.indexes.on_labels(&data.labels).collect::<Vec<_>>() {
                if let Some(v) = data.props.get(k) {
                    self.indexes.insert(l, k, &v.clone(), id);
                }
            }
        }
        id
    }

    /// Convenience for library users and tests: names as strings.
    pub fn create_node<'a>(
        &mut self,
        labels: &[&str],
        props: impl IntoIterator<Item = (&'a str, Value)>,
    ) -> NodeId {
        let labels: Vec<Sym> = labels.iter().map(|l| self.intern(l)).collect();
        let props = self.properties(props);
        self.add_node(&labels, props)
    }

    pub fn add_edge(
        &mut self,
        from: NodeId,
        to: NodeId,
        ty: Sym,
        props: Properties,
    ) -> Result<EdgeId, GraphError> {
        for n in [from, to] {
            if !self.contains_node(n) {
                return Err(GraphError::NoSuchNode(n.0));
            }
        }
        let id = self.g.add_edge(node_index(from), node_index(to), EdgeData { ty, props });
        let id = id.index() as u32;
        self.mark_stale(from);
        self.mark_stale(to);
        *self.type_counts.entry(ty).or_default() += 1;
        Ok(EdgeId(id))
    }

    /// Convenience for library users and tests: names as strings.
    pub fn create_edge<'a>(
        &mut self,
        from: NodeId,
        to: NodeId,
        ty: &str,
        props: impl IntoIterator<Item = (&'a str, Value)>,
    ) -> Result<EdgeId, GraphError> {
        let ty = self.intern(ty);
        let props = self.properties(props);
        self.add_edge(from, to, ty, props)
    }

    fn properties<'a>(&mut self, props: impl IntoIterator<Item = (&'a str, Value)>) -> Properties {
        let mut out = Properties::default();
        for (k, v) in props {
            let k = self.intern(k);
            out.set(k, v);
        }
        out
    }

    pub fn remove_edge(&mut self, e: EdgeId) -> Result<(), GraphError> {
        if let Some((a, b)) = self.endpoints(e) {
            self.mark_stale(a);
            self.mark_stale(b);
        }
        let data = self.g.remove_edge(edge_index(e)).ok_or(GraphError::NoSuchEdge(e.0))?;
        if let Some(count) = self.type_counts.get_mut(&data.ty) {
            *count -= 1;
            if *count == 0 {
                self.type_counts.remove(&data.ty);
            }
        }
        Ok(())
    }

    /// Removes a node that has no relationships left.
    pub fn remove_node(&mut self, n: NodeId) -> Result<(), GraphError> {
        if !self.contains_node(n) {
            return Err(GraphError::NoSuchNode(n.0));
        }
        let idx = node_index(n);
        let has_edges = self.g.edges_directed(idx, PgDirection::Outgoing).next().is_some()
            || self.g.edges_directed(idx, PgDirection::Incoming).next().is_some();
        if has_edges {
            return Err(GraphError::NodeHasEdges(n.0));
        }
        let data = self.g.remove_node(idx).ok_or(GraphError::NoSuchNode(n.0))?;
        self.mark_stale(n);
        for (l, k) in self.indexes.on_labels(&data.labels).collect::<Vec<_>>() {
            if let Some(v) = data.props.get(k) {
                self.indexes.remove(l, k, v, n);
            }
        }
        for l in data.labels {
            if let Some(set) = self.by_label.get_mut(&l) {
                set.remove(&n.0);
                if set.is_empty() {
                    self.by_label.remove(&l);
                }
            }
        }
        Ok(())
    }

    /// Removes a node and every relationship touching it.
    pub fn detach_remove_node(&mut self, n: NodeId) -> Result<(), GraphError> {
        if !self.contains_node(n) {
            return Err(GraphError::NoSuchNode(n.0));
        }
        let mut touching = Vec::new();
        self.neighbours(n, Direction::Both, &[], &mut touching);
        for (e, _) in touching {
            self.remove_edge(e)?;
        }
        self.remove_node(n)
    }

    pub fn contains_node(&self, n: NodeId) -> bool {
        self.g.contains_node(node_index(n))
    }

    pub fn contains_edge(&self, e: EdgeId) -> bool {
        self.g.edge_weight(edge_index(e)).is_some()
    }

    /// The node's labels, sorted by symbol; empty for a node that does not exist.
    pub fn labels(&self, n: NodeId) -> &[Sym] {
        self.g.node_weight(node_index(n)).map_or(&[], |d| &d.labels)
    }

    pub fn has_label(&self, n: NodeId, label: Sym) -> bool {
        self.labels(n).binary_search(&label).is_ok()
    }

    /// The node's properties; empty for a node that does not exist.
    pub fn node_properties(&self, n: NodeId) -> &Properties {
        self.g.node_weight(node_index(n)).map_or(Properties::empty(), |d| &d.props)
    }

    pub fn node_property(&self, n: NodeId, key: &str) -> Option<&Value> {
        self.node_properties(n).get(self.symbol(key)?)
    }

    pub fn edge_type(&self, e: EdgeId) -> Option<Sym> {
        self.g.edge_weight(edge_index(e)).map(|d| d.ty)
    }

    pub fn edge_properties(&self, e: EdgeId) -> &Properties {
        self.g.edge_weight(edge_index(e)).map_or(Properties::empty(), |d| &d.props)
    }

    pub fn edge_property(&self, e: EdgeId, key: &str) -> Option<&Value> {
        self.edge_properties(e).get(self.symbol(key)?)
    }

    /// The (start, end) nodes of a relationship.
    pub fn endpoints(&self, e: EdgeId) -> Option<(NodeId, NodeId)> {
        let (a, b) = self.g.edge_endpoints(edge_index(e))?;
        Some((NodeId(a.index() as u32), NodeId(b.index() as u32)))
    }

    /// The first node after `after` (in id order) carrying `label` (any node when `None`).
    /// A cursor rather than an iterator, so that a scan holds no borrow of the graph between rows.
    pub fn next_node(&self, after: Option<NodeId>, label: Option<Sym>) -> Option<NodeId> {
        let start = after.map_or(Bound::Unbounded, |n| Bound::Excluded(n.0));
        match label {
            Some(l) => {
                let set = self.by_label.get(&l)?;
                set.range((start, Bound::Unbounded)).next().map(|&i| NodeId(i))
            }
            None => {
                let first = after.map_or(0, |n| n.0 as usize + 1);
                (first..self.g.node_bound()).map(|i| NodeId(i as u32)).find(|&n| self.contains_node(n))
            }
        }
    }

    pub fn nodes(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.g.node_indices().map(|i| NodeId(i.index() as u32))
    }

    pub fn edges(&self) -> impl Iterator<Item = EdgeId> + '_ {
        self.g.edge_indices().map(|i| EdgeId(i.index() as u32))
    }

    /// The labels some node carries, cheaply (from the label index): for completion and the like.
    pub fn label_names(&self) -> Vec<&str> {
        self.by_label.keys().map(|&l| self.name(l)).collect()
    }

    /// The relationship types some relationship has.
    pub fn type_names(&self) -> Vec<&str> {
        self.type_counts.keys().map(|&t| self.name(t)).collect()
    }

    /// Every name the graph has interned (labels, types and property keys, including some no entity
    /// carries any more): what completion offers after a `.`.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.names()
    }

    /// How many nodes carry `label`: what the planner uses to pick where a pattern starts.
    pub fn label_count(&self, label: Sym) -> usize {
        self.by_label.get(&label).map_or(0, BTreeSet::len)
    }

    pub fn type_count(&self, ty: Sym) -> usize {
        self.type_counts.get(&ty).copied().unwrap_or(0)
    }

    fn mark_stale(&mut self, n: NodeId) {
        if let Some(a) = &mut self.adjacency {
            a.mark_stale(n);
        }
    }

    /// Builds the adjacency index, or rebuilds it when enough nodes changed since it was built for
    /// reading through it to pay. Linear in the graph; a no-op when the index is current enough.
    /// Reads are correct without it, only slower.
    pub fn prepare_reads(&mut self) {
        let bound = self.g.node_bound();
        if self.adjacency.as_ref().is_some_and(|a| !a.worth_rebuilding(bound)) {
            return;
        }
        let g = &self.g;
        self.adjacency = Some(Adjacency::build(bound, || {
            g.edge_indices().filter_map(move |e| {
                let (a, b) = g.edge_endpoints(e)?;
                Some((e.index() as u32, a.index() as u32, b.index() as u32, g[e].ty))
            })
        }));
    }

    /// Creates a property index on `label` and `key`, filled from the nodes that have the label;
    /// false when it exists already.
    pub fn create_index(&mut self, label: &str, key: &str) -> bool {
        let (l, k) = (self.intern(label), self.intern(key));
        if !self.indexes.define(l, k) {
            return false;
        }
        let nodes: Vec<u32> = self.by_label.get(&l).map_or_else(Vec::new, |s| s.iter().copied().collect());
        for n in nodes {
            if let Some(v) = self.g[NodeIndex::new(n as usize)].props.get(k).cloned() {
                self.indexes.insert(l, k, &v, NodeId(n));
            }
        }
        true
    }

    /// Drops the index on `label` and `key`; false when there is none.
    pub fn drop_index(&mut self, label: &str, key: &str) -> bool {
        match (self.symbol(label), self.symbol(key)) {
            (Some(l), Some(k)) => self.indexes.drop_index(l, k),
            _ => false,
        }
    }

    /// Whether `label` and `key` have an index.
    pub fn has_index(&self, label: &str, key: &str) -> bool {
        matches!((self.symbol(label), self.symbol(key)), (Some(l), Some(k)) if self.indexes.has(l, k))
    }

    /// The indexes, as (label, key) names.
    pub fn index_names(&self) -> Vec<(String, String)> {
        self.indexes
            .definitions()
            .map(|(l, k)| (self.name(l).to_string(), self.name(k).to_string()))
            .collect()
    }

    /// The nodes carrying `label` whose `key` equals `value`, through the index (which must exist:
    /// see [`Graph::has_index`]); none for null.
    pub fn index_lookup(&self, label: &str, key: &str, value: &Value) -> Vec<NodeId> {
        match (self.symbol(label), self.symbol(key)) {
            (Some(l), Some(k)) => self.indexes.lookup(l, k, value),
            _ => Vec::new(),
        }
    }

    /// One direction (outgoing or incoming) of the adjacency index, read in place, when the index is
    /// built and current for every node; None otherwise (and for `Both`), when callers read through
    /// [`Graph::neighbours`].
    pub fn rows(&self, dir: Direction) -> Option<RowsView<'_>> {
        self.adjacency.as_ref()?.rows(dir, self.g.node_bound())
    }

    /// How many relationships of `n` go in `dir` with one of `types` (any type when empty); with
    /// `Both`, a self-loop counts once, as [`Graph::neighbours`] lists it.
    pub fn degree(&self, n: NodeId, dir: Direction, types: &[Sym]) -> usize {
        if let Some(a) = &self.adjacency
            && a.covers(n)
        {
            return a.degree(n, dir, types);
        }
        let mut out = Vec::new();
        self.linked_neighbours(n, dir, types, &mut out);
        out.len()
    }

    /// Heap bytes held by the adjacency index (zero before it is built).
    pub fn adjacency_bytes(&self) -> usize {
        self.adjacency.as_ref().map_or(0, Adjacency::heap_bytes)
    }

    /// Appends to `out` the (edge, other node) pairs of `n` in direction `dir` whose type is one of
    /// `types` (any type when `types` is empty), newest edge first. This is the executor's only way
    /// to adjacency.
    pub fn neighbours(&self, n: NodeId, dir: Direction, types: &[Sym], out: &mut Vec<(EdgeId, NodeId)>) {
        if let Some(a) = &self.adjacency
            && a.covers(n)
        {
            return a.neighbours(n, dir, types, out);
        }
        self.linked_neighbours(n, dir, types, out);
    }

    /// [`Graph::neighbours`] read from petgraph's linked lists: always current, slow at scale.
    fn linked_neighbours(&self, n: NodeId, dir: Direction, types: &[Sym], out: &mut Vec<(EdgeId, NodeId)>) {
        if !self.contains_node(n) {
            return;
        }
        let idx = node_index(n);
        let wanted = |ty: Sym| types.is_empty() || types.contains(&ty);
        if matches!(dir, Direction::Outgoing | Direction::Both) {
            for e in self.g.edges_directed(idx, PgDirection::Outgoing) {
                if wanted(e.weight().ty) {
                    out.push((EdgeId(e.id().index() as u32), NodeId(e.target().index() as u32)));
                }
            }
        }
        if matches!(dir, Direction::Incoming | Direction::Both) {
            for e in self.g.edges_directed(idx, PgDirection::Incoming) {
                let self_loop = e.source() == e.target();
                if wanted(e.weight().ty) && !(self_loop && dir == Direction::Both) {
                    out.push((EdgeId(e.id().index() as u32), NodeId(e.source().index() as u32)));
                }
            }
        }
    }

    /// Sets (or, with null, removes) a node property; returns the value it replaced.
    pub fn set_node_property(
        &mut self,
        n: NodeId,
        key: Sym,
        value: Value,
    ) -> Result<Option<Value>, GraphError> {
        let data = self.g.node_weight_mut(node_index(n)).ok_or(GraphError::NoSuchNode(n.0))?;
        let indexed: Vec<Sym> =
            self.indexes.on_labels(&data.labels).filter(|&(_, k)| k == key).map(|(l, _)| l).collect();
        let new = (!indexed.is_empty()).then(|| value.clone());
        let old = data.props.set(key, value);
        for l in indexed {
            if let Some(old) = &old {
                self.indexes.remove(l, key, old, n);
            }
            if let Some(new) = &new {
                self.indexes.insert(l, key, new, n);
            }
        }
        Ok(old)
    }

    /// Sets (or, with null, removes) a relationship property; returns the value it replaced.
    pub fn set_edge_property(
        &mut self,
        e: EdgeId,
        key: Sym,
        value: Value,
    ) -> Result<Option<Value>, GraphError> {
        let data = self.g.edge_weight_mut(edge_index(e)).ok_or(GraphError::NoSuchEdge(e.0))?;
        Ok(data.props.set(key, value))
    }

    /// Adds a label to a node; false when it had it already.
    pub fn add_label(&mut self, n: NodeId, label: Sym) -> Result<bool, GraphError> {
        let data = self.g.node_weight_mut(node_index(n)).ok_or(GraphError::NoSuchNode(n.0))?;
        match data.labels.binary_search(&label) {
            Ok(_) => Ok(false),
            Err(i) => {
                data.labels.insert(i, label);
                self.by_label.entry(label).or_default().insert(n.0);
                for (l, k) in self.indexes.on_labels(&[label]).collect::<Vec<_>>() {
                    if let Some(v) = self.g[node_index(n)].props.get(k).cloned() {
                        self.indexes.insert(l, k, &v, n);
                    }
                }
                Ok(true)
            }
        }
    }

    /// Removes a label from a node; false when it did not have it.
    pub fn remove_label(&mut self, n: NodeId, label: Sym) -> Result<bool, GraphError> {
        let data = self.g.node_weight_mut(node_index(n)).ok_or(GraphError::NoSuchNode(n.0))?;
        match data.labels.binary_search(&label) {
            Err(_) => Ok(false),
            Ok(i) => {
                data.labels.remove(i);
                for (l, k) in self.indexes.on_labels(&[label]).collect::<Vec<_>>() {
                    if let Some(v) = self.g[node_index(n)].props.get(k).cloned() {
                        self.indexes.remove(l, k, &v, n);
                    }
                }
                if let Some(set) = self.by_label.get_mut(&label) {
                    set.remove(&n.0);
                    if set.is_empty() {
                        self.by_label.remove(&label);
                    }
                }
                Ok(true)
            }
        }
    }

    /// Labels, relationship types and property keys with their counts.
    pub fn schema(&self) -> Schema {
        let mut schema = Schema::default();
        for (&l, set) in &self.by_label {
            schema.labels.insert(self.name(l).to_string(), set.len());
        }
        for (&t, &count) in &self.type_counts {
            schema.edge_types.insert(self.name(t).to_string(), count);
        }
        for n in self.g.node_weights() {
            for (k, _) in n.props.iter() {
                *schema.node_keys.entry(self.name(k).to_string()).or_default() += 1;
            }
        }
        for e in self.g.edge_weights() {
            for (k, _) in e.props.iter() {
                *schema.edge_keys.entry(self.name(k).to_string()).or_default() += 1;
            }
        }
        schema
    }

    /// Adds every entity of `other` to this graph. Into an empty graph the ids are kept; otherwise
    /// the newcomers get fresh ids.
    pub fn absorb(&mut self, other: Graph) {
        if self.g.node_bound() == 0 && self.g.edge_bound() == 0 {
            let mine: Vec<(String, String)> = self.index_names();
            *self = other;
            for (l, k) in mine {
                self.create_index(&l, &k);
            }
            return;
        }
        for (l, k) in other.index_names() {
            self.create_index(&l, &k);
        }
        let mut ids = HashMap::with_capacity(other.node_count());
        for n in other.nodes() {
            let labels: Vec<Sym> = other.labels(n).iter().map(|&l| self.intern(other.name(l))).collect();
            let props = self.translate(&other, other.node_properties(n));
            ids.insert(n, self.add_node(&labels, props));
        }
        for e in other.edges() {
            let (Some((a, b)), Some(ty)) = (other.endpoints(e), other.edge_type(e)) else {
                continue;
            };
            let ty = self.intern(other.name(ty));
            let props = self.translate(&other, other.edge_properties(e));
            // Both endpoints were added above, so the edge's nodes exist.
            let _ = self.add_edge(ids[&a], ids[&b], ty, props);
        }
    }

    fn translate(&mut self, other: &Graph, props: &Properties) -> Properties {
        let mut out = Properties::default();
        for (k, v) in props.iter() {
            let k = self.intern(other.name(k));
            out.set(k, v.clone());
        }
        out
    }

    /// Rebuilds a graph whose entities keep the given ids; the ids in between become vacant, as they
    /// were in the graph that was saved. Nodes and edges must be sorted by id, edges' endpoints present.
    pub(crate) fn restore(
        names: Interner,
        nodes: Vec<(u32, Vec<Sym>, Properties)>,
        edges: Vec<(u32, u32, u32, Sym, Properties)>,
    ) -> Result<Graph, GraphError> {
        let mut graph = Graph { names, ..Graph::default() };
        // Sized once: growing by doubling would copy the edge array a dozen times on a large load.
        let node_bound = nodes.last().map_or(0, |n| n.0 as usize + 1);
        let edge_bound = edges.last().map_or(0, |e| e.0 as usize + 1);
        graph.g.reserve_exact_nodes(node_bound.min(nodes.len() * 2 + 16));
        graph.g.reserve_exact_edges(edge_bound.min(edges.len() * 2 + 16));
        let mut vacant_nodes = Vec::new();
        let mut vacant = Vec::new();
        let placeholder = || NodeData { labels: thin_vec::ThinVec::new(), props: Properties::default() };
        for (id, labels, props) in nodes {
            while graph.g.node_bound() < id as usize {
                vacant_nodes.push(graph.g.add_node(placeholder()));
                vacant.push(true);
            }
            if graph.g.node_bound() != id as usize {
                return Err(GraphError::NoSuchNode(id));
            }
            graph.add_node(&labels, props);
            vacant.push(false);
        }
        let mut vacant_edges = Vec::new();
        for (id, from, to, ty, props) in edges {
            while graph.g.edge_bound() < id as usize {
                let anchor = NodeIndex::new(0);
                if graph.g.node_bound() == 0 {
                    return Err(GraphError::NoSuchEdge(id));
                }
                let filler = EdgeData { ty, props: Properties::default() };
                vacant_edges.push(graph.g.add_edge(anchor, anchor, filler));
            }
            if graph.g.edge_bound() != id as usize {
                return Err(GraphError::NoSuchEdge(id));
            }
            let placeholder_end = |n: u32| vacant.get(n as usize).is_some_and(|&v| v);
            if placeholder_end(from) || placeholder_end(to) {
                return Err(GraphError::NoSuchNode(if placeholder_end(from) { from } else { to }));
            }
            graph.add_edge(NodeId(from), NodeId(to), ty, props)?;
        }
        for e in vacant_edges {
            graph.g.remove_edge(e);
        }
        for n in vacant_nodes {
            graph.g.remove_node(n);
        }
        Ok(graph)
    }

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
        let edges = self
            .edges()
            .filter_map(|e| {
                let (a, b) = self.endpoints(e)?;
                let ty = self.name(self.edge_type(e)?).to_string();
                Some((e.0, a.0, b.0, ty, name_map(self.edge_properties(e))))
            })
            .collect();
        CanonicalGraph { nodes, edges }
    }
}

type CanonicalProps = Vec<(String, Value)>;

#[derive(Debug)]
struct CanonicalGraph {
    nodes: Vec<(u32, Vec<String>, CanonicalProps)>,
    edges: Vec<(u32, u32, u32, String, CanonicalProps)>,
}

impl PartialEq for CanonicalGraph {
    fn eq(&self, other: &Self) -> bool {
        let same_props = |a: &CanonicalProps, b: &CanonicalProps| {
            a.len() == b.len() && a.iter().zip(b).all(|((ka, va), (kb, vb))| ka == kb && va.identical(vb))
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

/// Two graphs are equal when they hold the same ids with the same labels, types, endpoints and
/// properties (floats compared bit for bit), however their names happen to be interned.
impl PartialEq for Graph {
    fn eq(&self, other: &Self) -> bool {
        self.canonical() == other.canonical()
    }
}

fn node_index(n: NodeId) -> NodeIndex<u32> {
    NodeIndex::new(n.0 as usize)
}

fn edge_index(e: EdgeId) -> EdgeIndex<u32> {
    EdgeIndex::new(e.0 as usize)
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn restore_keeps_ids_across_holes() {
        let (mut g, a, _, _) = small();
        let extra = g.create_node(&["X"], []);
        g.detach_remove_node(a).unwrap();
        let names = g.interner().clone();
        let nodes = g.nodes().map(|n| (n.0, g.labels(n).to_vec(), g.node_properties(n).clone())).collect();
        let edges = g
            .edges()
            .map(|e| {
                let (s, t) = g.endpoints(e).unwrap();
                (e.0, s.0, t.0, g.edge_type(e).unwrap(), g.edge_properties(e).clone())
            })
            .collect();
        let back = Graph::restore(names, nodes, edges).unwrap();
        assert_eq!(back, g);
        assert!(back.contains_node(extra) && !back.contains_node(a));
    }

    proptest::proptest! {
        /// Whatever the writes and whenever the index is rebuilt, reading adjacency through it gives
        /// what petgraph's own lists give.
        #[test]
        fn the_adjacency_index_agrees_with_petgraph(ops in proptest::collection::vec((0u8..6, 0u32..12, 0u32..12, 0u32..3), 1..120)) {
            let mut g = Graph::new();
            let types = [g.intern("a"), g.intern("b"), g.intern("c")];
            for (op, x, y, t) in ops {
                let (x, y) = (NodeId(x), NodeId(y));
                match op {
                    0 => { g.add_node(&[], Properties::default()); }
                    1 | 2 => { let _ = g.add_edge(x, y, types[t as usize], Properties::default()); }
                    3 => { let _ = g.remove_edge(EdgeId(x.0 * 3 + t)); }
                    4 => { let _ = g.detach_remove_node(x); }
                    _ => g.prepare_reads(),
                }
                for n in 0..14 {
                    for dir in [Direction::Outgoing, Direction::Incoming, Direction::Both] {
                        for wanted in [&[][..], &types[..1], &types[1..]] {
                            let (mut fast, mut slow) = (Vec::new(), Vec::new());
                            g.neighbours(NodeId(n), dir, wanted, &mut fast);
                            g.linked_neighbours(NodeId(n), dir, wanted, &mut slow);
                            fast.sort();
                            slow.sort();
                            proptest::prop_assert_eq!(g.degree(NodeId(n), dir, wanted), slow.len());
                            if let Some(rows) = g.rows(dir) {
                                let mut viewed = Vec::new();
                                rows.any(n, &rows.wanted(wanted), |m| { viewed.push(NodeId(m)); false });
                                proptest::prop_assert_eq!(rows.degree(n, &rows.wanted(wanted)), viewed.len());
                                viewed.sort();
                                let mut listed: Vec<NodeId> = slow.iter().map(|&(_, m)| m).collect();
                                listed.sort();
                                proptest::prop_assert_eq!(viewed, listed);
                            }
                            proptest::prop_assert_eq!(fast, slow);
                        }
                    }
                }
            }
        }
    }

    /// Past 256 relationship types the index stores full symbols instead of one-byte codes; both
    /// forms read as petgraph does, and a type no relationship has matches nothing.
    #[test]
    fn narrow_and_wide_type_codes_read_the_same() {
        for type_count in [3u32, 300] {
            let mut g = Graph::new();
            let nodes: Vec<NodeId> = (0..20).map(|_| g.add_node(&[], Properties::default())).collect();
            let types: Vec<Sym> = (0..type_count).map(|t| g.intern(&format!("t{t}"))).collect();
            let unused = g.intern("unused");
            for i in 0..600u32 {
                let (a, b) = (nodes[(i * 7 % 20) as usize], nodes[(i * 13 % 20) as usize]);
                g.add_edge(a, b, types[(i % type_count) as usize], Properties::default()).unwrap();
            }
            g.prepare_reads();
            for &n in &nodes {
                for dir in [Direction::Outgoing, Direction::Incoming, Direction::Both] {
                    for wanted in [vec![], vec![types[1]], vec![types[0], types[2]], vec![unused]] {
                        let (mut fast, mut slow) = (Vec::new(), Vec::new());
                        g.neighbours(n, dir, &wanted, &mut fast);
                        g.linked_neighbours(n, dir, &wanted, &mut slow);
                        fast.sort();
                        slow.sort();
                        assert_eq!(fast, slow, "{type_count} types, {dir:?}, {wanted:?}");
                        assert_eq!(g.degree(n, dir, &wanted), slow.len());
                        if let Some(rows) = g.rows(dir) {
                            assert_eq!(rows.degree(n.0, &rows.wanted(&wanted)), slow.len());
                        }
                    }
                }
            }
        }
    }

    /// What each node and relationship costs in the store, besides petgraph's links: a regression
    /// here is paid per relationship, tens of millions of times.
    #[test]
    fn entity_records_stay_small() {
        assert_eq!(std::mem::size_of::<Properties>(), 8);
        assert_eq!(std::mem::size_of::<Value>(), 32);
        assert_eq!(std::mem::size_of::<Option<EdgeData>>(), 16);
        assert_eq!(std::mem::size_of::<Option<NodeData>>(), 16);
    }

    #[test]
    fn an_index_built_before_writes_stays_correct_and_is_rebuilt_when_stale() {
        let (mut g, a, _, c) = small();
        g.prepare_reads();
        let before = g.adjacency_bytes();
        assert!(before > 0);
        let t = g.intern("new");
        let e = g.add_edge(c, a, t, Properties::default()).unwrap();
        let mut out = Vec::new();
        g.neighbours(c, Direction::Outgoing, &[t], &mut out);
        assert_eq!(out, vec![(e, a)]);
        g.remove_edge(e).unwrap();
        out.clear();
        g.neighbours(c, Direction::Outgoing, &[t], &mut out);
        assert!(out.is_empty());
        g.prepare_reads();
        out.clear();
        g.neighbours(a, Direction::Both, &[], &mut out);
        let mut linked = Vec::new();
        g.linked_neighbours(a, Direction::Both, &[], &mut linked);
        assert_eq!(out, linked, "the rebuilt index keeps petgraph's newest-first order");
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
}
