//! Snapshots: a whole graph in one file. The only module that knows the snapshot codec (bincode 2 through
//! serde), so that the codec can be swapped without touching anything else.
//!
//! Layout (all integers little-endian):
//!
//! | offset | size | field                                   |
//! |--------|------|-----------------------------------------|
//! | 0      | 8    | magic `\x89KGRAPH\n`                    |
//! | 8      | 4    | format version (currently 7)            |
//! | 12     | 8    | payload length in bytes                 |
//! | 20     | 4    | CRC-32 (IEEE) of bytes 8..20 and the payload (of the payload alone before version 6) |
//! | 24     | n    | payload                                 |
//!
//! The payload (versions 3 and 4) is a fixed prefix (body length, relationship count, node bound, flags,
//! type count), the bincode (standard config) of `Body` followed by the nodes in chunks, in
//! version 4 a bitmap of the ids in use when some are not (see `HOLES`), then the relationships as plain arrays: for a bulk-loaded graph its outgoing rows (type table, out-degree
//! per node, end of each relationship, a byte of type each), otherwise columns of `u32` (ids when
//! they are not 0, 1, 2, …, start nodes, end nodes, types). Arrays rather than records so that tens
//! of millions of relationships load at memory speed, with no per-record decoding, and are read
//! while the nodes are being decoded. Everything in the header is checked before the payload is
//! decoded, and the checksum before anything is built from it. See docs/snapshots.md.

#[cfg(test)]
mod forged;
mod nodes;
mod read;

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::graph::{Graph, Labels, OutRows, Properties, Sym, type_codes};
use crate::progress::{Progress, Silent, Unit};

pub const MAGIC: &[u8; 8] = b"\x89KGRAPH\n";
/// The version written; versions 1 (before property indexes), 2 (relationships as records), 3
/// (no bitmap of the ids in use), 4 (no temporal values: the same layout, which an older kgraph
/// would misread as damage where a property holds one), 5 (the checksum covers the payload alone)
/// 6 (no relationship indexes), 7 (no index names) and 8 (no full-text indexes) are still read.
pub const VERSION: u32 = 9;
/// From this version on the body is followed by the names given to indexes: (name, label or type
/// with [`REL_INDEX`] as in `indexes`, key).
const INDEX_NAMES: u32 = 8;
/// From this version on the index names are followed by the full-text indexes' definitions:
/// (name, on relationships, labels or types, keys), names as name numbers. The indexes themselves
/// are derived data, rebuilt from the graph on loading, so that the file format does not depend on
/// the index's layout. The constraints follow them ([`ConstraintRecord`]).
const FULLTEXT: u32 = 9;
/// In `indexes` (from version 7), a first number with this bit set names a relationship type, not
/// a label: the index is on relationships. Names are numbered far below it.
const REL_INDEX: u32 = 1 << 31;
/// From this version on the checksum covers the version and length fields before the payload: a bit
/// flipped in a version 5 file's version field made it a version 4 file that loaded without a word.
/// An older reader's checksum, over the payload alone, cannot match a newer file's.
const CHECKED_HEADER: u32 = 6;
const HEADER_LEN: usize = 24;

/// A full-text index as a file holds it: name, on relationships, labels or types, keys.
type FulltextRecord = (String, bool, Vec<u32>, Vec<u32>);
/// A constraint as a file holds it: name, on relationships, label or type, keys, kind and its
/// types (as [`crate::graph::ConstraintKind::to_code`] gives them), whether it owns its index.
type ConstraintRecord = (String, bool, u32, Vec<u32>, u8, Vec<String>, bool);

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
    #[error(
        "{path}: the snapshot's node ids run up to {node_bound}, which would take {needs_mib} MiB to load; \
         this machine has {has_mib} MiB"
    )]
    TooLarge { path: PathBuf, node_bound: u64, needs_mib: u64, has_mib: u64 },
}

/// Memory each node id below a graph's bound takes once loaded, whether a node has it or not (ids
/// freed by deletions stay vacant): its slot in the node array and its row offsets in both
/// directions. A lower bound: nodes take more.
const BYTES_PER_NODE_ID: u64 = 40;

/// Refuses a node bound that would take more memory than the machine has: a snapshot can claim ids
/// up to 2^32 in a few bytes, and an allocation that fails ends the process instead of returning an
/// error. `memory` is the machine's memory and swap in bytes, when known.
fn check_room(path: &Path, node_bound: u64, memory: Option<u64>) -> Result<(), SnapshotError> {
    let needs = node_bound.saturating_mul(BYTES_PER_NODE_ID);
    match memory {
        Some(has) if needs > has => Err(SnapshotError::TooLarge {
            path: path.to_path_buf(),
            node_bound,
            needs_mib: needs >> 20,
            has_mib: has >> 20,
        }),
        _ => Ok(()),
    }
}

