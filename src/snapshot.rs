//! Snapshots: a whole graph in one file. The only module that knows the codec (bincode 2 through
//! serde), so that the codec can be swapped without touching anything else.
//!
//! Layout (all integers little-endian):
//!
//! | offset | size | field                                   |
//! |--------|------|-----------------------------------------|
//! | 0      | 8    | magic `\x89KGRAPH\n`                    |
//! | 8      | 4    | format version (currently 1)            |
//! | 12     | 8    | payload length in bytes                 |
//! | 20     | 4    | CRC-32 (IEEE) of the payload            |
//! | 24     | n    | payload: bincode (standard config) of [`Body`], then the relationship columns |
//!
//! The relationship columns (version 3 on) are plain arrays of little-endian `u32`, one entry per
//! relationship: ids (only when they are not simply 0, 1, 2, … in start-node order), start nodes,
//! end nodes, types. Arrays rather than records so that tens of millions of relationships load at
//! memory speed, with no per-record decoding. Everything in the header is checked before the
//! payload is decoded. See docs/snapshots.md.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thin_vec::ThinVec;

use crate::graph::{Columns, Graph, Interner, Properties, Sym};
use crate::progress::{Progress, Silent, Unit};
use crate::value::Value;

pub const MAGIC: &[u8; 8] = b"\x89KGRAPH\n";
/// The version written; versions 1 (before property indexes) and 2 (relationships as records) are
/// still read.
pub const VERSION: u32 = 3;
const HEADER_LEN: usize = 24;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SnapshotError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: not a kgraph snapshot (its first bytes are not the snapshot magic)")]
    NotASnapshot { path: PathBuf },
    #[error("{path}: snapshot format version {found}, but this kgraph reads versions 1 to {VERSION}")]
    UnsupportedVersion { path: PathBuf, found: u32 },
    #[error(
        "{path}: truncated snapshot: the header announces {expected} bytes of data, the file holds {found}"
    )]
    Truncated { path: PathBuf, expected: u64, found: u64 },
    #[error("{path}: corrupt snapshot: {found} unexpected bytes after the data")]
    TrailingData { path: PathBuf, found: u64 },
    #[error("{path}: corrupt snapshot: checksum {computed:08x} does not match the stored {stored:08x}")]
    ChecksumMismatch { path: PathBuf, stored: u32, computed: u32 },
    #[error("{path}: corrupt snapshot: {detail}")]
    Corrupt { path: PathBuf, detail: String },
}

/// The serialised form of a graph, but for the relationship columns that follow it. Ids are kept,
/// so `id(n)` and `id(r)` mean the same after a reload.
#[derive(Serialize, Deserialize)]
struct Body {
    names: Vec<String>,
    nodes: Vec<NodeRecord>,
    /// Property indexes: label and key, as name numbers.
    indexes: Vec<(u32, u32)>,
    /// How many relationships the columns hold.
    edge_count: u64,
    /// Whether an id column comes first; without it, ids are 0, 1, 2, … in column order.
    edge_ids: bool,
    /// The id the next relationship created gets.
    next_edge: u32,
    /// The properties of the relationships that have any: column index, properties.
    edge_properties: Vec<(u32, ThinVec<(u32, Value)>)>,
}

/// Version 2: relationships as records.
#[derive(Serialize, Deserialize)]
struct BodyV2 {
    names: Vec<String>,
    nodes: Vec<NodeRecord>,
    edges: Vec<EdgeRecord>,
    indexes: Vec<(u32, u32)>,
}

/// Version 1: the same without indexes.
#[derive(Serialize, Deserialize)]
struct BodyV1 {
    names: Vec<String>,
    nodes: Vec<NodeRecord>,
    edges: Vec<EdgeRecord>,
}

