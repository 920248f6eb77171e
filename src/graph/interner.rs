//! String interning for labels, relationship types and property keys, so that a node or edge stores a
//! 4-byte symbol instead of a `String` for each name it carries.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// An interned name. Symbols are only meaningful for the [`Interner`] that made them.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Sym(pub u32);

#[derive(Debug, Default, Clone)]
pub struct Interner {
    names: Vec<Box<str>>,
    index: HashMap<Box<str>, Sym>,
}

impl Interner {
    pub fn intern(&mut self, name: &str) -> Sym {
        if let Some(&sym) = self.index.get(name) {
            return sym;
        }
        let sym = Sym(u32::try_from(self.names.len()).expect("fewer than 2^32 distinct names"));
        self.names.push(name.into());
        self.index.insert(name.into(), sym);
        sym
    }

    /// Looks a name up without interning it: a name never seen matches nothing.
    pub fn get(&self, name: &str) -> Option<Sym> {
        self.index.get(name).copied()
    }

    pub fn resolve(&self, sym: Sym) -> &str {
        &self.names[sym.0 as usize]
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|n| &**n)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_idempotent() {
        let mut i = Interner::default();
        let a = i.intern("attributed-to");
        let b = i.intern("linked-to");
        assert_ne!(a, b);
        assert_eq!(i.intern("attributed-to"), a);
        assert_eq!(i.resolve(b), "linked-to");
        assert_eq!(i.get("missing"), None);
    }
}
