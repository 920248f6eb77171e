//! Property indexes by what they are on ([`IndexDef`]), whichever kind, and their names
//! (`CREATE INDEX actor_name FOR (n:ThreatActor) ON (n.name)`), by which `DROP INDEX actor_name`
//! finds them and `SHOW INDEXES` lists them. An index created without a name has the one Neo4j's
//! tools expect to see, made from what it is on (`index_node_ThreatActor_name`); a name given
//! replaces that one.

use super::{Graph, Sym};

/// What an index is on: nodes with a label, or relationships of a type, and one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IndexDef {
    pub relationship: bool,
    /// The label, or the relationship type.
    pub on: Sym,
    pub key: Sym,
}

impl Graph {
    /// Creates the index `def`, filled from the nodes or relationships there are; false when it
    /// exists already.
    pub fn create_index_def(&mut self, def: IndexDef) -> bool {
        if def.relationship {
            self.create_edge_index(def.on, def.key)
        } else {
            self.create_node_index(def.on, def.key)
        }
    }

    /// Drops the index `def`, and the name it was given; false when there is none.
    pub fn drop_index_def(&mut self, def: IndexDef) -> bool {
        self.index_names.retain(|_, d| *d != def);
        if def.relationship {
            self.rel_indexes.drop_index(def.on, def.key)
        } else {
            self.indexes.drop_index(def.on, def.key)
        }
    }

    /// Whether the index `def` exists.
    pub fn has_index_def(&self, def: IndexDef) -> bool {
        if def.relationship {
            self.rel_indexes.has(def.on, def.key)
        } else {
            self.indexes.has(def.on, def.key)
        }
    }

    /// The name of the index `def`: the one it was given, or the one made from what it is on.
    pub fn index_name(&self, def: IndexDef) -> String {
        if let Some((name, _)) = self.index_names.iter().find(|(_, d)| **d == def) {
            return name.clone();
        }
        let kind = if def.relationship { "rel" } else { "node" };
        format!("index_{kind}_{}_{}", self.name(def.on), self.name(def.key))
    }

    /// The index called `name`, whether the name was given or made.
    pub fn index_called(&self, name: &str) -> Option<IndexDef> {
        if let Some(def) = self.index_names.get(name) {
            return Some(*def);
        }
        self.index_defs()
            .into_iter()
            .find(|&def| !self.index_names.values().any(|d| *d == def) && self.index_name(def) == name)
    }

    /// Every index, nodes' first, each kind in the order of its definitions.
    pub fn index_defs(&self) -> Vec<IndexDef> {
        let nodes = self.indexes.definitions().map(|(on, key)| IndexDef { relationship: false, on, key });
        let rels = self.rel_indexes.definitions().map(|(on, key)| IndexDef { relationship: true, on, key });
        nodes.chain(rels).collect()
    }

    /// Gives the index `def` the name `name`, replacing the one it had; false (and nothing done)
    /// when another index has that name, or `def` is no index.
    pub fn name_index(&mut self, name: &str, def: IndexDef) -> bool {
        if !self.has_index_def(def) || self.index_called(name).is_some_and(|d| d != def) {
            return false;
        }
        self.index_names.retain(|_, d| *d != def);
        self.index_names.insert(name.to_string(), def);
        true
    }

    /// The name given to the index `def`, if one was, taken off it (the index keeps the name made
    /// from what it is on).
    pub fn unname_index(&mut self, def: IndexDef) -> Option<String> {
        let name = self.index_names.iter().find(|(_, d)| **d == def).map(|(n, _)| n.clone())?;
        self.index_names.remove(&name);
        Some(name)
    }

    /// The names given to indexes, each with its index.
    pub fn given_index_names(&self) -> impl Iterator<Item = (&str, IndexDef)> {
        self.index_names.iter().map(|(n, d)| (n.as_str(), *d))
    }

    /// The names given to indexes as text (name, on relationships, label or type, key): what
    /// another graph, with its own symbols, can name its indexes after.
    pub(super) fn given_names_as_text(&self) -> Vec<(String, bool, String, String)> {
        let text = |s: Sym| self.name(s).to_string();
        self.given_index_names()
            .map(|(n, d)| (n.to_string(), d.relationship, text(d.on), text(d.key)))
            .collect()
    }

    /// Gives the names of [`Graph::given_names_as_text`] to this graph's indexes of the same
    /// definitions; a name this graph has for another index already stays that one's.
    pub(super) fn name_indexes_from_text(&mut self, names: Vec<(String, bool, String, String)>) {
        for (name, relationship, on, key) in names {
            if let (Some(on), Some(key)) = (self.symbol(&on), self.symbol(&key)) {
                self.name_index(&name, IndexDef { relationship, on, key });
            }
        }
    }
}
