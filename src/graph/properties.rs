//! A property map stored as a vector sorted by key symbol: compact (no hash table per entity) and
//! fast for the handful of properties a node or edge usually carries. A thin vector (one pointer,
//! its length and capacity kept in the allocation, no allocation when empty): most relationships of
//! a large graph have no properties, and each one pays for the map's header.

use thin_vec::ThinVec;

use super::Sym;
use crate::value::Value;

/// Serialised as its list of (key, value) pairs.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Properties(ThinVec<(Sym, Value)>);

static EMPTY: Properties = Properties(ThinVec::new());

impl Properties {
    pub fn empty() -> &'static Properties {
        &EMPTY
    }

    /// A map of these entries as they are, for a reader that calls [`Properties::check`] after.
    pub(crate) fn from_entries(entries: ThinVec<(Sym, Value)>) -> Properties {
        Properties(entries)
    }

    /// Checks a map read from outside (a snapshot): keys strictly ascending and below
    /// `name_count`, values storable.
    pub(crate) fn check(&self, name_count: usize) -> Result<(), String> {
        if self.0.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err("property keys are not in ascending order".into());
        }
        for (k, v) in &self.0 {
            if k.0 as usize >= name_count {
                return Err(format!("name {} is out of range", k.0));
            }
            if !v.is_storable() || v.is_null() {
                return Err(format!("a property holds a {}, which cannot be stored", v.type_name()));
            }
        }
        Ok(())
    }

    pub fn get(&self, key: Sym) -> Option<&Value> {
        self.0.binary_search_by_key(&key, |(k, _)| *k).ok().map(|i| &self.0[i].1)
    }

    /// Sets a property; setting null removes it, as in openCypher. Returns the value it replaced.
    pub fn set(&mut self, key: Sym, value: Value) -> Option<Value> {
        match self.0.binary_search_by_key(&key, |(k, _)| *k) {
            Ok(i) if value.is_null() => Some(self.0.remove(i).1),
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(_) if value.is_null() => None,
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (Sym, &Value)> {
        self.0.iter().map(|(k, v)| (*k, v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_keeps_keys_sorted_and_null_removes() {
        let mut p = Properties::default();
        p.set(Sym(3), Value::Int(3));
        p.set(Sym(1), Value::Int(1));
        p.set(Sym(2), Value::Null);
        assert_eq!(p.iter().map(|(k, _)| k.0).collect::<Vec<_>>(), [1, 3]);
        p.set(Sym(3), Value::Null);
        assert_eq!(p.len(), 1);
        assert_eq!(p.get(Sym(1)), Some(&Value::Int(1)));
        assert_eq!(p.get(Sym(3)), None);
    }
}
