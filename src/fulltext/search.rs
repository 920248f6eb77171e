//! Running a parsed query against an index, with Lucene's BM25 scores (k1 = 1.2, b = 0.75, field
//! lengths kept exactly rather than in Lucene's one-byte form): a term's score in a field is
//! `idf × tf / (tf + k1 × (1 − b + b × length / average length))` with
//! `idf = ln(1 + (N − n + 0.5) / (n + 0.5))` over the documents having the field. A term searched
//! in every field scores the sum of its fields, a boolean query the sum of its matching clauses; a
//! phrase scores as a term whose frequency is the phrase's and whose idf is its terms' sum; a fuzzy
//! term is its 50 nearest terms, each scored as a term and weighted by its likeness; a wildcard
//! scores 1 per field it matches, as Lucene's constant-score rewrite does. Boosts multiply.

use std::ops::Bound;

use rustc_hash::FxHashMap;

use super::index::{FieldStats, FulltextIndex, Posting};
use super::query::{Occur, Query};

const K1: f64 = 1.2;
const B: f64 = 0.75;
/// The terms a fuzzy query expands to at most, nearest first (Lucene's default).
const FUZZY_EXPANSIONS: usize = 50;

type Scores = FxHashMap<u32, f64>;

impl FulltextIndex {
    /// The documents matching `query`, best first (ties by id), with their scores. `fields` names
    /// the index's fields in order, for the query's `field:` qualifiers; a field not among them
    /// matches nothing.
    pub fn search(&self, query: &Query, fields: &[&str]) -> Vec<(u32, f64)> {
        let mut hits: Vec<(u32, f64)> = self.eval(query, fields).into_iter().collect();
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        hits
    }

    fn eval(&self, query: &Query, names: &[&str]) -> Scores {
        match query {
            Query::Term { field, term } => self.per_field(field, names, |f| self.term_scores(term, f, 1.0)),
            Query::Phrase { field, terms, slop } => {
                self.per_field(field, names, |f| self.phrase_scores(terms, *slop, f))
            }
            Query::Fuzzy { field, term, edits } => {
                let near = self.near_terms(term, *edits);
                self.per_field(field, names, |f| {
                    let mut scores = Scores::default();
                    for (t, weight) in &near {
                        add(&mut scores, self.term_scores(t, f, *weight));
                    }
                    scores
                })
            }
            Query::Wildcard { field, pattern } => {
                let matching = self.wildcard_terms(pattern);
                self.per_field(field, names, |f| {
                    let mut scores = Scores::default();
                    for list in &matching {
                        for p in list.iter().filter(|p| p.field == f) {
                            scores.insert(p.doc, 1.0);
                        }
                    }
                    scores
                })
            }
            Query::Boost(inner, boost) => {
                let mut scores = self.eval(inner, names);
                scores.values_mut().for_each(|s| *s *= boost);
                scores
            }
            Query::Bool(clauses) => self.boolean(clauses, names),
        }
    }

    fn boolean(&self, clauses: &[(Occur, Query)], names: &[&str]) -> Scores {
        let mut required: Option<Scores> = None;
        let mut optional = Scores::default();
        let mut prohibited: Vec<Scores> = Vec::new();
        for (occur, q) in clauses {
            let scores = self.eval(q, names);
            match occur {
                Occur::Must => {
                    required = Some(match required {
                        None => scores,
                        Some(mut so_far) => {
                            so_far.retain(|doc, s| match scores.get(doc) {
                                Some(more) => {
                                    *s += more;
                                    true
                                }
                                None => false,
                            });
                            so_far
                        }
                    })
                }
                Occur::Should => add(&mut optional, scores),
                Occur::MustNot => prohibited.push(scores),
            }
        }
        let mut result = match required {
            Some(mut required) => {
                for (doc, s) in required.iter_mut() {
                    *s += optional.get(doc).copied().unwrap_or(0.0);
                }
                required
            }
            None => optional,
        };
        for no in &prohibited {
            result.retain(|doc, _| !no.contains_key(doc));
        }
        result
    }

    /// A leaf's scores in its field, or summed over every field when it names none.
    fn per_field(&self, field: &Option<String>, names: &[&str], score: impl Fn(u16) -> Scores) -> Scores {
        match field {
            Some(name) => match names.iter().position(|n| n == name) {
                Some(f) => score(f as u16),
                None => Scores::default(),
            },
            None => {
                let mut all = Scores::default();
                for f in 0..names.len().min(self.fields.len()) {
                    add(&mut all, score(f as u16));
                }
                all
            }
        }
    }

    fn stats(&self, field: u16) -> FieldStats {
        self.fields.get(field as usize).copied().unwrap_or_default()
    }

