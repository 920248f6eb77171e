//! Nodes and relationships that exist only in a result, as Neo4j's *virtual* entities:
//! `db.schema.visualization()` returns a node per label and a relationship per pattern between
//! them, and the tools that call it read them with `labels(n)`, `n.name`, `type(r)` and
//! `startNode(r)` as they read stored ones. They carry their labels, type and properties
//! themselves, so nothing about them is looked up in the graph; their ids are negative, so they
//! never name a stored entity.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Value;

/// A node of a result that is not in the graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VirtualNode {
    /// Negative, unique within the result that made it.
    pub id: i64,
    /// Its labels, in the order the procedure gave them.
    pub labels: Vec<String>,
    /// Its properties by name.
    pub properties: BTreeMap<String, Value>,
}

/// A relationship of a result that is not in the graph, between two virtual nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VirtualRelationship {
    /// Negative, unique within the result that made it.
    pub id: i64,
    /// Its type.
    pub rel_type: String,
    /// The node it leaves.
    pub start: VirtualNode,
    /// The node it enters.
    pub end: VirtualNode,
    /// Its properties by name.
    pub properties: BTreeMap<String, Value>,
}

impl VirtualNode {
    /// The value of property `key`, null when it has none.
    pub fn property(&self, key: &str) -> &Value {
        self.properties.get(key).unwrap_or(&Value::Null)
    }
}

impl VirtualRelationship {
    /// The value of property `key`, null when it has none.
    pub fn property(&self, key: &str) -> &Value {
        self.properties.get(key).unwrap_or(&Value::Null)
    }
}
