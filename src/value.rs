//! openCypher values: what expressions evaluate to, what properties hold, and what result rows carry.
//!
//! Three relations live here, because openCypher keeps them apart:
//! - *equality* (`=`), three-valued: comparing with null gives null;
//! - *comparability* (`<`), defined only within a type family, null otherwise;
//! - *orderability* (`ORDER BY`) and *equivalence* (`DISTINCT`, grouping), total over all values.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::graph::{EdgeId, NodeId};
use crate::temporal::Temporal;

mod virtual_entity;
pub use virtual_entity::{VirtualNode, VirtualRelationship};

/// A value as openCypher defines it. Nodes, relationships and paths are references into a graph;
/// resolve them through [`crate::Graph`] to see their labels and properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    List(Vec<Value>),
    Map(BTreeMap<String, Value>),
    Node(NodeId),
    Relationship(EdgeId),
    // Boxed: the other variants fit in 24 bytes, and a value is stored once per property.
    Path(Box<PathValue>),
    /// A date, time, datetime or duration. Last, so that the variants before it keep the numbers
    /// snapshots written before temporal values existed gave them.
    Temporal(Temporal),
    /// A node that only a result holds (`db.schema.visualization()`'s), with its labels and
    /// properties. After the stored kinds, so that snapshots keep their numbers.
    VirtualNode(Box<VirtualNode>),
    /// A relationship that only a result holds, between virtual nodes.
    VirtualRelationship(Box<VirtualRelationship>),
}

