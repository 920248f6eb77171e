//! What a journal record carries: a part of one statement's changes, by id, with the names they use.
//!
//! A payload is `seq` (u64 LE), `part` (u32 LE), a flags byte (bit 0: the statement's last part),
//! then entries, each the bincode (standard config) of an [`EntryOut`], up to the payload's end.
//! Names are written once per part, the first time an entry needs one (`Name`), and numbered in
//! that order; the other entries name labels, types and keys by those numbers, so that a record
//! means the same whatever numbers the graph replaying it gives its names. Values are the ones a
//! property can hold, written by a type that cannot nest (a list holds scalars only): decoding a
//! damaged record cannot recurse without bound.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::graph::{Change, EdgeId, Graph, NodeId, Properties, Sym};
use crate::value::Value;

/// The most a record's payload may hold: the writer cuts a statement's changes into parts under it,
/// and the reader takes nothing longer as a record.
pub(crate) const MAX_PAYLOAD: usize = 64 << 20;
/// A part is closed once it holds this much: parts small enough to check and decode one at a time.
const PART_TARGET: usize = 1 << 20;
/// `seq`, `part` and the flags byte.
pub(crate) const PART_HEADER: usize = 13;
const LAST_PART: u8 = 1;

#[derive(Serialize)]
enum ScalarOut<'a> {
    Bool(bool),
    Int(i64),
    Float(f64),
    String(&'a str),
    /// Its ISO 8601 text, which names its type. Last: records written before it still read.
    Temporal(String),
}

#[derive(Serialize)]
enum ValueOut<'a> {
    Null,
    Scalar(ScalarOut<'a>),
    List(Vec<ScalarOut<'a>>),
}

/// [`ScalarOut`] as it is read back: the same variants in the same order.
#[derive(Debug, Deserialize)]
enum ScalarIn {
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Temporal(String),
}

#[derive(Debug, Deserialize)]
enum ValueIn {
    Null,
    Scalar(ScalarIn),
    List(Vec<ScalarIn>),
}

type PropsOut<'a> = Vec<(u32, ValueOut<'a>)>;

/// An entry: a name the entries after it in the part use, or a change.
#[derive(Serialize)]
enum EntryOut<'a> {
    Name(&'a str),
    Change(ChangeOut<'a>),
}

#[derive(Serialize)]
enum ChangeOut<'a> {
    NodeCreated {
        id: u32,
        labels: Vec<u32>,
        props: PropsOut<'a>,
    },
    NodeDeleted(u32),
    EdgeCreated {
        id: u32,
        from: u32,
        to: u32,
        ty: u32,
        props: PropsOut<'a>,
    },
    EdgeDeleted(u32),
    NodeProperty {
        id: u32,
        key: u32,
        value: ValueOut<'a>,
    },
    EdgeProperty {
        id: u32,
        key: u32,
        value: ValueOut<'a>,
    },
    LabelAdded {
        id: u32,
        label: u32,
    },
    LabelRemoved {
        id: u32,
        label: u32,
    },
    IndexCreated {
        label: u32,
        key: u32,
    },
    IndexDropped {
        label: u32,
        key: u32,
    },
    // Appended, so that journals written before relationship indexes read as they did.
    RelIndexCreated {
        ty: u32,
        key: u32,
    },
    RelIndexDropped {
        ty: u32,
        key: u32,
    },
    // Appended likewise (index names came later).
    IndexNamed {
        name: &'a str,
        relationship: bool,
        on: u32,
        key: u32,
    },
    // Appended likewise (full-text indexes came later still).
    FulltextCreated {
        name: &'a str,
        relationship: bool,
        on: Vec<u32>,
        keys: Vec<u32>,
    },
    FulltextDropped {
        name: &'a str,
    },
    ConstraintCreated {
        name: &'a str,
        relationship: bool,
        on: u32,
        keys: Vec<u32>,
        kind: u8,
        types: Vec<String>,
    },
    ConstraintDropped {
        name: &'a str,
    },
}

/// [`EntryOut`] as it is read back: the same variants in the same order.
#[derive(Debug, Deserialize)]
enum EntryIn {
    Name(String),
    Change(ChangeIn),
}

