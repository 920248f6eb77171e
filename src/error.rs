//! The library's top-level error: what a caller of [`crate::Database`] sees.

use std::io;
use std::path::PathBuf;

use crate::query::QueryError;
use crate::snapshot::SnapshotError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A statement failed: it did not parse, made no sense, or failed while running. The graph is
    /// as it was before that statement.
    #[error("{}", .0.rendered)]
    Query(Box<QueryFailure>),
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error(transparent)]
    Database(crate::db::DbError),
    #[error(
        "{path}: neither a kgraph snapshot, a JSON document (STIX, MISP, JSON Lines), GraphML nor a UTF-8 Cypher script"
    )]
    NotAScript { path: PathBuf },
    #[error("{path}: {detail}")]
    Stix { path: PathBuf, detail: String },
    /// A file of a format kgraph reads back (GraphML) that could not be read.
    #[error("{path}: cannot read it as {format}: {detail}")]
    Format { path: PathBuf, format: &'static str, detail: String },
    /// A directory of CSV files that could not be imported.
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
    #[error(transparent)]
    Input(#[from] crate::input::InputError),
    /// Parameters that are not a map of names to values.
    #[error("{0}")]
    Parameters(String),
    /// A value of a row read as a type it is not.
    #[error(transparent)]
    Get(#[from] crate::database::GetError),
    /// The database cannot be used any more: a thread panicked while it changed the graph.
    #[error("{0}")]
    Poisoned(String),
    /// A call that needs exactly one statement was given none, or several.
    #[error("{0}")]
    NotOneStatement(String),
}

/// A failed statement, with the error shown against its source text.
#[derive(Debug)]
pub struct QueryFailure {
    pub error: QueryError,
    /// Where the statement came from (a file name, or empty for text typed or passed with `-c`).
    pub origin: String,
    /// The message as users read it: kind, message, `line L, column C`, the line and a caret.
    pub rendered: String,
}

impl Error {
    pub fn query(error: QueryError, source: &str, origin: &str) -> Error {
        Error::query_at(error, source, origin, 1)
    }

    /// [`Error::query`] for a source that begins on line `first_line` of where it came from.
    pub fn query_at(error: QueryError, source: &str, origin: &str, first_line: usize) -> Error {
        let rendered = error.render_at(source, first_line);
        let rendered = if origin.is_empty() { rendered } else { format!("{origin}: {rendered}") };
        Error::Query(Box::new(QueryFailure { error, origin: origin.to_string(), rendered }))
    }

    /// The query error, when this is one.
    pub fn as_query(&self) -> Option<&QueryError> {
        match self {
            Error::Query(f) => Some(&f.error),
            _ => None,
        }
    }
}
