//! A graph, or part of one, out as a STIX 2.1 bundle: the inverse of `stix::import`. A node that came
//! from STIX becomes its object again (type and id from `stix_id`, its properties as fields, `external_id`
//! as its first external reference, a `created-by` relationship as `created_by_ref`); every other
//! relationship becomes a `relationship` object. Nested fields the import left out (kill-chain phases,
//! all but the first external reference, granular markings) cannot come back.
//!
//! Nodes and relationships that did not come from STIX get identifiers minted from their kgraph ids
//! (the same on every export of the same graph): a node's type is its first label in kebab case
//! (`ThreatActor` → `threat-actor`), so a mixed graph (the seed story beside ATT&CK) can be shared too.

use std::io::{self, Write};

use serde_json::{Map, Value as Json};

use super::{EXTERNAL_ID, EXTERNAL_SOURCE, STIX_ID};
use crate::export::Selection;
use crate::graph::{Direction, EdgeId, Graph, NodeId, Properties, Sym};
use crate::progress::Ticker;
use crate::value::Value;

/// What `created-by` edges become instead of relationship objects.
const CREATED_BY: &str = "created-by";

/// Writes the selection as one bundle, one object per line (diffs of a committed bundle stay readable).
pub fn write_bundle(
    g: &Graph,
    selection: &Selection,
    w: &mut impl Write,
    tick: &mut Ticker,
) -> io::Result<()> {
    let keys = Keys::of(g);
    // The bundle's id is minted from how many objects it holds: every node is one, and every
    // relationship but those that become a `created_by_ref`, which are known once the nodes are done.
    let mut nodes = Vec::with_capacity(selection.nodes.len());
    let mut creator_edges = std::collections::HashSet::new();
    for &n in &selection.nodes {
        tick.tick();
        let (object, creator) = node_object(g, &keys, selection, n);
        creator_edges.extend(creator);
        nodes.push(object);
    }
    let count = selection.nodes.len() + selection.relationships.len() - creator_edges.len();
    let bundle_id = format!("bundle--{}", minted_uuid(BUNDLE_SALT, count as u64));
    write!(w, "{{\"type\": \"bundle\", \"id\": {}, \"objects\": [", Json::String(bundle_id))?;
    let mut first = true;
    let mut object_line = |w: &mut dyn Write, object: Map<String, Json>| -> io::Result<()> {
        write!(w, "{}\n{}", if first { "" } else { "," }, Json::Object(object))?;
        first = false;
        Ok(())
    };
    for object in nodes {
        object_line(w, object)?;
    }
    for &e in &selection.relationships {
        tick.tick();
        if !creator_edges.contains(&e)
            && let Some(object) = relationship_object(g, &keys, e)
        {
            object_line(w, object)?;
        }
    }
    writeln!(w, "\n]}}")
}

struct Keys {
    stix_id: Option<Sym>,
    external_id: Option<Sym>,
    external_source: Option<Sym>,
    created_by: Option<Sym>,
}

impl Keys {
    fn of(g: &Graph) -> Self {
        Keys {
            stix_id: g.symbol(STIX_ID),
            external_id: g.symbol(EXTERNAL_ID),
            external_source: g.symbol(EXTERNAL_SOURCE),
            created_by: g.symbol(CREATED_BY),
        }
    }
}

const NODE_SALT: u64 = 0x6b67_7261_7068_6e6f;
const EDGE_SALT: u64 = 0x6b67_7261_7068_6564;
const BUNDLE_SALT: u64 = 0x6b67_7261_7068_6275;

