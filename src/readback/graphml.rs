//! GraphML in: kgraph's exports (typed keys, lists marked `kgraph:type="list"` and written as JSON,
//! labels as `:A:B`) and other tools' (Gephi, yEd, NetworkX): keys with `attr.type` long, int,
//! double, float, boolean or string, their `<default>`s, nodes and edges by id.

use std::collections::HashMap;

use quick_xml::events::{BytesStart, Event};

use super::{Found, FoundEdge, FoundNode};
use crate::graph::Graph;
use crate::value::Value;

/// The namespace of kgraph's own key attributes.
pub const KGRAPH_NS: &str = "urn:kgraph:graphml";

/// Whether the bytes begin (after a byte-order mark and blanks) like an XML document.
pub fn looks_like_graphml(bytes: &[u8]) -> bool {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Long,
    Double,
    Boolean,
    Text,
    List,
    /// A temporal value as ISO 8601 text, marked `kgraph:type="date"` (and the other constructor
    /// names): GraphML has no temporal types.
    Temporal(crate::temporal::Kind),
}

struct Key {
    name: String,
    kind: Kind,
    for_edges: Option<bool>,
    default: Option<String>,
}

fn attribute(e: &BytesStart, name: &[u8]) -> Result<Option<String>, String> {
    for a in e.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        if a.key.as_ref() == name {
            return Ok(Some(a.unescape_value().map_err(|e| e.to_string())?.into_owned()));
        }
    }
    Ok(None)
}

/// A value as its key's type says; `None` (reported) when the text is not one.
fn typed(kind: Kind, text: &str) -> Option<Value> {
    let t = text.trim();
    match kind {
        Kind::Text => Some(Value::from(text)),
        Kind::Long => t.parse::<i64>().ok().map(Value::Int),
        Kind::Double => match t {
            "NaN" | "nan" => Some(Value::Float(f64::NAN)),
            "Infinity" | "INF" | "inf" => Some(Value::Float(f64::INFINITY)),
            "-Infinity" | "-INF" | "-inf" => Some(Value::Float(f64::NEG_INFINITY)),
            _ => t.parse::<f64>().ok().map(Value::Float),
        },
        Kind::Boolean => match t {
            "true" | "True" | "1" => Some(Value::Bool(true)),
            "false" | "False" | "0" => Some(Value::Bool(false)),
            _ => None,
        },
        // A list of one value type, by the JSON Lines reader's rules (tags for NaN included).
        Kind::List => super::jsonl::value_from_json_text(t).filter(|v| matches!(v, Value::List(_))),
        Kind::Temporal(k) => crate::temporal::parse(k, t).ok().map(Value::Temporal),
    }
}

/// Labels as kgraph writes them (`:A:B`, back-quoted where needed), else split at `:`.
fn parse_labels(text: &str) -> Vec<String> {
    let text = text.trim();
    let Some(mut rest) = text.strip_prefix(':') else {
        return text.split(':').filter(|l| !l.is_empty()).map(str::to_string).collect();
    };
    let mut labels = Vec::new();
    loop {
        if let Some(quoted) = rest.strip_prefix('`') {
            // `` inside back-quotes is one back-quote.
            let mut label = String::new();
            let mut chars = quoted.char_indices().peekable();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                if c == '`' {
                    if chars.peek().map(|&(_, n)| n) == Some('`') {
                        label.push('`');
                        chars.next();
                        continue;
                    }
                    end = i + 1;
                    break;
                }
                label.push(c);
            }
            labels.push(label);
            rest = &quoted[end..];
        } else {
            let end = rest.find(':').unwrap_or(rest.len());
            if end > 0 {
                labels.push(rest[..end].to_string());
            }
            rest = &rest[end..];
        }
        match rest.strip_prefix(':') {
            Some(next) => rest = next,
            None => break,
        }
    }
    labels
}

/// An element's id as a key: kgraph's `n12` and `e7` become `12` and `7` (so that ids are kept).
fn id_key(id: &str, prefix: char) -> String {
    match id.strip_prefix(prefix) {
        Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            digits.to_string()
        }
        _ => id.to_string(),
    }
}

