//! A graph, or the part of it a query returned, out to the tools analysts pass findings to: GraphML
//! (Gephi, yEd), Graphviz DOT (and SVG or PNG drawn from it by Graphviz), JSON Lines (one node or
//! relationship a line), a Cypher script that recreates it, neo4j-admin CSV and STIX 2.1 (kgraph reads
//! these three back). The format follows the file's extension.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::graph::{EdgeId, Graph, NodeId, Properties};
use crate::progress::{Progress, Silent, Ticker};
use crate::session::QueryOutput;
use crate::value::{Value, format_float, write_name, write_string_literal};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    GraphMl,
    Dot,
    Jsonl,
    Cypher,
    /// A STIX 2.1 bundle (`.stix.json`), for graphs that came from STIX.
    Stix,
    /// Drawn by Graphviz's `dot` from the DOT text: `.svg` or `.png`.
    Svg,
    Png,
    /// A directory of `nodes.csv` and `relationships.csv` in the neo4j-admin layout `kgraph import` reads.
    CsvDir,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{}: unknown export format; use .graphml, .dot, .svg, .png, .jsonl, .cypher, .stix.json, or a directory (no extension) for CSV", path.display())]
    UnknownFormat { path: PathBuf },
    #[error("{}: drawing needs Graphviz's `dot`, which was not found ({source}); install Graphviz (Debian or Ubuntu: `apt install graphviz`, Fedora: `dnf install graphviz`, macOS: `brew install graphviz`) or export .dot instead", path.display())]
    NoGraphviz { path: PathBuf, source: io::Error },
    #[error("{}: Graphviz's `dot` failed: {message}", path.display())]
    Graphviz { path: PathBuf, message: String },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

impl ExportFormat {
    pub fn for_path(path: &Path) -> Result<Self, ExportError> {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_ascii_lowercase();
        if name.ends_with(".stix.json") {
            return Ok(ExportFormat::Stix);
        }
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("svg") => Ok(ExportFormat::Svg),
            Some("png") => Ok(ExportFormat::Png),
            Some("graphml") => Ok(ExportFormat::GraphMl),
            Some("dot" | "gv") => Ok(ExportFormat::Dot),
            Some("jsonl") => Ok(ExportFormat::Jsonl),
            Some("cypher" | "cql") => Ok(ExportFormat::Cypher),
            None => Ok(ExportFormat::CsvDir),
            _ => Err(ExportError::UnknownFormat { path: path.to_path_buf() }),
        }
    }
}

/// What to export: some nodes and relationships of a graph (relationships bring their ends).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    pub nodes: BTreeSet<NodeId>,
    pub relationships: BTreeSet<EdgeId>,
}

impl Selection {
    /// The whole graph.
    pub fn all(g: &Graph) -> Self {
        Selection { nodes: g.nodes().collect(), relationships: g.edges().collect() }
    }

    /// The nodes, relationships and paths a query returned, anywhere in its rows (inside lists and
    /// maps too), with the ends of every relationship.
    pub fn of_results(g: &Graph, outputs: &[QueryOutput]) -> Self {
        let mut s = Selection::default();
        fn collect(v: &Value, s: &mut Selection) {
            match v {
                Value::Node(n) => {
                    s.nodes.insert(*n);
                }
                Value::Relationship(e) => {
                    s.relationships.insert(*e);
                }
                Value::Path(p) => {
                    s.nodes.extend(&p.nodes);
                    s.relationships.extend(&p.relationships);
                }
                Value::List(items) => items.iter().for_each(|i| collect(i, s)),
                Value::Map(m) => m.values().for_each(|i| collect(i, s)),
                _ => {}
            }
        }
        for out in outputs {
            for row in &out.rows {
                row.iter().for_each(|v| collect(v, &mut s));
            }
        }
        s.nodes.retain(|&n| g.contains_node(n));
        s.relationships.retain(|&e| g.contains_edge(e));
        for &e in &s.relationships {
            if let Some((a, b)) = g.endpoints(e) {
                s.nodes.insert(a);
                s.nodes.insert(b);
            }
        }
        s
    }
}

/// Writes the selection to `path` in the format its extension names.
pub fn export(g: &Graph, selection: &Selection, path: &Path) -> Result<(), ExportError> {
    export_with(g, selection, path, &mut Silent)
}

