//! The properties of the relationships in rows, by outgoing position. A graph loaded in bulk usually
//! has none, and a user may then set one on a handful: a vector with a slot for every relationship
//! would cost 8 bytes a relationship for those few (128 MB on a 16 M-edge graph), so a few are kept
//! in a map, and the vector is only made once a good share of the relationships have some.

use rustc_hash::FxHashMap;

use super::super::Properties;

/// Past this share of the relationships (one in four) with properties, a slot each costs less than
/// the map's entries (about 19 bytes each against 8 bytes a slot).
const DENSE_FROM_ONE_IN: usize = 4;

#[derive(Debug, Clone, Default)]
pub(crate) struct PropsByPosition {
    /// A slot for every position, or empty.
    dense: Vec<Properties>,
    /// While `dense` is empty: the positions with properties (an entry may have been emptied since).
    sparse: FxHashMap<u32, Properties>,
}

impl PropsByPosition {
    /// From one slot per position, or none at all.
    pub(crate) fn from_dense(dense: Vec<Properties>) -> PropsByPosition {
        PropsByPosition { dense, sparse: FxHashMap::default() }
    }

    pub(crate) fn get(&self, p: usize) -> &Properties {
        let found = if self.dense.is_empty() { self.sparse.get(&(p as u32)) } else { self.dense.get(p) };
        found.unwrap_or(Properties::empty())
    }

    /// The properties at `p`, of `total` positions, to change.
    pub(crate) fn get_mut(&mut self, p: usize, total: usize) -> &mut Properties {
        let key = p as u32;
        let grows = self.dense.is_empty() && !self.sparse.contains_key(&key);
        if grows && (self.sparse.len() + 1) * DENSE_FROM_ONE_IN > total {
            let mut dense = vec![Properties::default(); total];
            for (at, props) in self.sparse.drain() {
                dense[at as usize] = props;
            }
            self.dense = dense;
        }
        if self.dense.is_empty() { self.sparse.entry(key).or_default() } else { &mut self.dense[p] }
    }

    /// Takes the properties at `p`, leaving none.
    pub(crate) fn take(&mut self, p: usize) -> Properties {
        if self.dense.is_empty() {
            self.sparse.remove(&(p as u32)).unwrap_or_default()
        } else {
            self.dense.get_mut(p).map(std::mem::take).unwrap_or_default()
        }
    }

    /// Positions with properties and their properties, by ascending position.
    pub(crate) fn non_empty(&self) -> Vec<(u32, &Properties)> {
        if self.dense.is_empty() {
            let mut found: Vec<(u32, &Properties)> = self
                .sparse
                .iter()
                .filter(|(_, props)| !props.is_empty())
                .map(|(&p, props)| (p, props))
                .collect();
            found.sort_unstable_by_key(|&(p, _)| p);
            found
        } else {
            let slots = self.dense.iter().enumerate();
            slots.filter(|(_, props)| !props.is_empty()).map(|(p, props)| (p as u32, props)).collect()
        }
    }

    /// Heap bytes held, the maps' own included (not the values they point to).
    pub(crate) fn heap_bytes(&self) -> usize {
        let entry = std::mem::size_of::<(u32, Properties)>() + 1;
        self.dense.capacity() * std::mem::size_of::<Properties>() + self.sparse.capacity() * entry
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Sym;
    use crate::value::Value;

    fn props(n: i64) -> Properties {
        let mut props = Properties::default();
        props.set(Sym(0), Value::Int(n));
        props
    }

    #[test]
    fn a_few_properties_take_no_slot_per_relationship_and_many_do() {
        let total = 1000;
        let mut by_position = PropsByPosition::default();
        for p in (0..total).step_by(10) {
            *by_position.get_mut(p, total) = props(p as i64);
        }
        assert!(by_position.dense.is_empty(), "one in ten stays in the map");
        assert!(by_position.heap_bytes() < total * std::mem::size_of::<Properties>());
        for p in (0..total).step_by(2) {
            *by_position.get_mut(p, total) = props(p as i64);
        }
        assert!(!by_position.dense.is_empty(), "one in two takes a slot each");
        for p in 0..total {
            let want = if p % 2 == 0 { Some(Value::Int(p as i64)) } else { None };
            assert_eq!(by_position.get(p).get(Sym(0)).cloned(), want, "position {p}");
        }
        let listed: Vec<u32> = by_position.non_empty().iter().map(|&(p, _)| p).collect();
        assert_eq!(listed, (0..total as u32).step_by(2).collect::<Vec<_>>());
    }

    #[test]
    fn taking_leaves_nothing_in_either_form() {
        for dense in [false, true] {
            let mut by_position = if dense {
                PropsByPosition::from_dense(vec![Properties::default(); 8])
            } else {
                Default::default()
            };
            *by_position.get_mut(3, 8) = props(3);
            assert_eq!(by_position.take(3).get(Sym(0)), Some(&Value::Int(3)));
            assert!(by_position.get(3).is_empty() && by_position.take(3).is_empty());
            assert!(by_position.non_empty().is_empty(), "dense: {dense}");
        }
    }
}