    fn idf(&self, field: u16, doc_freq: usize) -> f64 {
        let n = self.stats(field).docs as f64;
        let df = doc_freq as f64;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// BM25's saturation of a frequency `freq` in a document field of `len` terms.
    fn tf_norm(&self, field: u16, freq: f64, len: u32) -> f64 {
        let stats = self.stats(field);
        let average = if stats.docs == 0 { 1.0 } else { stats.terms as f64 / stats.docs as f64 };
        freq / (freq + K1 * (1.0 - B + B * f64::from(len) / average))
    }

    fn length(&self, doc: u32, field: u16) -> u32 {
        self.lengths.get(&(doc, field)).copied().unwrap_or(1)
    }

    fn term_scores(&self, term: &str, field: u16, weight: f64) -> Scores {
        let Some(list) = self.terms.get(term) else { return Scores::default() };
        let in_field: Vec<&Posting> = list.iter().filter(|p| p.field == field).collect();
        let idf = self.idf(field, in_field.len());
        in_field
            .into_iter()
            .map(|p| {
                (p.doc, weight * idf * self.tf_norm(field, f64::from(p.freq()), self.length(p.doc, field)))
            })
            .collect()
    }

    fn phrase_scores(&self, terms: &[String], slop: u32, field: u16) -> Scores {
        let mut lists = Vec::with_capacity(terms.len());
        for t in terms {
            match self.terms.get(t.as_str()) {
                Some(list) => lists.push(list),
                None => return Scores::default(),
            }
        }
        let idf: f64 =
            lists.iter().map(|l| self.idf(field, l.iter().filter(|p| p.field == field).count())).sum();
        let mut scores = Scores::default();
        for first in lists[0].iter().filter(|p| p.field == field) {
            let mut postings = Vec::with_capacity(lists.len());
            for list in &lists {
                match list.binary_search_by_key(&(first.doc, field), |p| (p.doc, p.field)) {
                    Ok(at) => postings.push(&list[at]),
                    Err(_) => break,
                }
            }
            if postings.len() < lists.len() {
                continue;
            }
            let freq = phrase_freq(&postings, slop);
            if freq > 0 {
                let len = self.length(first.doc, field);
                scores.insert(first.doc, idf * self.tf_norm(field, f64::from(freq), len));
            }
        }
        scores
    }

    /// The terms within `edits` of `term` (optimal string alignment distance, as Lucene's fuzzy
    /// automata count), nearest first, each with Lucene's weight for its distance.
    fn near_terms(&self, term: &str, edits: u8) -> Vec<(&str, f64)> {
        let len = term.chars().count();
        let edits = usize::from(edits);
        let mut near: Vec<(usize, &str)> = self
            .terms
            .keys()
            .filter_map(|t| {
                let tl = t.chars().count();
                if tl.abs_diff(len) > edits {
                    return None;
                }
                let d = strsim::osa_distance(term, t);
                (d <= edits).then_some((d, &**t))
            })
            .collect();
        near.sort_unstable();
        near.truncate(FUZZY_EXPANSIONS);
        near.into_iter()
            .map(|(d, t)| {
                let shorter = len.min(t.chars().count()).max(1) as f64;
                (t, (1.0 - d as f64 / shorter).max(0.1))
            })
            .collect()
    }

    /// The posting lists of the terms `pattern` matches; a pattern ending in its only `*` is a
    /// prefix, read as a range of the dictionary.
    fn wildcard_terms(&self, pattern: &str) -> Vec<&Vec<Posting>> {
        let literal = pattern.find(['*', '?']).map_or(pattern, |at| &pattern[..at]);
        if pattern.len() == literal.len() + 1 && pattern.ends_with('*') {
            return self
                .terms
                .range::<str, _>((Bound::Included(literal), Bound::Unbounded))
                .take_while(|(t, _)| t.starts_with(literal))
                .map(|(_, list)| list)
                .collect();
        }
        let wanted: Vec<char> = pattern.chars().collect();
        self.terms
            .range::<str, _>((Bound::Included(literal), Bound::Unbounded))
            .take_while(|(t, _)| t.starts_with(literal))
            .filter(|(t, _)| wildcard_matches(&wanted, &t.chars().collect::<Vec<_>>()))
            .map(|(_, list)| list)
            .collect()
    }
}

fn add(into: &mut Scores, scores: Scores) {
    for (doc, s) in scores {
        *into.entry(doc).or_insert(0.0) += s;
    }
}

/// How many positions of the first term start the phrase: each later term `i` found at
/// `start + i`, or, with a slop, the terms' offsets from their places in the phrase spread over at
/// most `slop` positions.
fn phrase_freq(postings: &[&Posting], slop: u32) -> u32 {
    let mut freq = 0;
    for start in postings[0].positions() {
        let mut low = 0i64;
        let mut high = 0i64;
        let mut all = true;
        for (i, p) in postings.iter().enumerate().skip(1) {
            let want = i64::from(start) + i as i64;
            // The position nearest to where the term belongs.
            let Some(offset) = p
                .positions()
                .map(|at| i64::from(at) - want)
                .min_by_key(|off| off.abs())
                .filter(|off| off.unsigned_abs() <= u64::from(slop))
            else {
                all = false;
                break;
            };
            low = low.min(offset);
            high = high.max(offset);
        }
        if all && (high - low) as u64 <= u64::from(slop) {
            freq += 1;
        }
    }
    freq
}

/// Whether `text` matches `pattern`, where `*` is any run of characters and `?` one; linear in
/// their lengths' product at worst, never exponential.
pub(super) fn wildcard_matches(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}
