//! The graph's full-text indexes (`CREATE FULLTEXT INDEX name FOR (n:A|B) ON EACH [n.x, n.y]`),
//! by name, each kept current by the same writes that keep property indexes current: an entity is
//! a document of an index when it carries one of its labels (or has one of its types), and its
//! fields are the index's keys, holding the strings among their values (a string, or the strings
//! of a list; other values are not text and are left out, as Neo4j leaves them out).

use std::collections::BTreeMap;

use super::{Graph, Properties, Sym};
use crate::fulltext::{self, FulltextIndex, QueryError};
use crate::value::Value;

/// What a full-text index is on: nodes with one of `on`'s labels, or relationships of one of its
/// types, and the keys whose text it holds, in order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FulltextDef {
    /// On relationships rather than nodes.
    pub relationship: bool,
    /// The labels, or the relationship types.
    pub on: Vec<Sym>,
    /// The property keys, each a field of the index.
    pub keys: Vec<Sym>,
}

/// The most fields an index has: field numbers are 16-bit in the index.
pub const MAX_FULLTEXT_KEYS: usize = 1024;

/// Why a full-text query found nothing to run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FulltextError {
    #[error("there is no full-text index called `{0}` (SHOW INDEXES lists them)")]
    NoSuchIndex(String),
    #[error("full-text index `{0}` is on {1}, not {2}")]
    WrongEntity(String, &'static str, &'static str),
    #[error(transparent)]
    Query(#[from] QueryError),
}

#[derive(Debug, Clone, PartialEq)]
struct Entry {
    def: FulltextDef,
    index: FulltextIndex,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Fulltexts {
    by_name: BTreeMap<String, Entry>,
}

/// The strings of a property value that a full-text index holds.
fn texts(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::List(items) => items
            .iter()
            .filter_map(|i| if let Value::String(s) = i { Some(s.as_str()) } else { None })
            .collect(),
        _ => Vec::new(),
    }
}

impl Entry {
    fn covers(&self, relationship: bool, on: &[Sym]) -> bool {
        self.def.relationship == relationship && self.def.on.iter().any(|l| on.contains(l))
    }

    fn add(&mut self, id: u32, props: &Properties) {
        for (f, &key) in self.def.keys.iter().enumerate() {
            if let Some(v) = props.get(key) {
                self.index.add(id, f as u16, &texts(v));
            }
        }
    }

    fn remove(&mut self, id: u32, props: &Properties) {
        for (f, &key) in self.def.keys.iter().enumerate() {
            if let Some(v) = props.get(key) {
                self.index.remove(id, f as u16, &texts(v));
            }
        }
    }
}

impl Fulltexts {
    pub(super) fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    fn covering(&mut self, relationship: bool, on: &[Sym]) -> impl Iterator<Item = &mut Entry> {
        self.by_name.values_mut().filter(move |e| e.covers(relationship, on))
    }

    /// An entity (node with labels `on`, or relationship of type `on`) has come into being.
    pub(super) fn added(&mut self, relationship: bool, id: u32, on: &[Sym], props: &Properties) {
        self.covering(relationship, on).for_each(|e| e.add(id, props));
    }

    /// An entity is gone (or is no longer a document: see [`Fulltexts::label_changed`]).
    pub(super) fn removed(&mut self, relationship: bool, id: u32, on: &[Sym], props: &Properties) {
        self.covering(relationship, on).for_each(|e| e.remove(id, props));
    }

    /// Whether some index holds `key` of entities like this one: a write of it must tell us.
    pub(super) fn watches(&self, relationship: bool, on: &[Sym], key: Sym) -> bool {
        self.by_name.values().any(|e| e.covers(relationship, on) && e.def.keys.contains(&key))
    }

    /// An entity's `key` went from `old` to `new` (null: removed).
    pub(super) fn property_changed(
        &mut self,
        relationship: bool,
        id: u32,
        on: &[Sym],
        key: Sym,
        old: Option<&Value>,
        new: &Value,
    ) {
        for e in self.covering(relationship, on) {
            for f in e.def.keys.iter().enumerate().filter(|(_, k)| **k == key).map(|(f, _)| f as u16) {
                if let Some(old) = old {
                    e.index.remove(id, f, &texts(old));
                }
                e.index.add(id, f, &texts(new));
            }
        }
    }

    /// A node's labels went from `before` to `after`: indexes on a label it gained, and on none it
    /// had, take it in; those on a label it lost, and on none it keeps, let it go.
    pub(super) fn label_changed(&mut self, id: u32, before: &[Sym], after: &[Sym], props: &Properties) {
        for e in self.by_name.values_mut().filter(|e| !e.def.relationship) {
            match (e.covers(false, before), e.covers(false, after)) {
                (false, true) => e.add(id, props),
                (true, false) => e.remove(id, props),
                _ => {}
            }
        }
    }
}

