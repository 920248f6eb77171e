//! The query pipeline, one stage a module, one direction:
//! text → [`parser`] (pest pairs, private to it) → [`ast`] → [`plan`] → [`exec`] → rows.

pub mod ast;
pub mod error;
pub mod exec;
pub mod expr;
mod functions;
mod interrupt;
pub mod notify;
pub mod parser;
pub mod pattern;
pub mod plan;
pub mod procedures;
pub mod split;
pub mod suggest;

pub use error::{ErrorKind, QueryError};
pub use exec::WriteStats;
pub use expr::{FUNCTION_NAMES, Params};
pub use functions::Draws;
pub use interrupt::{CancelFlag, Interrupt, describe_bytes};
pub use notify::{Notification, NotificationKind};

/// Keywords of the language, for completion and highlighting.
pub const KEYWORDS: &[&str] = &[
    "MATCH",
    "WHERE",
    "RETURN",
    "CREATE",
    "DISTINCT",
    "ORDER",
    "BY",
    "SKIP",
    "LIMIT",
    "ASC",
    "DESC",
    "ASCENDING",
    "DESCENDING",
    "AND",
    "OR",
    "XOR",
    "NOT",
    "AS",
    "IS",
    "NULL",
    "TRUE",
    "FALSE",
    "IN",
    "STARTS",
    "ENDS",
    "WITH",
    "CONTAINS",
    "EXPLAIN",
    "PROFILE",
    "COUNT",
    "OPTIONAL",
    "UNWIND",
    "MERGE",
    "ON",
    "SET",
    "REMOVE",
    "DELETE",
    "DETACH",
    "UNION",
    "ALL",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "EXISTS",
    "COLLECT",
    "CHECKPOINT",
    "CALL",
    "YIELD",
    "SHOW",
    "FOREACH",
    "LOAD",
    "CSV",
    "HEADERS",
    "FROM",
    "FIELDTERMINATOR",
    "INDEX",
    "FOR",
    "FULLTEXT",
    "EACH",
    "CONSTRAINT",
    "REQUIRE",
    "UNIQUE",
    "KEY",
];
