//! An inverted index over the text of a set of documents, each a node or a relationship (by id)
//! with one text per field (a property key): term → the (document, field) pairs holding it, with
//! the positions it stands at, and each pair's length in terms, which BM25 scoring needs. Kept
//! current one document field at a time: the graph adds a field's text when an entity gains it
//! and removes the same text when it loses it.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use thin_vec::ThinVec;

use super::analyze;

/// The positions skipped between two strings of one list-valued property, so that a phrase does
/// not match across them (Lucene's position increment gap does the same).
const LIST_GAP: u32 = 100;

/// One document field holding a term: where, and how often (`1 + more.len()` times).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Posting {
    pub doc: u32,
    pub field: u16,
    pub first: u32,
    /// Positions after the first; empty (and unallocated) for the many terms a field holds once.
    pub more: ThinVec<u32>,
}

impl Posting {
    pub fn freq(&self) -> u32 {
        1 + self.more.len() as u32
    }

    pub fn positions(&self) -> impl Iterator<Item = u32> + '_ {
        std::iter::once(self.first).chain(self.more.iter().copied())
    }
}

/// What BM25 needs of a field across the index: how many documents have it, and their terms in all.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct FieldStats {
    pub docs: u64,
    pub terms: u64,
}

/// The index itself, for `fields` fields numbered from 0.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FulltextIndex {
    /// Postings by term, each term's in (document, field) order.
    pub(super) terms: BTreeMap<Box<str>, Vec<Posting>>,
    /// Each document field's length in terms (only those with at least one).
    pub(super) lengths: FxHashMap<(u32, u16), u32>,
    pub(super) fields: Vec<FieldStats>,
}

/// The positions of each term of a field's texts (the strings of a list one after another, apart).
fn analyze_texts(texts: &[&str]) -> (BTreeMap<String, Vec<u32>>, u32) {
    let mut by_term: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let (mut base, mut count) = (0u32, 0u32);
    for text in texts {
        let mut last = None;
        for (pos, term) in analyze::terms(text) {
            let at = base.saturating_add(pos);
            by_term.entry(term).or_default().push(at);
            last = Some(at);
            count = count.saturating_add(1);
        }
        if let Some(last) = last {
            base = last.saturating_add(LIST_GAP);
        }
    }
    (by_term, count)
}

impl FulltextIndex {
    pub fn new(fields: usize) -> FulltextIndex {
        FulltextIndex { fields: vec![FieldStats::default(); fields], ..Default::default() }
    }

    /// Indexes the texts of `doc`'s field `field`, which must hold none yet (remove them first).
    pub fn add(&mut self, doc: u32, field: u16, texts: &[&str]) {
        let (by_term, count) = analyze_texts(texts);
        if count == 0 {
            return;
        }
        for (term, positions) in by_term {
            let (first, more) = (positions[0], positions[1..].iter().copied().collect());
            let posting = Posting { doc, field, first, more };
            let list = self.terms.entry(term.into_boxed_str()).or_default();
            // Documents mostly arrive in id order (loads, index builds), when this appends.
            match list.binary_search_by_key(&(doc, field), |p| (p.doc, p.field)) {
                Ok(at) => list[at] = posting,
                Err(at) => list.insert(at, posting),
            }
        }
        if self.lengths.insert((doc, field), count).is_none()
            && let Some(stats) = self.fields.get_mut(field as usize)
        {
            stats.docs += 1;
            stats.terms += u64::from(count);
        }
    }

    /// Takes out the texts of `doc`'s field `field`: the same texts [`FulltextIndex::add`] got.
    pub fn remove(&mut self, doc: u32, field: u16, texts: &[&str]) {
        let (by_term, _) = analyze_texts(texts);
        for term in by_term.keys() {
            let Some(list) = self.terms.get_mut(term.as_str()) else { continue };
            if let Ok(at) = list.binary_search_by_key(&(doc, field), |p| (p.doc, p.field)) {
                list.remove(at);
            }
            if list.is_empty() {
                self.terms.remove(term.as_str());
            }
        }
        if let Some(count) = self.lengths.remove(&(doc, field))
            && let Some(stats) = self.fields.get_mut(field as usize)
        {
            stats.docs -= 1;
            stats.terms -= u64::from(count);
        }
    }

    /// How many distinct terms the index holds.
    pub fn term_count(&self) -> usize {
        self.terms.len()
    }

    /// How many (document, field) pairs hold text.
    pub fn field_count(&self) -> usize {
        self.lengths.len()
    }

    /// The heap the index holds, in bytes, counted from what it allocated (the tree's own nodes
    /// estimated at a pointer and a third of a slot per term).
    pub fn heap_bytes(&self) -> usize {
        let posting = std::mem::size_of::<Posting>();
        let slot = std::mem::size_of::<(Box<str>, Vec<Posting>)>();
        let terms: usize = self
            .terms
            .iter()
            .map(|(term, list)| {
                let positions: usize =
                    list.iter().filter(|p| !p.more.is_empty()).map(|p| 16 + 4 * p.more.capacity()).sum();
                term.len() + list.capacity() * posting + positions + slot + slot / 3 + 8
            })
            .sum();
        let length = std::mem::size_of::<((u32, u16), u32)>() + 1;
        terms + self.lengths.capacity() * length
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removing_what_was_added_leaves_the_index_empty() {
        let mut ix = FulltextIndex::new(2);
        ix.add(3, 0, &["spear phishing phishing"]);
        ix.add(1, 1, &["phishing", "links"]);
        assert_eq!(
            ix.terms["phishing"].iter().map(|p| (p.doc, p.freq())).collect::<Vec<_>>(),
            [(1, 1), (3, 2)]
        );
        assert_eq!(ix.terms["links"][0].first, LIST_GAP, "a list's strings stand apart");
        assert_eq!(ix.fields[0], FieldStats { docs: 1, terms: 3 });
        ix.remove(3, 0, &["spear phishing phishing"]);
        ix.remove(1, 1, &["phishing", "links"]);
        assert_eq!(ix, FulltextIndex::new(2));
    }

    #[test]
    fn text_with_no_words_is_no_document() {
        let mut ix = FulltextIndex::new(1);
        ix.add(0, 0, &["--", ""]);
        assert_eq!(ix.field_count(), 0);
        assert_eq!(ix.fields[0].docs, 0);
    }
}
