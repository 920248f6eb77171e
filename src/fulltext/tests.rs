//! The index against a brute-force reading of the same documents: after any sequence of adds,
//! replacements and removals, every query finds exactly the documents, with the scores, that
//! scanning every document's words finds.

use proptest::prelude::*;
use std::collections::BTreeMap;

use super::analyze::terms;
use super::query::{Occur, Query};
use super::search::wildcard_matches;
use super::*;

const FIELDS: [&str; 2] = ["name", "description"];
const WORDS: [&str; 8] =
    ["apt", "phishing", "spear", "credential", "credentials", "harvest", "cred", "malware"];

/// The documents as plain text, by id and field.
type Docs = BTreeMap<u32, [Option<String>; 2]>;

fn tokens(text: &str) -> Vec<String> {
    terms(text).map(|(_, t)| t).collect()
}

/// BM25 of one term frequency, from statistics counted by scanning.
fn bm25(docs: &Docs, field: usize, doc_freq: usize, freq: usize, len: usize) -> f64 {
    let with: Vec<usize> = docs
        .values()
        .filter_map(|d| d[field].as_deref().map(tokens).map(|t| t.len()).filter(|&l| l > 0))
        .collect();
    let n = with.len() as f64;
    let average = with.iter().sum::<usize>() as f64 / n;
    let idf = (1.0 + (n - doc_freq as f64 + 0.5) / (doc_freq as f64 + 0.5)).ln();
    idf * freq as f64 / (freq as f64 + 1.2 * (0.25 + 0.75 * len as f64 / average))
}

fn field_tokens(docs: &Docs, doc: u32, field: usize) -> Vec<String> {
    docs[&doc][field].as_deref().map(tokens).unwrap_or_default()
}

fn term_score(docs: &Docs, term: &str, field: usize) -> BTreeMap<u32, f64> {
    let df = docs.keys().filter(|&&d| field_tokens(docs, d, field).iter().any(|t| t == term)).count();
    docs.keys()
        .filter_map(|&d| {
            let toks = field_tokens(docs, d, field);
            let freq = toks.iter().filter(|t| *t == term).count();
            (freq > 0).then(|| (d, bm25(docs, field, df, freq, toks.len())))
        })
        .collect()
}