/// `export`, telling `progress` how many nodes and relationships are written.
pub fn export_with(
    g: &Graph,
    selection: &Selection,
    path: &Path,
    progress: &mut dyn Progress,
) -> Result<(), ExportError> {
    let format = ExportFormat::for_path(path)?;
    let total = (selection.nodes.len() + selection.relationships.len()) as u64;
    let mut tick = Ticker::new(progress, &format!("writing {}", path.display()), total);
    let io_err = |source| ExportError::Io { path: path.to_path_buf(), source };
    if format == ExportFormat::CsvDir {
        std::fs::create_dir_all(path).map_err(io_err)?;
        for (name, nodes) in [("nodes.csv", true), ("relationships.csv", false)] {
            let file_path = path.join(name);
            let file_err = |source| ExportError::Io { path: file_path.clone(), source };
            crate::files::write_atomically(&file_path, |file| {
                let mut w = io::BufWriter::new(file);
                csv_file(g, selection, nodes, &mut w, &mut tick)?;
                w.flush()
            })
            .map_err(file_err)?;
        }
        return Ok(());
    }
    if let ExportFormat::Svg | ExportFormat::Png = format {
        return draw(g, selection, format, path, &mut tick);
    }
    // Written as a save is: a failed export leaves the file it would replace as it was.
    crate::files::write_atomically(path, |file| {
        let mut w = io::BufWriter::new(file);
        write_ticking(g, selection, format, &mut w, &mut tick)?;
        w.flush()
    })
    .map_err(io_err)
}

pub fn write(g: &Graph, selection: &Selection, format: ExportFormat, w: &mut impl Write) -> io::Result<()> {
    write_ticking(g, selection, format, w, &mut Ticker::new(&mut Silent, "", 0))
}

fn write_ticking(
    g: &Graph,
    selection: &Selection,
    format: ExportFormat,
    w: &mut impl Write,
    tick: &mut Ticker,
) -> io::Result<()> {
    match format {
        ExportFormat::Jsonl => jsonl(g, selection, w, tick),
        ExportFormat::GraphMl => graphml(g, selection, w, tick),
        ExportFormat::Dot => dot(g, selection, w, tick),
        ExportFormat::Cypher => cypher(g, selection, w, tick),
        ExportFormat::Stix => crate::stix::export::write_bundle(g, selection, w, tick),
        ExportFormat::CsvDir => {
            Err(io::Error::new(io::ErrorKind::InvalidInput, "CSV is written as a directory of two files"))
        }
        ExportFormat::Svg | ExportFormat::Png => {
            Err(io::Error::new(io::ErrorKind::InvalidInput, "pictures are drawn by Graphviz into a file"))
        }
    }
}

/// The DOT text through `dot -Tsvg` or `-Tpng` into `path` (Graphviz writes the file itself).
fn draw(
    g: &Graph,
    selection: &Selection,
    format: ExportFormat,
    path: &Path,
    tick: &mut Ticker,
) -> Result<(), ExportError> {
    use std::process::{Command, Stdio};
    let kind = if format == ExportFormat::Svg { "-Tsvg" } else { "-Tpng" };
    let graphviz = |message: String| ExportError::Graphviz { path: path.to_path_buf(), message };
    let mut child = Command::new(std::env::var_os("KGRAPH_DOT").unwrap_or_else(|| "dot".into()))
        .arg(kind)
        .arg("-o")
        .arg(path)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| ExportError::NoGraphviz { path: path.to_path_buf(), source })?;
    let written = match child.stdin.take() {
        Some(stdin) => {
            let mut w = io::BufWriter::new(stdin);
            dot(g, selection, &mut w, tick).and_then(|()| w.flush())
        }
        None => Err(io::Error::other("no pipe to dot")),
    };
    let output = child.wait_with_output().map_err(|e| graphviz(e.to_string()))?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr).trim().to_string();
        return Err(graphviz(if said.is_empty() { output.status.to_string() } else { said }));
    }
    written.map_err(|e| graphviz(format!("writing the DOT text: {e}")))
}

fn labels(g: &Graph, n: NodeId) -> Vec<&str> {
    g.labels(n).iter().map(|&l| g.name(l)).collect()
}

/// Properties as JSON Lines carry them: NaN and infinities tagged, so that they read back.
fn jsonl_props(g: &Graph, props: &Properties) -> serde_json::Value {
    serde_json::Value::Object(
        props.iter().map(|(k, v)| (g.name(k).to_string(), crate::readback::value_to_json(v))).collect(),
    )
}