// Lists inside records are thin vectors (encoded exactly as vectors are): there is one record per
// node and relationship while a snapshot loads, and an empty list costs a pointer instead of three
// words.
#[derive(Serialize, Deserialize)]
struct NodeRecord {
    id: u32,
    labels: ThinVec<u32>,
    properties: ThinVec<(u32, Value)>,
}

#[derive(Serialize, Deserialize)]
struct EdgeRecord {
    id: u32,
    from: u32,
    to: u32,
    rel_type: u32,
    properties: ThinVec<(u32, Value)>,
}

/// Whether these bytes begin like a snapshot.
pub fn is_snapshot(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// Encodes a graph as snapshot bytes.
pub fn to_bytes(graph: &Graph) -> Vec<u8> {
    let props = |p: &Properties| p.iter().map(|(k, v)| (k.0, v.clone())).collect();
    let count = graph.edge_count();
    let (mut ids, mut src, mut dst, mut types) = (
        Vec::with_capacity(count),
        Vec::with_capacity(count),
        Vec::with_capacity(count),
        Vec::with_capacity(count),
    );
    let mut edge_properties = Vec::new();
    for e in graph.edges() {
        let (Some((from, to)), Some(ty)) = (graph.endpoints(e), graph.edge_type(e)) else { continue };
        let properties = graph.edge_properties(e);
        if !properties.is_empty() {
            edge_properties.push((ids.len() as u32, props(properties)));
        }
        ids.push(e.0);
        src.push(from.0);
        dst.push(to.0);
        types.push(ty.0);
    }
    // Ids 0, 1, 2, … in start-node order are what a load numbers by itself: no need to store them.
    let numbered =
        ids.iter().enumerate().all(|(i, &id)| i as u32 == id) && src.windows(2).all(|w| w[0] <= w[1]);
    let body = Body {
        names: graph.interner().names().map(str::to_string).collect(),
        nodes: graph
            .nodes()
            .map(|n| NodeRecord {
                id: n.0,
                labels: graph.labels(n).iter().map(|s| s.0).collect(),
                properties: props(graph.node_properties(n)),
            })
            .collect(),
        indexes: graph
            .index_names()
            .iter()
            .filter_map(|(l, k)| Some((graph.symbol(l)?.0, graph.symbol(k)?.0)))
            .collect(),
        edge_count: src.len() as u64,
        edge_ids: !numbered,
        next_edge: graph.edge_id_mark(),
        edge_properties,
    };
    // Encoding plain data into a Vec cannot fail: no I/O, no size limit, every type serialisable.
    let mut payload = bincode::serde::encode_to_vec(&body, bincode::config::standard())
        .expect("encoding a graph into memory cannot fail");
    let columns = if numbered { [&[][..], &src, &dst, &types] } else { [&ids[..], &src, &dst, &types] };
    payload.reserve(columns.iter().map(|c| c.len() * 4).sum());
    for column in columns {
        for v in column {
            payload.extend_from_slice(&v.to_le_bytes());
        }
    }
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out
}

/// Decodes snapshot bytes; `path` only names the source in errors.
pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Graph, SnapshotError> {
    from_bytes_with(bytes, path, &mut Silent)
}

/// `from_bytes`, telling `progress` of each stage.
pub fn from_bytes_with(
    bytes: &[u8],
    path: &Path,
    progress: &mut dyn Progress,
) -> Result<Graph, SnapshotError> {
    let body = decode(bytes, path, progress)?;
    build(body, path, progress)
}

/// `from_bytes_with` on bytes it drops once they are decoded, before the graph is built from them:
/// a large load then never holds the file, its decoded records and the graph at once.
pub fn from_vec_with(
    bytes: Vec<u8>,
    path: &Path,
    progress: &mut dyn Progress,
) -> Result<Graph, SnapshotError> {
    let body = decode(&bytes, path, progress)?;
    drop(bytes);
    build(body, path, progress)
}

/// A snapshot's contents, decoded but not yet checked against each other.
struct Decoded {
    names: Vec<String>,
    nodes: Vec<NodeRecord>,
    indexes: Vec<(u32, u32)>,
    next_edge: Option<u32>,
    ids: Option<Vec<u32>>,
    src: Vec<u32>,
    dst: Vec<u32>,
    types: Vec<u32>,
    edge_properties: Vec<(u32, ThinVec<(u32, Value)>)>,
}

impl Decoded {
    /// Versions 1 and 2 held relationships as records.
    fn from_records(
        names: Vec<String>,
        nodes: Vec<NodeRecord>,
        edges: Vec<EdgeRecord>,
        indexes: Vec<(u32, u32)>,
    ) -> Self {
        let mut decoded = Decoded {
            names,
            nodes,
            indexes,
            next_edge: None,
            ids: Some(Vec::with_capacity(edges.len())),
            src: Vec::with_capacity(edges.len()),
            dst: Vec::with_capacity(edges.len()),
            types: Vec::with_capacity(edges.len()),
            edge_properties: Vec::new(),
        };
        for (i, e) in edges.into_iter().enumerate() {
            decoded.ids.get_or_insert_with(Vec::new).push(e.id);
            decoded.src.push(e.from);
            decoded.dst.push(e.to);
            decoded.types.push(e.rel_type);
            if !e.properties.is_empty() {
                decoded.edge_properties.push((i as u32, e.properties));
            }
        }
        decoded
    }
}

/// Checks the header and the checksum, and decodes the records.
fn decode(bytes: &[u8], path: &Path, progress: &mut dyn Progress) -> Result<Decoded, SnapshotError> {
    progress.stage("checking the snapshot", None, Unit::Bytes);
    let path_buf = || path.to_path_buf();
    if !is_snapshot(bytes) {
        return Err(SnapshotError::NotASnapshot { path: path_buf() });
    }
    if bytes.len() < HEADER_LEN {
        return Err(SnapshotError::Truncated {
            path: path_buf(),
            expected: HEADER_LEN as u64,
            found: bytes.len() as u64,
        });
    }
    let word = |at: usize, n: usize| -> u64 {
        bytes[at..at + n].iter().rev().fold(0u64, |acc, &b| (acc << 8) | b as u64)
    };
    let version = word(8, 4) as u32;
    if !(1..=VERSION).contains(&version) {
        return Err(SnapshotError::UnsupportedVersion { path: path_buf(), found: version });
    }
    let expected = word(12, 8);
    let stored = word(20, 4) as u32;
    let found = (bytes.len() - HEADER_LEN) as u64;
    if found < expected {
        return Err(SnapshotError::Truncated { path: path_buf(), expected, found });
    }
    if found > expected {
        return Err(SnapshotError::TrailingData { path: path_buf(), found: found - expected });
    }
    let payload = &bytes[HEADER_LEN..];
    let computed = crc32fast::hash(payload);
    if computed != stored {
        return Err(SnapshotError::ChecksumMismatch { path: path_buf(), stored, computed });
    }
    let corrupt = |detail: String| SnapshotError::Corrupt { path: path_buf(), detail };
    progress.stage("decoding the snapshot", None, Unit::Bytes);
    // Serde's sequence decoding caps preallocation, so a forged length prefix cannot demand more
    // memory than the data that actually follows it.
    let config = bincode::config::standard();
    let cannot = |e: bincode::error::DecodeError| corrupt(format!("cannot decode the graph: {e}"));
    let left_over =
        |used: usize| corrupt(format!("{} bytes left over after the graph", payload.len() - used));
    match version {
        1 => {
            let (v1, used): (BodyV1, usize) =
                bincode::serde::decode_from_slice(payload, config).map_err(cannot)?;
            if used != payload.len() {
                return Err(left_over(used));
            }
            Ok(Decoded::from_records(v1.names, v1.nodes, v1.edges, Vec::new()))
        }
        2 => {
            let (v2, used): (BodyV2, usize) =
                bincode::serde::decode_from_slice(payload, config).map_err(cannot)?;
            if used != payload.len() {
                return Err(left_over(used));
            }
            Ok(Decoded::from_records(v2.names, v2.nodes, v2.edges, v2.indexes))
        }
        _ => {
            let (body, used): (Body, usize) =
                bincode::serde::decode_from_slice(payload, config).map_err(cannot)?;
            let columns = &payload[used..];
            let count = usize::try_from(body.edge_count).unwrap_or(usize::MAX);
            let arrays = if body.edge_ids { 4 } else { 3 };
            if count.checked_mul(arrays * 4) != Some(columns.len()) {
                return Err(corrupt(format!(
                    "the relationship columns hold {} bytes where {} relationships need {}",
                    columns.len(),
                    body.edge_count,
                    body.edge_count.saturating_mul(arrays as u64 * 4)
                )));
            }
            let mut column = columns
                // Never zero: `chunks_exact` wants a positive size, and no columns means no chunks.
                .chunks_exact((count * 4).max(1))
                .map(|bytes| {
                    bytes.chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
                });
            let ids = if body.edge_ids { column.next() } else { None };
            let mut next = || column.next().unwrap_or_default();
            let (src, dst, types) = (next(), next(), next());
            Ok(Decoded {
                names: body.names,
                nodes: body.nodes,
                indexes: body.indexes,
                next_edge: Some(body.next_edge),
                ids,
                src,
                dst,
                types,
                edge_properties: body.edge_properties,
            })
        }
    }
}

/// The graph from its decoded records, with its adjacency index.
fn build(decoded: Decoded, path: &Path, progress: &mut dyn Progress) -> Result<Graph, SnapshotError> {
    progress.stage("building the graph", None, Unit::Items);
    let mut graph =
        rebuild(decoded).map_err(|detail| SnapshotError::Corrupt { path: path.to_path_buf(), detail })?;
    progress.stage("indexing adjacency", None, Unit::Items);
    graph.prepare_reads();
    Ok(graph)
}

fn rebuild(decoded: Decoded) -> Result<Graph, String> {
    let mut names = Interner::default();
    for name in &decoded.names {
        names.intern(name);
    }
    if names.len() != decoded.names.len() {
        return Err("the name table repeats a name".into());
    }
    let count = decoded.names.len() as u32;
    let sym = |s: u32| {
        if s < count { Ok(Sym(s)) } else { Err(format!("name {s} is out of range")) }
    };
    let props = |list: ThinVec<(u32, Value)>| -> Result<Properties, String> {
        let mut p = Properties::default();
        for (k, v) in list {
            if !v.is_storable() || v.is_null() {
                return Err(format!("a property holds a {}, which cannot be stored", v.type_name()));
            }
            p.set(sym(k)?, v);
        }
        Ok(p)
    };
    if decoded.nodes.windows(2).any(|w| w[0].id >= w[1].id) {
        return Err("node ids are not in ascending order".into());
    }
    let mut nodes = Vec::with_capacity(decoded.nodes.len());
    for n in decoded.nodes {
        let labels = n.labels.into_iter().map(sym).collect::<Result<Vec<_>, _>>()?;
        nodes.push((n.id, labels, props(n.properties)?));
    }
    if let Some(&bad) = decoded.types.iter().find(|&&t| t >= count) {
        return Err(format!("name {bad} is out of range"));
    }
    let edge_count = decoded.src.len();
    let mut edge_props = Vec::new();
    if !decoded.edge_properties.is_empty() {
        edge_props = vec![Properties::default(); edge_count];
        let mut last = None;
        for (i, list) in decoded.edge_properties {
            if last.is_some_and(|l| l >= i) || i as usize >= edge_count {
                return Err(format!("relationship properties for entry {i} are out of order or range"));
            }
            last = Some(i);
            edge_props[i as usize] = props(list)?;
        }
    }
    let columns = Columns {
        ids: decoded.ids,
        src: decoded.src,
        dst: decoded.dst,
        types: decoded.types.into_iter().map(Sym).collect(),
        props: edge_props,
    };
    let indexes: Vec<(Sym, Sym)> =
        decoded.indexes.iter().map(|&(l, k)| Ok((sym(l)?, sym(k)?))).collect::<Result<_, String>>()?;
    let mut graph = Graph::restore(names, nodes, columns, decoded.next_edge)?;
    for (l, k) in indexes {
        let (label, key) = (graph.name(l).to_string(), graph.name(k).to_string());
        graph.create_index(&label, &key);
    }
    Ok(graph)
}

/// Reads a snapshot file.
pub fn load(path: &Path) -> Result<Graph, SnapshotError> {
    load_with(path, &mut Silent)
}

/// `load`, telling `progress` how far it is.
pub fn load_with(path: &Path, progress: &mut dyn Progress) -> Result<Graph, SnapshotError> {
    let bytes = crate::progress::read_file(path, progress)
        .map_err(|source| SnapshotError::Io { path: path.to_path_buf(), source })?;
    from_vec_with(bytes, path, progress)
}

/// Writes a snapshot atomically: to a temporary file beside the target, synced, then renamed over
/// it, and the directory synced. A failed save leaves any previous snapshot untouched.
pub fn save(graph: &Graph, path: &Path) -> Result<(), SnapshotError> {
    let io_err = |source| SnapshotError::Io { path: path.to_path_buf(), source };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| io_err(io::Error::new(io::ErrorKind::InvalidInput, "not a file name")))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = dir.join(tmp_name);
    let bytes = to_bytes(graph);
    let written = (|| -> io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        // Makes the rename itself durable; not every platform can open a directory, so failing to is not fatal.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(io_err(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Graph {
        let mut g = Graph::new();
        let a = g.create_node(&["Campaign"], [("name", Value::from("c")), ("year", Value::Int(2022))]);
        let b = g.create_node(&["ThreatActor", "Group"], [("aliases", Value::List(vec!["Z".into()]))]);
        let gone = g.create_node(&[], []);
        g.create_edge(a, b, "attributed-to", [("confidence", Value::Float(0.9))]).unwrap();
        g.remove_node(gone).unwrap();
        g
    }

    #[test]
    fn round_trip_keeps_ids_and_contents() {
        let g = sample();
        let bytes = to_bytes(&g);
        let back = from_bytes(&bytes, Path::new("mem")).unwrap();
        assert_eq!(back, g);
    }

    #[test]
    fn every_damage_is_reported() {
        let bytes = to_bytes(&sample());
        let p = Path::new("mem");
        assert!(matches!(from_bytes(b"CREATE (n)", p), Err(SnapshotError::NotASnapshot { .. })));
        assert!(matches!(from_bytes(&bytes[..bytes.len() - 3], p), Err(SnapshotError::Truncated { .. })));
        assert!(matches!(from_bytes(&bytes[..10], p), Err(SnapshotError::Truncated { .. })));
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x40;
        assert!(matches!(from_bytes(&flipped, p), Err(SnapshotError::ChecksumMismatch { .. })));
        let mut version = bytes.clone();
        version[8] = 9;
        assert!(matches!(from_bytes(&version, p), Err(SnapshotError::UnsupportedVersion { found: 9, .. })));
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(from_bytes(&longer, p), Err(SnapshotError::TrailingData { .. })));
    }

    #[test]
    fn a_forged_payload_with_a_valid_checksum_is_refused_not_trusted() {
        // A huge length prefix for the name table, with a correct header around it.
        let payload = [0xFFu8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F];
        let mut bytes = Vec::new();
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&VERSION.to_le_bytes());
        bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        bytes.extend_from_slice(&payload);
        assert!(matches!(from_bytes(&bytes, Path::new("mem")), Err(SnapshotError::Corrupt { .. })));
    }
}
