//! The procedures that describe the graph's schema: labels, keys, indexes, and the property types
//! per label combination and per relationship type (`db.schema.*`), in Neo4j's shapes.

use std::collections::{BTreeMap, BTreeSet};

use crate::graph::{Graph, Properties};
use crate::query::expr::{AGGREGATE_NAMES, FUNCTION_NAMES};
use crate::value::{Value, VirtualNode, VirtualRelationship};

type Rows = Result<Vec<Vec<Value>>, String>;

fn texts(items: impl IntoIterator<Item = String>) -> Value {
    Value::List(items.into_iter().map(Value::String).collect())
}

/// Every property key some node or relationship carries, in name order.
pub(super) fn property_keys(g: &Graph, _: &[Value]) -> Rows {
    let s = g.schema();
    let keys: BTreeSet<String> = s.node_keys.into_keys().chain(s.edge_keys.into_keys()).collect();
    Ok(keys.into_iter().map(|k| vec![Value::String(k)]).collect())
}

/// `SHOW CONSTRAINTS`: Neo4j 5's columns and names of constraint types.
pub(super) fn show_constraints(g: &Graph, _: &[Value]) -> Rows {
    use crate::graph::ConstraintKind::*;
    Ok(g.constraints()
        .enumerate()
        .map(|(i, (name, def, owned))| {
            let rel = def.relationship;
            let kind = match (&def.kind, rel) {
                (Unique, false) => "UNIQUENESS",
                (Unique, true) => "RELATIONSHIP_UNIQUENESS",
                (NotNull, false) => "NODE_PROPERTY_EXISTENCE",
                (NotNull, true) => "RELATIONSHIP_PROPERTY_EXISTENCE",
                (Key, false) => "NODE_KEY",
                (Key, true) => "RELATIONSHIP_KEY",
                (Typed(_), false) => "NODE_PROPERTY_TYPE",
                (Typed(_), true) => "RELATIONSHIP_PROPERTY_TYPE",
            };
            let property_type = match &def.kind {
                Typed(types) => {
                    Value::String(types.iter().map(ToString::to_string).collect::<Vec<_>>().join(" | "))
                }
                _ => Value::Null,
            };
            vec![
                Value::Int(i as i64 + 1),
                name.into(),
                kind.into(),
                entity(rel).into(),
                texts([g.name(def.on).to_string()]),
                texts(def.keys.iter().map(|&k| g.name(k).to_string())),
                owned.map_or(Value::Null, |ix| g.index_name(ix).into()),
                property_type,
            ]
        })
        .collect())
}

/// One index as the listing procedures show it.
struct Listed {
    owner: Option<String>,
    fulltext: bool,
    entity: &'static str,
    name: String,
    on: Vec<String>,
    keys: Vec<String>,
}

fn entity(relationship: bool) -> &'static str {
    if relationship { "RELATIONSHIP" } else { "NODE" }
}

/// Every index: range indexes (nodes' first) under the name they were given or one of Neo4j's form
/// made from what they are on, then full-text indexes by name.
fn indexes(g: &Graph) -> Vec<Listed> {
    let range = g.index_defs().into_iter().map(|def| Listed {
        owner: g.index_owner(def).map(str::to_string),
        fulltext: false,
        entity: entity(def.relationship),
        name: g.index_name(def),
        on: vec![g.name(def.on).to_string()],
        keys: vec![g.name(def.key).to_string()],
    });
    let names = |syms: &[crate::graph::Sym]| syms.iter().map(|&s| g.name(s).to_string()).collect();
    let fulltext = g.fulltext_indexes().map(|(name, def)| Listed {
        owner: None,
        fulltext: true,
        entity: entity(def.relationship),
        name: name.to_string(),
        on: names(&def.on),
        keys: names(&def.keys),
    });
    range.chain(fulltext).collect()
}

/// `SHOW INDEXES`: Neo4j 5's columns; every index is always online, as it is kept current by
/// every write.
pub(super) fn show_indexes(g: &Graph, _: &[Value]) -> Rows {
    Ok(index_rows(g, |ix, on, key| {
        let (kind, provider) =
            if ix.fulltext { ("FULLTEXT", "fulltext-1.0") } else { ("RANGE", "range-1.0") };
        let owner = ix.owner.clone().map_or(Value::Null, Value::String);
        [kind.into(), ix.entity.into(), on, key, provider.into(), owner]
    }))
}