impl Graph {
    /// Creates the full-text index `name` on `def`, filled from the entities there are; false
    /// when an index (of either kind) has the name already.
    pub fn create_fulltext_index(&mut self, name: &str, def: FulltextDef) -> bool {
        if self.fulltext.by_name.contains_key(name) || self.index_called(name).is_some() {
            return false;
        }
        let mut entry = Entry { index: FulltextIndex::new(def.keys.len()), def };
        if entry.def.relationship {
            self.for_each_edge(|e, _, _, ty, props| {
                if entry.def.on.contains(&ty) {
                    entry.add(e.0, props);
                }
            });
        } else {
            let mut nodes: Vec<u32> = entry
                .def
                .on
                .iter()
                .flat_map(|l| self.by_label.get(l).into_iter().flatten().copied())
                .collect();
            nodes.sort_unstable();
            nodes.dedup();
            for n in nodes {
                entry.add(n, self.node_properties(super::NodeId(n)));
            }
        }
        self.fulltext.by_name.insert(name.to_string(), entry);
        true
    }

    /// Drops the full-text index `name`, giving back what it was on.
    pub fn drop_fulltext_index(&mut self, name: &str) -> Option<FulltextDef> {
        self.fulltext.by_name.remove(name).map(|e| e.def)
    }

    /// The full-text index `name`'s definition.
    pub fn fulltext_index(&self, name: &str) -> Option<&FulltextDef> {
        self.fulltext.by_name.get(name).map(|e| &e.def)
    }

    /// Every full-text index, by name.
    pub fn fulltext_indexes(&self) -> impl Iterator<Item = (&str, &FulltextDef)> {
        self.fulltext.by_name.iter().map(|(n, e)| (n.as_str(), &e.def))
    }

    /// The full-text index `name`'s distinct terms, documents' fields holding text, and heap bytes.
    pub fn fulltext_size(&self, name: &str) -> Option<(usize, usize, usize)> {
        let ix = &self.fulltext.by_name.get(name)?.index;
        Some((ix.term_count(), ix.field_count(), ix.heap_bytes()))
    }

    /// The entities of full-text index `name` (on relationships when `relationship`) that match
    /// `query` (Lucene's syntax), best first, each id with its BM25 score.
    pub fn fulltext_query(
        &self,
        name: &str,
        relationship: bool,
        query: &str,
    ) -> Result<Vec<(u32, f64)>, FulltextError> {
        let entry =
            self.fulltext.by_name.get(name).ok_or_else(|| FulltextError::NoSuchIndex(name.to_string()))?;
        if entry.def.relationship != relationship {
            let kind = |r: bool| if r { "relationships" } else { "nodes" };
            return Err(FulltextError::WrongEntity(
                name.to_string(),
                kind(entry.def.relationship),
                kind(relationship),
            ));
        }
        let parsed = fulltext::parse(query)?;
        let fields: Vec<&str> = entry.def.keys.iter().map(|&k| self.name(k)).collect();
        Ok(entry.index.search(&parsed, &fields))
    }

    /// The full-text definitions as text (name, on relationships, labels or types, keys): what
    /// another graph, with its own symbols, can build the same indexes from.
    pub(super) fn fulltext_as_text(&self) -> Vec<(String, bool, Vec<String>, Vec<String>)> {
        let text = |syms: &[Sym]| syms.iter().map(|&s| self.name(s).to_string()).collect();
        self.fulltext_indexes()
            .map(|(n, d)| (n.to_string(), d.relationship, text(&d.on), text(&d.keys)))
            .collect()
    }

    /// Builds the indexes of [`Graph::fulltext_as_text`] here, those whose names are free.
    pub(super) fn fulltext_from_text(&mut self, defs: Vec<(String, bool, Vec<String>, Vec<String>)>) {
        for (name, relationship, on, keys) in defs {
            let on = on.iter().map(|l| self.intern(l)).collect();
            let keys = keys.iter().map(|k| self.intern(k)).collect();
            self.create_fulltext_index(&name, FulltextDef { relationship, on, keys });
        }
    }

    /// Fills the full-text indexes afresh after entities arrived in bulk, past the write hooks.
    pub(super) fn refill_fulltext(&mut self) {
        let defs: Vec<(String, FulltextDef)> =
            std::mem::take(&mut self.fulltext.by_name).into_iter().map(|(n, e)| (n, e.def)).collect();
        for (name, def) in defs {
            self.create_fulltext_index(&name, def);
        }
    }
}
