//! Filling a graph in bulk: from a snapshot's node records and relationship columns, and from an
//! import. Relationships are built into their rows apart from the graph ([`BuiltEdges`]), so that a
//! load can build them on one core while it creates the nodes on another.

use std::collections::BTreeSet;

use petgraph::stable_graph::NodeIndex;

use super::edges::{Columns, EdgeStore, Outgoing};
use super::{Graph, GraphError, Interner, Labels, NodeData, NodeId, Properties, Sym};

/// Relationships built into rows, not yet part of a graph.
#[derive(Debug)]
pub(crate) struct BuiltEdges {
    store: EdgeStore,
    next_edge: Option<u32>,
    /// Counted where the rows are built: a load does it on the thread that builds them, beside the
    /// one decoding nodes.
    type_counts: Vec<(Sym, usize)>,
}

impl BuiltEdges {
    fn of(store: EdgeStore, next_edge: Option<u32>) -> BuiltEdges {
        BuiltEdges { type_counts: store.type_counts(), store, next_edge }
    }

    /// Checks the columns against themselves (lengths, ascending ids, endpoints below `node_bound`,
    /// types below `name_count`) and builds their rows; endpoints are checked against the nodes
    /// when the rows are attached. `next_edge` is the id the next relationship created gets (at
    /// least one past the highest).
    pub(crate) fn build(
        columns: Columns,
        node_bound: usize,
        name_count: usize,
        next_edge: Option<u32>,
    ) -> Result<BuiltEdges, String> {
        let count = columns.len();
        if columns.dst.len() != count
            || columns.types.len() != count
            || !(columns.props.is_empty() || columns.props.len() == count)
        {
            return Err("the relationship columns differ in length".into());
        }
        if let Some(ids) = &columns.ids
            && (ids.len() != count || ids.windows(2).any(|w| w[0] >= w[1]))
        {
            return Err("relationship ids are not in ascending order".into());
        }
        if count > u32::MAX as usize {
            return Err(GraphError::EdgeIdsExhausted.to_string());
        }
        if let Some(&n) = columns.src.iter().chain(&columns.dst).find(|&&n| n as usize >= node_bound) {
            return Err(format!("a relationship ends at node {n}, which does not exist"));
        }
        // Also bounds the table the build indexes by symbol.
        if let Some(ty) = columns.types.iter().find(|t| t.0 as usize >= name_count) {
            return Err(format!("name {} is out of range", ty.0));
        }
        Ok(BuiltEdges::of(EdgeStore::build(node_bound, columns), next_edge))
    }

    /// Checks outgoing rows as a snapshot keeps them (see [`EdgeStore::from_rows`]) and builds the
    /// store from them: `degrees` has one entry per node below the bound, `names` at most 256
    /// distinct types below `name_count`.
    pub(crate) fn from_rows(
        degrees: Vec<u32>,
        ends: Vec<u32>,
        codes: Vec<u8>,
        names: Vec<Sym>,
        name_count: usize,
    ) -> Result<BuiltEdges, String> {
        let node_bound = degrees.len();
        let total: u64 = degrees.iter().map(|&d| u64::from(d)).sum();
        if total != ends.len() as u64 || codes.len() != ends.len() {
            return Err("the relationship rows do not add up".into());
        }
        if ends.len() > u32::MAX as usize {
            return Err(GraphError::EdgeIdsExhausted.to_string());
        }
        // Only the highest end is checked (a loop the compiler vectorises): past the bound whenever
        // any end is.
        if let Some(n) = ends.iter().copied().max().filter(|&n| n as usize >= node_bound) {
            return Err(format!("a relationship ends at node {n}, which does not exist"));
        }
        let mut distinct = names.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if names.len() > 256 || distinct.len() != names.len() {
            return Err("the relationship type table is not a table of distinct types".into());
        }
        if let Some(ty) = names.iter().find(|t| t.0 as usize >= name_count) {
            return Err(format!("name {} is out of range", ty.0));
        }
        if codes.iter().copied().max().is_some_and(|c| c as usize >= names.len()) {
            return Err("a relationship type code is out of range".into());
        }
        Ok(BuiltEdges::of(EdgeStore::from_rows(degrees, ends, codes, names), None))
    }

    /// Checks that every type is a name of `name_count` names.
    pub(crate) fn check_types(&self, name_count: usize) -> Result<(), String> {
        match self.store.types_in_use().into_iter().find(|t| t.0 as usize >= name_count) {
            Some(ty) => Err(format!("name {} is out of range", ty.0)),
            None => Ok(()),
        }
    }