/// `db.indexes()`: Neo4j 4's columns.
pub(super) fn db_indexes(g: &Graph, _: &[Value]) -> Rows {
    Ok(index_rows(g, |ix, on, key| {
        let (kind, provider) =
            if ix.fulltext { ("FULLTEXT", "fulltext-1.0") } else { ("BTREE", "native-btree-1.0") };
        let uniqueness = if ix.owner.is_some() { "UNIQUE" } else { "NONUNIQUE" };
        [uniqueness.into(), kind.into(), ix.entity.into(), on, key, provider.into()]
    }))
}

/// Each index's id, name, state and population, then what `rest` makes of it, given its labels or
/// types and its keys as lists.
fn index_rows(g: &Graph, rest: impl Fn(&Listed, Value, Value) -> [Value; 6]) -> Vec<Vec<Value>> {
    indexes(g)
        .into_iter()
        .enumerate()
        .map(|(i, ix)| {
            let mut row =
                vec![Value::Int(i as i64 + 1), ix.name.clone().into(), "ONLINE".into(), Value::Float(100.0)];
            row.extend(rest(&ix, texts(ix.on.clone()), texts(ix.keys.clone())));
            row
        })
        .collect()
}

/// `SHOW FUNCTIONS`: every function a query may call, aggregating or not.
pub(super) fn functions(_: &Graph, _: &[Value]) -> Rows {
    let mut names: Vec<(&str, &str)> = FUNCTION_NAMES.iter().map(|n| (*n, "scalar")).collect();
    names.extend(AGGREGATE_NAMES.iter().map(|n| (*n, "aggregating")));
    names.sort_by_key(|(n, _)| n.to_ascii_lowercase());
    names.dedup_by_key(|(n, _)| n.to_ascii_lowercase());
    Ok(names.into_iter().map(|(n, c)| vec![n.into(), c.into(), Value::Bool(true)]).collect())
}

/// A property value's type as `db.schema.*` names it (Java's names: `Long`, `StringArray`, …).
pub(super) fn schema_type(v: &Value) -> String {
    match v {
        Value::Bool(_) => "Boolean".into(),
        Value::Int(_) => "Long".into(),
        Value::Float(_) => "Double".into(),
        Value::String(_) => "String".into(),
        Value::Temporal(t) => t.type_name().into(),
        Value::List(items) => {
            let element = items.first().map_or("String".to_string(), schema_type);
            if items.iter().all(|i| schema_type(i) == element) {
                format!("{element}Array")
            } else {
                "List".into()
            }
        }
        other => other.type_name().into(),
    }
}

/// For each group of entities (a label combination, a relationship type): how many there are, and
/// for each key the types its values have and how many carry it.
#[derive(Default)]
struct Group {
    count: usize,
    keys: BTreeMap<String, (BTreeSet<String>, usize)>,
}

impl Group {
    fn add(&mut self, g: &Graph, props: &Properties) {
        self.count += 1;
        for (k, v) in props.iter() {
            let entry = self.keys.entry(g.name(k).to_string()).or_default();
            entry.0.insert(schema_type(v));
            entry.1 += 1;
        }
    }

    /// (key, types, mandatory) per key, or one row with no key for a group without properties.
    fn rows(self) -> Vec<(Value, Value, Value)> {
        if self.keys.is_empty() {
            return vec![(Value::Null, Value::Null, Value::Bool(false))];
        }
        let count = self.count;
        self.keys
            .into_iter()
            .map(|(k, (types, carried))| (k.into(), texts(types), Value::Bool(carried == count)))
            .collect()
    }
}

/// `` :`A`:`B` ``: how `db.schema.*` writes a label combination or a type.
fn backquoted(names: &[String]) -> String {
    let mut out = String::new();
    for n in names {
        out.push_str(":`");
        out.push_str(&n.replace('`', "``"));
        out.push('`');
    }
    out
}

