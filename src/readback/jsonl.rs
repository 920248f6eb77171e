//! JSON Lines as `.jsonl` exports write them: one object a line, `{"type": "node", "id", "labels",
//! "properties"}` or `{"type": "relationship", "id", "label", "start", "end", "properties"}`. Floats
//! JSON cannot write (NaN, ±infinity) are `{"$float": "NaN"}`, `"Infinity"`, `"-Infinity"`.

use serde_json::Value as Json;

use super::{Found, FoundEdge, FoundNode};
use crate::graph::Graph;
use crate::value::Value;

/// The tag a non-finite float is written under.
pub const FLOAT_TAG: &str = "$float";

/// Whether `bytes` (after an optional byte-order mark) begin with a line that is a kgraph JSON Lines
/// node or relationship.
pub fn looks_like_jsonl(bytes: &[u8]) -> bool {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = text.split(|&b| b == b'\n').map(<[u8]>::trim_ascii).find(|l| !l.is_empty());
    let Some(first) = first else { return false };
    let Ok(Json::Object(o)) = serde_json::from_slice::<Json>(first) else { return false };
    matches!(o.get("type").and_then(Json::as_str), Some("node" | "relationship")) && o.contains_key("id")
}

/// A value as a JSON Lines export writes it (see the module's description).
pub fn value_to_json(v: &Value) -> Json {
    match v {
        Value::Float(x) if !x.is_finite() => {
            let name = if x.is_nan() {
                "NaN"
            } else if *x > 0.0 {
                "Infinity"
            } else {
                "-Infinity"
            };
            serde_json::json!({ FLOAT_TAG: name })
        }
        Value::List(items) => Json::Array(items.iter().map(value_to_json).collect()),
        Value::Int(i) => Json::from(*i),
        Value::Float(x) => serde_json::Number::from_f64(*x).map_or(Json::Null, Json::Number),
        Value::Bool(b) => Json::Bool(*b),
        Value::String(s) => Json::String(s.clone()),
        Value::Temporal(t) => t.to_json(),
        _ => Json::Null,
    }
}

/// A property value from its JSON text, as [`value_to_json`] writes it; `None` if it is not one.
pub fn value_from_json_text(text: &str) -> Option<Value> {
    value_from_json(&serde_json::from_str(text).ok()?)
}

fn value_from_json(j: &Json) -> Option<Value> {
    match j {
        Json::Object(o) if let Some(t) = crate::temporal::Temporal::from_json_object(o) => {
            Some(Value::Temporal(t))
        }
        Json::Object(o) if o.len() == 1 => match o.get(FLOAT_TAG).and_then(Json::as_str)? {
            "NaN" => Some(Value::Float(f64::NAN)),
            "Infinity" => Some(Value::Float(f64::INFINITY)),
            "-Infinity" => Some(Value::Float(f64::NEG_INFINITY)),
            _ => None,
        },
        Json::Array(items) => {
            let list = items.iter().map(value_from_json).collect::<Option<Vec<_>>>()?;
            let value = Value::List(list);
            value.is_storable().then_some(value)
        }
        other => crate::stix::scalar(other),
    }
}

fn key_of(j: Option<&Json>) -> Option<String> {
    match j? {
        Json::Number(n) => Some(n.to_string()),
        Json::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn properties(
    o: &serde_json::Map<String, Json>,
    what: &str,
    problems: &mut Vec<String>,
) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (k, v) in o.get("properties").and_then(Json::as_object).into_iter().flatten() {
        match value_from_json(v) {
            Some(value) => out.push((k.clone(), value)),
            None if v.is_null() => {}
            None => problems.push(format!("{what}: property {k} is not a value a property can hold: {v}")),
        }
    }
    out
}

/// Reads a JSON Lines export. Lines that are not a node or a relationship are reported and skipped.
pub fn read_jsonl(bytes: &[u8]) -> (Graph, Vec<String>) {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut found = Found::default();
    for (number, line) in text.split(|&b| b == b'\n').enumerate() {
        let line = line.trim_ascii();
        if line.is_empty() {
            continue;
        }
        let at = format!("line {}", number + 1);
        let o = match serde_json::from_slice::<Json>(line) {
            Ok(Json::Object(o)) => o,
            Ok(_) => {
                found.problems.push(format!("{at}: not a JSON object; skipped"));
                continue;
            }
            Err(e) => {
                found.problems.push(format!("{at}: not JSON ({e}); skipped"));
                continue;
            }
        };
        match o.get("type").and_then(Json::as_str) {
            Some("node") => {
                let Some(key) = key_of(o.get("id")) else {
                    found.problems.push(format!("{at}: a node without an id; skipped"));
                    continue;
                };
                let labels = o
                    .get("labels")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|l| l.as_str().map(str::to_string))
                    .collect();
                let properties = properties(&o, &at, &mut found.problems);
                found.nodes.push(FoundNode { key, labels, properties });
            }
            Some("relationship") => {
                let (Some(key), Some(from), Some(to), Some(ty)) = (
                    key_of(o.get("id")),
                    key_of(o.get("start")),
                    key_of(o.get("end")),
                    o.get("label").or_else(|| o.get("relationship_type")).and_then(Json::as_str),
                ) else {
                    found
                        .problems
                        .push(format!("{at}: a relationship needs id, start, end and label; skipped"));
                    continue;
                };
                let properties = properties(&o, &at, &mut found.problems);
                found.edges.push(FoundEdge { key, from, to, ty: ty.to_string(), properties });
            }
            _ => found
                .problems
                .push(format!("{at}: \"type\" is neither \"node\" nor \"relationship\"; skipped")),
        }
    }
    found.into_graph()
}
