//! Bulk import of CSV files in the neo4j-admin layout: node files with an `:ID` column, an optional
//! `:LABEL` column (labels separated by `;`) and property columns (`name`, `score:int`,
//! `tags:string[]`, and kgraph's `v:json` for any value as JSON; one property may have a column per
//! type); relationship files with `:START_ID`, `:END_ID`, `:TYPE` and property columns.
//! Files are streamed record by record; a bad record stops the import with the file, line and
//! column it is at, never a skipped row.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rustc_hash::FxHashMap;

use crate::graph::{Columns, Graph, GraphError, NodeId, Properties, Sym};
use crate::progress::{Progress, Unit};
use crate::value::Value;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}: line {line}, column {column}: {message}", path.display())]
    Record { path: PathBuf, line: u64, column: usize, message: String },
    #[error("{}: header: {message}", path.display())]
    Header { path: PathBuf, message: String },
    #[error("{}: {source}", path.display())]
    Csv { path: PathBuf, source: csv::Error },
    #[error("{0}")]
    Store(#[from] GraphError),
    #[error("{0}")]
    Snapshot(#[from] crate::snapshot::SnapshotError),
}

/// Node ids of one id space. Ids written as plain decimal numbers (the usual case) are kept as
/// numbers, inline in the table: a text key is a pointer to follow, a cache miss per lookup. Fx
/// hashing: the keys are the user's own files, and SipHash was a third of the import's time.
#[derive(Debug, Default)]
struct IdMap {
    numbers: FxHashMap<u64, NodeId>,
    texts: FxHashMap<Box<str>, NodeId>,
    /// Once the nodes are read, numeric ids that are dense enough go into a table indexed by the id
    /// itself: one array read per lookup instead of a probe (the hash table was a quarter of an
    /// import's time). `NO_NODE` marks a number no node has.
    dense: Vec<u32>,
}

const NO_NODE: u32 = u32::MAX;

impl IdMap {
    /// `Some(n)` when `text` is the canonical decimal form of `n` (so "7" and "07" stay different ids).
    fn number(text: &[u8]) -> Option<u64> {
        if text.is_empty() || text.len() > 19 || (text.len() > 1 && text[0] == b'0') {
            return None;
        }
        // At most 19 digits: below u64::MAX, so no overflow.
        text.iter().try_fold(0u64, |n, &b| {
            let digit = b.wrapping_sub(b'0');
            (digit <= 9).then_some(n * 10 + u64::from(digit))
        })
    }

    fn get(&self, text: &str) -> Option<NodeId> {
        self.get_bytes(text.as_bytes())
    }

    /// [`IdMap::get`] on a field's bytes; a text id must be UTF-8 to match.
    fn get_bytes(&self, text: &[u8]) -> Option<NodeId> {
        match Self::number(text) {
            Some(n) if !self.dense.is_empty() => {
                self.dense.get(usize::try_from(n).ok()?).copied().filter(|&i| i != NO_NODE).map(NodeId)
            }
            Some(n) => self.numbers.get(&n).copied(),
            None => self.texts.get(std::str::from_utf8(text).ok()?).copied(),
        }
    }

    /// Moves the numeric ids into the dense table when the largest is at most four times their
    /// number (and a table of that size is reasonable); lookups only from then on.
    fn freeze(&mut self) {
        let Some(&max) = self.numbers.keys().max() else { return };
        let count = self.numbers.len() as u64;
        if max >= u64::from(NO_NODE) || max > 4 * count + 1024 {
            return;
        }
        let mut dense = vec![NO_NODE; max as usize + 1];
        for (&n, &node) in &self.numbers {
            dense[n as usize] = node.0;
        }
        self.dense = dense;
        self.numbers = FxHashMap::default();
    }

    /// False when the id was taken already.
    fn insert(&mut self, text: &str, node: NodeId) -> bool {
        match Self::number(text.as_bytes()) {
            Some(n) => self.numbers.insert(n, node).is_none(),
            None => self.texts.insert(text.into(), node).is_none(),
        }
    }
}

/// How often progress is reported, in records.
const PROGRESS_EVERY: u64 = 1 << 16;

/// A property column's values: their scalar type, and whether they are arrays of it.
type ValueColumn = (Scalar, bool);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Scalar {
    Int,
    Float,
    Bool,
    Text,
    /// kgraph's own column type (`key:json`): any property value as JSON, for what the neo4j-admin
    /// types cannot carry (an empty string, an empty list, a `;` inside a list's strings).
    Json,
    /// neo4j-admin's `date`, `localtime`, `time`, `localdatetime`, `datetime` and `duration`, as
    /// ISO 8601 text.
    Temporal(crate::temporal::Kind),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Column {
    /// A node's id, in an id space (`:ID(Space)`); kept as a property when the header names it.
    Id {
        space: String,
        key: Option<Sym>,
    },
    Labels,
    Start(String),
    End(String),
    Type,
    Property {
        key: Sym,
        scalar: Scalar,
        array: bool,
    },
    Ignore,
}

/// Reads node files, then relationship files, into a new graph.
pub fn import_csv(
    node_files: &[PathBuf],
    edge_files: &[PathBuf],
    progress: &mut dyn Progress,
) -> Result<Graph, ImportError> {
    let (mut graph, relationships) = read_csv(node_files, edge_files, progress)?;
    progress.stage("storing relationships", None, Unit::Items);
    graph.add_edges(relationships)?;
    graph.prepare_reads();
    Ok(graph)
}

/// Reads node files, then relationship files, straight into a snapshot at `output`: the graph a
/// load of it gives is the one [`import_csv`] gives, but only what the file holds is built (the
/// incoming rows and the degrees are built by the load). Returns how many nodes and relationships
/// it wrote.
pub fn import_to_snapshot(
    node_files: &[PathBuf],
    edge_files: &[PathBuf],
    output: &Path,
    progress: &mut dyn Progress,
) -> Result<(usize, usize), ImportError> {
    let (mut graph, relationships) = read_csv(node_files, edge_files, progress)?;
    progress.stage("storing relationships", None, Unit::Items);
    let outgoing = graph.outgoing(relationships)?;
    let counts = (graph.node_count(), outgoing.len());
    progress.stage("writing the snapshot", None, Unit::Bytes);
    if let Some(rows) = outgoing.out_rows() {
        crate::snapshot::save_outgoing(&graph, rows, output)?;
    } else {
        graph.attach_outgoing(outgoing)?;
        crate::snapshot::save(&graph, output)?;
    }
    Ok(counts)
}

/// The nodes as a graph, and the relationships as columns, numbered in the files' order.
fn read_csv(
    node_files: &[PathBuf],
    edge_files: &[PathBuf],
    progress: &mut dyn Progress,
) -> Result<(Graph, Columns), ImportError> {
    let mut graph = Graph::new();
    // Ids by id space; the ids are text, as neo4j-admin treats them by default.
    let mut ids: HashMap<String, IdMap> = HashMap::new();
    for path in node_files {
        import_nodes(&mut graph, &mut ids, path, progress)?;
    }
    for space in ids.values_mut() {
        space.freeze();
    }
    // Relationships are gathered as columns and stored in one go: numbered by start node, they
    // need no id table, and the rows are built once rather than grown.
    let mut relationships = Columns::default();
    for path in edge_files {
        edges::import_edges(&mut graph, &ids, path, &mut relationships, progress)?;
    }
    Ok((graph, relationships))
}

fn open(path: &Path) -> Result<csv::Reader<std::fs::File>, ImportError> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(|source| ImportError::Csv { path: path.to_path_buf(), source })
}

fn header(
    graph: &mut Graph,
    path: &Path,
    reader: &mut csv::Reader<std::fs::File>,
) -> Result<Vec<Column>, ImportError> {
    let fields =
        reader.headers().map_err(|source| ImportError::Csv { path: path.to_path_buf(), source })?.clone();
    let bad = |message: String| ImportError::Header { path: path.to_path_buf(), message };
    let mut columns = Vec::with_capacity(fields.len());
    // A property has one column per value type (kgraph's exports write `v:long` and `v:string` for a
    // key holding both); two columns of one type would have one value quietly replace the other, and
    // a row giving a value in two columns of one property is refused.
    // The id column's property (type `None`) clashes with a column of that name of any type.
    let mut keys: HashMap<(&str, Option<ValueColumn>), &str> = HashMap::new();
    for field in fields.iter() {
        let (name, kind) = match field.rsplit_once(':') {
            Some((name, kind)) => (name.trim(), kind.trim()),
            None => (field.trim(), "string"),
        };
        let (kind, space) = match kind.split_once('(') {
            Some((k, rest)) => {
                (k, rest.strip_suffix(')').ok_or_else(|| bad(format!("`{field}`: unclosed `(`")))?)
            }
            None => (kind, ""),
        };
        let column = match kind.to_ascii_uppercase().as_str() {
            "ID" => {
                Column::Id { space: space.to_string(), key: (!name.is_empty()).then(|| graph.intern(name)) }
            }
            "LABEL" => Column::Labels,
            "START_ID" => Column::Start(space.to_string()),
            "END_ID" => Column::End(space.to_string()),
            "TYPE" => Column::Type,
            "IGNORE" => Column::Ignore,
            _ => {
                if name.is_empty() {
                    return Err(bad(format!("`{field}`: a property column needs a name")));
                }
                let lower = kind.to_ascii_lowercase();
                let (scalar, array) = match lower.strip_suffix("[]") {
                    Some(s) => (s.to_string(), true),
                    None => (lower, false),
                };
                let scalar = match scalar.as_str() {
                    "int" | "long" | "short" | "byte" => Scalar::Int,
                    "float" | "double" => Scalar::Float,
                    "boolean" => Scalar::Bool,
                    "string" | "char" => Scalar::Text,
                    "json" if !array => Scalar::Json,
                    other if let Some(kind) = crate::temporal::Kind::of_constructor(other) => {
                        Scalar::Temporal(kind)
                    }
                    other => {
                        return Err(bad(format!(
                            "`{field}`: unsupported type `{other}` (int, long, float, double, boolean, string, date, localtime, time, localdatetime, datetime, duration, and arrays of them with `[]`; json)"
                        )));
                    }
                };
                Column::Property { key: graph.intern(name), scalar, array }
            }
        };
        let typed = match &column {
            Column::Id { key: Some(_), .. } => Some(None),
            Column::Property { scalar, array, .. } => Some(Some((*scalar, *array))),
            _ => None,
        };
        if let Some(typed) = typed {
            let clash = match typed {
                None => keys.iter().find(|((n, _), _)| *n == name).map(|(_, f)| *f),
                Some(_) => keys.get(&(name, None)).copied(),
            };
            if let Some(other) = clash.or_else(|| keys.insert((name, typed), field)) {
                return Err(bad(format!("`{field}` and `{other}` both set the property `{name}`")));
            }
        }
        columns.push(column);
    }
    Ok(columns)
}

fn parse_scalar(text: &str, scalar: Scalar) -> Result<Value, String> {
    let t = text.trim();
    match scalar {
        Scalar::Int => t.parse::<i64>().map(Value::Int).map_err(|_| format!("`{text}` is not an integer")),
        Scalar::Float => t.parse::<f64>().map(Value::Float).map_err(|_| format!("`{text}` is not a number")),
        Scalar::Bool => match t.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("`{text}` is not true or false")),
        },
        Scalar::Text => Ok(Value::from(text)),
        Scalar::Temporal(kind) => {
            crate::temporal::parse(kind, t).map(Value::Temporal).map_err(|e| e.to_string())
        }
        Scalar::Json => crate::readback::value_from_json_text(t)
            .ok_or_else(|| format!("`{text}` is not JSON of a value a property can hold")),
    }
}