/// [`ChangeOut`] as it is read back: the same variants in the same order.
#[derive(Debug, Deserialize)]
enum ChangeIn {
    NodeCreated {
        id: u32,
        labels: Vec<u32>,
        props: Vec<(u32, ValueIn)>,
    },
    NodeDeleted(u32),
    EdgeCreated {
        id: u32,
        from: u32,
        to: u32,
        ty: u32,
        props: Vec<(u32, ValueIn)>,
    },
    EdgeDeleted(u32),
    NodeProperty {
        id: u32,
        key: u32,
        value: ValueIn,
    },
    EdgeProperty {
        id: u32,
        key: u32,
        value: ValueIn,
    },
    LabelAdded {
        id: u32,
        label: u32,
    },
    LabelRemoved {
        id: u32,
        label: u32,
    },
    IndexCreated {
        label: u32,
        key: u32,
    },
    IndexDropped {
        label: u32,
        key: u32,
    },
    // Appended, so that journals written before relationship indexes read as they did.
    RelIndexCreated {
        ty: u32,
        key: u32,
    },
    RelIndexDropped {
        ty: u32,
        key: u32,
    },
    IndexNamed {
        name: String,
        relationship: bool,
        on: u32,
        key: u32,
    },
    FulltextCreated {
        name: String,
        relationship: bool,
        on: Vec<u32>,
        keys: Vec<u32>,
    },
    FulltextDropped {
        name: String,
    },
    ConstraintCreated {
        name: String,
        relationship: bool,
        on: u32,
        keys: Vec<u32>,
        kind: u8,
        types: Vec<String>,
    },
    ConstraintDropped {
        name: String,
    },
}

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<MAX_PAYLOAD>()
}

fn scalar_out(v: &Value) -> Option<ScalarOut<'_>> {
    Some(match v {
        Value::Bool(b) => ScalarOut::Bool(*b),
        Value::Int(i) => ScalarOut::Int(*i),
        Value::Float(f) => ScalarOut::Float(*f),
        Value::String(s) => ScalarOut::String(s),
        Value::Temporal(t) => ScalarOut::Temporal(t.to_string()),
        _ => return None,
    })
}

/// A value as a record holds it; `None` for one no property can hold (which no change carries).
fn value_out(v: &Value) -> Option<ValueOut<'_>> {
    match v {
        Value::Null => Some(ValueOut::Null),
        Value::List(items) => items.iter().map(scalar_out).collect::<Option<Vec<_>>>().map(ValueOut::List),
        other => scalar_out(other).map(ValueOut::Scalar),
    }
}

fn scalar_in(s: ScalarIn) -> Result<Value, String> {
    Ok(match s {
        ScalarIn::Bool(b) => Value::Bool(b),
        ScalarIn::Int(i) => Value::Int(i),
        ScalarIn::Float(f) => Value::Float(f),
        ScalarIn::String(s) => Value::String(s),
        ScalarIn::Temporal(text) => Value::Temporal(
            crate::temporal::Temporal::from_canonical(&text).map_err(|e| format!("a temporal value: {e}"))?,
        ),
    })
}

fn value_in(v: ValueIn) -> Result<Value, String> {
    Ok(match v {
        ValueIn::Null => Value::Null,
        ValueIn::Scalar(s) => scalar_in(s)?,
        ValueIn::List(items) => Value::List(items.into_iter().map(scalar_in).collect::<Result<_, _>>()?),
    })
}

/// Why a statement's changes cannot be journalled.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("one change takes {size} bytes, more than the {MAX_PAYLOAD} bytes a journal record holds")]
    TooLarge { size: usize },
    #[error("a property holds a value the journal cannot store")]
    Unstorable,
}

/// Cuts one statement's changes into record payloads, each under [`MAX_PAYLOAD`].
pub(crate) fn encode(seq: u64, changes: &[Change], graph: &Graph) -> Result<Vec<Vec<u8>>, EncodeError> {
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut part = new_part(seq, 0);
    let mut names: FxHashMap<Sym, u32> = FxHashMap::default();
    let mut entry = Vec::new();
    for change in changes {
        encode_change(change, graph, &mut names, &mut entry)?;
        if part.len() > PART_HEADER && part.len() + entry.len() > PART_TARGET {
            let number = parts.len() as u32 + 1;
            parts.push(std::mem::replace(&mut part, new_part(seq, number)));
            // A new part numbers its names afresh: the change is written again against it.
            names.clear();
            entry.clear();
            encode_change(change, graph, &mut names, &mut entry)?;
        }
        if PART_HEADER + entry.len() > MAX_PAYLOAD {
            return Err(EncodeError::TooLarge { size: entry.len() });
        }
        part.append(&mut entry);
    }
    part[12] |= LAST_PART;
    parts.push(part);
    Ok(parts)
}

