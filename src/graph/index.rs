//! Property indexes: for one label and one key, the nodes by value (for one relationship type and
//! one key, the relationships), so that `(n:Label {key: v})`,
//! `WHERE n.key = v`, `WHERE n.key >= v` and `WHERE n.key STARTS WITH v` start from those nodes instead
//! of a scan. Kept current by every write to labels and node properties (see the hooks in `Graph`).
//! Values are kept in `ORDER BY`'s order, under which equal means equivalent (`1` with `1.0`, a
//! datetime with the same instant written at another offset), so one ordered map serves lookups by
//! value and by range. An index only proposes nodes: the query still checks each node it finds.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use super::{RangeEnd, Sym};
use crate::value::Value;

/// A value ordered as `ORDER BY` orders it ([`Value::order_cmp`]), which ties exactly the values
/// openCypher calls equivalent.
#[derive(Debug, Clone)]
struct Ordered(Value);

impl PartialEq for Ordered {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Ordered {}
impl PartialOrd for Ordered {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ordered {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.order_cmp(&other.0)
    }
}

/// The values `<` can compare a value with: a run of neighbours in `ORDER BY`'s order. `None` for
/// what `<` compares with nothing (null, maps, entities, durations, NaN).
fn family(v: &Value) -> Option<u8> {
    Some(match v {
        Value::Int(_) => 0,
        Value::Float(f) if !f.is_nan() => 0,
        Value::String(_) => 1,
        Value::Bool(_) => 2,
        Value::List(_) => 3,
        Value::Temporal(t) if !matches!(t, crate::temporal::Temporal::Duration(_)) => 4 + t.order_rank(),
        _ => return None,
    })
}

type Entries = BTreeMap<Ordered, BTreeSet<u32>>;

#[derive(Debug, Clone, Default)]
pub(super) struct Indexes {
    by: BTreeMap<(Sym, Sym), Entries>,
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
        self.by.insert((label, key), BTreeMap::new());
        true
    }

    pub(super) fn drop_index(&mut self, label: Sym, key: Sym) -> bool {
        self.by.remove(&(label, key)).is_some()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.by.is_empty()
    }

    /// Records that entity `n` (a node carrying `label`, or a relationship of type `label`) has
    /// `value` under `key` (null values are not indexed).
    pub(super) fn insert(&mut self, label: Sym, key: Sym, value: &Value, n: u32) {
        if value.is_null() {
            return;
        }
        if let Some(index) = self.by.get_mut(&(label, key)) {
            index.entry(Ordered(value.clone())).or_default().insert(n);
        }
    }

    pub(super) fn remove(&mut self, label: Sym, key: Sym, value: &Value, n: u32) {
        if let Some(index) = self.by.get_mut(&(label, key)) {
            let probe = Ordered(value.clone());
            if let Some(nodes) = index.get_mut(&probe) {
                nodes.remove(&n);
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

    /// The entities whose value under the index's key is `value`, in id order; none for null.
    pub(super) fn lookup(&self, label: Sym, key: Sym, value: &Value) -> Vec<u32> {
        if value.is_null() {
            return Vec::new();
        }
        self.by
            .get(&(label, key))
            .and_then(|index| index.get(&Ordered(value.clone())))
            .map_or_else(Vec::new, |nodes| nodes.iter().copied().collect())
    }

    /// The entities whose value lies between `lower` and `upper` (at least one given) and is of a type
    /// `<` compares with them, in id order: none when an end is null, NaN or of a type `<` does not
    /// compare, or when the ends are of different types (no value is greater than `1` and less than
    /// `'z'`).
    pub(super) fn range(&self, label: Sym, key: Sym, lower: RangeEnd<'_>, upper: RangeEnd<'_>) -> Vec<u32> {
        let Some(index) = self.by.get(&(label, key)) else { return Vec::new() };
        let families: Vec<Option<u8>> = [lower, upper].iter().flatten().map(|(v, _)| family(v)).collect();
        let Some(Some(wanted)) = families.first().copied() else { return Vec::new() };
        if families.iter().any(|f| *f != Some(wanted)) {
            return Vec::new();
        }
        let bound = |end: RangeEnd<'_>| match end {
            Some((v, true)) => Bound::Included(Ordered(v.clone())),
            Some((v, false)) => Bound::Excluded(Ordered(v.clone())),
            None => Bound::Unbounded,
        };
        if let (Some((lo, lo_in)), Some((hi, hi_in))) = (lower, upper) {
            // BTreeMap::range panics on an empty or inverted range; nothing lies in one.
            match lo.order_cmp(hi) {
                Ordering::Greater => return Vec::new(),
                Ordering::Equal if !(lo_in && hi_in) => return Vec::new(),
                _ => {}
            }
        }
        let in_family = |(v, _): &(&Ordered, &BTreeSet<u32>)| family(&v.0) == Some(wanted);
        let entries = index.range((bound(lower), bound(upper)));
        // A one-sided range runs to the end of its family, which the other values of the index follow.
        let mut nodes: Vec<u32> = if lower.is_some() {
            entries.take_while(in_family).flat_map(|(_, n)| n.iter().copied()).collect()
        } else {
            entries.rev().take_while(in_family).flat_map(|(_, n)| n.iter().copied()).collect()
        };
        nodes.sort_unstable();
        nodes
    }

    /// The entities whose value is a string starting with `prefix`, in id order.
    pub(super) fn starting_with(&self, label: Sym, key: Sym, prefix: &str) -> Vec<u32> {
        let Some(index) = self.by.get(&(label, key)) else { return Vec::new() };
        let start = Ordered(Value::String(prefix.into()));
        // Strings sort by their bytes, so those with the prefix follow it with no other between.
        let mut nodes: Vec<u32> = index
            .range(start..)
            .take_while(|(v, _)| matches!(&v.0, Value::String(s) if s.starts_with(prefix)))
            .flat_map(|(_, n)| n.iter().copied())
            .collect();
        nodes.sort_unstable();
        nodes
    }
}