fn jsonl(g: &Graph, s: &Selection, w: &mut impl Write, tick: &mut Ticker) -> io::Result<()> {
    for &n in &s.nodes {
        tick.tick();
        let line = serde_json::json!({
            "type": "node", "id": n.0, "labels": labels(g, n), "properties": jsonl_props(g, g.node_properties(n)),
        });
        writeln!(w, "{line}")?;
    }
    for &e in &s.relationships {
        tick.tick();
        let (Some((a, b)), Some(ty)) = (g.endpoints(e), g.edge_type(e)) else { continue };
        let line = serde_json::json!({
            "type": "relationship", "id": e.0, "label": g.name(ty), "start": a.0, "end": b.0,
            "properties": jsonl_props(g, g.edge_properties(e)),
        });
        writeln!(w, "{line}")?;
    }
    Ok(())
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // A reader turns a raw carriage return into a line feed; a reference keeps it.
            '\r' => out.push_str("&#13;"),
            // XML 1.0 cannot carry most control characters, even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A property value as GraphML and DOT carry it: scalars as themselves, lists as JSON text.
fn plain(g: &Graph, v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Float(x) => format_float(*x),
        Value::List(_) => crate::format::to_json(g, v).to_string(),
        Value::Temporal(t) => t.to_string(),
        other => other.to_string(),
    }
}

/// How GraphML declares a property's values: its `attr.type`, lists as JSON text under a key
/// marked `kgraph:type="list"` (GraphML has no lists), so that kgraph reads every value back as it was.
fn graphml_type(v: &Value) -> &'static str {
    match v {
        Value::Int(_) => "long",
        Value::Float(_) => "double",
        Value::Bool(_) => "boolean",
        Value::List(_) => "list",
        Value::Temporal(t) => t.constructor(),
        _ => "string",
    }
}

/// A value as GraphML data: scalars as text, lists as JSON (non-finite floats tagged).
fn graphml_text(g: &Graph, v: &Value) -> String {
    match v {
        Value::List(_) => crate::readback::value_to_json(v).to_string(),
        other => plain(g, other),
    }
}

/// Labels as `:A:B`, back-quoted as Cypher would where a label needs it (a `:` inside one).
fn graphml_labels(g: &Graph, n: NodeId) -> String {
    let mut text = String::new();
    for l in labels(g, n) {
        text.push(':');
        let _ = write_name(&mut text, l);
    }
    text
}