fn new_part(seq: u64, number: u32) -> Vec<u8> {
    let mut part = Vec::with_capacity(PART_HEADER + 64);
    part.extend_from_slice(&seq.to_le_bytes());
    part.extend_from_slice(&number.to_le_bytes());
    part.push(0);
    part
}

/// Numbers the names a part uses, writing each one the first time.
struct Namer<'g, 'n> {
    graph: &'g Graph,
    names: &'n mut FxHashMap<Sym, u32>,
}

impl<'g> Namer<'g, '_> {
    fn name(&mut self, sym: Sym, out: &mut Vec<u8>) -> u32 {
        let next = self.names.len() as u32;
        *self.names.entry(sym).or_insert_with(|| {
            put(&EntryOut::Name(self.graph.name(sym)), out);
            next
        })
    }

    fn props<'v>(&mut self, props: &'v Properties, out: &mut Vec<u8>) -> Result<PropsOut<'v>, EncodeError> {
        let mut written = Vec::with_capacity(props.len());
        for (k, v) in props.iter() {
            written.push((self.name(k, out), value_out(v).ok_or(EncodeError::Unstorable)?));
        }
        Ok(written)
    }
}

/// Appends `change` to `out`, preceded by the names it uses that the part has not named yet.
fn encode_change(
    change: &Change,
    graph: &Graph,
    names: &mut FxHashMap<Sym, u32>,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let mut n = Namer { graph, names };
    let value = |v| value_out(v).ok_or(EncodeError::Unstorable);
    let entry = match change {
        Change::NodeCreated { id, labels, props } => {
            let props = n.props(props, out)?;
            let labels = labels.iter().map(|&l| n.name(l, out)).collect();
            ChangeOut::NodeCreated { id: id.0, labels, props }
        }
        Change::NodeDeleted(node) => ChangeOut::NodeDeleted(node.0),
        Change::EdgeCreated { id, from, to, ty, props } => {
            let props = n.props(props, out)?;
            ChangeOut::EdgeCreated { id: id.0, from: from.0, to: to.0, ty: n.name(*ty, out), props }
        }
        Change::EdgeDeleted(e) => ChangeOut::EdgeDeleted(e.0),
        Change::NodeProperty { id, key, value: v } => {
            ChangeOut::NodeProperty { id: id.0, key: n.name(*key, out), value: value(v)? }
        }
        Change::EdgeProperty { id, key, value: v } => {
            ChangeOut::EdgeProperty { id: id.0, key: n.name(*key, out), value: value(v)? }
        }
        Change::LabelAdded(node, l) => ChangeOut::LabelAdded { id: node.0, label: n.name(*l, out) },
        Change::LabelRemoved(node, l) => ChangeOut::LabelRemoved { id: node.0, label: n.name(*l, out) },
        Change::IndexCreated { label, key } => {
            ChangeOut::IndexCreated { label: n.name(*label, out), key: n.name(*key, out) }
        }
        Change::IndexDropped { label, key } => {
            ChangeOut::IndexDropped { label: n.name(*label, out), key: n.name(*key, out) }
        }
        Change::RelIndexCreated { ty, key } => {
            ChangeOut::RelIndexCreated { ty: n.name(*ty, out), key: n.name(*key, out) }
        }
        Change::RelIndexDropped { ty, key } => {
            ChangeOut::RelIndexDropped { ty: n.name(*ty, out), key: n.name(*key, out) }
        }
        Change::IndexNamed { name, def } => ChangeOut::IndexNamed {
            name,
            relationship: def.relationship,
            on: n.name(def.on, out),
            key: n.name(def.key, out),
        },
        Change::FulltextCreated { name, def } => ChangeOut::FulltextCreated {
            name,
            relationship: def.relationship,
            on: def.on.iter().map(|&s| n.name(s, out)).collect(),
            keys: def.keys.iter().map(|&s| n.name(s, out)).collect(),
        },
        Change::FulltextDropped { name } => ChangeOut::FulltextDropped { name },
        Change::ConstraintCreated { name, def } => {
            let (kind, types) = def.kind.to_code();
            ChangeOut::ConstraintCreated {
                name,
                relationship: def.relationship,
                on: n.name(def.on, out),
                keys: def.keys.iter().map(|&s| n.name(s, out)).collect(),
                kind,
                types,
            }
        }
        Change::ConstraintDropped { name } => ChangeOut::ConstraintDropped { name },
    };
    put(&EntryOut::Change(entry), out);
    Ok(())
}