/// A version-4-shaped UUID from a kgraph id: the same id gives the same UUID on every export.
fn minted_uuid(salt: u64, id: u64) -> String {
    let hi = splitmix64(salt ^ id);
    let lo = splitmix64(hi ^ id.rotate_left(32));
    let bits = (u128::from(hi) << 64 | u128::from(lo)) & !(0xf << 76) & !(0x3 << 62);
    let bits = bits | (0x4 << 76) | (0x2 << 62);
    let hex = format!("{bits:032x}");
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// `ThreatActor` → `threat-actor`.
fn kebab(label: &str) -> String {
    let mut out = String::with_capacity(label.len() + 4);
    for (i, c) in label.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('-');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// The node's STIX id: its `stix_id`, or one minted from its first label and kgraph id.
fn node_stix_id(g: &Graph, keys: &Keys, n: NodeId) -> String {
    if let Some(Value::String(id)) = keys.stix_id.and_then(|k| g.node_properties(n).get(k)) {
        return id.clone();
    }
    let ty = g.labels(n).first().map_or_else(|| "x-kgraph-node".to_string(), |&l| kebab(g.name(l)));
    format!("{ty}--{}", minted_uuid(NODE_SALT, u64::from(n.0)))
}

fn object_type(stix_id: &str) -> &str {
    stix_id.split_once("--").map_or(stix_id, |(ty, _)| ty)
}

/// The node's object, and the `created-by` edge that became its `created_by_ref` (if one did).
fn node_object(
    g: &Graph,
    keys: &Keys,
    selection: &Selection,
    n: NodeId,
) -> (Map<String, Json>, Option<EdgeId>) {
    let id = node_stix_id(g, keys, n);
    let mut object = Map::new();
    object.insert("type".into(), Json::String(object_type(&id).to_string()));
    object.insert("id".into(), Json::String(id.clone()));
    // The import makes a `created-by` edge, without properties, of each `created_by_ref`.
    let mut creator = None;
    if let Some(ty) = keys.created_by {
        let mut out = Vec::new();
        g.neighbours(n, Direction::Outgoing, &[ty], &mut out);
        if let Some(&(e, identity)) = out
            .iter()
            .rev()
            .find(|(e, _)| selection.relationships.contains(e) && g.edge_properties(*e).is_empty())
        {
            object.insert("created_by_ref".into(), Json::String(node_stix_id(g, keys, identity)));
            creator = Some(e);
        }
    }
    fields(g, keys, g.node_properties(n), &mut object);
    (object, creator)
}

/// STIX's timestamp form: UTC, seconds always written, and at least the millisecond (STIX 2.1 asks
/// `created` and `modified` to be precise to it; ATT&CK writes every timestamp so).
fn stix_timestamp(dt: &crate::temporal::DateTime) -> String {
    let ts = dt.timestamp();
    let utc = jiff::tz::Offset::UTC.to_datetime(ts);
    let nanos = ts.subsec_nanosecond().unsigned_abs();
    let fraction = if nanos.is_multiple_of(1_000_000) {
        format!("{:03}", nanos / 1_000_000)
    } else if nanos.is_multiple_of(1000) {
        format!("{:06}", nanos / 1000)
    } else {
        format!("{nanos:09}")
    };
    format!("{}.{fraction}Z", utc.strftime("%Y-%m-%dT%H:%M:%S"))
}

/// The properties as fields: `external_id` (with `external_source`) as the one external reference, and
/// `spec_version` 2.1 where the properties do not say. NaN and the infinities, which JSON cannot carry,
/// are left out.
fn fields(g: &Graph, keys: &Keys, props: &Properties, object: &mut Map<String, Json>) {
    for (k, v) in props.iter() {
        if Some(k) != keys.stix_id && Some(k) != keys.external_id && Some(k) != keys.external_source {
            let json = match v {
                Value::Temporal(crate::temporal::Temporal::DateTime(dt)) => Json::String(stix_timestamp(dt)),
                Value::Temporal(t) => Json::String(t.to_string()),
                _ => crate::format::to_json(g, v),
            };
            if !json.is_null() {
                object.insert(g.name(k).to_string(), json);
            }
        }
    }
    if !object.contains_key("spec_version") {
        object.insert("spec_version".into(), Json::String("2.1".into()));
    }
    if let Some(Value::String(ext)) = keys.external_id.and_then(|k| props.get(k)) {
        let source = match keys.external_source.and_then(|k| props.get(k)) {
            Some(Value::String(s)) => s.clone(),
            _ => "kgraph".to_string(),
        };
        object.insert(
            "external_references".into(),
            serde_json::json!([{"source_name": source, "external_id": ext}]),
        );
    }
}

fn relationship_object(g: &Graph, keys: &Keys, e: EdgeId) -> Option<Map<String, Json>> {
    let ((a, b), ty) = (g.endpoints(e)?, g.edge_type(e)?);
    let props = g.edge_properties(e);
    let id = match keys.stix_id.and_then(|k| props.get(k)) {
        Some(Value::String(id)) => id.clone(),
        _ => format!("relationship--{}", minted_uuid(EDGE_SALT, u64::from(e.0))),
    };
    let mut object = Map::new();
    object.insert("type".into(), Json::String("relationship".into()));
    object.insert("id".into(), Json::String(id));
    object.insert("relationship_type".into(), Json::String(g.name(ty).to_string()));
    object.insert("source_ref".into(), Json::String(node_stix_id(g, keys, a)));
    object.insert("target_ref".into(), Json::String(node_stix_id(g, keys, b)));
    fields(g, keys, props, &mut object);
    Some(object)
}

#[cfg(test)]
pub(super) fn minted_uuid_for_test(id: u64) -> String {
    minted_uuid(NODE_SALT, id)
}