fn parse_property(text: &str, scalar: Scalar, array: bool) -> Result<Value, String> {
    if array {
        let items: Result<Vec<Value>, String> =
            text.split(';').map(|item| parse_scalar(item, scalar)).collect();
        items.map(Value::List)
    } else {
        parse_scalar(text, scalar)
    }
}

fn import_nodes(
    graph: &mut Graph,
    ids: &mut HashMap<String, IdMap>,
    path: &Path,
    progress: &mut dyn Progress,
) -> Result<(), ImportError> {
    read_nodes(graph, ids, path, progress, parts::parts_for(path))
}

/// One part of a node file, parsed: ids as text in one buffer, labels as indexes into the part's
/// own list of names (interning needs the graph, which the parts do not share).
#[derive(Default)]
struct NodePart {
    lines: Vec<u64>,
    id_text: String,
    id_ends: Vec<usize>,
    labels: Vec<u32>,
    label_ends: Vec<usize>,
    label_names: Vec<Box<str>>,
    props: Vec<Properties>,
}

impl parts::PartState for NodePart {
    fn expecting(records: usize) -> NodePart {
        NodePart {
            lines: Vec::with_capacity(records),
            id_ends: Vec::with_capacity(records),
            labels: Vec::with_capacity(records),
            label_ends: Vec::with_capacity(records),
            props: Vec::with_capacity(records),
            ..NodePart::default()
        }
    }
}

