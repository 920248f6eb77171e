//! kgraph: a small, fast knowledge-graph engine.
//!
//! A property graph of labelled entities and typed, directed relationships ([`Graph`]), queried with
//! a subset of openCypher through a [`Session`], saved and loaded as binary [`snapshot`]s.
//!
//! ```
//! let mut session = kgraph::Session::new();
//! session.run("CREATE (:ThreatActor {name: 'APT31'})-[:`linked-to`]->(:Organization {name: 'MSS'})").unwrap();
//! let out = session.run("MATCH (a)-[:`linked-to`]->(o) RETURN a.name, o.name").unwrap();
//! assert_eq!(out[0].rows[0][1], kgraph::Value::from("MSS"));
//! ```

mod database;
pub mod db;
mod error;
pub mod export;
mod files;
pub mod format;
mod fulltext;
pub mod generate;
pub mod graph;
pub mod import;
pub mod input;
mod load;
pub mod misp;
pub mod parallel;
pub mod progress;
pub mod query;
pub mod readback;
mod session;
pub mod snapshot;
mod statement;
pub mod stix;
pub mod temporal;
pub mod value;

pub use database::{
    Column, Database, Entities, FromValue, GetError, IntoParams, Node, Path, Prepared, Relationship, Row,
    Rows, Serialized, Transaction, ValueRef,
};
pub use error::{Error, QueryFailure};
pub use format::Format;
pub use graph::{Direction, EdgeId, Graph, NodeId, Schema};
pub use load::{LoadReport, Loaded, Script, read_file, read_file_with};
pub use query::{CancelFlag, ErrorKind, Notification, NotificationKind, Params, QueryError, WriteStats};
pub use session::{QueryOutput, Session, Timing};
pub use value::{PathValue, Value, VirtualNode, VirtualRelationship};