fn put(entry: &EntryOut, out: &mut Vec<u8>) {
    // Encoding plain data into memory cannot fail: no I/O, and the limit is checked by the caller.
    let bytes = bincode::serde::encode_to_vec(entry, bincode::config::standard())
        .expect("encoding a journal entry into memory cannot fail");
    out.extend_from_slice(&bytes);
}

/// A record's payload, decoded: its place in the journal and its entries, names not yet resolved.
#[derive(Debug)]
pub(crate) struct Part {
    pub(crate) seq: u64,
    pub(crate) number: u32,
    pub(crate) last: bool,
    entries: Vec<EntryIn>,
}

impl Part {
    pub(crate) fn entry_count(&self) -> usize {
        self.entries.len()
    }
}

/// `seq` of a payload, when it is long enough to have one: what the torn-tail check reads first.
pub(crate) fn seq_of(payload: &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(payload.get(..8)?.try_into().ok()?))
}

/// Decodes a payload; the error says what is wrong with it.
pub(crate) fn decode(payload: &[u8]) -> Result<Part, String> {
    if payload.len() < PART_HEADER {
        return Err("the record is shorter than its header".into());
    }
    let le4 = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let seq = seq_of(payload).unwrap_or_default();
    let number = le4(&payload[8..12]);
    let flags = payload[12];
    if flags & !LAST_PART != 0 {
        return Err(format!("unknown flags {flags:#x}"));
    }
    let mut rest = &payload[PART_HEADER..];
    let mut entries = Vec::new();
    while !rest.is_empty() {
        let (entry, used): (EntryIn, usize) = bincode::serde::decode_from_slice(rest, config())
            .map_err(|e| format!("entry {}: {e}", entries.len()))?;
        entries.push(entry);
        rest = &rest[used..];
    }
    Ok(Part { seq, number, last: flags & LAST_PART != 0, entries })
}

