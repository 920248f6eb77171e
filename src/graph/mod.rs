//! The graph store: entities (labelled nodes with properties) and typed, directed edges with properties.
//!
//! Nodes live in petgraph's `StableGraph`, so node ids survive deletions. A new node takes the lowest
//! id no node holds (see `write.rs`), so the ids a graph hands out depend only on which ids are in
//! use, not on the order earlier nodes were deleted in, nor on whether the graph was reloaded from a
//! snapshot since; an id freed by a statement is not handed out again before that statement ends,
//! so a deleted node's id never comes to name another node while a statement still holds it.
//! Relationships live in two
//! places: most in `edges`, compressed sparse rows built in bulk (14 bytes a relationship), and
//! those created since the rows were last built in petgraph beside the nodes, until
//! [`Graph::prepare_reads`] folds them into new rows. Relationship ids are handed out in increasing
//! order and never reused, so an id means one relationship for the life of the graph, whatever was
//! compacted when. Names (labels, types, property keys) are interned; an entity holds symbols and a
//! sorted vector of properties, never a `String` name or a `HashMap` of its own.
//!
//! The query executor reaches adjacency only through [`Graph::neighbours`], [`Graph::degree`] and
//! [`Graph::rows`].

mod adjacency;
mod bulk;
mod change;
mod compare;
mod constraints;
mod edges;
mod fulltext;
mod index;
mod index_names;
mod interner;
mod labels;
mod properties;
mod rel_index;
#[cfg(test)]
mod tests;
mod write;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

pub use adjacency::{RowsView, Wanted};
pub(crate) use bulk::{BuiltEdges, NodeRestorer};
pub use change::Change;
pub use constraints::{
    ConstraintDef, ConstraintKind, ConstraintViolation, MAX_CONSTRAINT_KEYS, MAX_CONSTRAINT_TYPES, ValueType,
};
use edges::EdgeStore;
pub(crate) use edges::{Columns, OutRows, type_codes};
pub use fulltext::{FulltextDef, FulltextError, MAX_FULLTEXT_KEYS};
use index::Indexes;
pub use index_names::IndexDef;

/// One end of a range lookup ([`Graph::index_range`]): the value, and whether it is included.
pub type RangeEnd<'a> = Option<(&'a Value, bool)>;
use petgraph::Direction as PgDirection;
use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableGraph};
use petgraph::visit::{EdgeRef, NodeIndexable};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

pub use interner::{Interner, Sym};
pub(crate) use labels::Labels;
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
    #[error("the graph has relationships already")]
    NotEmpty,
    #[error("id {0} is taken, or past the next free one")]
    IdTaken(u32),
    #[error("relationship id {0} is below the next one to hand out")]
    EdgeIdTaken(u32),
    #[error("relationship ids are exhausted: a graph holds at most 4294967295 relationships over its life")]
    EdgeIdsExhausted,
    #[error("{0}")]
    ConstraintViolated(String),
}

#[derive(Debug, Clone, Default)]
struct NodeData {
    /// Sorted and deduplicated; thin (one pointer) because there is one per node.
    labels: Labels,
    props: Properties,
}

/// A relationship created since the compressed rows were built.
#[derive(Debug, Clone)]
struct NewEdge {
    id: u32,
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
    /// Every node, and the relationships created since `edges` was built.
    g: StableGraph<NodeData, NewEdge, petgraph::Directed, u32>,
    /// The relationships built in bulk (loads, and compaction by [`Graph::prepare_reads`]).
    edges: EdgeStore,
    /// Where in `g` each relationship created since lives, by id.
    new_edges: FxHashMap<u32, EdgeIndex<u32>>,
    /// The id the next relationship gets.
    next_edge: u32,
    names: Interner,
    by_label: FxHashMap<Sym, BTreeSet<u32>>,
    /// Relationships per type: counts only (a set of ids per type cost ten bytes per relationship and
    /// a sixth of a snapshot's load time, for nothing that reads it).
    type_counts: FxHashMap<Sym, usize>,
    /// Property indexes (`CREATE INDEX`), kept current by every write below.
    indexes: Indexes,
    /// Relationship property indexes (`CREATE INDEX FOR ()-[r:T]-() ON (r.k)`), by type and key.
    rel_indexes: Indexes,
    /// Slots of `g` that no node holds and that a new node may take: every vacant slot but those
    /// in `held`.
    vacant: BTreeSet<u32>,
    /// Slots freed while `holding`: not handed out again until the holder lets go.
    held: BTreeSet<u32>,
    holding: bool,
    /// The names given to indexes (`CREATE INDEX name FOR …`).
    index_names: BTreeMap<String, IndexDef>,
    /// The types of the relationships deleted while `holding`: a statement may still ask a deleted
    /// relationship's type (openCypher lets it), as its rows name it.
    deleted_types: FxHashMap<u32, Sym>,
    /// Full-text indexes (`CREATE FULLTEXT INDEX`), kept current by the same writes.
    fulltext: fulltext::Fulltexts,
    /// Constraints (`CREATE CONSTRAINT`): checked by the executor when a statement ends.
    constraints: constraints::Constraints,
}

