//! Relationship property indexes: for one relationship type and one key, the relationships by value
//! (`CREATE INDEX FOR ()-[r:TYPE]-() ON (r.key)`), so that `WHERE r.date >= $since` starts from those
//! relationships instead of expanding every node. The same ordered structure as node indexes,
//! keyed by relationship id; kept current by every write to relationships (the hooks below, called
//! from `write.rs`).

use super::{EdgeId, Graph, Properties, RangeEnd, Sym};
use crate::value::Value;

impl Graph {
    /// Creates a property index on relationships of type `ty` and `key`, filled from those there
    /// are; false when it exists already.
    pub fn create_rel_index(&mut self, ty: &str, key: &str) -> bool {
        let (on, key) = (self.intern(ty), self.intern(key));
        self.create_index_def(super::IndexDef { relationship: true, on, key })
    }

    /// [`Graph::create_rel_index`] by symbols.
    pub(super) fn create_edge_index(&mut self, t: Sym, k: Sym) -> bool {
        if !self.rel_indexes.define(t, k) {
            return false;
        }
        let found: Vec<(u32, Value)> = self
            .edges()
            .filter(|&e| self.edge_type(e) == Some(t))
            .filter_map(|e| self.edge_properties(e).get(k).map(|v| (e.0, v.clone())))
            .collect();
        for (e, v) in found {
            self.rel_indexes.insert(t, k, &v, e);
        }
        true
    }

    /// Drops the index on relationships of type `ty` and `key`; false when there is none.
    pub fn drop_rel_index(&mut self, ty: &str, key: &str) -> bool {
        self.symbols(ty, key)
            .is_some_and(|(on, key)| self.drop_index_def(super::IndexDef { relationship: true, on, key }))
    }

    /// Whether relationships of type `ty` have an index on `key`.
    pub fn has_rel_index(&self, ty: &str, key: &str) -> bool {
        self.symbols(ty, key).is_some_and(|(t, k)| self.rel_indexes.has(t, k))
    }

    /// The relationship indexes, as (type, key) names.
    pub fn rel_index_names(&self) -> Vec<(String, String)> {
        self.names_of(&self.rel_indexes)
    }

    /// The relationships of type `ty` whose `key` equals `value`, through the index, in id order;
    /// none for null.
    pub fn rel_index_lookup(&self, ty: &str, key: &str, value: &Value) -> Vec<EdgeId> {
        let found = self.probe(&self.rel_indexes, ty, key, |ix, t, k| ix.lookup(t, k, value));
        found.into_iter().map(EdgeId).collect()
    }

    /// The relationships of type `ty` whose `key` lies between the ends, as
    /// [`Graph::index_range`] finds nodes.
    pub fn rel_index_range(
        &self,
        ty: &str,
        key: &str,
        lower: RangeEnd<'_>,
        upper: RangeEnd<'_>,
    ) -> Vec<EdgeId> {
        let found = self.probe(&self.rel_indexes, ty, key, |ix, t, k| ix.range(t, k, lower, upper));
        found.into_iter().map(EdgeId).collect()
    }

    /// The relationships of type `ty` whose `key` is a string starting with `prefix`, in id order.
    pub fn rel_index_prefix(&self, ty: &str, key: &str, prefix: &str) -> Vec<EdgeId> {
        let found = self.probe(&self.rel_indexes, ty, key, |ix, t, k| ix.starting_with(t, k, prefix));
        found.into_iter().map(EdgeId).collect()
    }

    /// Fills the relationship indexes afresh after the relationships were replaced in bulk.
    pub(super) fn refill_rel_indexes(&mut self) {
        let defined: Vec<(Sym, Sym)> = self.rel_indexes.definitions().collect();
        self.rel_indexes = Default::default();
        for (t, k) in defined {
            self.create_edge_index(t, k);
        }
    }

    /// Records a relationship that has come into being (created, or restored by an undo).
    pub(super) fn index_edge(&mut self, e: u32, ty: Sym, props: &Properties) {
        if !self.fulltext.is_empty() {
            self.fulltext.added(true, e, &[ty], props);
        }
        if self.rel_indexes.is_empty() {
            return;
        }
        for (t, k) in self.rel_indexes.on_labels(&[ty]).collect::<Vec<_>>() {
            if let Some(v) = props.get(k) {
                self.rel_indexes.insert(t, k, v, e);
            }
        }
    }

    /// Forgets a relationship that is gone.
    pub(super) fn unindex_edge(&mut self, e: u32, ty: Sym, props: &Properties) {
        if !self.fulltext.is_empty() {
            self.fulltext.removed(true, e, &[ty], props);
        }
        if self.rel_indexes.is_empty() {
            return;
        }
        for (t, k) in self.rel_indexes.on_labels(&[ty]).collect::<Vec<_>>() {
            if let Some(v) = props.get(k) {
                self.rel_indexes.remove(t, k, v, e);
            }
        }
    }

    /// Keeps the index on `ty` and `key` (which the caller found) current as a relationship's `key`
    /// goes from `old` to `new` (a null `new`, a removal, is not indexed).
    pub(super) fn reindex_edge_property(
        &mut self,
        e: u32,
        ty: Sym,
        key: Sym,
        old: Option<&Value>,
        new: &Value,
    ) {
        if let Some(old) = old {
            self.rel_indexes.remove(ty, key, old, e);
        }
        self.rel_indexes.insert(ty, key, new, e);
    }
}