use crate::input::machine_memory;

/// The serialised form of a graph (versions 3 and 4), but for the relationship columns that follow it.
/// Ids are kept, so `id(n)` and `id(r)` mean the same after a reload.
#[derive(Deserialize)]
struct Body {
    names: Vec<String>,
    /// The byte length of each chunk of nodes that follows the body (each the bincode of a
    /// `Vec<NodeRecord>`, ids ascending across chunks): chunks decode on several cores at once.
    node_chunks: Vec<u64>,
    /// Property indexes: label and key, as name numbers.
    indexes: Vec<(u32, u32)>,
    /// The id the next relationship created gets.
    next_edge: u32,
    /// The properties of the relationships that have any, by relationship id.
    edge_properties: Vec<(u32, Properties)>,
}

/// [`Body`] as it is written: borrowing the graph's own data rather than copying it.
#[derive(Serialize)]
struct BodyOut<'g> {
    names: Vec<&'g str>,
    node_chunks: Vec<u64>,
    indexes: Vec<(u32, u32)>,
    next_edge: u32,
    edge_properties: Vec<(u32, &'g Properties)>,
}

/// The fixed part of a version 3 or 4 payload, before the body: what reading the columns needs to know
/// before the body is decoded (body length, relationship count, node bound, flags, type count, and
/// four bytes reserved as zero).
const PREFIX_LEN: usize = 32;

/// Flag: an id column comes first; without it, ids are 0, 1, 2, … in column order.
const EDGE_IDS: u32 = 1;
/// Flag: the columns are outgoing rows (type table, out-degree per node, end of each relationship,
/// a byte per type) rather than one start, end and type per relationship. Written whenever ids are
/// 0, 1, 2, … by start node and at most 256 types are in use: a third less to write and to read,
/// and the rows need no sorting on load.
const ROWS: u32 = 2;

/// Flag (version 4): the graph has ids no node holds, and a bitmap of the ids in use (bit `i % 8` of
/// byte `i / 8` for id `i`) follows the body. A node bound then costs a bit of file per id, so the
/// file's size bounds what it can claim before anything is allocated; without holes, every id is a
/// node, which takes three bytes of the file at least.
const HOLES: u32 = 4;

/// An index as a file names it: its label's or type's name number (a type's with [`REL_INDEX`]),
/// and its key's.
fn index_numbers(def: crate::graph::IndexDef) -> (u32, u32) {
    (if def.relationship { def.on.0 | REL_INDEX } else { def.on.0 }, def.key.0)
}

/// The bitmap of the ids in use below `node_bound`.
fn presence(graph: &Graph, node_bound: usize) -> Vec<u8> {
    let mut bits = vec![0u8; node_bound.div_ceil(8)];
    for n in graph.nodes() {
        bits[n.0 as usize / 8] |= 1 << (n.0 % 8);
    }
    bits
}

/// Nodes per chunk of the body: enough chunks for every core to take some, few enough to keep
/// their overhead small.
pub(super) const NODES_PER_CHUNK: usize = 1 << 16;

/// Version 2: relationships as records.
#[derive(Deserialize)]
struct BodyV2 {
    names: Vec<String>,
    nodes: Vec<NodeRecord>,
    edges: Vec<EdgeRecord>,
    indexes: Vec<(u32, u32)>,
}

/// Version 1: version 2 without indexes.
#[derive(Deserialize)]
struct BodyV1 {
    names: Vec<String>,
    nodes: Vec<NodeRecord>,
    edges: Vec<EdgeRecord>,
}

// Lists inside records are thin vectors (encoded exactly as vectors are): there is one record per
// node while a snapshot loads, and they become the node's own lists without a copy.
#[derive(Deserialize)]
struct NodeRecord {
    id: u32,
    labels: Labels,
    properties: Properties,
}

#[derive(Serialize)]
struct NodeOut<'g> {
    id: u32,
    labels: &'g [Sym],
    properties: &'g Properties,
}

#[derive(Deserialize)]
struct EdgeRecord {
    id: u32,
    from: u32,
    to: u32,
    rel_type: u32,
    properties: Properties,
}

/// Whether these bytes begin like a snapshot.
pub fn is_snapshot(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// Encodes a graph as snapshot bytes.
pub fn to_bytes(graph: &Graph) -> Vec<u8> {
    let (header, payload) = encode(graph);
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&header);
    out.extend_from_slice(&payload);
    out
}

