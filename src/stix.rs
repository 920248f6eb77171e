//! STIX 2.1 bundles in (MITRE ATT&CK, OpenCTI and MISP exports): every object but relationships
//! becomes a node labelled with its type in PascalCase (`intrusion-set` → `IntrusionSet`), its `id` as
//! `stix_id` and its scalar and list-of-scalar fields as properties, plus `external_id` from its first
//! external reference that has one (ATT&CK's `T1566`, `G0128`); every `relationship` object becomes an
//! edge typed with its `relationship_type`; `created_by_ref` becomes a `created-by` edge. `export` writes
//! a graph back out as a bundle. References to
//! objects absent from the bundle are reported, never invented. `.json` or gzip-compressed, by content.

use std::collections::HashMap;
use std::io::Read;

use serde_json::Value as Json;

use crate::graph::{Graph, NodeId, Properties, Sym};
use crate::progress::{Counting, ITEMS_EVERY, Progress, Silent, Unit};
use crate::value::Value;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StixReport {
    pub objects: usize,
    pub nodes: usize,
    pub relationships: usize,
    /// The document was a MISP galaxy (its `objects` are the galaxy's values).
    pub galaxy: bool,
    /// One line per reference to an object the bundle does not hold (or a repeated id), as
    /// `relationship--…: target_ref indicator--… is not in the bundle`.
    pub problems: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum StixError {
    #[error("cannot decompress: {0}")]
    Gzip(std::io::Error),
    #[error(
        "decompressed, it is larger than {} MiB, the most kgraph reads whole on this machine ({})",
        limit >> 20,
        crate::input::JSON_LIMIT_WHY
    )]
    TooLarge { limit: u64 },
    #[error("not JSON: {0}")]
    Json(serde_json::Error),
    #[error("not a STIX bundle: {0}")]
    NotABundle(&'static str),
    #[error("not a MISP galaxy: {0}")]
    NotAGalaxy(&'static str),
}

/// The properties an object's identity and first external reference become.
pub const STIX_ID: &str = "stix_id";
pub const EXTERNAL_ID: &str = "external_id";
pub const EXTERNAL_SOURCE: &str = "external_source";

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether the bytes look like a bundle: gzip, or JSON that opens with `{` or `[` after an optional
/// byte-order mark (a Cypher script cannot).
pub fn looks_like_stix(bytes: &[u8]) -> bool {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    bytes.starts_with(&GZIP_MAGIC)
        || matches!(text.iter().find(|b| !b.is_ascii_whitespace()), Some(b'{' | b'['))
}

/// `intrusion-set` → `IntrusionSet`, `x-mitre-tactic` → `XMitreTactic`.
pub fn label_for(stix_type: &str) -> String {
    stix_type
        .split(['-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut cs = p.chars();
            cs.next().map(|c| c.to_uppercase().chain(cs).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

/// Reads a bundle (gzip-compressed or not) into a new graph.
pub fn import(bytes: &[u8]) -> Result<(Graph, StixReport), StixError> {
    import_with(bytes, &mut Silent)
}

/// `import`, telling `progress` of each stage.
pub fn import_with(bytes: &[u8], progress: &mut dyn Progress) -> Result<(Graph, StixReport), StixError> {
    import_within(bytes, crate::input::json_limit(), progress)
}

/// `import_with`, decompressing to at most `limit` bytes.
fn import_within(
    bytes: &[u8],
    limit: u64,
    progress: &mut dyn Progress,
) -> Result<(Graph, StixReport), StixError> {
    let decompressed;
    let text: &[u8] = if bytes.starts_with(&GZIP_MAGIC) {
        progress.stage("decompressing", Some(bytes.len() as u64), Unit::Bytes);
        let mut out = Vec::new();
        let counted = Counting { inner: bytes, read: 0, progress: &mut *progress };
        // A gzip bomb stops here, with an error, not at the end of memory.
        let mut reader = flate2::read::MultiGzDecoder::new(counted).take(limit.saturating_add(1));
        reader.read_to_end(&mut out).map_err(StixError::Gzip)?;
        if out.len() as u64 > limit {
            return Err(StixError::TooLarge { limit });
        }
        decompressed = out;
        &decompressed
    } else {
        bytes
    };
    // Editors on some systems begin UTF-8 files with a byte-order mark; JSON has none.
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    progress.stage("parsing the JSON", None, Unit::Bytes);
    let document: Json = serde_json::from_slice(text).map_err(StixError::Json)?;
    match &document {
        // Some tools write the objects alone, without the bundle around them.
        Json::Array(objects) => Ok(build(objects, progress)),
        Json::Object(_) if document.get("type").and_then(Json::as_str) == Some("bundle") => {
            let objects = document
                .get("objects")
                .and_then(Json::as_array)
                .ok_or(StixError::NotABundle("no \"objects\" list"))?;
            Ok(build(objects, progress))
        }
        Json::Object(_) if crate::misp::is_galaxy(&document) => {
            crate::misp::build(&document, progress).map_err(StixError::NotAGalaxy)
        }
        _ => Err(StixError::NotABundle(
            "its \"type\" is not \"bundle\" (nor is it a MISP galaxy, which has a \"values\" list)",
        )),
    }
}

fn build(objects: &[Json], progress: &mut dyn Progress) -> (Graph, StixReport) {
    let mut g = Graph::new();
    let mut report = StixReport { objects: objects.len(), ..StixReport::default() };
    let mut ids: HashMap<&str, NodeId> = HashMap::new();
    let stix_id = g.intern(STIX_ID);
    let created_by = g.intern("created-by");
    let is_relationship = |o: &Json| o.get("type").and_then(Json::as_str) == Some("relationship");
    let total = Some(objects.len() as u64);
    progress.stage("creating nodes", total, Unit::Items);
    for (i, o) in objects.iter().enumerate() {
        if (i as u64).is_multiple_of(ITEMS_EVERY) {
            progress.advance(i as u64);
        }
        if is_relationship(o) {
            continue;
        }
        let (Some(ty), Some(id)) = (o.get("type").and_then(Json::as_str), o.get("id").and_then(Json::as_str))
        else {
            report
                .problems
                .push(format!("an object without \"type\" or \"id\" was skipped: {}", abridged(o)));
            continue;
        };
        if ids.contains_key(id) {
            report.problems.push(format!("{id}: appears twice; the second was skipped"));
            continue;
        }
        let mut props = properties(&mut g, o, &["type", "id", "created_by_ref"]);
        props.set(stix_id, Value::from(id));
        set_external_id(&mut g, &mut props, o);
        let label = g.intern(&label_for(ty));
        ids.insert(id, g.add_node(&[label], props));
        report.nodes += 1;
    }
    let missing = |report: &mut StixReport, of: &str, field: &str, to: &str| {
        report.problems.push(format!("{of}: {field} {to} is not in the bundle"));
    };
    // Relationships first, then `created-by` edges, each in bundle order: the order a written bundle
    // (`stix::export`) reproduces, so that a graph read back has the same relationship ids.
    progress.stage("creating relationships", total, Unit::Items);
    let mut relationship_ids: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for (i, o) in objects.iter().enumerate() {
        if (i as u64).is_multiple_of(ITEMS_EVERY) {
            progress.advance(i as u64);
        }
        if !is_relationship(o) {
            continue;
        }
        let id = o.get("id").and_then(Json::as_str).unwrap_or("(no id)");
        if o.get("id").is_some() && !relationship_ids.insert(id) {
            report.problems.push(format!("{id}: appears twice; the second was skipped"));
            continue;
        }
        let field = |k: &str| o.get(k).and_then(Json::as_str);
        let (Some(source), Some(target), Some(rel_type)) =
            (field("source_ref"), field("target_ref"), field("relationship_type"))
        else {
            report
                .problems
                .push(format!("{id}: a relationship needs source_ref, target_ref and relationship_type"));
            continue;
        };
        let (from, to) = match (ids.get(source), ids.get(target)) {
            (Some(&a), Some(&b)) => (a, b),
            (a, _) => {
                let (which, what) = if a.is_none() { ("source_ref", source) } else { ("target_ref", target) };
                missing(&mut report, id, which, what);
                continue;
            }
        };
        let mut props =
            properties(&mut g, o, &["type", "id", "source_ref", "target_ref", "relationship_type"]);
        props.set(stix_id, Value::from(id));
        set_external_id(&mut g, &mut props, o);
        let ty: Sym = g.intern(rel_type);
        // Both ends were created above from this bundle's objects.
        g.add_edge(from, to, ty, props).expect("both ends exist");
        report.relationships += 1;
    }
    for o in objects.iter().filter(|o| !is_relationship(o)) {
        let id = o.get("id").and_then(Json::as_str).unwrap_or("(no id)");
        let (Some(&node), Some(creator)) = (ids.get(id), o.get("created_by_ref").and_then(Json::as_str))
        else {
            continue;
        };
        match ids.get(creator) {
            Some(&identity) => {
                // Both ends were created above from this bundle's objects.
                g.add_edge(node, identity, created_by, Properties::default()).expect("both ends exist");
                report.relationships += 1;
            }
            None => missing(&mut report, id, "created_by_ref", creator),
        }
    }
    g.prepare_reads();
    (g, report)
}

/// The fields STIX 2.1 defines as timestamps (and ATT&CK's own), which become datetimes.
const TIMESTAMPS: &[&str] = &[
    "created",
    "modified",
    "first_seen",
    "last_seen",
    "valid_from",
    "valid_until",
    "published",
    "start_time",
    "stop_time",
    "first_observed",
    "last_observed",
];

/// A timestamp field's text as a datetime; `None` (the text kept as it is) when it is not one.
fn timestamp(key: &str, v: &Json) -> Option<Value> {
    if !TIMESTAMPS.contains(&key) {
        return None;
    }
    let text = v.as_str()?;
    crate::temporal::parse(crate::temporal::Kind::DateTime, text).ok().map(Value::Temporal)
}

/// The object's scalar fields and lists of scalars, as properties (timestamps as datetimes); nested
/// objects are left out.
fn properties(g: &mut Graph, o: &Json, skip: &[&str]) -> Properties {
    let mut props = Properties::default();
    let Some(fields) = o.as_object() else { return props };
    for (k, v) in fields {
        if skip.contains(&k.as_str()) {
            continue;
        }
        let value = match v {
            _ if let Some(t) = timestamp(k, v) => t,
            Json::Array(items) => {
                let list: Option<Vec<Value>> = items.iter().map(scalar).collect();
                match list {
                    Some(l) => Value::List(l),
                    None => continue,
                }
            }
            other => match scalar(other) {
                Some(s) => s,
                None => continue,
            },
        };
        if value.is_storable() && !value.is_null() {
            let key = g.intern(k);
            props.set(key, value);
        }
    }
    props
}

/// A JSON scalar as a value; `None` for null, arrays and objects.
pub(crate) fn scalar(v: &Json) -> Option<Value> {
    match v {
        Json::Bool(b) => Some(Value::Bool(*b)),
        Json::Number(n) => n.as_i64().map(Value::Int).or_else(|| n.as_f64().map(Value::Float)),
        Json::String(s) => Some(Value::from(s.as_str())),
        _ => None,
    }
}

/// `external_id` from the first external reference that has one, and that reference's `source_name`
/// as `external_source` (so that a written bundle can name the source again).
fn set_external_id(g: &mut Graph, props: &mut Properties, o: &Json) {
    let Some(reference) = o
        .get("external_references")
        .and_then(Json::as_array)
        .and_then(|refs| refs.iter().find(|r| r.get("external_id").and_then(Json::as_str).is_some()))
    else {
        return;
    };
    for (field, key) in [("external_id", EXTERNAL_ID), ("source_name", EXTERNAL_SOURCE)] {
        if let Some(text) = reference.get(field).and_then(Json::as_str) {
            let key = g.intern(key);
            props.set(key, Value::from(text));
        }
    }
}

/// A JSON value for a problem line, cut to 80 characters.
pub(crate) fn abridged(o: &Json) -> String {
    let text = o.to_string();
    match text.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

pub mod export;

#[cfg(test)]
mod tests;
