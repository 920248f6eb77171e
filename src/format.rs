//! Results as text: an aligned table for people, CSV and JSON for programs. Writes to any
//! `io::Write`; knows nothing of terminals.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::str::FromStr;

use serde_json::{Map, Value as Json, json};

use crate::graph::{EdgeId, Graph, NodeId};
use crate::query::expr::props_map;
use crate::session::QueryOutput;
use crate::value::{Value, format_float, write_name};

mod table;
pub use table::TableView;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Table,
    Csv,
    Json,
    Jsonl,
    /// A Markdown (GitHub) table, for notes and reports.
    Markdown,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "table" => Ok(Format::Table),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "jsonl" => Ok(Format::Jsonl),
            "markdown" | "md" => Ok(Format::Markdown),
            other => Err(format!("unknown format `{other}`: expected table, csv, json, jsonl or markdown")),
        }
    }
}

/// Writes one statement's result. Statements that return no columns print only in table format
/// (what they changed), so that machine formats carry nothing but rows.
pub fn write_output(
    out: &mut dyn Write,
    graph: &Graph,
    output: &QueryOutput,
    format: Format,
) -> io::Result<()> {
    write_output_limited(out, graph, output, format, &TableView::default())
}

/// [`write_output`] with a table shown as `view` says (its rows and width cut); the machine formats
/// always write every row and every character.
pub fn write_output_limited(
    out: &mut dyn Write,
    graph: &Graph,
    output: &QueryOutput,
    format: Format,
    view: &TableView,
) -> io::Result<()> {
    match format {
        Format::Table => table::write_table(out, graph, output, view),
        _ if output.columns.is_empty() => Ok(()),
        Format::Markdown => write_markdown(out, graph, output),
        Format::Csv => write_csv(out, graph, output),
        Format::Json => {
            let rows: Vec<Json> = output.rows.iter().map(|r| row_object(graph, &output.columns, r)).collect();
            serde_json::to_writer(&mut *out, &rows)?;
            writeln!(out)
        }
        Format::Jsonl => {
            for r in &output.rows {
                serde_json::to_writer(&mut *out, &row_object(graph, &output.columns, r))?;
                writeln!(out)?;
            }
            Ok(())
        }
    }
}

fn row_object(graph: &Graph, columns: &[String], row: &[Value]) -> Json {
    let mut map = Map::new();
    for (c, v) in columns.iter().zip(row) {
        map.insert(c.clone(), to_json(graph, v));
    }
    Json::Object(map)
}

/// A value as JSON: integers stay integers, floats keep a decimal point; NaN and infinities, which
/// JSON cannot write, become null.
pub fn to_json(graph: &Graph, v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => json!(i),
        Value::Float(x) => serde_json::Number::from_f64(*x).map_or(Json::Null, Json::Number),
        Value::String(s) => Json::String(s.clone()),
        Value::List(items) => Json::Array(items.iter().map(|i| to_json(graph, i)).collect()),
        Value::Map(m) => Json::Object(m.iter().map(|(k, v)| (k.clone(), to_json(graph, v))).collect()),
        Value::Node(n) => node_json(graph, *n),
        Value::Relationship(e) => edge_json(graph, *e),
        Value::Path(p) => json!({
            "nodes": p.nodes.iter().map(|n| node_json(graph, *n)).collect::<Vec<_>>(),
            "relationships": p.relationships.iter().map(|e| edge_json(graph, *e)).collect::<Vec<_>>(),
        }),
        Value::Temporal(t) => t.to_json(),
        Value::VirtualNode(n) => virtual_node_json(graph, n),
        Value::VirtualRelationship(r) => json!({
            "id": r.id, "type": r.rel_type, "start": r.start.id, "end": r.end.id,
            "properties": values_json(graph, &r.properties),
        }),
    }
}

fn values_json(graph: &Graph, values: &std::collections::BTreeMap<String, Value>) -> Json {
    Json::Object(values.iter().map(|(k, v)| (k.clone(), to_json(graph, v))).collect())
}

fn virtual_node_json(graph: &Graph, n: &crate::value::VirtualNode) -> Json {
    json!({"id": n.id, "labels": n.labels, "properties": values_json(graph, &n.properties)})
}

fn props_json(graph: &Graph, props: &crate::graph::Properties) -> Json {
    Json::Object(props_map(graph, props).into_iter().map(|(k, v)| (k, to_json(graph, &v))).collect())
}

fn node_json(graph: &Graph, n: NodeId) -> Json {
    let labels: Vec<&str> = graph.labels(n).iter().map(|&l| graph.name(l)).collect();
    json!({"id": n.0, "labels": labels, "properties": props_json(graph, graph.node_properties(n))})
}

fn edge_json(graph: &Graph, e: EdgeId) -> Json {
    let (start, end) = graph.endpoints(e).map_or((Json::Null, Json::Null), |(a, b)| (json!(a.0), json!(b.0)));
    let ty = graph.edge_type(e).map(|t| graph.name(t));
    json!({"id": e.0, "type": ty, "start": start, "end": end, "properties": props_json(graph, graph.edge_properties(e))})
}