impl Graph {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn node_count(&self) -> usize {
        self.g.node_count()
    }

    pub fn edge_count(&self) -> usize {
        self.edges.len() + self.g.edge_count()
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

    pub fn contains_node(&self, n: NodeId) -> bool {
        self.g.contains_node(node_index(n))
    }

    pub fn contains_edge(&self, e: EdgeId) -> bool {
        self.new_edges.contains_key(&e.0) || self.edges.live(e).is_some()
    }

    /// A relationship created since the rows were built.
    fn new_edge(&self, e: EdgeId) -> Option<(EdgeIndex<u32>, &NewEdge)> {
        let &at = self.new_edges.get(&e.0)?;
        Some((at, self.g.edge_weight(at)?))
    }

    /// The node's labels, sorted by symbol; empty for a node that does not exist.
    pub fn labels(&self, n: NodeId) -> &[Sym] {
        self.g.node_weight(node_index(n)).map_or(&[], |d| d.labels.as_slice())
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
        match self.new_edge(e) {
            Some((_, data)) => Some(data.ty),
            None => self.edges.live(e).map(|p| self.edges.edge_type(p)),
        }
    }

    /// [`Graph::edge_type`], or the type of a relationship the running statement deleted.
    pub fn edge_type_even_deleted(&self, e: EdgeId) -> Option<Sym> {
        self.edge_type(e).or_else(|| self.deleted_types.get(&e.0).copied())
    }

    pub fn edge_properties(&self, e: EdgeId) -> &Properties {
        match self.new_edge(e) {
            Some((_, data)) => &data.props,
            None => self.edges.live(e).map_or(Properties::empty(), |p| self.edges.properties(p)),
        }
    }

    pub fn edge_property(&self, e: EdgeId, key: &str) -> Option<&Value> {
        self.edge_properties(e).get(self.symbol(key)?)
    }

    /// The (start, end) nodes of a relationship.
    pub fn endpoints(&self, e: EdgeId) -> Option<(NodeId, NodeId)> {
        match self.new_edge(e) {
            Some((at, _)) => {
                let (a, b) = self.g.edge_endpoints(at)?;
                Some((NodeId(a.index() as u32), NodeId(b.index() as u32)))
            }
            None => self.edges.live(e).map(|p| self.edges.endpoints(p)),
        }
    }

    /// The nodes after `after` (from the first when `None`), in id order, carrying `label` (any
    /// node when `None`): what [`Graph::next_node`], [`Graph::next_nodes`] and
    /// [`Graph::nodes_labelled`] each take some of.
    fn nodes_after(&self, after: Option<NodeId>, label: Option<Sym>) -> impl Iterator<Item = NodeId> + '_ {
        let start = after.map_or(Bound::Unbounded, |n| Bound::Excluded(n.0));
        let labelled = label.map(|l| {
            self.by_label
                .get(&l)
                .into_iter()
                .flat_map(move |set| set.range((start, Bound::Unbounded)))
                .map(|&i| NodeId(i))
        });
        let all = label.is_none().then(|| {
            let first = after.map_or(0, |n| n.0 as usize + 1);
            (first..self.g.node_bound()).map(|i| NodeId(i as u32)).filter(|&n| self.contains_node(n))
        });
        labelled.into_iter().flatten().chain(all.into_iter().flatten())
    }

    /// The first node after `after` (in id order) carrying `label` (any node when `None`).
    /// A cursor rather than an iterator, so that a scan holds no borrow of the graph between rows.
    pub fn next_node(&self, after: Option<NodeId>, label: Option<Sym>) -> Option<NodeId> {
        self.nodes_after(after, label).next()
    }