fn graphml(g: &Graph, s: &Selection, w: &mut impl Write, tick: &mut Ticker) -> io::Result<()> {
    // One key per property name and value type, per domain: a key holding integers in one node and
    // strings in another gets two, each typed.
    let mut node_keys: BTreeSet<(String, &'static str)> = BTreeSet::new();
    let mut edge_keys: BTreeSet<(String, &'static str)> = BTreeSet::new();
    for &n in &s.nodes {
        node_keys.extend(g.node_properties(n).iter().map(|(k, v)| (g.name(k).to_string(), graphml_type(v))));
    }
    for &e in &s.relationships {
        edge_keys.extend(g.edge_properties(e).iter().map(|(k, v)| (g.name(k).to_string(), graphml_type(v))));
    }
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:kgraph="{}">"#,
        crate::readback::KGRAPH_NS
    )?;
    writeln!(w, r#"  <key id="labels" for="node" attr.name="labels" attr.type="string"/>"#)?;
    writeln!(w, r#"  <key id="type" for="edge" attr.name="type" attr.type="string"/>"#)?;
    let declare = |w: &mut dyn Write,
                   prefix: &str,
                   domain: &str,
                   keys: &BTreeSet<(String, &str)>|
     -> io::Result<()> {
        for (i, (name, ty)) in keys.iter().enumerate() {
            let marked;
            let (attr_type, mark) = if *ty == "list" {
                ("string", r#" kgraph:type="list""#)
            } else if crate::temporal::Kind::of_constructor(ty).is_some() {
                marked = format!(r#" kgraph:type="{ty}""#);
                ("string", marked.as_str())
            } else {
                (*ty, "")
            };
            writeln!(
                w,
                r#"  <key id="{prefix}{i}" for="{domain}" attr.name="{}" attr.type="{attr_type}"{mark}/>"#,
                xml_escape(name)
            )?;
        }
        Ok(())
    };
    declare(w, "n", "node", &node_keys)?;
    declare(w, "e", "edge", &edge_keys)?;
    writeln!(w, r#"  <graph id="kgraph" edgedefault="directed">"#)?;
    let index = |keys: &BTreeSet<(String, &'static str)>, name: &str, v: &Value| {
        keys.iter().position(|(k, t)| k == name && *t == graphml_type(v)).unwrap_or(0)
    };
    for &n in &s.nodes {
        tick.tick();
        writeln!(w, r#"    <node id="n{}">"#, n.0)?;
        writeln!(w, r#"      <data key="labels">{}</data>"#, xml_escape(&graphml_labels(g, n)))?;
        for (k, v) in g.node_properties(n).iter() {
            let key = index(&node_keys, g.name(k), v);
            writeln!(w, r#"      <data key="n{key}">{}</data>"#, xml_escape(&graphml_text(g, v)))?;
        }
        writeln!(w, "    </node>")?;
    }
    for &e in &s.relationships {
        tick.tick();
        let (Some((a, b)), Some(ty)) = (g.endpoints(e), g.edge_type(e)) else { continue };
        writeln!(w, r#"    <edge id="e{}" source="n{}" target="n{}">"#, e.0, a.0, b.0)?;
        writeln!(w, r#"      <data key="type">{}</data>"#, xml_escape(g.name(ty)))?;
        for (k, v) in g.edge_properties(e).iter() {
            let key = index(&edge_keys, g.name(k), v);
            writeln!(w, r#"      <data key="e{key}">{}</data>"#, xml_escape(&graphml_text(g, v)))?;
        }
        writeln!(w, "    </edge>")?;
    }
    writeln!(w, "  </graph>")?;
    writeln!(w, "</graphml>")
}

fn dot_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n"))
}

fn dot(g: &Graph, s: &Selection, w: &mut impl Write, tick: &mut Ticker) -> io::Result<()> {
    writeln!(w, "digraph kgraph {{")?;
    writeln!(w, "  node [shape=box, style=rounded];")?;
    let name_key = g.symbol("name");
    for &n in &s.nodes {
        tick.tick();
        let ls = labels(g, n).join(":");
        let title = name_key.and_then(|k| g.node_properties(n).get(k)).map(|v| plain(g, v));
        let text = match title {
            Some(t) if ls.is_empty() => t,
            Some(t) => format!("{t}\n:{ls}"),
            None => format!(":{ls}"),
        };
        writeln!(w, "  n{} [label={}];", n.0, dot_string(&text))?;
    }
    for &e in &s.relationships {
        tick.tick();
        let (Some((a, b)), Some(ty)) = (g.endpoints(e), g.edge_type(e)) else { continue };
        writeln!(w, "  n{} -> n{} [label={}];", a.0, b.0, dot_string(g.name(ty)))?;
    }
    writeln!(w, "}}")
}

/// A value as a Cypher literal that reads back to the same value (floats that no literal spells,
/// NaN and the infinities, as divisions).
fn literal(v: &Value, out: &mut String) {
    match v {
        Value::Float(x) if x.is_nan() => out.push_str("(0.0 / 0.0)"),
        Value::Float(x) if x.is_infinite() => {
            out.push_str(if *x > 0.0 { "(1.0 / 0.0)" } else { "(-1.0 / 0.0)" })
        }
        Value::String(s) => {
            let _ = write_string_literal(out, s);
        }
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                literal(item, out);
            }
            out.push(']');
        }
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

fn props_literal(g: &Graph, props: &Properties, out: &mut String) {
    if props.is_empty() {
        return;
    }
    out.push_str(" {");
    for (i, (k, v)) in props.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write_name(out, g.name(k));
        out.push_str(": ");
        literal(v, out);
    }
    out.push('}');
}

/// One `CREATE` statement: every node with a variable, then every relationship between them.
fn cypher(g: &Graph, s: &Selection, w: &mut impl Write, tick: &mut Ticker) -> io::Result<()> {
    writeln!(
        w,
        "// Written by kgraph {}: recreates {} nodes and {} relationships.",
        env!("CARGO_PKG_VERSION"),
        s.nodes.len(),
        s.relationships.len()
    )?;
    if s.nodes.is_empty() {
        return Ok(());
    }
    writeln!(w, "CREATE")?;
    let mut items = Vec::with_capacity(s.nodes.len() + s.relationships.len());
    for &n in &s.nodes {
        tick.tick();
        let mut item = format!("  (n{}", n.0);
        for l in labels(g, n) {
            item.push(':');
            let _ = write_name(&mut item, l);
        }
        props_literal(g, g.node_properties(n), &mut item);
        item.push(')');
        items.push(item);
    }
    for &e in &s.relationships {
        tick.tick();
        let (Some((a, b)), Some(ty)) = (g.endpoints(e), g.edge_type(e)) else { continue };
        let mut item = format!("  (n{})-[:", a.0);
        let _ = write_name(&mut item, g.name(ty));
        props_literal(g, g.edge_properties(e), &mut item);
        let _ = write!(item, "]->(n{})", b.0);
        items.push(item);
    }
    writeln!(w, "{};", items.join(",\n"))
}

/// A column's type in the neo4j-admin header: one scalar type (or a list of one) for every value the
/// key has; keys whose values differ in type are written as text (and read back as text).
fn column_type(values: &[&Value]) -> &'static str {
    let kind = |v: &Value| match v {
        Value::Int(_) => "long",
        Value::Float(_) => "double",
        Value::Bool(_) => "boolean",
        Value::Temporal(t) => t.constructor(),
        _ => "string",
    };
    let of = |v: &Value| match v {
        Value::List(items) => {
            let mut ks = items.iter().map(kind);
            let first = ks.next().unwrap_or("string");
            if ks.all(|k| k == first) { Some((first, true)) } else { None }
        }
        other => Some((kind(other), false)),
    };
    let mut types = values.iter().map(|v| of(v));
    let Some(Some(first)) = types.next() else { return "string" };
    if !types.all(|t| t == Some(first)) {
        return "string";
    }
    match first {
        ("long", true) => "long[]",
        ("double", true) => "double[]",
        ("boolean", true) => "boolean[]",
        ("string", true) => "string[]",
        ("date", true) => "date[]",
        ("localtime", true) => "localtime[]",
        ("time", true) => "time[]",
        ("localdatetime", true) => "localdatetime[]",
        ("datetime", true) => "datetime[]",
        ("duration", true) => "duration[]",
        (k, _) => k,
    }
}

/// A value's column type in a CSV export: its neo4j-admin type, or kgraph's `json` for a value
/// those types cannot carry back (an empty cell is no value, and `;` separates a list's items).
fn csv_type(v: &Value) -> &'static str {
    let unsayable = match v {
        Value::String(s) => s.is_empty(),
        Value::List(items) => {
            items.is_empty()
                || items.iter().any(|i| matches!(i, Value::String(s) if s.is_empty() || s.contains(';')))
                // Items of more than one type have no array type to read back as.
                || (column_type(&[v]) == "string" && !items.iter().all(|i| matches!(i, Value::String(_))))
        }
        _ => false,
    };
    if unsayable { "json" } else { column_type(&[v]) }
}

fn csv_cell(g: &Graph, v: &Value, column: &str) -> String {
    if column == "json" {
        return crate::readback::value_to_json(v).to_string();
    }
    match (v, column.ends_with("[]")) {
        (Value::List(items), true) => items.iter().map(|i| plain(g, i)).collect::<Vec<_>>().join(";"),
        _ => plain(g, v),
    }
}

fn csv_file(g: &Graph, s: &Selection, nodes: bool, w: &mut impl Write, tick: &mut Ticker) -> io::Result<()> {
    let props = |id: u32| if nodes { g.node_properties(NodeId(id)) } else { g.edge_properties(EdgeId(id)) };
    let ids: Vec<u32> = if nodes {
        s.nodes.iter().map(|n| n.0).collect()
    } else {
        s.relationships.iter().map(|e| e.0).collect()
    };
    // One column per key and value type: a key holding integers in some entities and text in others
    // gets `key:long` and `key:string`, each entity's value in the column of its type.
    let mut seen = BTreeSet::new();
    for &id in &ids {
        seen.extend(props(id).iter().map(|(k, v)| (g.name(k).to_string(), k, csv_type(v))));
    }
    let keys: Vec<(crate::graph::Sym, &'static str)> = seen.into_iter().map(|(_, k, t)| (k, t)).collect();
    let mut out = csv::Writer::from_writer(w);
    let mut header: Vec<String> = if nodes {
        vec![":ID".into(), ":LABEL".into()]
    } else {
        vec![":START_ID".into(), ":END_ID".into(), ":TYPE".into()]
    };
    header.extend(keys.iter().map(|(k, t)| format!("{}:{t}", g.name(*k))));
    out.write_record(&header).map_err(io::Error::other)?;
    for &id in &ids {
        tick.tick();
        let mut record: Vec<String> = if nodes {
            vec![id.to_string(), labels(g, NodeId(id)).join(";")]
        } else {
            let (Some((a, b)), Some(ty)) = (g.endpoints(EdgeId(id)), g.edge_type(EdgeId(id))) else {
                continue;
            };
            vec![a.0.to_string(), b.0.to_string(), g.name(ty).to_string()]
        };
        for (k, t) in &keys {
            let value = props(id).get(*k).filter(|v| csv_type(v) == *t);
            record.push(value.map_or(String::new(), |v| csv_cell(g, v, t)));
        }
        out.write_record(&record).map_err(io::Error::other)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests;