/// A value as a table cell shows it: Cypher-like text, strings quoted.
pub fn cell_text(graph: &Graph, v: &Value) -> String {
    let mut s = String::new();
    write_cell(&mut s, graph, v);
    s
}

fn write_cell(s: &mut String, graph: &Graph, v: &Value) {
    match v {
        Value::List(items) => {
            s.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                write_cell(s, graph, item);
            }
            s.push(']');
        }
        Value::Map(m) => {
            s.push('{');
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                let _ = write_name(s, k);
                s.push_str(": ");
                write_cell(s, graph, v);
            }
            s.push('}');
        }
        Value::Node(n) => write_node(s, graph, *n),
        Value::Relationship(e) => write_edge(s, graph, *e),
        Value::VirtualNode(n) => write_virtual_node(s, graph, n),
        Value::VirtualRelationship(r) => {
            write_virtual_node(s, graph, &r.start);
            s.push_str("-[:");
            let _ = write_name(s, &r.rel_type);
            write_values(s, graph, &r.properties);
            s.push_str("]->");
            write_virtual_node(s, graph, &r.end);
        }
        // ISO 8601, unquoted: a string that looks like a date is shown in quotes.
        Value::Temporal(t) => {
            let _ = write!(s, "{t}");
        }
        Value::Path(p) => {
            for (i, n) in p.nodes.iter().enumerate() {
                if i > 0 {
                    let e = p.relationships[i - 1];
                    let forward = graph.endpoints(e).is_none_or(|(a, _)| a == p.nodes[i - 1]);
                    s.push_str(if forward { "-" } else { "<-" });
                    write_edge(s, graph, e);
                    s.push_str(if forward { "->" } else { "-" });
                }
                write_node(s, graph, *n);
            }
        }
        other => {
            let _ = write!(s, "{other}");
        }
    }
}

fn write_props(s: &mut String, graph: &Graph, props: &crate::graph::Properties) {
    if props.is_empty() {
        return;
    }
    s.push(' ');
    write_cell(s, graph, &Value::Map(props_map(graph, props)));
}

fn write_values(s: &mut String, graph: &Graph, values: &std::collections::BTreeMap<String, Value>) {
    if !values.is_empty() {
        s.push(' ');
        write_cell(s, graph, &Value::Map(values.clone()));
    }
}

fn write_virtual_node(s: &mut String, graph: &Graph, n: &crate::value::VirtualNode) {
    s.push('(');
    for l in &n.labels {
        s.push(':');
        let _ = write_name(s, l);
    }
    write_values(s, graph, &n.properties);
    s.push(')');
}

fn write_node(s: &mut String, graph: &Graph, n: NodeId) {
    s.push('(');
    for &l in graph.labels(n) {
        s.push(':');
        let _ = write_name(s, graph.name(l));
    }
    write_props(s, graph, graph.node_properties(n));
    s.push(')');
}

fn write_edge(s: &mut String, graph: &Graph, e: EdgeId) {
    s.push('[');
    if let Some(t) = graph.edge_type(e) {
        s.push(':');
        let _ = write_name(s, graph.name(t));
    }
    write_props(s, graph, graph.edge_properties(e));
    s.push(']');
}

/// Rows as a Markdown table: `|` in cells escaped, one line per row.
fn write_markdown(out: &mut dyn Write, graph: &Graph, output: &QueryOutput) -> io::Result<()> {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    writeln!(out, "| {} |", output.columns.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | "))?;
    writeln!(out, "|{}", "---|".repeat(output.columns.len()))?;
    for r in &output.rows {
        let cells: Vec<String> = r.iter().map(|v| cell(&cell_text(graph, v))).collect();
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    Ok(())
}

fn write_csv(out: &mut dyn Write, graph: &Graph, output: &QueryOutput) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(&output.columns)?;
    for row in &output.rows {
        let fields: Vec<String> = row
            .iter()
            .map(|v| match v {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                Value::Float(x) => format_float(*x),
                Value::Bool(_) | Value::Int(_) => v.to_string(),
                Value::Temporal(t) => t.to_string(),
                other => to_json(graph, other).to_string(),
            })
            .collect();
        w.write_record(&fields)?;
    }
    w.flush()
}

/// Reads a JSON text as a value: integers that fit in 64 bits stay integers, other numbers become
/// floats, objects become maps.
pub fn from_json_text(text: &str) -> Result<Value, String> {
    let json: Json = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Ok(from_json(json))
}

pub fn from_json(json: Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::String(s),
        Json::Array(items) => Value::List(items.into_iter().map(from_json).collect()),
        Json::Object(m) => match crate::temporal::Temporal::from_json_object(&m) {
            Some(t) => Value::Temporal(t),
            None => Value::Map(m.into_iter().map(|(k, v)| (k, from_json(v))).collect()),
        },
    }
}
