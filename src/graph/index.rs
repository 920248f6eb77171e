//! Property indexes: for one label and one key, the nodes by value, so that `(n:Label {key: v})` and
//! `WHERE n.key = v` start from those nodes instead of a scan. Kept current by every write to labels and
//! node properties (see the hooks in `Graph`); values are grouped as Cypher compares them (`1` with
//! `1.0`), and the query still checks each node it finds.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{NodeId, Sym};
use crate::value::{Equivalent, Value};

#[derive(Debug, Clone, Default)]
pub(super) struct Indexes {
    by: BTreeMap<(Sym, Sym), HashMap<Equivalent, BTreeSet<u32>>>,
}

impl Indexes {
    pub(super) fn definitions(&self) -> impl Iterator<Item = (Sym, Sym)> + '_ {
        self.by.keys().copied()
    }

    pub(super) fn has(&self, label: Sym, key: Sym) -> bool {
        self.by.contains_key(&(label, key))
    }

    /// Adds an empty index; false when it exists already.
    pub(super) fn define(&mut self, label: Sym, key: Sym) -> bool {
        if self.has(label, key) {
            return false;
        }
        self.by.insert((label, key), HashMap::new());
        true
    }

    pub(super) fn drop_index(&mut self, label: Sym, key: Sym) -> bool {
        self.by.remove(&(label, key)).is_some()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.by.is_empty()
    }

    /// Records that node `n`, carrying `label`, has `value` under `key` (null values are not indexed).
    pub(super) fn insert(&mut self, label: Sym, key: Sym, value: &Value, n: NodeId) {
        if value.is_null() {
            return;
        }
        if let Some(index) = self.by.get_mut(&(label, key)) {
            index.entry(Equivalent(value.clone())).or_default().insert(n.0);
        }
    }

    pub(super) fn remove(&mut self, label: Sym, key: Sym, value: &Value, n: NodeId) {
        if let Some(index) = self.by.get_mut(&(label, key)) {
            let probe = Equivalent(value.clone());
            if let Some(nodes) = index.get_mut(&probe) {
                nodes.remove(&n.0);
                if nodes.is_empty() {
                    index.remove(&probe);
                }
            }
        }
    }

    /// Every index on one of `labels`, with its key.
    pub(super) fn on_labels<'a>(&'a self, labels: &'a [Sym]) -> impl Iterator<Item = (Sym, Sym)> + 'a {
        self.by.keys().copied().filter(move |(l, _)| labels.contains(l))
    }

    /// The nodes whose value under the index's key is `value`; none for null.
    pub(super) fn lookup(&self, label: Sym, key: Sym, value: &Value) -> Vec<NodeId> {
        if value.is_null() {
            return Vec::new();
        }
        self.by
            .get(&(label, key))
            .and_then(|index| index.get(&Equivalent(value.clone())))
            .map_or_else(Vec::new, |nodes| nodes.iter().map(|&n| NodeId(n)).collect())
    }
}
