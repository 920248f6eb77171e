//! Changing the graph one entity at a time: creating and deleting nodes and relationships, setting
//! properties and labels, and absorbing another graph. Bulk loads are in `bulk.rs`.

use std::collections::HashMap;

use petgraph::Direction as PgDirection;
use petgraph::visit::NodeIndexable;

use super::{
    Direction, EdgeId, Graph, GraphError, Labels, NewEdge, NodeData, NodeId, Properties, Sym, node_index,
};
use crate::value::Value;

impl Graph {
    /// Adds a node under the lowest id no node holds (none of those freed while ids are held).
    pub fn add_node(&mut self, labels: &[Sym], props: Properties) -> NodeId {
        let id = self.vacant.first().copied().unwrap_or_else(|| self.slot_count());
        self.put_node(id, labels.iter().copied().collect(), props);
        NodeId(id)
    }

    /// Adds a node under a given id, which no node may hold: what replaying a journal and undoing a
    /// deletion need. Ids past the slots the graph has are refused, so that no id can make the graph
    /// allocate more than one slot.
    pub fn add_node_at(&mut self, id: NodeId, labels: &[Sym], props: Properties) -> Result<(), GraphError> {
        let free = self.vacant.contains(&id.0) || self.held.contains(&id.0) || id.0 == self.slot_count();
        if !free {
            return Err(GraphError::IdTaken(id.0));
        }
        self.put_node(id.0, labels.iter().copied().collect(), props);
        Ok(())
    }

    /// How many node slots the graph has, vacant ones included: the id a node appended would get.
    fn slot_count(&self) -> u32 {
        let past = |set: &std::collections::BTreeSet<u32>| set.last().map_or(0, |&last| last + 1);
        (self.g.node_bound() as u32).max(past(&self.vacant)).max(past(&self.held))
    }

    /// Puts a node in slot `id`: vacant, or the first past the end.
    fn put_node(&mut self, id: u32, labels: Labels, props: Properties) {
        let data = NodeData { labels, props };
        if self.vacant.is_empty() && self.held.is_empty() {
            // No vacant slot anywhere, so petgraph appends, which is the slot asked for.
            self.g.add_node(data);
        } else {
            self.vacant.remove(&id);
            self.held.remove(&id);
            // petgraph hands out the vacant slot it freed last, and has no call to fill a chosen
            // one but `extend_with_edges`, which makes both ends of an edge exist: it takes that
            // very slot off its free list (or appends it), in constant time. Its edge goes at once.
            let at = node_index(NodeId(id));
            let placeholder = NewEdge { id: u32::MAX, ty: Sym(0), props: Properties::default() };
            self.g.extend_with_edges([(at, at, placeholder)]);
            if let Some(e) = self.g.find_edge(at, at) {
                self.g.remove_edge(e);
            }
            self.g[at] = data;
        }
        let data = &self.g[node_index(NodeId(id))];
        for &l in data.labels.as_slice() {
            self.by_label.entry(l).or_default().insert(id);
        }
        if !self.fulltext.is_empty() {
            self.fulltext.added(false, id, data.labels.as_slice(), &data.props);
        }
        if !self.indexes.is_empty() {
            for (l, k) in self.indexes.on_labels(data.labels.as_slice()).collect::<Vec<_>>() {
                if let Some(v) = self.g[node_index(NodeId(id))].props.get(k).cloned() {
                    self.indexes.insert(l, k, &v, id);
                }
            }
        }
    }

    /// While on, the ids of nodes removed are held back: no node added meanwhile gets one of them.
    /// A statement holds ids while it runs, so that a node it deleted, still named by its rows, is
    /// seen as deleted rather than as whatever node took its id; turning it off frees them.
    pub(crate) fn hold_freed_ids(&mut self, on: bool) {
        self.holding = on;
        if !on {
            let held = std::mem::take(&mut self.held);
            self.vacant.extend(held);
            self.deleted_types.clear();
        }
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
        self.check_ends(from, to)?;
        let id = self.next_edge;
        self.next_edge = id.checked_add(1).ok_or(GraphError::EdgeIdsExhausted)?;
        self.insert_new_edge(id, from, to, ty, props);
        Ok(EdgeId(id))
    }

    /// Adds a relationship under a given id, which must not be below the next one the graph would
    /// hand out: ids are never reused, and this keeps it so.
    pub fn add_edge_at(
        &mut self,
        id: EdgeId,
        from: NodeId,
        to: NodeId,
        ty: Sym,
        props: Properties,
    ) -> Result<(), GraphError> {
        self.check_ends(from, to)?;
        if id.0 < self.next_edge {
            return Err(GraphError::EdgeIdTaken(id.0));
        }
        self.next_edge = id.0.checked_add(1).ok_or(GraphError::EdgeIdsExhausted)?;
        self.insert_new_edge(id.0, from, to, ty, props);
        Ok(())
    }