/// The relationships as they are written.
enum EdgesOut<'g> {
    /// The store's own outgoing rows (a bulk-loaded graph, unchanged since): written as they are.
    Rows(OutRows<'g>),
    /// Start, end and type (and id when needed) of each relationship, by id.
    Columns { ids: Vec<u32>, src: Vec<u32>, dst: Vec<u32>, types: Vec<Sym> },
}

/// The snapshot's header and payload.
fn encode(graph: &Graph) -> ([u8; HEADER_LEN], Vec<u8>) {
    encode_with(graph, graph.out_rows())
}

/// [`encode`], with the relationships given as rows when `rows` is some: those of a graph whose
/// own relationships were never built (see [`save_outgoing`]).
fn encode_with(graph: &Graph, rows: Option<OutRows>) -> ([u8; HEADER_LEN], Vec<u8>) {
    let mut edge_properties = Vec::new();
    let edges = match rows {
        Some(rows) => {
            edge_properties.extend(rows.props.non_empty());
            EdgesOut::Rows(rows)
        }
        None => {
            let count = graph.edge_count();
            let mut columns = (
                Vec::with_capacity(count),
                Vec::with_capacity(count),
                Vec::with_capacity(count),
                Vec::with_capacity(count),
            );
            graph.for_each_edge(|e, from, to, ty, properties| {
                if !properties.is_empty() {
                    edge_properties.push((e.0, properties));
                }
                columns.0.push(e.0);
                columns.1.push(from.0);
                columns.2.push(to.0);
                columns.3.push(ty);
            });
            let (ids, src, dst, types) = columns;
            EdgesOut::Columns { ids, src, dst, types }
        }
    };
    let config = bincode::config::standard();
    let nodes: Vec<NodeOut> = graph
        .nodes()
        .map(|n| NodeOut { id: n.0, labels: graph.labels(n), properties: graph.node_properties(n) })
        .collect();
    // Encoding plain data into a Vec cannot fail: no I/O, no size limit, every type serialisable.
    let chunks: Vec<Vec<u8>> = nodes
        .chunks(NODES_PER_CHUNK)
        .map(|chunk| bincode::serde::encode_to_vec(chunk, config).expect("encoding into memory cannot fail"))
        .collect();
    drop(nodes);
    let body = BodyOut {
        names: graph.interner().names().collect(),
        node_chunks: chunks.iter().map(|c| c.len() as u64).collect(),
        indexes: graph.index_defs().into_iter().map(index_numbers).collect(),
        next_edge: match &edges {
            EdgesOut::Rows(rows) => graph.edge_id_mark().max(rows.ends.len() as u32),
            EdgesOut::Columns { .. } => graph.edge_id_mark(),
        },
        edge_properties,
    };
    let index_names: Vec<(&str, u32, u32)> = graph
        .given_index_names()
        .map(|(name, def)| {
            let (on, key) = index_numbers(def);
            (name, on, key)
        })
        .collect();
    let fulltext: Vec<FulltextRecord> = graph
        .fulltext_indexes()
        .map(|(name, def)| {
            let numbers = |syms: &[Sym]| syms.iter().map(|s| s.0).collect();
            (name.to_string(), def.relationship, numbers(&def.on), numbers(&def.keys))
        })
        .collect();
    let constraints: Vec<ConstraintRecord> = graph
        .constraints()
        .map(|(name, def, owned)| {
            let (kind, types) = def.kind.to_code();
            let keys = def.keys.iter().map(|s| s.0).collect();
            (name.to_string(), def.relationship, def.on.0, keys, kind, types, owned.is_some())
        })
        .collect();
    let mut encoded = bincode::serde::encode_to_vec((&body, &index_names, &fulltext, &constraints), config)
        .expect("encoding a graph into memory cannot fail");
    drop(body);
    for chunk in chunks {
        encoded.extend_from_slice(&chunk);
    }
    let node_bound = graph.node_bound();
    let words = |payload: &mut Vec<u8>, column: &mut dyn Iterator<Item = u32>| {
        for v in column {
            payload.extend_from_slice(&v.to_le_bytes());
        }
    };
    let count = match &edges {
        EdgesOut::Rows(rows) => rows.ends.len(),
        EdgesOut::Columns { src, .. } => src.len(),
    };
    let mut payload = Vec::with_capacity(PREFIX_LEN + encoded.len() + 16 * count + 4 * node_bound);
    let prefix = |payload: &mut Vec<u8>, flags: u32, types: usize| {
        for field in [encoded.len() as u64, count as u64] {
            payload.extend_from_slice(&field.to_le_bytes());
        }
        for field in [node_bound as u32, flags, types as u32, 0] {
            payload.extend_from_slice(&field.to_le_bytes());
        }
        payload.extend_from_slice(&encoded);
    };
    match edges {
        EdgesOut::Rows(rows) => {
            prefix(&mut payload, ROWS, rows.table.len());
            words(&mut payload, &mut rows.table.iter().map(|t| t.0));
            words(&mut payload, &mut rows.offsets.windows(2).map(|w| w[1] - w[0]));
            words(&mut payload, &mut rows.ends.iter().copied());
            payload.extend_from_slice(rows.codes);
        }
        EdgesOut::Columns { ids, src, dst, types } => {
            // Ids 0, 1, 2, … in start-node order are what a load numbers by itself.
            let numbered =
                ids.iter().enumerate().all(|(i, &id)| i as u32 == id) && src.windows(2).all(|w| w[0] <= w[1]);
            match (numbered, if numbered { type_codes(&types) } else { None }) {
                (true, Some((table, codes))) => {
                    prefix(&mut payload, ROWS, table.len());
                    words(&mut payload, &mut table.into_iter().map(|t| t.0));
                    let mut degrees = vec![0u32; node_bound];
                    for &a in &src {
                        degrees[a as usize] += 1;
                    }
                    words(&mut payload, &mut degrees.into_iter());
                    words(&mut payload, &mut dst.into_iter());
                    payload.extend_from_slice(&codes);
                }
                (numbered, _) => {
                    let holes = graph.node_count() < node_bound;
                    let flags = if numbered { 0 } else { EDGE_IDS } | if holes { HOLES } else { 0 };
                    prefix(&mut payload, flags, 0);
                    if holes {
                        payload.extend_from_slice(&presence(graph, node_bound));
                    }
                    if !numbered {
                        words(&mut payload, &mut ids.into_iter());
                    }
                    for column in [src, dst] {
                        words(&mut payload, &mut column.into_iter());
                    }
                    words(&mut payload, &mut types.into_iter().map(|t| t.0));
                }
            }
        }
    }
    (header_for(VERSION, &payload), payload)
}