    /// Sets the id the next relationship created gets (at least one past the highest, whatever this
    /// says).
    pub(crate) fn set_next_edge(&mut self, next_edge: u32) {
        self.next_edge = Some(next_edge);
    }

    /// Gives relationship `id` its properties.
    pub(crate) fn set_properties(&mut self, id: u32, props: Properties) -> Result<(), String> {
        let p = self
            .store
            .live(super::EdgeId(id))
            .ok_or_else(|| format!("no relationship {id} to give properties"))?;
        *self.store.properties_mut(p) = props;
        Ok(())
    }
}

/// One node as a snapshot holds it: id, labels, properties.
pub(crate) type NodeRecord = (u32, Labels, Properties);

impl Graph {
    /// A graph of the given nodes (by ascending id; the ids in between become vacant, as they were
    /// in the graph that was saved) and no relationships. Labels and keys are checked against the
    /// names, properties for order and storable values.
    /// `count` is how many nodes there are and `node_bound` one past the highest id, for sizing.
    pub(crate) fn restore_nodes(
        names: Interner,
        nodes: impl IntoIterator<Item = NodeRecord>,
        count: usize,
        node_bound: usize,
    ) -> Result<Graph, String> {
        let mut restorer = NodeRestorer::new(names, node_bound.min(count * 2 + 16), node_bound);
        for (id, labels, props) in nodes {
            restorer.push(id, labels, props)?;
        }
        Ok(restorer.finish())
    }

    /// Makes `built` the relationships of this graph, which has none yet.
    pub(crate) fn attach_edges(&mut self, built: BuiltEdges) -> Result<(), String> {
        if self.edge_count() > 0 || self.next_edge > 0 {
            return Err("the graph has relationships already".into());
        }
        let store = &built.store;
        if store.node_bound() > self.node_bound() {
            return Err(format!(
                "a relationship ends at node {}, which does not exist",
                store.node_bound() - 1
            ));
        }
        // Without holes, every id below the bound is a node.
        if self.node_count() < self.node_bound()
            && let Some(n) =
                (0..store.node_bound()).find(|&n| store.has_row(n) && !self.contains_node(NodeId(n as u32)))
        {
            return Err(format!("a relationship ends at node {n}, which does not exist"));
        }
        self.install(built);
        Ok(())
    }

    fn install(&mut self, built: BuiltEdges) {
        let BuiltEdges { mut store, next_edge, type_counts } = built;
        store.extend_to(self.node_bound());
        self.type_counts = type_counts.into_iter().collect();
        self.next_edge = next_edge.unwrap_or(0).max(store.id_bound());
        self.edges = store;
        // Indexes defined before the relationships arrived in bulk know none of them.
        if !self.rel_indexes.is_empty() {
            self.refill_rel_indexes();
        }
        if !self.fulltext.is_empty() {
            self.refill_fulltext();
        }
    }

    /// Rebuilds a graph from its nodes and relationship columns (strictly ascending ids, or none to
    /// be numbered as a bulk load numbers them).
    #[cfg(test)]
    pub(crate) fn restore(
        names: Interner,
        nodes: Vec<NodeRecord>,
        edges: Columns,
        next_edge: Option<u32>,
    ) -> Result<Graph, String> {
        let node_bound = nodes.last().map_or(0, |n| n.0 as usize + 1);
        let built = BuiltEdges::build(edges, node_bound, names.len(), next_edge)?;
        let count = nodes.len();
        let mut graph = Graph::restore_nodes(names, nodes, count, node_bound)?;
        graph.attach_edges(built)?;
        Ok(graph)
    }

    /// Adds relationships in bulk, numbered by the store in its own order (by start node), to a
    /// graph that has none yet; one at a time otherwise. Every endpoint must be a node.
    pub(crate) fn add_edges(&mut self, columns: Columns) -> Result<(), GraphError> {
        self.check_endpoints(&columns)?;
        if self.next_edge > 0 || columns.ids.is_some() {
            let Columns { src, dst, types, props, .. } = columns;
            let mut props = props.into_iter();
            for ((a, b), ty) in src.into_iter().zip(dst).zip(types) {
                self.add_edge(NodeId(a), NodeId(b), ty, props.next().unwrap_or_default())?;
            }
            return Ok(());
        }
        if columns.len() > u32::MAX as usize {
            return Err(GraphError::EdgeIdsExhausted);
        }
        // The endpoints were checked above, and the graph has no relationships (no id was ever
        // handed out).
        self.install(BuiltEdges::of(EdgeStore::build(self.node_bound(), columns), None));
        Ok(())
    }