    fn check_ends(&self, from: NodeId, to: NodeId) -> Result<(), GraphError> {
        match [from, to].into_iter().find(|&n| !self.contains_node(n)) {
            Some(missing) => Err(GraphError::NoSuchNode(missing.0)),
            None => Ok(()),
        }
    }

    fn insert_new_edge(&mut self, id: u32, from: NodeId, to: NodeId, ty: Sym, props: Properties) {
        self.index_edge(id, ty, &props);
        let at = self.g.add_edge(node_index(from), node_index(to), NewEdge { id, ty, props });
        self.new_edges.insert(id, at);
        *self.type_counts.entry(ty).or_default() += 1;
    }

    /// Brings back a relationship deleted by a statement that failed, under its own id.
    pub(crate) fn restore_edge(
        &mut self,
        e: EdgeId,
        from: NodeId,
        to: NodeId,
        ty: Sym,
        props: Properties,
    ) -> Result<(), GraphError> {
        self.check_ends(from, to)?;
        if let Some(p) = self.edges.tombstone(e) {
            self.index_edge(e.0, ty, &props);
            self.edges.undelete(p, props);
            *self.type_counts.entry(ty).or_default() += 1;
        } else if e.0 >= self.edges.id_bound() && !self.new_edges.contains_key(&e.0) {
            self.insert_new_edge(e.0, from, to, ty, props);
        } else {
            return Err(GraphError::NoSuchEdge(e.0));
        }
        Ok(())
    }

    /// The id the next relationship will get: with [`Graph::rewind_edge_ids`], lets a failed
    /// statement give back the ids it used, so that what it did leaves no trace.
    pub(crate) fn edge_id_mark(&self) -> u32 {
        self.next_edge
    }