/// A path alternates nodes and relationships: `nodes.len() == relationships.len() + 1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PathValue {
    pub nodes: Vec<NodeId>,
    pub relationships: Vec<EdgeId>,
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The name openCypher uses for this value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "Null",
            Value::Bool(_) => "Boolean",
            Value::Int(_) => "Integer",
            Value::Float(_) => "Float",
            Value::String(_) => "String",
            Value::List(_) => "List",
            Value::Map(_) => "Map",
            Value::Node(_) => "Node",
            Value::Relationship(_) => "Relationship",
            // So that "SET needs a node, got a virtual Node" says what is wrong.
            Value::VirtualNode(_) => "virtual Node",
            Value::VirtualRelationship(_) => "virtual Relationship",
            Value::Path(_) => "Path",
            Value::Temporal(t) => t.type_name(),
        }
    }

    /// Whether this value may be stored as a property: scalars and lists of scalars.
    pub fn is_storable(&self) -> bool {
        match self {
            Value::Null
            | Value::Bool(_)
            | Value::Int(_)
            | Value::Float(_)
            | Value::String(_)
            | Value::Temporal(_) => true,
            Value::List(items) => items.iter().all(|v| {
                matches!(
                    v,
                    Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::String(_) | Value::Temporal(_)
                )
            }),
            _ => false,
        }
    }

    /// Strict identity: same variant and same contents, floats compared bit for bit (so NaN is
    /// identical to itself and `1` is not `1.0`). For round-trip checks, not for queries.
    pub fn identical(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Float(a), Float(b)) => a.to_bits() == b.to_bits(),
            (List(a), List(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.identical(y)),
            (Map(a), Map(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|((ka, va), (kb, vb))| ka == kb && va.identical(vb))
            }
            _ => std::mem::discriminant(self) == std::mem::discriminant(other) && self == other,
        }
    }

    /// openCypher `=`: `None` stands for null (unknown).
    pub fn cypher_eq(&self, other: &Value) -> Option<bool> {
        use Value::*;
        match (self, other) {
            (Null, _) | (_, Null) => None,
            (Int(a), Int(b)) => Some(a == b),
            (Float(a), Float(b)) => Some(a == b),
            (Int(a), Float(b)) | (Float(b), Int(a)) => Some(int_float_cmp(*a, *b) == Some(Ordering::Equal)),
            (Bool(a), Bool(b)) => Some(a == b),
            (String(a), String(b)) => Some(a == b),
            (Node(a), Node(b)) => Some(a == b),
            (Relationship(a), Relationship(b)) => Some(a == b),
            (VirtualNode(a), VirtualNode(b)) => Some(a.id == b.id),
            (VirtualRelationship(a), VirtualRelationship(b)) => Some(a.id == b.id),
            (Path(a), Path(b)) => Some(a == b),
            (Temporal(a), Temporal(b)) => Some(a.equals(b)),
            (List(a), List(b)) => {
                if a.len() != b.len() {
                    return Some(false);
                }
                let mut unknown = false;
                for (x, y) in a.iter().zip(b) {
                    match x.cypher_eq(y) {
                        Some(false) => return Some(false),
                        None => unknown = true,
                        Some(true) => {}
                    }
                }
                if unknown { None } else { Some(true) }
            }
            (Map(a), Map(b)) => {
                if a.len() != b.len() || a.keys().ne(b.keys()) {
                    return Some(false);
                }
                let mut unknown = false;
                for (x, y) in a.values().zip(b.values()) {
                    match x.cypher_eq(y) {
                        Some(false) => return Some(false),
                        None => unknown = true,
                        Some(true) => {}
                    }
                }
                if unknown { None } else { Some(true) }
            }
            _ => Some(false),
        }
    }

    /// openCypher `<`, `>`…: an ordering only between comparable values, `None` (null) otherwise.
    pub fn cypher_cmp(&self, other: &Value) -> Option<Ordering> {
        use Value::*;
        match (self, other) {
            (Int(a), Int(b)) => Some(a.cmp(b)),
            (Float(a), Float(b)) => a.partial_cmp(b),
            (Int(a), Float(b)) => int_float_cmp(*a, *b),
            (Float(a), Int(b)) => int_float_cmp(*b, *a).map(Ordering::reverse),
            (String(a), String(b)) => Some(a.cmp(b)),
            (Bool(a), Bool(b)) => Some(a.cmp(b)),
            (Temporal(a), Temporal(b)) => a.compare(b),
            (List(a), List(b)) => {
                for (x, y) in a.iter().zip(b) {
                    match x.cypher_cmp(y)? {
                        Ordering::Equal => {}
                        unequal => return Some(unequal),
                    }
                }
                Some(a.len().cmp(&b.len()))
            }
            _ => None,
        }
    }

    /// The total order of `ORDER BY` (ascending): maps, nodes, relationships, lists, paths, temporal
    /// values (datetimes, local datetimes, dates, times, local times, durations), strings, booleans,
    /// numbers (NaN after all numbers), then null last.
    pub fn order_cmp(&self, other: &Value) -> Ordering {
        use Value::*;
        let rank = |v: &Value| match v {
            Map(_) => 0,
            Node(_) | VirtualNode(_) => 1,
            Relationship(_) | VirtualRelationship(_) => 2,
            List(_) => 3,
            Path(_) => 4,
            Temporal(_) => 5,
            String(_) => 6,
            Bool(_) => 7,
            Int(_) | Float(_) => 8,
            Null => 9,
        };
        match (self, other) {
            (Int(a), Int(b)) => a.cmp(b),
            (Int(_) | Float(_), Int(_) | Float(_)) => {
                let nan = |v: &Value| matches!(v, Float(f) if f.is_nan());
                match (nan(self), nan(other)) {
                    (true, true) => Ordering::Equal,
                    (true, false) => Ordering::Greater,
                    (false, true) => Ordering::Less,
                    (false, false) => self.cypher_cmp(other).unwrap_or(Ordering::Equal),
                }
            }
            (String(a), String(b)) => a.cmp(b),
            (Bool(a), Bool(b)) => a.cmp(b),
            (Node(a), Node(b)) => a.cmp(b),
            (Relationship(a), Relationship(b)) => a.cmp(b),
            // Virtual ids are negative, so virtual entities sort before stored ones.
            (VirtualNode(a), VirtualNode(b)) => a.id.cmp(&b.id),
            (VirtualNode(_), Node(_)) | (VirtualRelationship(_), Relationship(_)) => Ordering::Less,
            (Node(_), VirtualNode(_)) | (Relationship(_), VirtualRelationship(_)) => Ordering::Greater,
            (VirtualRelationship(a), VirtualRelationship(b)) => a.id.cmp(&b.id),
            (List(a), List(b)) => {
                for (x, y) in a.iter().zip(b) {
                    match x.order_cmp(y) {
                        Ordering::Equal => {}
                        unequal => return unequal,
                    }
                }
                a.len().cmp(&b.len())
            }
            (Path(a), Path(b)) => a.nodes.cmp(&b.nodes).then_with(|| a.relationships.cmp(&b.relationships)),
            (Temporal(a), Temporal(b)) => a.order(b),
            (Map(a), Map(b)) => {
                for ((ka, va), (kb, vb)) in a.iter().zip(b) {
                    match ka.cmp(kb).then_with(|| va.order_cmp(vb)) {
                        Ordering::Equal => {}
                        unequal => return unequal,
                    }
                }
                a.len().cmp(&b.len())
            }
            _ => rank(self).cmp(&rank(other)),
        }
    }
}