fn brute(docs: &Docs, q: &Query) -> BTreeMap<u32, f64> {
    let fields = |field: &Option<String>| -> Vec<usize> {
        match field {
            Some(name) => FIELDS.iter().position(|f| f == name).into_iter().collect(),
            None => vec![0, 1],
        }
    };
    let mut out = BTreeMap::new();
    let plus = |out: &mut BTreeMap<u32, f64>, more: BTreeMap<u32, f64>| {
        for (d, s) in more {
            *out.entry(d).or_insert(0.0) += s;
        }
    };
    match q {
        Query::Term { field, term } => {
            for f in fields(field) {
                plus(&mut out, term_score(docs, term, f));
            }
        }
        Query::Phrase { field, terms, .. } => {
            for f in fields(field) {
                let holds = |d: u32| {
                    let toks = field_tokens(docs, d, f);
                    toks.windows(terms.len()).filter(|w| w == terms).count()
                };
                let idf: f64 = terms
                    .iter()
                    .map(|t| {
                        let df = docs.keys().filter(|&&d| field_tokens(docs, d, f).contains(t)).count();
                        // The idf alone: BM25 with a saturation of 1.
                        let n = docs.keys().filter(|&&d| !field_tokens(docs, d, f).is_empty()).count() as f64;
                        (1.0 + (n - df as f64 + 0.5) / (df as f64 + 0.5)).ln()
                    })
                    .sum();
                let scored = docs
                    .keys()
                    .filter_map(|&d| {
                        let freq = holds(d);
                        let len = field_tokens(docs, d, f).len();
                        (freq > 0).then(|| {
                            let one = bm25(docs, f, 0, freq, len);
                            let idf0 = bm25(docs, f, 0, 1, 1) / bm25_tf(docs, f, 1, 1);
                            (d, one / idf0 * idf)
                        })
                    })
                    .collect();
                plus(&mut out, scored);
            }
        }
        Query::Wildcard { field, pattern } => {
            let wanted: Vec<char> = pattern.chars().collect();
            for f in fields(field) {
                let hit = docs
                    .keys()
                    .filter(|&&d| {
                        field_tokens(docs, d, f)
                            .iter()
                            .any(|t| wildcard_matches(&wanted, &t.chars().collect::<Vec<_>>()))
                    })
                    .map(|&d| (d, 1.0))
                    .collect();
                plus(&mut out, hit);
            }
        }
        Query::Fuzzy { field, term, edits } => {
            let mut vocabulary: Vec<String> =
                docs.keys().flat_map(|&d| [0, 1].map(|f| field_tokens(docs, d, f))).flatten().collect();
            vocabulary.sort();
            vocabulary.dedup();
            let mut near: Vec<(usize, String)> = vocabulary
                .into_iter()
                .map(|t| (strsim::osa_distance(term, &t), t))
                .filter(|(d, _)| *d <= usize::from(*edits))
                .collect();
            near.sort();
            near.truncate(50);
            for f in fields(field) {
                for (dist, t) in &near {
                    let shorter = term.chars().count().min(t.chars().count()).max(1) as f64;
                    let weight = (1.0 - *dist as f64 / shorter).max(0.1);
                    let scored = term_score(docs, t, f).into_iter().map(|(d, s)| (d, s * weight)).collect();
                    plus(&mut out, scored);
                }
            }
        }
        Query::Boost(inner, b) => {
            out = brute(docs, inner).into_iter().map(|(d, s)| (d, s * b)).collect();
        }
        Query::Bool(clauses) => {
            let results: Vec<(Occur, BTreeMap<u32, f64>)> =
                clauses.iter().map(|(o, c)| (*o, brute(docs, c))).collect();
            let musts: Vec<&BTreeMap<u32, f64>> =
                results.iter().filter(|(o, _)| *o == Occur::Must).map(|(_, r)| r).collect();
            for &d in docs.keys() {
                if results.iter().any(|(o, r)| *o == Occur::MustNot && r.contains_key(&d)) {
                    continue;
                }
                if !musts.iter().all(|r| r.contains_key(&d)) {
                    continue;
                }
                let shoulds: Vec<f64> = results
                    .iter()
                    .filter(|(o, _)| *o == Occur::Should)
                    .filter_map(|(_, r)| r.get(&d).copied())
                    .collect();
                if musts.is_empty() && shoulds.is_empty() {
                    continue;
                }
                let score: f64 = musts.iter().map(|r| r[&d]).sum::<f64>() + shoulds.iter().sum::<f64>();
                out.insert(d, score);
            }
        }
    }
    out
}

/// BM25's saturation alone, so that a phrase's score can be taken apart into it and an idf.
fn bm25_tf(docs: &Docs, field: usize, freq: usize, len: usize) -> f64 {
    let with: Vec<usize> = docs
        .values()
        .filter_map(|d| d[field].as_deref().map(tokens).map(|t| t.len()).filter(|&l| l > 0))
        .collect();
    let average = with.iter().sum::<usize>() as f64 / with.len() as f64;
    freq as f64 / (freq as f64 + 1.2 * (0.25 + 0.75 * len as f64 / average))
}

/// A query as its text, which the parser must read back as the same query.
fn print(q: &Query) -> String {
    let field = |f: &Option<String>| f.as_ref().map_or(String::new(), |f| format!("{f}:"));
    match q {
        Query::Term { field: f, term } => format!("{}{term}", field(f)),
        Query::Phrase { field: f, terms, .. } => format!("{}\"{}\"", field(f), terms.join(" ")),
        Query::Fuzzy { field: f, term, edits } => format!("{}{term}~{edits}", field(f)),
        Query::Wildcard { field: f, pattern } => format!("{}{pattern}", field(f)),
        Query::Boost(inner, b) => format!("{}^{b}", print(inner)),
        Query::Bool(clauses) => {
            let parts: Vec<String> = clauses
                .iter()
                .map(|(o, c)| {
                    let sign = match o {
                        Occur::Must => "+",
                        Occur::MustNot => "-",
                        Occur::Should => "",
                    };
                    format!("{sign}{}", print(c))
                })
                .collect();
            format!("({})", parts.join(" "))
        }
    }
}

fn text() -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(
        0.8,
        prop::collection::vec(prop::sample::select(&WORDS[..]), 0..6).prop_map(|w| w.join(" ")),
    )
}