    /// Hands ids from `mark` on out again, if no relationship holds one of them.
    pub(crate) fn rewind_edge_ids(&mut self, mark: u32) {
        if mark < self.next_edge && (mark..self.next_edge).all(|e| !self.contains_edge(EdgeId(e))) {
            self.next_edge = mark;
        }
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
        let (ty, props) = if let Some(at) = self.new_edges.remove(&e.0) {
            let data = self.g.remove_edge(at).ok_or(GraphError::NoSuchEdge(e.0))?;
            (data.ty, data.props)
        } else if let Some(p) = self.edges.live(e) {
            self.edges.delete(p)
        } else {
            return Err(GraphError::NoSuchEdge(e.0));
        };
        self.unindex_edge(e.0, ty, &props);
        if self.holding {
            self.deleted_types.insert(e.0, ty);
        }
        if let Some(count) = self.type_counts.get_mut(&ty) {
            *count -= 1;
            if *count == 0 {
                self.type_counts.remove(&ty);
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
            || self.g.edges_directed(idx, PgDirection::Incoming).next().is_some()
            || self.edges.touches(n.0);
        if has_edges {
            return Err(GraphError::NodeHasEdges(n.0));
        }
        let data = self.g.remove_node(idx).ok_or(GraphError::NoSuchNode(n.0))?;
        if self.holding { &mut self.held } else { &mut self.vacant }.insert(n.0);
        for (l, k) in self.indexes.on_labels(data.labels.as_slice()).collect::<Vec<_>>() {
            if let Some(v) = data.props.get(k) {
                self.indexes.remove(l, k, v, n.0);
            }
        }
        if !self.fulltext.is_empty() {
            self.fulltext.removed(false, n.0, data.labels.as_slice(), &data.props);
        }
        for &l in data.labels.as_slice() {
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

    /// Sets (or, with null, removes) a node property; returns the value it replaced.
    pub fn set_node_property(
        &mut self,
        n: NodeId,
        key: Sym,
        value: Value,
    ) -> Result<Option<Value>, GraphError> {
        let data = self.g.node_weight_mut(node_index(n)).ok_or(GraphError::NoSuchNode(n.0))?;
        let indexed: Vec<Sym> = self
            .indexes
            .on_labels(data.labels.as_slice())
            .filter(|&(_, k)| k == key)
            .map(|(l, _)| l)
            .collect();
        let watched = !self.fulltext.is_empty() && self.fulltext.watches(false, data.labels.as_slice(), key);
        let new = (!indexed.is_empty() || watched).then(|| value.clone());
        let old = data.props.set(key, value);
        if watched && let Some(new) = &new {
            let labels = data.labels.as_slice();
            self.fulltext.property_changed(false, n.0, labels, key, old.as_ref(), new);
        }
        for l in indexed {
            if let Some(old) = &old {
                self.indexes.remove(l, key, old, n.0);
            }
            if let Some(new) = &new {
                self.indexes.insert(l, key, new, n.0);
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
        // The relationship's type, when an index covers its type and this key (the value is then
        // indexed too: a null removal is skipped by the index's insert).
        let indexed = if self.rel_indexes.is_empty() {
            None
        } else {
            self.edge_type(e).filter(|&t| self.rel_indexes.has(t, key))
        };
        let watched = if self.fulltext.is_empty() {
            None
        } else {
            self.edge_type(e).filter(|&t| self.fulltext.watches(true, &[t], key))
        };
        let new = (indexed.is_some() || watched.is_some()).then(|| value.clone());
        let old = if let Some(&at) = self.new_edges.get(&e.0)
            && let Some(data) = self.g.edge_weight_mut(at)
        {
            data.props.set(key, value)
        } else {
            let p = self.edges.live(e).ok_or(GraphError::NoSuchEdge(e.0))?;
            self.edges.properties_mut(p).set(key, value)
        };
        if let (Some(ty), Some(new)) = (watched, &new) {
            self.fulltext.property_changed(true, e.0, &[ty], key, old.as_ref(), new);
        }
        if let (Some(ty), Some(new)) = (indexed, new) {
            self.reindex_edge_property(e.0, ty, key, old.as_ref(), &new);
        }
        Ok(old)
    }

    /// Adds a label to a node; false when it had it already.
    pub fn add_label(&mut self, n: NodeId, label: Sym) -> Result<bool, GraphError> {
        let data = self.g.node_weight_mut(node_index(n)).ok_or(GraphError::NoSuchNode(n.0))?;
        match data.labels.insert(label) {
            false => Ok(false),
            true => {
                self.by_label.entry(label).or_default().insert(n.0);
                for (l, k) in self.indexes.on_labels(&[label]).collect::<Vec<_>>() {
                    if let Some(v) = self.g[node_index(n)].props.get(k).cloned() {
                        self.indexes.insert(l, k, &v, n.0);
                    }
                }
                if !self.fulltext.is_empty() {
                    let data = &self.g[node_index(n)];
                    let after = data.labels.as_slice();
                    let before: Vec<Sym> = after.iter().copied().filter(|&l| l != label).collect();
                    self.fulltext.label_changed(n.0, &before, after, &data.props);
                }
                Ok(true)
            }
        }
    }

    /// Removes a label from a node; false when it did not have it.
    pub fn remove_label(&mut self, n: NodeId, label: Sym) -> Result<bool, GraphError> {
        let data = self.g.node_weight_mut(node_index(n)).ok_or(GraphError::NoSuchNode(n.0))?;
        match data.labels.remove(label) {
            false => Ok(false),
            true => {
                for (l, k) in self.indexes.on_labels(&[label]).collect::<Vec<_>>() {
                    if let Some(v) = self.g[node_index(n)].props.get(k).cloned() {
                        self.indexes.remove(l, k, &v, n.0);
                    }
                }
                if !self.fulltext.is_empty() {
                    let data = &self.g[node_index(n)];
                    let after = data.labels.as_slice();
                    let before: Vec<Sym> = after.iter().copied().chain([label]).collect();
                    self.fulltext.label_changed(n.0, &before, after, &data.props);
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

    /// Adds every entity of `other` to this graph. Into an empty graph the ids are kept; otherwise
    /// the newcomers get fresh ids.
    pub fn absorb(&mut self, other: Graph) {
        if self.g.node_bound() == 0 && self.next_edge == 0 {
            let (mine, mine_rel) = (self.index_names(), self.rel_index_names());
            let my_names = self.given_names_as_text();
            let my_fulltext = self.fulltext_as_text();
            let my_constraints = self.constraints_as_text();
            *self = other;
            self.fulltext_from_text(my_fulltext);
            self.constraints_from_text(my_constraints);
            for (l, k) in mine {
                self.create_index(&l, &k);
            }
            for (t, k) in mine_rel {
                self.create_rel_index(&t, &k);
            }
            self.name_indexes_from_text(my_names);
            return;
        }
        for (l, k) in other.index_names() {
            self.create_index(&l, &k);
        }
        for (t, k) in other.rel_index_names() {
            self.create_rel_index(&t, &k);
        }
        self.name_indexes_from_text(other.given_names_as_text());
        self.fulltext_from_text(other.fulltext_as_text());
        self.constraints_from_text(other.constraints_as_text());
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
}