    /// Every node carrying `label` (every node when `None`), in id order: for a reader that holds
    /// the graph for the whole walk.
    pub fn nodes_labelled(&self, label: Option<Sym>) -> impl Iterator<Item = NodeId> + '_ {
        self.nodes_after(None, label)
    }

    /// Up to `max` nodes after `after` (in id order) carrying `label` (any node when `None`),
    /// appended to `out`: [`Graph::next_node`] for many at once, the label's set walked once
    /// instead of searched per node.
    pub fn next_nodes(&self, after: Option<NodeId>, label: Option<Sym>, max: usize, out: &mut Vec<NodeId>) {
        out.extend(self.nodes_after(after, label).take(max));
    }

    pub fn nodes(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.g.node_indices().map(|i| NodeId(i.index() as u32))
    }

    /// Calls `visit` with every relationship by ascending id: id, start, end, type, properties.
    /// Quicker than [`Graph::edges`] with a lookup per relationship, for writing a whole graph out.
    pub fn for_each_edge<'g>(&'g self, mut visit: impl FnMut(EdgeId, NodeId, NodeId, Sym, &'g Properties)) {
        self.edges.visit(|id, a, b, ty, props| visit(EdgeId(id), NodeId(a), NodeId(b), ty, props));
        let mut new: Vec<(u32, EdgeIndex<u32>)> = self.new_edges.iter().map(|(&id, &at)| (id, at)).collect();
        new.sort_unstable();
        for (id, at) in new {
            if let (Some((a, b)), Some(data)) = (self.g.edge_endpoints(at), self.g.edge_weight(at)) {
                visit(EdgeId(id), NodeId(a.index() as u32), NodeId(b.index() as u32), data.ty, &data.props);
            }
        }
    }

    /// The relationships as the store's own outgoing rows, when the graph has no other (see
    /// [`OutRows`]); each node below the bound has its row.
    pub(crate) fn out_rows(&self) -> Option<OutRows<'_>> {
        if self.g.edge_count() > 0 || self.edges.node_bound() != self.node_bound() {
            return None;
        }
        self.edges.out_rows()
    }

    /// Every relationship, by ascending id.
    pub fn edges(&self) -> impl Iterator<Item = EdgeId> + '_ {
        // Ids created since the rows were built are all above the rows' ids.
        let mut new: Vec<u32> = self.new_edges.keys().copied().collect();
        new.sort_unstable();
        self.edges.ids().chain(new.into_iter().map(EdgeId))
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

    /// Folds the relationships created and deleted since the rows were built into new rows, once
    /// there are enough of them (a sixteenth of the graph) for reading around them to cost more than
    /// the rebuild; gives nodes created since their (empty) rows. Linear in the graph when it
    /// rebuilds. Reads are correct without it, only slower.
    pub fn prepare_reads(&mut self) {
        let changed = self.g.edge_count() + self.edges.deleted();
        if changed > 0 && changed * 16 >= self.edge_count().max(16) {
            let mut columns = self.edges.take_columns();
            let mut new: Vec<(u32, EdgeIndex<u32>)> = self.new_edges.drain().collect();
            new.sort_unstable();
            for (id, at) in new {
                if let (Some((a, b)), Some(data)) = (self.g.edge_endpoints(at), self.g.edge_weight_mut(at)) {
                    let props = std::mem::take(&mut data.props);
                    columns.ids.get_or_insert_with(Vec::new).push(id);
                    columns.push(a.index() as u32, b.index() as u32, data.ty, props);
                }
            }
            self.g.clear_edges();
            self.edges = EdgeStore::build(self.g.node_bound(), columns);
        }
        self.edges.extend_to(self.g.node_bound());
    }

    /// Creates a property index on `label` and `key`, filled from the nodes that have the label;
    /// false when it exists already.
    pub fn create_index(&mut self, label: &str, key: &str) -> bool {
        let (on, key) = (self.intern(label), self.intern(key));
        self.create_index_def(IndexDef { relationship: false, on, key })
    }

    /// [`Graph::create_index`] by symbols.
    fn create_node_index(&mut self, l: Sym, k: Sym) -> bool {
        if !self.indexes.define(l, k) {
            return false;
        }
        let nodes: Vec<u32> = self.by_label.get(&l).map_or_else(Vec::new, |s| s.iter().copied().collect());
        for n in nodes {
            if let Some(v) = self.g[NodeIndex::new(n as usize)].props.get(k).cloned() {
                self.indexes.insert(l, k, &v, n);
            }
        }
        true
    }

    /// Drops the index on `label` and `key`; false when there is none.
    pub fn drop_index(&mut self, label: &str, key: &str) -> bool {
        self.symbols(label, key)
            .is_some_and(|(on, key)| self.drop_index_def(IndexDef { relationship: false, on, key }))
    }

    /// Whether `label` and `key` have an index.
    pub fn has_index(&self, label: &str, key: &str) -> bool {
        self.symbols(label, key).is_some_and(|(l, k)| self.indexes.has(l, k))
    }

    /// The indexes, as (label, key) names.
    pub fn index_names(&self) -> Vec<(String, String)> {
        self.names_of(&self.indexes)
    }

    /// The symbols of a label (or type) and a key, when the graph has both names.
    fn symbols(&self, label: &str, key: &str) -> Option<(Sym, Sym)> {
        Some((self.symbol(label)?, self.symbol(key)?))
    }

    /// The definitions of node or relationship indexes, as names.
    fn names_of(&self, indexes: &Indexes) -> Vec<(String, String)> {
        indexes.definitions().map(|(l, k)| (self.name(l).to_string(), self.name(k).to_string())).collect()
    }

    /// What `find` reads from node or relationship indexes for a label (or type) and a key named
    /// as text; nothing when the graph has either name not at all.
    fn probe(
        &self,
        indexes: &Indexes,
        label: &str,
        key: &str,
        find: impl FnOnce(&Indexes, Sym, Sym) -> Vec<u32>,
    ) -> Vec<u32> {
        self.symbols(label, key).map_or_else(Vec::new, |(l, k)| find(indexes, l, k))
    }

    /// The nodes carrying `label` whose `key` equals `value`, through the index (which must exist:
    /// see [`Graph::has_index`]); none for null.
    pub fn index_lookup(&self, label: &str, key: &str, value: &Value) -> Vec<NodeId> {
        let found = self.probe(&self.indexes, label, key, |ix, l, k| ix.lookup(l, k, value));
        found.into_iter().map(NodeId).collect()
    }

    /// The nodes carrying `label` whose `key` lies between `lower` and `upper` (each the value and
    /// whether it is included; at least one given), through the index, in id order. Only values of a
    /// type `<` compares with the ends are found: a range of integers finds floats too, never
    /// strings; a null or NaN end finds nothing.
    pub fn index_range(
        &self,
        label: &str,
        key: &str,
        lower: RangeEnd<'_>,
        upper: RangeEnd<'_>,
    ) -> Vec<NodeId> {
        let found = self.probe(&self.indexes, label, key, |ix, l, k| ix.range(l, k, lower, upper));
        found.into_iter().map(NodeId).collect()
    }

    /// The nodes carrying `label` whose `key` is a string starting with `prefix`, through the index,
    /// in id order.
    pub fn index_prefix(&self, label: &str, key: &str, prefix: &str) -> Vec<NodeId> {
        let found = self.probe(&self.indexes, label, key, |ix, l, k| ix.starting_with(l, k, prefix));
        found.into_iter().map(NodeId).collect()
    }

    /// One direction (outgoing or incoming) of the adjacency index, read in place, when the index is
    /// built and current for every node; None otherwise (and for `Both`), when callers read through
    /// [`Graph::neighbours`].
    pub fn rows(&self, dir: Direction) -> Option<RowsView<'_>> {
        if self.g.edge_count() > 0 || self.edges.node_bound() != self.g.node_bound() {
            return None;
        }
        self.edges.rows(dir)
    }

    /// How many relationships of `n` go in `dir` with one of `types` (any type when empty); with
    /// `Both`, a self-loop counts once, as [`Graph::neighbours`] lists it.
    pub fn degree(&self, n: NodeId, dir: Direction, types: &[Sym]) -> usize {
        let mut new = Vec::new();
        self.new_neighbours(n, dir, types, &mut new);
        self.edges.degree(n.0, dir, types) + new.len()
    }

    /// Heap bytes held by the compressed rows.
    pub fn adjacency_bytes(&self) -> usize {
        self.edges.heap_bytes()
    }

    /// Appends to `out` the (edge, other node) pairs of `n` in direction `dir` whose type is one of
    /// `types` (any type when `types` is empty), newest edge first. This is the executor's only way
    /// to adjacency.
    pub fn neighbours(&self, n: NodeId, dir: Direction, types: &[Sym], out: &mut Vec<(EdgeId, NodeId)>) {
        self.new_neighbours(n, dir, types, out);
        self.edges.neighbours(n.0, dir, types, out);
    }

    /// [`Graph::neighbours`] among the relationships created since the rows were built.
    fn new_neighbours(&self, n: NodeId, dir: Direction, types: &[Sym], out: &mut Vec<(EdgeId, NodeId)>) {
        if self.g.edge_count() == 0 || !self.contains_node(n) {
            return;
        }
        let idx = node_index(n);
        let wanted = |ty: Sym| types.is_empty() || types.contains(&ty);
        if matches!(dir, Direction::Outgoing | Direction::Both) {
            for e in self.g.edges_directed(idx, PgDirection::Outgoing) {
                if wanted(e.weight().ty) {
                    out.push((EdgeId(e.weight().id), NodeId(e.target().index() as u32)));
                }
            }
        }
        if matches!(dir, Direction::Incoming | Direction::Both) {
            for e in self.g.edges_directed(idx, PgDirection::Incoming) {
                let self_loop = e.source() == e.target();
                if wanted(e.weight().ty) && !(self_loop && dir == Direction::Both) {
                    out.push((EdgeId(e.weight().id), NodeId(e.source().index() as u32)));
                }
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
        for e in self.edges() {
            for (k, _) in self.edge_properties(e).iter() {
                *schema.edge_keys.entry(self.name(k).to_string()).or_default() += 1;
            }
        }
        schema
    }
}

fn node_index(n: NodeId) -> NodeIndex<u32> {
    NodeIndex::new(n.0 as usize)
}
