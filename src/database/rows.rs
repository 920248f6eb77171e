//! What a statement returned, detached from the database: the columns, the rows, and the nodes and
//! relationships they name with their labels, types and properties as they were when it ran.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::convert::{FromValue, GetError, ValueRef};
use crate::graph::{EdgeId, Graph, NodeId};
use crate::query::{Notification, WriteStats};
use crate::session::{QueryOutput, Timing};
use crate::value::Value;

/// A node as a statement saw it: its id, labels and properties.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Node {
    /// The node's id in its graph; ids of deleted nodes are given out again.
    pub id: NodeId,
    pub labels: Vec<String>,
    pub properties: BTreeMap<String, Value>,
}

/// A relationship as a statement saw it: its id, type, ends and properties.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Relationship {
    pub id: EdgeId,
    /// The relationship's type, as `attributed-to`.
    pub rel_type: String,
    /// The node it leaves.
    pub start: NodeId,
    /// The node it enters.
    pub end: NodeId,
    pub properties: BTreeMap<String, Value>,
}

/// A path: nodes and the relationships between them, `nodes.len() == relationships.len() + 1`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Path {
    pub nodes: Vec<Node>,
    pub relationships: Vec<Relationship>,
}

impl Node {
    /// The property `key` as a `T`; [`GetError::Missing`] when the node has none.
    ///
    /// ```
    /// let db = kgraph::Database::in_memory();
    /// let rows = db.execute("CREATE (a:Actor {name: 'APT31'}) RETURN a", ()).unwrap();
    /// let actor: kgraph::Node = rows.first().unwrap().get("a").unwrap();
    /// assert_eq!(actor.get::<String>("name").unwrap(), "APT31");
    /// assert_eq!(actor.labels, ["Actor"]);
    /// ```
    pub fn get<T: FromValue>(&self, key: &str) -> Result<T, GetError> {
        property(&self.properties, key)
    }
}

impl Relationship {
    /// The property `key` as a `T`; [`GetError::Missing`] when the relationship has none.
    pub fn get<T: FromValue>(&self, key: &str) -> Result<T, GetError> {
        property(&self.properties, key)
    }
}

fn property<T: FromValue>(properties: &BTreeMap<String, Value>, key: &str) -> Result<T, GetError> {
    let value = properties.get(key).ok_or_else(|| GetError::Missing { column: key.to_string() })?;
    T::from_value(ValueRef::detached(value)).map_err(|e| e.in_column(key))
}

/// The nodes and relationships that rows name, resolved while the statement's view of the graph
/// was at hand.
#[derive(Debug, Default)]
pub struct Entities {
    nodes: HashMap<NodeId, Node>,
    relationships: HashMap<EdgeId, Relationship>,
}

impl Entities {
    pub(crate) fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(&id)
    }

    pub(crate) fn relationship(&self, id: EdgeId) -> Option<&Relationship> {
        self.relationships.get(&id)
    }

    /// Resolves every node and relationship `rows` name, in lists, maps and paths too. What the
    /// statement deleted is not there and stays unresolved.
    fn collect(graph: &Graph, rows: &[Vec<Value>]) -> Entities {
        let mut found = Entities::default();
        let mut pending: Vec<&Value> = rows.iter().flatten().collect();
        while let Some(value) = pending.pop() {
            match value {
                Value::Node(n) => found.add_node(graph, *n),
                Value::Relationship(e) => found.add_relationship(graph, *e),
                Value::Path(p) => {
                    p.nodes.iter().for_each(|&n| found.add_node(graph, n));
                    p.relationships.iter().for_each(|&e| found.add_relationship(graph, e));
                }
                Value::List(items) => pending.extend(items),
                Value::Map(map) => pending.extend(map.values()),
                _ => {}
            }
        }
        found
    }

    fn add_node(&mut self, graph: &Graph, id: NodeId) {
        if self.nodes.contains_key(&id) || !graph.contains_node(id) {
            return;
        }
        let labels = graph.labels(id).iter().map(|&l| graph.name(l).to_string()).collect();
        let properties = named(graph, graph.node_properties(id).iter());
        self.nodes.insert(id, Node { id, labels, properties });
    }

    fn add_relationship(&mut self, graph: &Graph, id: EdgeId) {
        if self.relationships.contains_key(&id) {
            return;
        }
        let (Some((start, end)), Some(ty)) = (graph.endpoints(id), graph.edge_type(id)) else { return };
        let properties = named(graph, graph.edge_properties(id).iter());
        let rel_type = graph.name(ty).to_string();
        self.relationships.insert(id, Relationship { id, rel_type, start, end, properties });
    }
}

fn named<'g>(
    graph: &Graph,
    properties: impl Iterator<Item = (crate::graph::Sym, &'g Value)>,
) -> BTreeMap<String, Value> {
    properties.map(|(k, v)| (graph.name(k).to_string(), v.clone())).collect()
}