/// [`import_nodes`] in `parts` parts at most: records are parsed on every core, nodes created in
/// file order on this one.
fn read_nodes(
    graph: &mut Graph,
    ids: &mut HashMap<String, IdMap>,
    path: &Path,
    progress: &mut dyn Progress,
    parts: usize,
) -> Result<(), ImportError> {
    let mut reader = open(path)?;
    let columns = header(graph, path, &mut reader)?;
    let id_columns: Vec<usize> =
        columns.iter().enumerate().filter(|(_, c)| matches!(c, Column::Id { .. })).map(|(i, _)| i).collect();
    let (id_column, space) = match (id_columns.as_slice(), id_columns.first().map(|&i| &columns[i])) {
        ([i], Some(Column::Id { space, .. })) => (*i, space.clone()),
        _ => {
            return Err(ImportError::Header {
                path: path.to_path_buf(),
                message: format!(
                    "a node file needs exactly one `:ID` column, this one has {}",
                    id_columns.len()
                ),
            });
        }
    };
    let data = reader.position().clone();
    drop(reader);
    let results = parts::read_in_parts(path, &data, parts, progress, |record, line, part: &mut NodePart| {
        parse_node(path, &columns, record, line, part)
    })?;
    let space_ids = ids.entry(space).or_default();
    let mut labels: Vec<Sym> = Vec::new();
    for (part, error) in results {
        let names: Vec<Sym> = part.label_names.iter().map(|name| graph.intern(name)).collect();
        let (mut id_start, mut label_start) = (0, 0);
        for (i, props) in part.props.into_iter().enumerate() {
            let text = &part.id_text[id_start..part.id_ends[i]];
            id_start = part.id_ends[i];
            labels.clear();
            labels.extend(part.labels[label_start..part.label_ends[i]].iter().map(|&l| names[l as usize]));
            label_start = part.label_ends[i];
            if space_ids.get(text).is_some() {
                return Err(ImportError::Record {
                    path: path.to_path_buf(),
                    line: part.lines[i],
                    column: id_column + 1,
                    message: format!("the node id `{text}` appears twice"),
                });
            }
            let node = graph.add_node(&labels, props);
            space_ids.insert(text, node);
        }
        // The part stopped at this error: every record before it is in, as in one pass.
        if let Some(error) = error {
            return Err(error);
        }
    }
    Ok(())
}

