//! Full-text search: the analyzer that cuts text into terms, an inverted index of a set of
//! documents' fields, Lucene's query syntax and BM25 scoring. Knows nothing of graphs: the graph
//! keeps one index per `CREATE FULLTEXT INDEX` current, documents being entity ids and fields the
//! index's property keys (see `graph::fulltext`).
//!
//! Written here rather than taken from tantivy, the Rust search library: tantivy is built around
//! segments written to a directory and merged in the background, with readers that see a commit
//! only once reloaded, where a kgraph index must change with every write of a statement, be undone
//! with it when it fails, and be rebuilt from the graph when a snapshot loads (the definitions are
//! stored, not the index); and it would add 88 crates to an engine build of 57 (measured with
//! `cargo tree -e normal` on tantivy 0.27 beside this crate's tree).
//! What is needed of it here (an analyzer as Neo4j's default one, one postings map, BM25, the
//! classic query syntax) is a few hundred lines.

mod analyze;
mod index;
mod query;
mod search;
#[cfg(test)]
mod tests;

pub use index::FulltextIndex;
pub use query::{QueryError, parse};