fn field() -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(0.3, prop::sample::select(&FIELDS[..]).prop_map(str::to_string))
}

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(&WORDS[..]).prop_map(str::to_string)
}

fn leaf() -> impl Strategy<Value = Query> {
    prop_oneof![
        (field(), word()).prop_map(|(field, term)| Query::Term { field, term }),
        (field(), prop::collection::vec(word(), 2..4)).prop_map(|(field, terms)| Query::Phrase {
            field,
            terms,
            slop: 0
        }),
        (field(), word(), 0u8..3).prop_map(|(field, term, edits)| Query::Fuzzy { field, term, edits }),
        (field(), word(), 1usize..4).prop_map(|(field, w, keep)| Query::Wildcard {
            field,
            pattern: format!("{}*", &w[..keep.min(w.len())])
        }),
        (field(), word()).prop_map(|(field, w)| Query::Wildcard { field, pattern: format!("?{}", &w[1..]) }),
    ]
}

fn query() -> impl Strategy<Value = Query> {
    let occur = prop_oneof![Just(Occur::Must), Just(Occur::Should), Just(Occur::MustNot)];
    leaf().prop_recursive(3, 16, 4, move |inner| {
        prop::collection::vec((occur.clone(), inner), 1..4).prop_map(Query::Bool)
    })
}

#[derive(Debug, Clone)]
enum Op {
    Put(u32, [Option<String>; 2]),
    Remove(u32),
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        4 => (0u32..12, text(), text()).prop_map(|(d, a, b)| Op::Put(d, [a, b])),
        1 => (0u32..12).prop_map(Op::Remove),
    ];
    prop::collection::vec(op, 1..30)
}

fn texts(t: &Option<String>) -> Vec<&str> {
    t.as_deref().into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn the_index_finds_what_a_scan_of_the_documents_finds(ops in ops(), q in query()) {
        let mut ix = FulltextIndex::new(2);
        let mut docs = Docs::new();
        for op in ops {
            let (Op::Put(d, _) | Op::Remove(d)) = &op;
            if let Some(old) = docs.remove(d) {
                for (f, t) in old.iter().enumerate() {
                    ix.remove(*d, f as u16, &texts(t));
                }
            }
            if let Op::Put(d, fields) = op {
                for (f, t) in fields.iter().enumerate() {
                    ix.add(d, f as u16, &texts(t));
                }
                docs.insert(d, fields);
            }
        }
        let text = print(&q);
        let parsed = parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let parsed = match parsed {
            Query::Bool(mut c) if c.len() == 1 && c[0].0 == Occur::Should => c.remove(0).1,
            other => other,
        };
        prop_assert_eq!(&parsed, &q, "{} parses back", text);
        let found: Vec<(u32, f64)> = ix.search(&q, &FIELDS);
        let expected = brute(&docs, &q);
        prop_assert_eq!(found.iter().map(|h| h.0).collect::<std::collections::BTreeSet<_>>(),
            expected.keys().copied().collect(), "{}", text);
        for (d, s) in &found {
            prop_assert!((s - expected[d]).abs() <= 1e-9 * s.abs().max(1.0), "{}: doc {} scores {} not {}", text, d, s, expected[d]);
        }
        prop_assert!(found.windows(2).all(|w| w[0].1 >= w[1].1), "best first");
    }
}

#[test]
fn a_phrase_with_slop_matches_its_terms_a_few_positions_apart() {
    let mut ix = FulltextIndex::new(1);
    ix.add(0, 0, &["credential data harvesting"]);
    ix.add(1, 0, &["credential harvesting"]);
    ix.add(2, 0, &["harvesting the credential"]);
    let found = |q: &str| -> Vec<u32> {
        let mut ids: Vec<u32> = ix.search(&parse(q).unwrap(), &["text"]).into_iter().map(|h| h.0).collect();
        ids.sort();
        ids
    };
    assert_eq!(found("\"credential harvesting\""), [1]);
    assert_eq!(found("\"credential harvesting\"~1"), [0, 1]);
    assert_eq!(found("harvest* AND NOT data"), [1, 2]);
    assert_eq!(found("credentail~"), [0, 1, 2]);
    assert_eq!(found("text:credential -harvesting"), Vec::<u32>::new());
    assert_eq!(found("other:credential"), Vec::<u32>::new(), "a field not in the index");
}