fn parse_node(
    path: &Path,
    columns: &[Column],
    record: &csv::ByteRecord,
    line: u64,
    part: &mut NodePart,
) -> Result<(), ImportError> {
    let at = parts::RecordAt { path, line };
    at.whole(record, columns.len())?;
    // A record that fails leaves part of itself in the buffers, past the last record's ends: the
    // part stops there, and only whole records are read back.
    let mut props = Properties::default();
    for (i, (column, bytes)) in columns.iter().zip(record.iter()).enumerate() {
        match column {
            Column::Id { key, .. } => {
                if bytes.is_empty() {
                    return Err(at.error(i, "the node id is empty".into()));
                }
                let text = at.text(i, bytes)?;
                part.id_text.push_str(&text);
                if let Some(k) = key {
                    props.set(*k, Value::from(text));
                }
            }
            Column::Labels => {
                let text = at.text(i, bytes)?;
                for label in text.split(';').map(str::trim).filter(|l| !l.is_empty()) {
                    let known = part.label_names.iter().rposition(|n| &**n == label);
                    let index = known.unwrap_or_else(|| {
                        part.label_names.push(label.into());
                        part.label_names.len() - 1
                    });
                    part.labels.push(index as u32);
                }
            }
            Column::Property { key, scalar, array } => {
                if !bytes.is_empty() && props.set(*key, at.property(i, bytes, *scalar, *array)?).is_some() {
                    return Err(at.error(i, "a second column gives this property a value".into()));
                }
            }
            Column::Ignore => {}
            Column::Start(_) | Column::End(_) | Column::Type => {
                return Err(at.error(i, "relationship columns in a node file".into()));
            }
        }
    }
    part.lines.push(line);
    part.id_ends.push(part.id_text.len());
    part.label_ends.push(part.labels.len());
    part.props.push(props);
    Ok(())
}

mod cut;
mod edges;
pub(crate) mod load_csv;
mod parts;
pub(crate) mod records;
#[cfg(test)]
mod tests;