/// The header of a snapshot of `version` with this payload: magic, version, length, checksum.
pub(crate) fn header_for(version: u32, payload: &[u8]) -> [u8; HEADER_LEN] {
    let mut header = [0u8; HEADER_LEN];
    header[..8].copy_from_slice(MAGIC);
    header[8..12].copy_from_slice(&version.to_le_bytes());
    header[12..20].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    let mut crc = crc32fast::Hasher::new();
    if version >= CHECKED_HEADER {
        crc.update(&header[8..20]);
    }
    crc.update(payload);
    header[20..24].copy_from_slice(&crc.finalize().to_le_bytes());
    header
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
    progress.stage("decoding the snapshot", Some(bytes.len() as u64), Unit::Bytes);
    read::read(&mut &bytes[..], bytes.len() as u64, path, progress)
}

/// Reads a snapshot file.
pub fn load(path: &Path) -> Result<Graph, SnapshotError> {
    load_with(path, &mut Silent)
}

/// `load`, telling `progress` how far it is. The file is streamed: its relationship columns go
/// straight into the arrays they fill, never held twice.
pub fn load_with(path: &Path, progress: &mut dyn Progress) -> Result<Graph, SnapshotError> {
    let io = |source| SnapshotError::Io { path: path.to_path_buf(), source };
    let file = File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    load_open(file, size, path, progress)
}

/// [`load_with`] from a file already open at its start, `size` bytes long.
pub fn load_open(
    mut file: File,
    size: u64,
    path: &Path,
    progress: &mut dyn Progress,
) -> Result<Graph, SnapshotError> {
    progress.stage(&format!("reading {}", path.display()), Some(size), Unit::Bytes);
    read::read(&mut file, size, path, progress)
}

/// Writes a snapshot atomically, through symbolic links, keeping the mode of the file it replaces
/// (see `files.rs`). A failed save leaves any previous snapshot untouched.
pub fn save(graph: &Graph, path: &Path) -> Result<(), SnapshotError> {
    write_atomically(encode(graph), path)
}

/// Saves a graph with no relationships of its own together with the outgoing rows of its
/// relationships: what `kgraph import` writes without building the rest of the store.
pub(crate) fn save_outgoing(graph: &Graph, rows: OutRows, path: &Path) -> Result<(), SnapshotError> {
    write_atomically(encode_with(graph, Some(rows)), path)
}

fn write_atomically(
    (header, payload): ([u8; HEADER_LEN], Vec<u8>),
    path: &Path,
) -> Result<(), SnapshotError> {
    crate::files::write_atomically(path, |file| {
        file.write_all(&header)?;
        file.write_all(&payload)
    })
    .map_err(|source| SnapshotError::Io { path: path.to_path_buf(), source })
}

#[cfg(test)]
mod tests;