    fn check_endpoints(&self, columns: &Columns) -> Result<(), GraphError> {
        let all_present = self.node_count() == self.node_bound();
        for &n in columns.src.iter().chain(&columns.dst) {
            // Without holes, a node exists exactly when its id is below the bound.
            let present =
                if all_present { (n as usize) < self.node_bound() } else { self.contains_node(NodeId(n)) };
            if !present {
                return Err(GraphError::NoSuchNode(n));
            }
        }
        Ok(())
    }

    /// The outgoing rows of relationships for this graph, which has none yet (no id was ever
    /// handed out), numbered as [`Graph::add_edges`] numbers them: enough to write a snapshot
    /// ([`Outgoing::out_rows`]); [`Graph::attach_outgoing`] makes them the graph's.
    pub(crate) fn outgoing(&self, columns: Columns) -> Result<Outgoing, GraphError> {
        if self.next_edge > 0 || columns.ids.is_some() {
            return Err(GraphError::NotEmpty);
        }
        if columns.len() > u32::MAX as usize {
            return Err(GraphError::EdgeIdsExhausted);
        }
        self.check_endpoints(&columns)?;
        Ok(Outgoing::build(self.node_bound(), columns))
    }

    /// Makes rows from [`Graph::outgoing`] the graph's relationships.
    pub(crate) fn attach_outgoing(&mut self, outgoing: Outgoing) -> Result<(), GraphError> {
        if self.next_edge > 0 {
            return Err(GraphError::NotEmpty);
        }
        self.install(BuiltEdges::of(outgoing.into_store(), None));
        Ok(())
    }
}

/// Nodes restored one at a time, by ascending id (the ids in between become vacant, as they were in
/// the graph that was saved), so that a load can restore each chunk of nodes as soon as it is
/// decoded. Labels and keys are checked against the names, properties for order and storable values.
pub(crate) struct NodeRestorer {
    graph: Graph,
    by_label: Vec<Vec<u32>>,
    vacant: Vec<NodeIndex>,
    /// No id may reach this: checked before a slot is made for it, so that a damaged id costs nothing.
    bound: usize,
}

impl NodeRestorer {
    /// Room for `capacity` nodes (a hint: more may come), with ids below `bound`.
    pub(crate) fn new(names: Interner, capacity: usize, bound: usize) -> NodeRestorer {
        let mut graph = Graph { names, ..Graph::default() };
        // Sized once: growing by doubling would copy the node array many times on a large load.
        graph.g.reserve_exact_nodes(capacity);
        NodeRestorer { graph, by_label: Vec::new(), vacant: Vec::new(), bound }
    }

    pub(crate) fn push(&mut self, id: u32, labels: Labels, props: Properties) -> Result<(), String> {
        let name_count = self.graph.names.len();
        let placeholder = || NodeData { labels: Labels::None, props: Properties::default() };
        if id as usize >= self.bound {
            return Err(format!("node id {id} is past the node bound {}", self.bound));
        }
        while self.graph.node_bound() < id as usize {
            self.vacant.push(self.graph.g.add_node(placeholder()));
        }
        if self.graph.node_bound() != id as usize {
            return Err("node ids are not in ascending order".into());
        }
        props.check(name_count)?;
        for &l in labels.as_slice() {
            let at = l.0 as usize;
            if at >= name_count {
                return Err(format!("name {at} is out of range"));
            }
            if at >= self.by_label.len() {
                self.by_label.resize_with(at + 1, Vec::new);
            }
            self.by_label[at].push(id);
        }
        self.graph.g.add_node(NodeData { labels, props });
        Ok(())
    }

    pub(crate) fn finish(self) -> Graph {
        let NodeRestorer { mut graph, by_label, vacant, .. } = self;
        for &n in &vacant {
            graph.g.remove_node(n);
        }
        // Placed in ascending order, so the set is built in one pass.
        graph.vacant = vacant.into_iter().map(|n| n.index() as u32).collect();
        // Ids arrive ascending, so each label's set is built from a sorted list in one go.
        for (l, ids) in by_label.into_iter().enumerate().filter(|(_, ids)| !ids.is_empty()) {
            graph.by_label.insert(Sym(l as u32), BTreeSet::from_iter(ids));
        }
        graph
    }
}