/// Compares an integer with a float exactly, without rounding the integer through `f64`.
fn int_float_cmp(i: i64, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    // 2^63 is exactly representable; every finite f64 beyond ±2^63 lies outside i64's range.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f >= LIMIT {
        return Some(Ordering::Less);
    }
    if f < -LIMIT {
        return Some(Ordering::Greater);
    }
    let truncated = f.trunc();
    // In range, so the cast is exact for the integral part.
    let whole = truncated as i64;
    match i.cmp(&whole) {
        Ordering::Equal => {
            let fraction = f - truncated;
            Some(if fraction > 0.0 {
                Ordering::Less
            } else if fraction < 0.0 {
                Ordering::Greater
            } else {
                Ordering::Equal
            })
        }
        unequal => Some(unequal),
    }
}

/// Wraps a value with openCypher *equivalence*: the relation `DISTINCT` and grouping use, under which
/// null equals null, NaN equals NaN, and `1` equals `1.0`.
#[derive(Debug, Clone)]
pub struct Equivalent(pub Value);

impl PartialEq for Equivalent {
    fn eq(&self, other: &Self) -> bool {
        equivalent(&self.0, &other.0)
    }
}
impl Eq for Equivalent {}

impl Hash for Equivalent {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_equivalence(&self.0, state)
    }
}

/// Whether two values are the same for grouping and DISTINCT (null equals null, `1` equals `1.0`).
pub fn equivalent(a: &Value, b: &Value) -> bool {
    use Value::*;
    match (a, b) {
        (Null, Null) => true,
        (Float(x), Float(y)) if x.is_nan() && y.is_nan() => true,
        (List(x), List(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equivalent(p, q)),
        (Map(x), Map(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|((ka, va), (kb, vb))| ka == kb && equivalent(va, vb))
        }
        _ => a.cypher_eq(b) == Some(true),
    }
}

/// Feeds a value to a hasher so that equivalent values hash alike (what [`Equivalent`]'s `Hash` does,
/// for callers that hash a value in place).
pub fn hash_equivalence<H: Hasher>(v: &Value, state: &mut H) {
    use Value::*;
    match v {
        Null => 0u8.hash(state),
        Bool(b) => (1u8, b).hash(state),
        // Integral floats hash like the integer they equal, so `1` and `1.0` land together.
        Int(i) => (2u8, i).hash(state),
        Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => (2u8, *f as i64).hash(state),
        Float(f) if f.is_nan() => 3u8.hash(state),
        Float(f) => (4u8, f.to_bits()).hash(state),
        String(s) => (5u8, s).hash(state),
        List(items) => {
            (6u8, items.len()).hash(state);
            items.iter().for_each(|i| hash_equivalence(i, state));
        }
        Map(m) => {
            (7u8, m.len()).hash(state);
            for (k, val) in m {
                k.hash(state);
                hash_equivalence(val, state);
            }
        }
        Node(n) => (8u8, n).hash(state),
        Relationship(r) => (9u8, r).hash(state),
        Path(p) => (10u8, p).hash(state),
        Temporal(t) => {
            11u8.hash(state);
            t.hash_equivalence(state);
        }
        VirtualNode(n) => (12u8, n.id).hash(state),
        VirtualRelationship(r) => (13u8, r.id).hash(state),
    }
}

/// Writes a string as a Cypher string literal (double-quoted, escaped).
pub fn write_string_literal(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if c.is_control() => write!(f, "\\u{:04X}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

/// Words the grammar does not accept as a bare variable name.
const RESERVED: &[&str] = &[
    "match",
    "where",
    "return",
    "create",
    "distinct",
    "order",
    "by",
    "skip",
    "limit",
    "ascending",
    "asc",
    "descending",
    "desc",
    "and",
    "or",
    "xor",
    "not",
    "as",
    "is",
    "null",
    "true",
    "false",
    "in",
    "starts",
    "ends",
    "contains",
    "with",
    "unwind",
    "optional",
    "merge",
    "set",
    "delete",
    "detach",
    "remove",
    "union",
    "explain",
    "case",
    "when",
    "then",
    "else",
    "end",
    "call",
    "yield",
];

/// Writes a name (label, type, key) as Cypher: bare when it is a plain identifier, back-quoted otherwise.
pub fn write_name(f: &mut impl fmt::Write, name: &str) -> fmt::Result {
    let mut chars = name.chars();
    let plain = matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(name));
    if plain { f.write_str(name) } else { write!(f, "`{}`", name.replace('`', "``")) }
}

/// Formats a float so that it always reads back as a float (`1.0`, not `1`).
pub fn format_float(x: f64) -> String {
    if x.is_nan() {
        "NaN".to_string()
    } else if x.is_infinite() {
        if x > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
    } else {
        // Rust never writes an exponent here, so a float without a fraction needs its ".0".
        let s = format!("{x}");
        if s.contains('.') { s } else { s + ".0" }
    }
}

/// Cypher-literal rendering of scalar, list and map values; graph entities print as their ids
/// (resolving them needs the graph, see [`crate::format`]).
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => f.write_str(&format_float(*x)),
            Value::String(s) => write_string_literal(f, s),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(map) => {
                f.write_str("{")?;
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_name(f, k)?;
                    write!(f, ": {v}")?;
                }
                f.write_str("}")
            }
            Value::Node(id) => write!(f, "node({})", id.0),
            Value::Relationship(id) => write!(f, "relationship({})", id.0),
            Value::Path(p) => write!(f, "path({} nodes)", p.nodes.len()),
            Value::Temporal(t) => write!(f, "{}('{t}')", t.constructor()),
            Value::VirtualNode(n) => write!(f, "node({})", n.id),
            Value::VirtualRelationship(r) => write!(f, "relationship({})", r.id),
        }
    }
}