/// Reads a GraphML document. Data under unknown keys, or not of its key's type, is reported.
pub fn read_graphml(bytes: &[u8]) -> Result<(Graph, Vec<String>), String> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|e| format!("not UTF-8: {e}"))?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut keys: HashMap<String, Key> = HashMap::new();
    let mut found = Found::default();
    let mut seen_graphml = false;
    let mut element: Option<Element> = None;
    let mut data_key: Option<String> = None;
    let mut default_of: Option<String> = None;
    let mut text_buf = String::new();
    let mut edges_read = 0usize;
    let position = |r: &quick_xml::Reader<&[u8]>| r.buffer_position();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("not well-formed XML at byte {}: {e}", position(&reader)))?;
        match event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"graphml" => {
                let _ = e;
                seen_graphml = true;
            }
            Event::Start(ref e) | Event::Empty(ref e) if e.local_name().as_ref() == b"key" => {
                let id = attribute(e, b"id")?.ok_or("a <key> without an id")?;
                let name = attribute(e, b"attr.name")?.unwrap_or_else(|| id.clone());
                let declared = attribute(e, b"attr.type")?.unwrap_or_else(|| "string".into());
                let marked = attribute(e, b"kgraph:type")?;
                let list = marked.as_deref() == Some("list");
                let temporal = marked.as_deref().and_then(crate::temporal::Kind::of_constructor);
                let kind = match (list, declared.as_str()) {
                    _ if let Some(k) = temporal => Kind::Temporal(k),
                    (true, _) => Kind::List,
                    (_, "long" | "int") => Kind::Long,
                    (_, "double" | "float") => Kind::Double,
                    (_, "boolean") => Kind::Boolean,
                    _ => Kind::Text,
                };
                let for_edges = match attribute(e, b"for")?.as_deref() {
                    Some("node") => Some(false),
                    Some("edge") => Some(true),
                    _ => None,
                };
                if matches!(event, Event::Start(_)) {
                    default_of = Some(id.clone());
                }
                keys.insert(id, Key { name, kind, for_edges, default: None });
            }
            Event::Start(ref e) if e.local_name().as_ref() == b"default" => text_buf.clear(),
            Event::End(ref e) if e.local_name().as_ref() == b"default" => {
                if let Some(key) = default_of.as_ref().and_then(|id| keys.get_mut(id)) {
                    key.default = Some(std::mem::take(&mut text_buf));
                }
            }
            Event::End(ref e) if e.local_name().as_ref() == b"key" => default_of = None,
            Event::Start(ref e) | Event::Empty(ref e) if e.local_name().as_ref() == b"node" => {
                let id = attribute(e, b"id")?.ok_or("a <node> without an id")?;
                element = Some(Element {
                    is_edge: false,
                    key: id_key(&id, 'n'),
                    from: String::new(),
                    to: String::new(),
                    data: Vec::new(),
                });
                if matches!(event, Event::Empty(_)) {
                    finish(&mut found, &keys, element.take());
                }
            }
            Event::Start(ref e) | Event::Empty(ref e) if e.local_name().as_ref() == b"edge" => {
                let id = attribute(e, b"id")?;
                let source = attribute(e, b"source")?.ok_or("an <edge> without a source")?;
                let target = attribute(e, b"target")?.ok_or("an <edge> without a target")?;
                let key = id.map_or_else(|| format!("#{edges_read}"), |id| id_key(&id, 'e'));
                edges_read += 1;
                element = Some(Element {
                    is_edge: true,
                    key,
                    from: id_key(&source, 'n'),
                    to: id_key(&target, 'n'),
                    data: Vec::new(),
                });
                if matches!(event, Event::Empty(_)) {
                    finish(&mut found, &keys, element.take());
                }
            }
            Event::Start(ref e) if e.local_name().as_ref() == b"data" => {
                data_key = attribute(e, b"key")?;
                text_buf.clear();
            }
            Event::End(ref e) if e.local_name().as_ref() == b"data" => {
                if let (Some(key), Some(el)) = (data_key.take(), element.as_mut()) {
                    el.data.push((key, std::mem::take(&mut text_buf)));
                }
            }
            Event::End(ref e) if matches!(e.local_name().as_ref(), b"node" | b"edge") => {
                finish(&mut found, &keys, element.take());
            }
            Event::Text(t) => {
                text_buf.push_str(&t.decode().map_err(|e| e.to_string())?);
            }
            Event::CData(t) => text_buf.push_str(&t.decode().map_err(|e| e.to_string())?),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().map_err(|e| e.to_string())?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| format!("unknown entity &{name};"))?
                            .to_string()
                    }
                };
                text_buf.push_str(&resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !seen_graphml {
        return Err("an XML document, but not GraphML (no <graphml> element)".into());
    }
    Ok(found.into_graph())
}

/// A node or an edge being read: its id (and ends), and its data as (key, text).
struct Element {
    is_edge: bool,
    key: String,
    from: String,
    to: String,
    data: Vec<(String, String)>,
}

/// Ends a node or an edge: its data as labels, type and properties, defaults for the keys it lacks.
fn finish(found: &mut Found, keys: &HashMap<String, Key>, element: Option<Element>) {
    let Some(Element { is_edge, key, from, to, data }) = element else { return };
    let mut labels = Vec::new();
    let mut ty = None;
    let mut properties: Vec<(String, Value)> = Vec::new();
    let mut given = std::collections::HashSet::new();
    let what = if is_edge { "edge" } else { "node" };
    for (data_key, text) in &data {
        given.insert(data_key.as_str());
        let Some(k) = keys.get(data_key) else {
            found.problems.push(format!("{what} {key}: data under the undeclared key {data_key}; skipped"));
            continue;
        };
        match (is_edge, k.name.as_str(), k.kind) {
            (false, "labels", Kind::Text) => labels = parse_labels(text),
            (true, "type" | "label", Kind::Text) if ty.is_none() => ty = Some(text.clone()),
            _ => match typed(k.kind, text) {
                Some(v) => properties.push((k.name.clone(), v)),
                None => found
                    .problems
                    .push(format!("{what} {key}: {} = {text:?} is not of its key's type; skipped", k.name)),
            },
        }
    }
    for (id, k) in keys {
        let applies = k.for_edges.is_none_or(|edges| edges == is_edge);
        if let (true, Some(default), false) = (applies, &k.default, given.contains(id.as_str())) {
            if matches!(k.name.as_str(), "labels" | "type") {
                continue;
            }
            if let Some(v) = typed(k.kind, default) {
                properties.push((k.name.clone(), v));
            }
        }
    }
    if is_edge {
        let ty = ty.unwrap_or_else(|| "RELATED".to_string());
        found.edges.push(FoundEdge { key, from, to, ty, properties });
    } else {
        found.nodes.push(FoundNode { key, labels, properties });
    }
}