/// Applies a part's entries to `graph`, interning its names there. An entry that does not fit
/// (a name not defined, an id in use) is an error naming the entry; the ones before it are applied.
pub(crate) fn apply(part: Part, graph: &mut Graph) -> Result<(), String> {
    let mut names: Vec<Sym> = Vec::new();
    for (at, entry) in part.entries.into_iter().enumerate() {
        let entry = match entry {
            EntryIn::Name(n) => {
                names.push(graph.intern(&n));
                continue;
            }
            EntryIn::Change(change) => change,
        };
        let fail = |detail: String| format!("entry {at}: {detail}");
        let name =
            |n: u32| names.get(n as usize).copied().ok_or_else(|| fail(format!("name {n} is not defined")));
        let props = |props: Vec<(u32, ValueIn)>| -> Result<Properties, String> {
            let mut out = Properties::default();
            for (k, v) in props {
                let v = value_in(v).map_err(fail)?;
                if v.is_null() {
                    return Err(fail("a property is null".into()));
                }
                if out.set(name(k)?, v).is_some() {
                    return Err(fail("a property is given twice".into()));
                }
            }
            Ok(out)
        };
        let change = match entry {
            ChangeIn::NodeCreated { id, labels, props: p } => Change::NodeCreated {
                id: NodeId(id),
                labels: labels.into_iter().map(name).collect::<Result<_, _>>()?,
                props: props(p)?,
            },
            ChangeIn::NodeDeleted(n) => Change::NodeDeleted(NodeId(n)),
            ChangeIn::EdgeCreated { id, from, to, ty, props: p } => Change::EdgeCreated {
                id: EdgeId(id),
                from: NodeId(from),
                to: NodeId(to),
                ty: name(ty)?,
                props: props(p)?,
            },
            ChangeIn::EdgeDeleted(e) => Change::EdgeDeleted(EdgeId(e)),
            ChangeIn::NodeProperty { id, key, value } => Change::NodeProperty {
                id: NodeId(id),
                key: name(key)?,
                value: value_in(value).map_err(fail)?,
            },
            ChangeIn::EdgeProperty { id, key, value } => Change::EdgeProperty {
                id: EdgeId(id),
                key: name(key)?,
                value: value_in(value).map_err(fail)?,
            },
            ChangeIn::LabelAdded { id, label } => Change::LabelAdded(NodeId(id), name(label)?),
            ChangeIn::LabelRemoved { id, label } => Change::LabelRemoved(NodeId(id), name(label)?),
            ChangeIn::IndexCreated { label, key } => {
                Change::IndexCreated { label: name(label)?, key: name(key)? }
            }
            ChangeIn::IndexDropped { label, key } => {
                Change::IndexDropped { label: name(label)?, key: name(key)? }
            }
            ChangeIn::RelIndexCreated { ty, key } => {
                Change::RelIndexCreated { ty: name(ty)?, key: name(key)? }
            }
            ChangeIn::RelIndexDropped { ty, key } => {
                Change::RelIndexDropped { ty: name(ty)?, key: name(key)? }
            }
            ChangeIn::IndexNamed { name: index, relationship, on, key } => Change::IndexNamed {
                name: index,
                def: crate::graph::IndexDef { relationship, on: name(on)?, key: name(key)? },
            },
            ChangeIn::FulltextCreated { name: index, relationship, on, keys } => {
                if keys.len() > crate::graph::MAX_FULLTEXT_KEYS {
                    return Err(fail(format!("a full-text index has {} keys", keys.len())));
                }
                let on = on.into_iter().map(name).collect::<Result<_, _>>()?;
                let keys = keys.into_iter().map(name).collect::<Result<_, _>>()?;
                Change::FulltextCreated {
                    name: index,
                    def: crate::graph::FulltextDef { relationship, on, keys },
                }
            }
            ChangeIn::FulltextDropped { name } => Change::FulltextDropped { name },
            ChangeIn::ConstraintCreated { name: constraint, relationship, on, keys, kind, types } => {
                if keys.is_empty() || keys.len() > crate::graph::MAX_CONSTRAINT_KEYS {
                    return Err(fail(format!("a constraint has {} keys", keys.len())));
                }
                let kind = crate::graph::ConstraintKind::from_code(kind, &types)
                    .ok_or_else(|| fail(format!("constraint `{constraint}` is of no known kind")))?;
                let keys = keys.into_iter().map(name).collect::<Result<_, _>>()?;
                let def = crate::graph::ConstraintDef { relationship, on: name(on)?, keys, kind };
                Change::ConstraintCreated { name: constraint, def }
            }
            ChangeIn::ConstraintDropped { name } => Change::ConstraintDropped { name },
        };
        graph.apply(change).map_err(|e| fail(e.to_string()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_changes(g: &mut Graph) -> Vec<Change> {
        let (l, k, t) = (g.intern("Actor"), g.intern("name"), g.intern("linked-to"));
        let a = g.add_node(&[l], Properties::default());
        g.set_node_property(a, k, Value::from("APT31")).unwrap();
        let b = g.add_node(&[], Properties::default());
        let e = g.add_edge(a, b, t, Properties::default()).unwrap();
        let values = [
            Value::Bool(true),
            Value::Int(i64::MIN),
            Value::Float(f64::NAN),
            Value::Float(-0.0),
            Value::from("é"),
            Value::List(vec![Value::Int(1), Value::from("x"), Value::Float(1.5), Value::Bool(false)]),
            Value::List(vec![]),
        ];
        let mut changes = vec![
            Change::NodeCreated { id: a, labels: vec![l], props: Properties::default() },
            Change::NodeProperty { id: a, key: k, value: Value::from("APT31") },
            Change::NodeCreated { id: b, labels: vec![], props: Properties::default() },
            Change::EdgeCreated { id: e, from: a, to: b, ty: t, props: Properties::default() },
        ];
        for (i, v) in values.into_iter().enumerate() {
            let key = g.intern(&format!("k{i}"));
            g.set_edge_property(e, key, v.clone()).unwrap();
            changes.push(Change::EdgeProperty { id: e, key, value: v });
        }
        changes
    }

    #[test]
    fn every_value_a_property_holds_reads_back_bit_for_bit() {
        let mut live = Graph::new();
        let changes = sample_changes(&mut live);
        let parts = encode(7, &changes, &live).unwrap();
        assert_eq!(parts.len(), 1);
        let part = decode(&parts[0]).unwrap();
        assert_eq!((part.seq, part.number, part.last), (7, 0, true));
        let mut replayed = Graph::new();
        apply(part, &mut replayed).unwrap();
        assert_eq!(replayed, live, "NaN, -0.0 and integers against floats are kept apart");
    }

    #[test]
    fn full_text_indexes_and_constraints_read_back_from_the_journal() {
        use crate::graph::{ConstraintDef, ConstraintKind, FulltextDef, ValueType};
        let mut live = Graph::new();
        let mut changes = sample_changes(&mut live);
        let (actor, name, t) = (live.intern("Actor"), live.intern("name"), live.intern("linked-to"));
        let text = FulltextDef { relationship: false, on: vec![actor], keys: vec![name] };
        let typed =
            ConstraintKind::Typed(vec![ValueType::String, ValueType::List(Box::new(ValueType::Integer))]);
        let constraints = [
            ConstraintDef { relationship: false, on: actor, keys: vec![name], kind: ConstraintKind::Unique },
            ConstraintDef { relationship: true, on: t, keys: vec![name], kind: typed },
        ];
        live.create_fulltext_index("text", text.clone());
        changes.push(Change::FulltextCreated { name: "text".into(), def: text });
        for (i, def) in constraints.iter().enumerate() {
            live.create_constraint(&format!("c{i}"), def.clone(), None).unwrap();
            changes.push(Change::ConstraintCreated { name: format!("c{i}"), def: def.clone() });
        }
        live.drop_constraint("c1");
        changes.push(Change::ConstraintDropped { name: "c1".into() });
        let parts = encode(3, &changes, &live).unwrap();
        let mut replayed = Graph::new();
        for bytes in &parts {
            apply(decode(bytes).unwrap(), &mut replayed).unwrap();
        }
        assert_eq!(replayed.fulltext_query("text", false, "apt31").unwrap().len(), 1);
        let names: Vec<&str> = replayed.constraints().map(|(n, _, _)| n).collect();
        assert_eq!(names, ["c0"]);
        let c0 = replayed.constraint("c0").unwrap();
        assert_eq!((c0.kind.clone(), replayed.name(c0.on)), (ConstraintKind::Unique, "Actor"));
        assert!(replayed.has_index("Actor", "name"), "the constraint's own index came back with it");
    }

    #[test]
    fn a_large_statement_is_cut_into_parts_that_each_name_what_they_use() {
        let mut live = Graph::new();
        let (l, k) = (live.intern("L"), live.intern("text"));
        let mut changes = Vec::new();
        for i in 0..3000 {
            let mut props = Properties::default();
            props.set(k, Value::String(format!("{i:01000}")));
            let n = live.add_node(&[l], props.clone());
            changes.push(Change::NodeCreated { id: n, labels: vec![l], props });
        }
        let parts = encode(1, &changes, &live).unwrap();
        assert!(parts.len() >= 3, "{} parts", parts.len());
        assert!(parts.iter().all(|p| p.len() <= PART_TARGET + 1100));
        let mut replayed = Graph::new();
        for (i, bytes) in parts.iter().enumerate() {
            let part = decode(bytes).unwrap();
            assert_eq!((part.number as usize, part.last), (i, i + 1 == parts.len()));
            apply(part, &mut replayed).unwrap();
        }
        assert_eq!(replayed, live);
    }

    #[test]
    fn a_change_larger_than_a_record_is_refused_by_the_writer() {
        let mut g = Graph::new();
        let k = g.intern("k");
        let n = g.add_node(&[], Properties::default());
        let huge = Value::String("x".repeat(MAX_PAYLOAD));
        let err = encode(1, &[Change::NodeProperty { id: n, key: k, value: huge }], &g).unwrap_err();
        assert!(matches!(err, EncodeError::TooLarge { .. }), "{err}");
    }

    #[test]
    fn damaged_payloads_are_errors() {
        let mut live = Graph::new();
        let changes = sample_changes(&mut live);
        let payload = encode(3, &changes, &live).unwrap().remove(0);
        for cut in 0..payload.len() {
            let _ = decode(&payload[..cut]).map(|p| apply(p, &mut Graph::new()));
        }
        let mut flags = payload.clone();
        flags[12] = 0x80;
        assert!(decode(&flags).is_err());
        // An entry naming a name no entry defined.
        let undefined = [&payload[..PART_HEADER], &[1u8, 6, 0, 9][..]].concat();
        let part = decode(&undefined).unwrap();
        assert!(apply(part, &mut Graph::new()).unwrap_err().contains("name 9 is not defined"));
    }
}