impl From<Temporal> for Value {
    fn from(t: Temporal) -> Self {
        Value::Temporal(t)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}
impl From<f64> for Value {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn null_equality_is_unknown() {
        assert_eq!(Value::Null.cypher_eq(&Value::Null), None);
        assert_eq!(Value::Int(1).cypher_eq(&Value::Null), None);
        let a = Value::List(vec![Value::Int(1), Value::Null]);
        let b = Value::List(vec![Value::Int(1), Value::Int(2)]);
        assert_eq!(a.cypher_eq(&b), None);
        let c = Value::List(vec![Value::Int(3), Value::Null]);
        assert_eq!(a.cypher_eq(&c), Some(false));
    }

    #[test]
    fn integers_and_floats_compare_exactly() {
        assert_eq!(Value::Int(1).cypher_eq(&Value::Float(1.0)), Some(true));
        assert_eq!(Value::Int(1).cypher_cmp(&Value::Float(1.5)), Some(Ordering::Less));
        assert_eq!(Value::Float(-0.5).cypher_cmp(&Value::Int(-1)), Some(Ordering::Greater));
        // i64::MAX is not exactly representable; 2^63 as a float is strictly larger.
        assert_eq!(
            Value::Int(i64::MAX).cypher_cmp(&Value::Float(9_223_372_036_854_775_808.0)),
            Some(Ordering::Less)
        );
        assert_eq!(Value::Int(1).cypher_cmp(&Value::String("1".into())), None);
    }

    #[test]
    fn order_puts_null_last_and_numbers_together() {
        let mut values = [
            Value::Null,
            Value::Int(2),
            Value::String("a".into()),
            Value::Float(1.5),
            Value::Bool(true),
            Value::Float(f64::NAN),
        ];
        values.sort_by(|a, b| a.order_cmp(b));
        let shown: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        assert_eq!(shown, ["\"a\"", "true", "1.5", "2", "NaN", "null"]);
    }

    #[test]
    fn equivalence_groups_null_and_integral_floats() {
        let set: HashSet<Equivalent> = [Value::Null, Value::Null, Value::Int(1), Value::Float(1.0)]
            .into_iter()
            .map(Equivalent)
            .collect();
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn display_reads_back_as_cypher() {
        let v = Value::List(vec![Value::Float(2.0), Value::String("a\"b\n".into())]);
        assert_eq!(v.to_string(), r#"[2.0, "a\"b\n"]"#);
        let mut s = String::new();
        write_name(&mut s, "attributed-to").unwrap();
        assert_eq!(s, "`attributed-to`");
    }
}
