//! A node's labels: sorted, distinct symbols. Nearly every node has exactly one, so one is kept
//! inline and only more take an allocation: a million-node load makes a million fewer.

use std::fmt;

use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};
use thin_vec::ThinVec;

use super::Sym;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum Labels {
    #[default]
    None,
    One(Sym),
    /// Two or more, sorted and distinct.
    Many(ThinVec<Sym>),
}

impl Labels {
    pub(crate) fn as_slice(&self) -> &[Sym] {
        match self {
            Labels::None => &[],
            Labels::One(label) => std::slice::from_ref(label),
            Labels::Many(labels) => labels,
        }
    }

    /// Adds `label` in order; false when it was there already.
    pub(crate) fn insert(&mut self, label: Sym) -> bool {
        let mut all: Vec<Sym> = self.as_slice().to_vec();
        match all.binary_search(&label) {
            Ok(_) => false,
            Err(at) => {
                all.insert(at, label);
                *self = Labels::from_sorted(all);
                true
            }
        }
    }

    /// Takes `label` away; false when it was not there.
    pub(crate) fn remove(&mut self, label: Sym) -> bool {
        let mut all: Vec<Sym> = self.as_slice().to_vec();
        match all.binary_search(&label) {
            Err(_) => false,
            Ok(at) => {
                all.remove(at);
                *self = Labels::from_sorted(all);
                true
            }
        }
    }

    fn from_sorted(labels: Vec<Sym>) -> Labels {
        match labels.as_slice() {
            [] => Labels::None,
            [one] => Labels::One(*one),
            _ => Labels::Many(labels.into_iter().collect()),
        }
    }
}

impl FromIterator<Sym> for Labels {
    fn from_iter<I: IntoIterator<Item = Sym>>(labels: I) -> Labels {
        let mut labels: Vec<Sym> = labels.into_iter().collect();
        labels.sort_unstable();
        labels.dedup();
        Labels::from_sorted(labels)
    }
}

/// Read as the list of symbols it is written as, without allocating for a single label; any order
/// is put right.
impl<'de> Deserialize<'de> for Labels {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Labels, D::Error> {
        struct List;
        impl<'de> Visitor<'de> for List {
            type Value = Labels;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of label symbols")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Labels, A::Error> {
                let Some(first) = seq.next_element::<Sym>()? else { return Ok(Labels::None) };
                let Some(second) = seq.next_element::<Sym>()? else { return Ok(Labels::One(first)) };
                let mut rest = vec![first, second];
                while let Some(label) = seq.next_element::<Sym>()? {
                    rest.push(label);
                }
                Ok(rest.into_iter().collect())
            }
        }
        deserializer.deserialize_seq(List)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_stay_sorted_and_distinct_through_inserts_and_removals() {
        let mut labels: Labels = [Sym(5), Sym(2), Sym(5)].into_iter().collect();
        assert_eq!(labels.as_slice(), [Sym(2), Sym(5)]);
        assert!(!labels.insert(Sym(2)));
        assert!(labels.insert(Sym(3)));
        assert_eq!(labels.as_slice(), [Sym(2), Sym(3), Sym(5)]);
        assert!(labels.remove(Sym(2)) && labels.remove(Sym(5)));
        assert_eq!(labels, Labels::One(Sym(3)));
        assert!(!labels.remove(Sym(9)));
        assert!(labels.remove(Sym(3)));
        assert_eq!(labels, Labels::None);
    }

    #[test]
    fn read_back_from_its_list_form() {
        let config = bincode::config::standard();
        for list in [vec![], vec![Sym(7)], vec![Sym(9), Sym(1), Sym(9)]] {
            let bytes = bincode::serde::encode_to_vec(&list, config).unwrap();
            let (labels, _): (Labels, usize) = bincode::serde::decode_from_slice(&bytes, config).unwrap();
            let expected: Labels = list.into_iter().collect();
            assert_eq!(labels, expected);
        }
    }
}