/// `db.schema.nodeTypeProperties()`: per label combination and key, the types and whether every
/// node of the combination has the key.
pub(super) fn node_type_properties(g: &Graph, _: &[Value]) -> Rows {
    let mut groups: BTreeMap<Vec<String>, Group> = BTreeMap::new();
    for n in g.nodes() {
        let mut labels: Vec<String> = g.labels(n).iter().map(|&l| g.name(l).to_string()).collect();
        labels.sort();
        groups.entry(labels).or_default().add(g, g.node_properties(n));
    }
    let mut rows = Vec::new();
    for (labels, group) in groups {
        let node_type = backquoted(&labels);
        for (key, types, mandatory) in group.rows() {
            rows.push(vec![node_type.clone().into(), texts(labels.clone()), key, types, mandatory]);
        }
    }
    Ok(rows)
}

/// `db.schema.relTypeProperties()`: per relationship type and key, the same.
pub(super) fn rel_type_properties(g: &Graph, _: &[Value]) -> Rows {
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for e in g.edges() {
        let Some(t) = g.edge_type(e) else { continue };
        groups.entry(g.name(t).to_string()).or_default().add(g, g.edge_properties(e));
    }
    let mut rows = Vec::new();
    for (ty, group) in groups {
        let rel_type = backquoted(std::slice::from_ref(&ty));
        for (key, types, mandatory) in group.rows() {
            rows.push(vec![rel_type.clone().into(), key, types, mandatory]);
        }
    }
    Ok(rows)
}

/// `db.schema.visualization()`: a virtual node per label (properties `name`, `indexes`, the keys
/// indexed on it, and `constraints`, the names of those on it) and a virtual relationship per (start label, type, end label)
/// some relationship of the graph has, as Neo4j draws a schema. Relationships between unlabelled
/// nodes have no label to stand between, so they are left out, as in Neo4j.
pub(super) fn visualization(g: &Graph, _: &[Value]) -> Rows {
    let labels: Vec<String> = g.schema().labels.into_keys().collect();
    let mut indexed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Neo4j lists a label's range indexes here, by key.
    for ix in indexes(g).into_iter().filter(|ix| !ix.fulltext && ix.entity == "NODE") {
        indexed.entry(ix.on[0].clone()).or_default().extend(ix.keys);
    }
    let mut constrained: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, def, _) in g.constraints().filter(|(_, d, _)| !d.relationship) {
        constrained.entry(g.name(def.on).to_string()).or_default().push(name.to_string());
    }
    let nodes: BTreeMap<&str, VirtualNode> = labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let properties = BTreeMap::from([
                ("name".to_string(), Value::String(label.clone())),
                ("indexes".to_string(), texts(indexed.remove(label).unwrap_or_default())),
                ("constraints".to_string(), texts(constrained.remove(label).unwrap_or_default())),
            ]);
            let node = VirtualNode { id: -(i as i64) - 1, labels: vec![label.clone()], properties };
            (label.as_str(), node)
        })
        .collect();
    let mut patterns: BTreeSet<(&str, &str, &str)> = BTreeSet::new();
    for e in g.edges() {
        let (Some(t), Some((from, to))) = (g.edge_type(e), g.endpoints(e)) else { continue };
        for &a in g.labels(from) {
            for &b in g.labels(to) {
                patterns.insert((g.name(a), g.name(t), g.name(b)));
            }
        }
    }
    let relationships = patterns
        .into_iter()
        .enumerate()
        .filter_map(|(i, (a, t, b))| {
            let (start, end) = (nodes.get(a)?.clone(), nodes.get(b)?.clone());
            let properties = BTreeMap::from([("name".to_string(), Value::String(t.to_string()))]);
            let rel =
                VirtualRelationship { id: -(i as i64) - 1, rel_type: t.to_string(), start, end, properties };
            Some(Value::VirtualRelationship(Box::new(rel)))
        })
        .collect();
    let nodes = nodes.into_values().map(|n| Value::VirtualNode(Box::new(n))).collect();
    Ok(vec![vec![Value::List(nodes), Value::List(relationships)]])
}