/// The result of a statement: columns, rows, and what it changed.
///
/// ```
/// let db = kgraph::Database::in_memory();
/// db.execute("CREATE (:Actor {name: 'APT31', since: 2010}), (:Actor {name: 'APT40', since: 2013})", ()).unwrap();
/// let rows = db.execute("MATCH (a:Actor) RETURN a.name AS name, a.since AS since ORDER BY since", ()).unwrap();
/// assert_eq!(rows.columns(), ["name", "since"]);
/// let names: Vec<String> = rows.iter().map(|row| row.get("name").unwrap()).collect();
/// assert_eq!(names, ["APT31", "APT40"]);
/// assert_eq!(rows.first().unwrap().get::<i64>(1).unwrap(), 2010);
/// ```
///
/// `Rows::default()` has no columns and no rows: what a layer above answers for a statement it
/// handled itself.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    columns: Arc<[String]>,
    rows: Vec<Vec<Value>>,
    entities: Arc<Entities>,
    stats: WriteStats,
    notifications: Vec<Notification>,
    plan: Option<String>,
    timing: Timing,
}

impl Rows {
    /// Takes a statement's output, resolving what its rows name in `graph` (the graph it ran on,
    /// still as it left it).
    pub(crate) fn new(out: QueryOutput, graph: &Graph) -> Rows {
        let entities = Entities::collect(graph, &out.rows);
        Rows {
            columns: out.columns.into(),
            rows: out.rows,
            entities: Arc::new(entities),
            stats: out.stats,
            notifications: out.notifications,
            plan: out.plan,
            timing: out.timing,
        }
    }

    /// The column names, in order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// How many rows there are.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The row at `index`.
    pub fn get(&self, index: usize) -> Option<Row<'_>> {
        self.rows.get(index).map(|values| Row { rows: self, values })
    }

    /// The first row: for statements that return one.
    pub fn first(&self) -> Option<Row<'_>> {
        self.get(0)
    }

    /// The rows, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Row<'_>> + '_ {
        self.rows.iter().map(move |values| Row { rows: self, values })
    }

    /// What the statement changed.
    pub fn stats(&self) -> &WriteStats {
        &self.stats
    }

    /// What the statement may not have meant: a label, type or key the graph does not have.
    pub fn notifications(&self) -> &[Notification] {
        &self.notifications
    }

    /// For `EXPLAIN` and `PROFILE`: the plan as text.
    pub fn plan(&self) -> Option<&str> {
        self.plan.as_deref()
    }

    /// Where the statement's time went.
    pub fn timing(&self) -> Timing {
        self.timing
    }

    /// The rows' values as they are: nodes and relationships as ids.
    pub fn into_values(self) -> Vec<Vec<Value>> {
        self.rows
    }

    pub(crate) fn add_parse_time(&mut self, parse: std::time::Duration) {
        self.timing.parse += parse;
    }

    pub(crate) fn notifications_mut(&mut self) -> &mut [Notification] {
        &mut self.notifications
    }

    /// The index of the column `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

impl<'a> IntoIterator for &'a Rows {
    type Item = Row<'a>;
    type IntoIter = Box<dyn ExactSizeIterator<Item = Row<'a>> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// A column, by name or by position.
pub trait Column {
    /// Its position among `columns`, or the error that says why there is none.
    fn position(&self, columns: &[String]) -> Result<usize, GetError>;
}

impl Column for &str {
    fn position(&self, columns: &[String]) -> Result<usize, GetError> {
        columns
            .iter()
            .position(|c| c == self)
            .ok_or_else(|| GetError::NoSuchColumn { column: self.to_string(), columns: columns.to_vec() })
    }
}

impl Column for usize {
    fn position(&self, columns: &[String]) -> Result<usize, GetError> {
        if *self < columns.len() {
            Ok(*self)
        } else {
            Err(GetError::NoSuchColumn { column: format!("#{self}"), columns: columns.to_vec() })
        }
    }
}

/// One row of [`Rows`].
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    rows: &'a Rows,
    values: &'a [Value],
}

impl<'a> Row<'a> {
    /// The value of `column` (a name or a position) as a `T`.
    pub fn get<T: FromValue>(&self, column: impl Column) -> Result<T, GetError> {
        let at = column.position(&self.rows.columns)?;
        let value = ValueRef::new(&self.values[at], &self.rows.entities);
        T::from_value(value).map_err(|e| e.in_column(&self.rows.columns[at]))
    }

    /// The value of `column` with the nodes and relationships of the result at hand, for code that
    /// walks values whose types it learns as it goes.
    pub fn value(&self, column: impl Column) -> Result<ValueRef<'a>, GetError> {
        let at = column.position(&self.rows.columns)?;
        Ok(ValueRef::new(&self.values[at], &self.rows.entities))
    }

    /// The values as they are, in column order.
    pub fn values(&self) -> &'a [Value] {
        self.values
    }

    /// The column names.
    pub fn columns(&self) -> &'a [String] {
        &self.rows.columns
    }

    /// The row as JSON: an object of column → value, nodes and relationships with their labels,
    /// types and properties.
    pub fn to_json(&self) -> serde_json::Value {
        let object = self
            .rows
            .columns
            .iter()
            .zip(self.values)
            .map(|(c, v)| (c.clone(), ValueRef::new(v, &self.rows.entities).to_json()))
            .collect();
        serde_json::Value::Object(object)
    }
}

impl Serialize for Row<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.values.len()))?;
        for (column, value) in self.rows.columns.iter().zip(self.values) {
            map.serialize_entry(column, &ValueRef::new(value, &self.rows.entities).to_json())?;
        }
        map.end()
    }
}

/// As a list of rows, each an object of column → value.
impl Serialize for Rows {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        for row in self.iter() {
            seq.serialize_element(&row)?;
        }
        seq.end()
    }
}
