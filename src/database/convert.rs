//! Values into Rust types ([`FromValue`], for reading rows) and Rust types into values
//! (`From<…> for Value`, for parameters).

use std::collections::{BTreeMap, HashMap};

use super::rows::{Entities, Node, Path, Relationship};
use crate::value::{Value, VirtualNode, VirtualRelationship};

/// Why a value could not be read as the type asked for.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GetError {
    #[error("no column `{column}` (the columns are {columns:?})")]
    NoSuchColumn { column: String, columns: Vec<String> },
    #[error("`{column}` is missing")]
    Missing { column: String },
    #[error("{}expected {expected}, found {found}", at(.column))]
    WrongType { column: Option<String>, expected: &'static str, found: String },
    #[error("{}{value} does not fit in {target}", at(.column))]
    OutOfRange { column: Option<String>, value: i64, target: &'static str },
    #[error("{}{what} is no longer in the graph (the statement deleted it)", at(.column))]
    Deleted { column: Option<String>, what: String },
}

fn at(column: &Option<String>) -> String {
    column.as_ref().map(|c| format!("`{c}`: ")).unwrap_or_default()
}

impl GetError {
    /// The same error, saying which column (or property) it is about, unless it already says.
    pub(crate) fn in_column(self, name: &str) -> GetError {
        let name = Some(name.to_string());
        match self {
            GetError::WrongType { column: None, expected, found } => {
                GetError::WrongType { column: name, expected, found }
            }
            GetError::OutOfRange { column: None, value, target } => {
                GetError::OutOfRange { column: name, value, target }
            }
            GetError::Deleted { column: None, what } => GetError::Deleted { column: name, what },
            other => other,
        }
    }

    fn wrong(expected: &'static str, found: &Value) -> GetError {
        let found = match found {
            Value::VirtualNode(_) => "a virtual Node (read it as a VirtualNode)".to_string(),
            Value::VirtualRelationship(_) => {
                "a virtual Relationship (read it as a VirtualRelationship)".to_string()
            }
            other => other.type_name().to_string(),
        };
        GetError::WrongType { column: None, expected, found }
    }
}

/// A value of a row, with the nodes and relationships of its result at hand.
#[derive(Debug, Clone, Copy)]
pub struct ValueRef<'a> {
    value: &'a Value,
    entities: Option<&'a Entities>,
}

impl<'a> ValueRef<'a> {
    pub(crate) fn new(value: &'a Value, entities: &'a Entities) -> ValueRef<'a> {
        ValueRef { value, entities: Some(entities) }
    }

    /// A value that names no node or relationship to resolve (a property's).
    pub(crate) fn detached(value: &'a Value) -> ValueRef<'a> {
        ValueRef { value, entities: None }
    }

    /// The value as it is (nodes and relationships as ids).
    pub fn value(&self) -> &'a Value {
        self.value
    }

    /// A value inside this one (an item of its list, an entry of its map), with the same nodes
    /// and relationships at hand.
    pub fn with(&self, value: &'a Value) -> ValueRef<'a> {
        ValueRef { value, entities: self.entities }
    }

    /// The value read as a `T`: for code that walks values whose types it learns as it goes.
    pub fn read<T: FromValue>(&self) -> Result<T, GetError> {
        T::from_value(*self)
    }

    fn node(&self, id: crate::graph::NodeId) -> Result<Node, GetError> {
        self.entities
            .and_then(|e| e.node(id))
            .cloned()
            .ok_or_else(|| GetError::Deleted { column: None, what: format!("node {}", id.0) })
    }

    fn relationship(&self, id: crate::graph::EdgeId) -> Result<Relationship, GetError> {
        self.entities
            .and_then(|e| e.relationship(id))
            .cloned()
            .ok_or_else(|| GetError::Deleted { column: None, what: format!("relationship {}", id.0) })
    }

    /// The value as JSON: nodes as `{"_id", "_labels", properties…}`, relationships as `{"_id",
    /// "_type", "_src", "_dst", properties…}`, paths as `{"nodes", "relationships"}`; floats that
    /// JSON cannot carry (NaN, infinities) as null.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::String(s) => J::String(s.clone()),
            Value::List(items) => J::Array(items.iter().map(|v| self.with(v).to_json()).collect()),
            Value::Map(map) => {
                J::Object(map.iter().map(|(k, v)| (k.clone(), self.with(v).to_json())).collect())
            }
            Value::Node(n) => match self.node(*n) {
                Ok(node) => node_json(&node),
                Err(_) => serde_json::json!({ "_id": n.0 }),
            },
            Value::Relationship(e) => match self.relationship(*e) {
                Ok(rel) => relationship_json(&rel),
                Err(_) => serde_json::json!({ "_id": e.0 }),
            },
            Value::Path(p) => {
                let nodes = p.nodes.iter().map(|&n| self.with(&Value::Node(n)).to_json()).collect::<Vec<_>>();
                let relationships = p
                    .relationships
                    .iter()
                    .map(|&e| self.with(&Value::Relationship(e)).to_json())
                    .collect::<Vec<_>>();
                serde_json::json!({ "nodes": nodes, "relationships": relationships })
            }
            Value::Temporal(t) => t.to_json(),
            Value::VirtualNode(n) => virtual_node_json(n),
            Value::VirtualRelationship(r) => {
                let mut object = serde_json::Map::new();
                object.insert("_id".into(), r.id.into());
                object.insert("_type".into(), r.rel_type.clone().into());
                object.insert("_src".into(), r.start.id.into());
                object.insert("_dst".into(), r.end.id.into());
                properties_json(&r.properties, &mut object);
                serde_json::Value::Object(object)
            }
        }
    }
}

