//! `apoc.meta.data()`, as APOC reports it and as LangChain's `Neo4jGraph` and LlamaIndex's
//! property-graph store read it: for each label, a row per property key its nodes carry (with the
//! key's type) and a row per relationship type leaving them (`type` `RELATIONSHIP`, `other` the
//! labels at the far end); for each relationship type, a row per property key.

use std::collections::{BTreeMap, BTreeSet};

use super::{Field, field};
use crate::graph::Graph;
use crate::value::Value;

pub(super) const OUTPUTS: &[Field] = &[
    field("label", "STRING"),
    field("property", "STRING"),
    field("count", "INTEGER"),
    field("unique", "BOOLEAN"),
    field("index", "BOOLEAN"),
    field("existence", "BOOLEAN"),
    field("type", "STRING"),
    field("array", "BOOLEAN"),
    field("sample", "LIST<ANY>"),
    field("left", "INTEGER"),
    field("right", "INTEGER"),
    field("other", "LIST<STRING>"),
    field("otherLabels", "LIST<STRING>"),
    field("elementType", "STRING"),
];

/// A property value's type in APOC's words.
fn apoc_type(v: &Value) -> &'static str {
    use crate::temporal::Temporal;
    match v {
        Value::Bool(_) => "BOOLEAN",
        Value::Int(_) => "INTEGER",
        Value::Float(_) => "FLOAT",
        Value::String(_) => "STRING",
        Value::List(_) => "LIST",
        Value::Map(_) => "MAP",
        Value::Temporal(Temporal::Date(_)) => "DATE",
        Value::Temporal(Temporal::DateTime(_)) => "DATE_TIME",
        Value::Temporal(Temporal::LocalDateTime(_)) => "LOCAL_DATE_TIME",
        Value::Temporal(Temporal::Time(_)) => "TIME",
        Value::Temporal(Temporal::LocalTime(_)) => "LOCAL_TIME",
        Value::Temporal(Temporal::Duration(_)) => "DURATION",
        Value::Node(_) | Value::VirtualNode(_) => "NODE",
        Value::Relationship(_) | Value::VirtualRelationship(_) => "RELATIONSHIP",
        Value::Path(_) => "PATH",
        Value::Null => "NULL",
    }
}

/// Per key: the type of its first value seen (APOC samples likewise) and how many carry it.
type Keys = BTreeMap<String, (&'static str, i64)>;

fn note(keys: &mut Keys, key: String, v: &Value) {
    keys.entry(key).or_insert((apoc_type(v), 0)).1 += 1;
}

/// What APOC reports of a key's schema: (unique, indexed, existence).
type Flags = (bool, bool, bool);

/// The flags of `key` on label or type `on`: unique when a single-key uniqueness or key constraint
/// is on it, existence when a NOT NULL or key constraint names it.
fn flags(g: &Graph, relationship: bool, on: &str, key: &str) -> Flags {
    use crate::graph::ConstraintKind::*;
    let index = if relationship { g.has_rel_index(on, key) } else { g.has_index(on, key) };
    let (mut unique, mut existence) = (false, false);
    if let (Some(on), Some(key)) = (g.symbol(on), g.symbol(key)) {
        for (_, def, _) in g.constraints().filter(|(_, d, _)| d.relationship == relationship && d.on == on) {
            unique |= matches!(def.kind, Unique | Key) && def.keys == [key];
            existence |= matches!(def.kind, NotNull | Key) && def.keys.contains(&key);
        }
    }
    (unique, index, existence)
}

fn row(
    label: &str,
    property: &str,
    count: i64,
    (unique, index, existence): Flags,
    ty: &str,
    other: Vec<String>,
    element: &str,
) -> Vec<Value> {
    vec![
        label.into(),
        property.into(),
        Value::Int(count),
        Value::Bool(unique),
        Value::Bool(index),
        Value::Bool(existence),
        ty.into(),
        Value::Bool(ty == "LIST"),
        Value::Null,
        Value::Int(0),
        Value::Int(0),
        Value::List(other.iter().cloned().map(Value::String).collect()),
        Value::List(other.into_iter().map(Value::String).collect()),
        element.into(),
    ]
}

pub(super) fn data(g: &Graph, _: &[Value]) -> Result<Vec<Vec<Value>>, String> {
    let mut node_keys: BTreeMap<String, Keys> = BTreeMap::new();
    // label → relationship type → (count, labels at the far end)
    let mut leaving: BTreeMap<String, BTreeMap<String, (i64, BTreeSet<String>)>> = BTreeMap::new();
    for n in g.nodes() {
        for &l in g.labels(n) {
            let keys = node_keys.entry(g.name(l).to_string()).or_default();
            for (k, v) in g.node_properties(n).iter() {
                note(keys, g.name(k).to_string(), v);
            }
        }
    }
    let mut rel_keys: BTreeMap<String, Keys> = BTreeMap::new();
    for e in g.edges() {
        let (Some(t), Some((from, to))) = (g.edge_type(e), g.endpoints(e)) else { continue };
        let ty = g.name(t).to_string();
        let keys = rel_keys.entry(ty.clone()).or_default();
        for (k, v) in g.edge_properties(e).iter() {
            note(keys, g.name(k).to_string(), v);
        }
        let far: Vec<String> = g.labels(to).iter().map(|&l| g.name(l).to_string()).collect();
        for &l in g.labels(from) {
            let entry = leaving.entry(g.name(l).to_string()).or_default().entry(ty.clone()).or_default();
            entry.0 += 1;
            entry.1.extend(far.iter().cloned());
        }
    }
    let mut rows = Vec::new();
    let labels: BTreeSet<&String> = node_keys.keys().chain(leaving.keys()).collect();
    for label in labels {
        for (key, (ty, count)) in node_keys.get(label).into_iter().flatten() {
            rows.push(row(label, key, *count, flags(g, false, label, key), ty, Vec::new(), "node"));
        }
        for (ty, (count, far)) in leaving.get(label).into_iter().flatten() {
            let none = (false, false, false);
            rows.push(row(label, ty, *count, none, "RELATIONSHIP", far.iter().cloned().collect(), "node"));
        }
    }
    for (ty, keys) in &rel_keys {
        for (key, (kind, count)) in keys {
            rows.push(row(ty, key, *count, flags(g, true, ty, key), kind, Vec::new(), "relationship"));
        }
    }
    Ok(rows)
}