fn virtual_node_json(node: &VirtualNode) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    object.insert("_id".into(), node.id.into());
    object.insert("_labels".into(), node.labels.clone().into());
    properties_json(&node.properties, &mut object);
    serde_json::Value::Object(object)
}

fn properties_json(
    properties: &BTreeMap<String, Value>,
    into: &mut serde_json::Map<String, serde_json::Value>,
) {
    for (k, v) in properties {
        into.insert(k.clone(), ValueRef::detached(v).to_json());
    }
}

fn node_json(node: &Node) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    object.insert("_id".into(), node.id.0.into());
    object.insert("_labels".into(), node.labels.clone().into());
    properties_json(&node.properties, &mut object);
    serde_json::Value::Object(object)
}

fn relationship_json(rel: &Relationship) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    object.insert("_id".into(), rel.id.0.into());
    object.insert("_type".into(), rel.rel_type.clone().into());
    object.insert("_src".into(), rel.start.0.into());
    object.insert("_dst".into(), rel.end.0.into());
    properties_json(&rel.properties, &mut object);
    serde_json::Value::Object(object)
}

/// A Rust type a value of a row can be read as: through [`crate::Row::get`].
///
/// Null reads only as `Option<T>` (as `None`), as [`Value`] and as `serde_json::Value`; an integer
/// reads as a float too, never the other way.
pub trait FromValue: Sized {
    /// Reads `value` as this type.
    fn from_value(value: ValueRef<'_>) -> Result<Self, GetError>;
}

impl FromValue for Value {
    fn from_value(value: ValueRef<'_>) -> Result<Self, GetError> {
        Ok(value.value.clone())
    }
}

impl FromValue for serde_json::Value {
    fn from_value(value: ValueRef<'_>) -> Result<Self, GetError> {
        Ok(value.to_json())
    }
}

impl FromValue for i64 {
    fn from_value(value: ValueRef<'_>) -> Result<Self, GetError> {
        match value.value {
            Value::Int(i) => Ok(*i),
            other => Err(GetError::wrong("Integer", other)),
        }
    }
}

macro_rules! narrower_integers {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(value: ValueRef<'_>) -> Result<Self, GetError> {
                let i = i64::from_value(value)?;
                <$t>::try_from(i).map_err(|_| GetError::OutOfRange { column: None, value: i, target: stringify!($t) })
            }
        }
    )*};
}
narrower_integers!(i8, i16, i32, u8, u16, u32, u64, usize);

/// Any temporal value; match on it, or write it (`Display` gives ISO 8601).
impl FromValue for crate::temporal::Temporal {
    fn from_value(value: ValueRef<'_>) -> Result<Self, GetError> {
        match value.value {
            Value::Temporal(t) => Ok(*t),
            other => Err(GetError::wrong("a temporal value", other)),
        }
    }
}

impl FromValue for f64 {
    fn from_value(value: ValueRef<'_>) -> Result<Self, GetError> {
        match value.value {
            Value::Float(f) => Ok(*f),
            // Integers past 2^53 lose their last digits, as in any language that reads them as floats.
            Value::Int(i) => Ok(*i as f64),
            other => Err(GetError::wrong("Float", other)),
        }
    }
}

impl FromValue for bool {
    fn from_value(value: ValueRef<'_>) -> Result<Self, GetError> {
        match value.value {
            Value::Bool(b) => Ok(*b),
            other => Err(GetError::wrong("Boolean", other)),
        }
    }
}

impl FromValue for String {
    fn from_value(value: ValueRef<'_>) -> Result<Self, GetError> {
        match value.value {
            Value::String(s) => Ok(s.clone()),
            other => Err(GetError::wrong("String", other)),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: ValueRef<'_>) -> Result<Self, GetError> {
        match value.value {
            Value::Null => Ok(None),
            _ => T::from_value(value).map(Some),
        }
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(value: ValueRef<'_>) -> Result<Self, GetError> {
        match value.value {
            Value::List(items) => items.iter().map(|v| T::from_value(value.with(v))).collect(),
            other => Err(GetError::wrong("List", other)),
        }
    }
}

impl<T: FromValue> FromValue for BTreeMap<String, T> {
    fn from_value(value: ValueRef<'_>) -> Result<Self, GetError> {
        match value.value {
            Value::Map(map) => {
                map.iter().map(|(k, v)| Ok((k.clone(), T::from_value(value.with(v))?))).collect()
            }
            other => Err(GetError::wrong("Map", other)),
        }
    }
}

impl<T: FromValue> FromValue for HashMap<String, T> {
    fn from_value(value: ValueRef<'_>) -> Result<Self, GetError> {
        BTreeMap::<String, T>::from_value(value).map(|m| m.into_iter().collect())
    }
}

impl FromValue for Node {
    fn from_value(value: ValueRef<'_>) -> Result<Self, GetError> {
        match value.value {
            Value::Node(n) => value.node(*n),
            other => Err(GetError::wrong("Node", other)),
        }
    }
}

impl FromValue for Relationship {
    fn from_value(value: ValueRef<'_>) -> Result<Self, GetError> {
        match value.value {
            Value::Relationship(e) => value.relationship(*e),
            other => Err(GetError::wrong("Relationship", other)),
        }
    }
}

/// A node that only the result holds (`db.schema.visualization()`'s); a stored node is a
/// [`Node`].
impl FromValue for VirtualNode {
    fn from_value(value: ValueRef<'_>) -> Result<Self, GetError> {
        match value.value {
            Value::VirtualNode(n) => Ok((**n).clone()),
            other => Err(GetError::wrong("VirtualNode", other)),
        }
    }
}

impl FromValue for VirtualRelationship {
    fn from_value(value: ValueRef<'_>) -> Result<Self, GetError> {
        match value.value {
            Value::VirtualRelationship(r) => Ok((**r).clone()),
            other => Err(GetError::wrong("VirtualRelationship", other)),
        }
    }
}

impl FromValue for Path {
    fn from_value(value: ValueRef<'_>) -> Result<Self, GetError> {
        match value.value {
            Value::Path(p) => Ok(Path {
                nodes: p.nodes.iter().map(|&n| value.node(n)).collect::<Result<_, _>>()?,
                relationships: p
                    .relationships
                    .iter()
                    .map(|&e| value.relationship(e))
                    .collect::<Result<_, _>>()?,
            }),
            other => Err(GetError::wrong("Path", other)),
        }
    }
}

macro_rules! from_integers {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(i: $t) -> Value {
                Value::Int(i64::from(i))
            }
        }
    )*};
}
from_integers!(i8, i16, i32, u8, u16, u32);

impl From<f32> for Value {
    fn from(f: f32) -> Value {
        Value::Float(f64::from(f))
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::String(s.clone())
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Value {
        Value::List(items.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<Value> + Clone> From<&[T]> for Value {
    fn from(items: &[T]) -> Value {
        Value::List(items.iter().cloned().map(Into::into).collect())
    }
}

impl<K: Into<String>, T: Into<Value>> From<BTreeMap<K, T>> for Value {
    fn from(map: BTreeMap<K, T>) -> Value {
        Value::Map(map.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }
}

impl<K: Into<String>, T: Into<Value>, S> From<HashMap<K, T, S>> for Value {
    fn from(map: HashMap<K, T, S>) -> Value {
        Value::Map(map.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }
}

/// JSON as openCypher values: numbers that are integers as integers, objects as maps.
impl From<serde_json::Value> for Value {
    fn from(json: serde_json::Value) -> Value {
        crate::format::from_json(json)
    }
}

/// A node given back as a parameter is the node it names.
impl From<&Node> for Value {
    fn from(node: &Node) -> Value {
        Value::Node(node.id)
    }
}

impl From<&Relationship> for Value {
    fn from(rel: &Relationship) -> Value {
        Value::Relationship(rel.id)
    }
}
