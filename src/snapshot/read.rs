//! Reading a snapshot, from a file or from memory, on two cores: while one thread decodes the
//! nodes' chunks, the other reads the relationship columns straight into their arrays, checks the
//! checksum and builds the rows, then decodes chunks too; the nodes are created last, once the
//! checksum has held.

use std::io::{self, Read};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::{
    Body, BodyV1, BodyV2, CHECKED_HEADER, ConstraintRecord, EDGE_IDS, EdgeRecord, FULLTEXT, FulltextRecord,
    HEADER_LEN, HOLES, INDEX_NAMES, NODES_PER_CHUNK, NodeRecord, PREFIX_LEN, REL_INDEX, ROWS, SnapshotError,
    VERSION, is_snapshot,
};

/// How far the node ids of a file without a bitmap of them (version 3 and older) may run past what
/// its nodes pay for: such a file may be honest, with most ids deleted, and nothing in it says; past
/// this it is refused, so that a forged id costs at most this many vacant slots (40 bytes each).
const LEGACY_HOLES: usize = 1 << 24;
use crate::graph::{BuiltEdges, Columns, Graph, Interner, Labels, NodeRestorer, Properties, Sym};
use crate::progress::{Progress, Unit};

/// Reads as much of `buf` as the source holds, up to its length; how much it read.
fn fill(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// bincode 2 allocates a string's or a sequence's length before it reads the bytes, and with no limit
/// configured a forged length costs what it claims. Each decode is given a limit tied to the bytes
/// it decodes: what an honest payload can claim (a decoded item takes up to 32 times its encoded
/// bytes: a name of one byte becomes a 24-byte `String`), rounded up to a power of two, since the
/// limit is a constant.
fn decode_bounded<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
) -> Result<(T, usize), bincode::error::DecodeError> {
    use bincode::config::standard;
    use bincode::serde::decode_from_slice;
    macro_rules! within {
        ($($shift:literal),*) => {
            $(if bytes.len() <= 1usize << ($shift - 5) {
                return decode_from_slice(bytes, standard().with_limit::<{ 1usize << $shift }>());
            })*
        };
    }
    within!(16, 20, 24, 28, 32, 36, 40);
    decode_from_slice(bytes, standard())
}

fn le(bytes: &[u8]) -> u64 {
    bytes.iter().rev().fold(0u64, |acc, &b| (acc << 8) | b as u64)
}

/// Reads a snapshot of `size` bytes from `reader`; `path` only names it in errors.
pub(super) fn read(
    reader: &mut (impl Read + Send),
    size: u64,
    path: &Path,
    progress: &mut dyn Progress,
) -> Result<Graph, SnapshotError> {
    let path_buf = || path.to_path_buf();
    let io_err = |source| SnapshotError::Io { path: path_buf(), source };
    let corrupt = |detail: String| SnapshotError::Corrupt { path: path_buf(), detail };
    let mut header = [0u8; HEADER_LEN];
    let got = fill(reader, &mut header).map_err(io_err)?;
    if !is_snapshot(&header[..got]) {
        return Err(SnapshotError::NotASnapshot { path: path_buf() });
    }
    if got < HEADER_LEN {
        return Err(SnapshotError::Truncated {
            path: path_buf(),
            expected: HEADER_LEN as u64,
            found: got as u64,
        });
    }
    let version = le(&header[8..12]) as u32;
    if !(1..=VERSION).contains(&version) {
        return Err(SnapshotError::UnsupportedVersion { path: path_buf(), found: version });
    }
    let expected = le(&header[12..20]);
    let stored = le(&header[20..24]) as u32;
    let found = size.saturating_sub(HEADER_LEN as u64);
    if found < expected {
        return Err(SnapshotError::Truncated { path: path_buf(), expected, found });
    }
    if found > expected {
        return Err(SnapshotError::TrailingData { path: path_buf(), found: found - expected });
    }
    let checksum = |crc: crc32fast::Hasher| {
        let computed = crc.finalize();
        if computed == stored {
            Ok(())
        } else {
            Err(SnapshotError::ChecksumMismatch { path: path_buf(), stored, computed })
        }
    };
    let mut crc = crc32fast::Hasher::new();
    if version >= CHECKED_HEADER {
        crc.update(&header[8..20]);
    }
    if version < 3 {
        // Sized by the length checked against the file above.
        let mut payload = vec![0u8; expected as usize];
        reader.read_exact(&mut payload).map_err(io_err)?;
        progress.stage("checking the snapshot", None, Unit::Bytes);
        crc.update(&payload);
        checksum(crc)?;
        progress.stage("decoding the snapshot", None, Unit::Bytes);
        return from_records(version, &payload, path);
    }
    if expected < PREFIX_LEN as u64 {
        return Err(corrupt("the payload is shorter than its fixed part".into()));
    }
    let mut prefix = [0u8; PREFIX_LEN];
    reader.read_exact(&mut prefix).map_err(io_err)?;
    crc.update(&prefix);
    let (body_len, edge_count) = (le(&prefix[0..8]), le(&prefix[8..16]));
    let (node_bound, flags) = (le(&prefix[16..20]) as usize, le(&prefix[20..24]) as u32);
    let (type_count, reserved) = (le(&prefix[24..28]), le(&prefix[28..32]));
    // Version 4 marks a graph with ids no node holds, whose bitmap follows the body.
    let holes = version >= 4 && flags & HOLES != 0;
    let layout = match flags & !if holes { HOLES } else { 0 } {
        0 => Layout::Columns { ids: false },
        EDGE_IDS => Layout::Columns { ids: true },
        ROWS if type_count <= 256 && !holes => Layout::Rows { types: type_count as usize },
        _ => return Err(corrupt(format!("unknown flags {flags:#x} (or {type_count} types)"))),
    };
    if reserved != 0 {
        return Err(corrupt("reserved bytes are not zero".into()));
    }
    super::check_room(path, node_bound as u64, super::machine_memory())?;
    let holes_len = if holes { node_bound.div_ceil(8) as u64 } else { 0 };
    let columns_len = match layout {
        Layout::Columns { ids } => edge_count.checked_mul(if ids { 16 } else { 12 }),
        Layout::Rows { types } => {
            edge_count.checked_mul(5).and_then(|n| n.checked_add(4 * (types + node_bound) as u64))
        }
    };
    if columns_len
        .and_then(|c| c.checked_add(body_len))
        .and_then(|n| n.checked_add(holes_len))
        .and_then(|n| n.checked_add(PREFIX_LEN as u64))
        != Some(expected)
    {
        return Err(corrupt(format!(
            "a {body_len}-byte body and {edge_count} relationships do not make a {expected}-byte payload"
        )));
    }
    // Both sizes are now bounded by the file's length.
    let mut body = vec![0u8; body_len as usize];
    reader.read_exact(&mut body).map_err(io_err)?;
    crc.update(&body);
    let mut present = vec![0u8; holes_len as usize];
    reader.read_exact(&mut present).map_err(io_err)?;
    crc.update(&present);
    let start = (HEADER_LEN + PREFIX_LEN) as u64 + body_len + holes_len;
    // The body proper is small (names, indexes, relationship properties); the nodes follow it in
    // chunks. Decoding before the checksum is checked is safe (decoding caps what it allocates by
    // the bytes there are), and nothing is built from what it decodes until the checksum holds.
    let head = if version >= FULLTEXT {
        decode_bounded::<(Body, Vec<NamedIndex>, Vec<FulltextRecord>, Vec<ConstraintRecord>)>(&body).map(
            |((head, names, fulltext, constraints), used)| ((head, (names, fulltext, constraints)), used),
        )
    } else if version >= INDEX_NAMES {
        decode_bounded::<(Body, Vec<NamedIndex>)>(&body)
            .map(|((head, names), used)| ((head, (names, Vec::new(), Vec::new())), used))
    } else {
        decode_bounded::<Body>(&body).map(|(head, used)| ((head, (Vec::new(), Vec::new(), Vec::new())), used))
    }
    .map_err(|e| corrupt(format!("cannot decode the graph: {e}")));
    let chunks = match &head {
        Ok(((head, _), used)) => node_chunks(&body[*used..], &head.node_chunks).map_err(corrupt),
        Err(_) => Ok(Vec::new()),
    };
    let slices: &[&[u8]] = chunks.as_ref().map_or(&[], Vec::as_slice);
    let decoded: Vec<Mutex<Option<DecodedChunk>>> = slices.iter().map(|_| Mutex::new(None)).collect();
    let next_chunk = AtomicUsize::new(0);
    // Chunks of nodes are decoded by whichever thread is free, each taking the next one left;
    // false once none is left.
    let decode_next = || {
        let at = next_chunk.fetch_add(1, Ordering::Relaxed);
        let Some(bytes) = slices.get(at) else { return false };
        let result = super::nodes::decode_chunk(bytes);
        // A poisoned slot means the other thread panicked; the missing chunk is reported below.
        if let Ok(mut slot) = decoded[at].lock() {
            *slot = Some(result);
        }
        true
    };
    let decode_chunks = || while decode_next() {};
    // The nodes are restored chunk by chunk, in order, as they are decoded, once the checksum has
    // held; a chunk that failed to decode stops that, and is reported below, in file order.
    // The names' count, or why they cannot be read (reported in its turn, below).
    let mut name_count = Err("the names were not read".to_string());
    let mut restorer = None;
    if let Ok(((head, _), _)) = &head {
        match interner(head.names.clone()) {
            Ok(names) => {
                name_count = Ok(names.len());
                // Before the checksum holds, sized by what the bytes can hold (a node takes three
                // at least), not by the node bound a damaged file may inflate.
                let node_bytes: usize = slices.iter().map(|chunk| chunk.len()).sum();
                // What the file can honestly claim, checked before anything is sized by the bound:
                // without holes every id is a node of three bytes at least; with them, the bitmap
                // pays a bit per id (its length was checked above). Files of version 3 and older
                // carry no bitmap, and may claim ids past their nodes up to a fixed allowance.
                // Rows hold a degree per id, which pays for the bound already.
                let honest = match (holes || matches!(layout, Layout::Rows { .. }), version >= 4) {
                    (true, _) => Ok(()),
                    (false, true) if node_bound <= node_bytes / 3 => Ok(()),
                    (false, false) if node_bound <= (node_bytes / 3).max(LEGACY_HOLES) => Ok(()),
                    _ => Err(format!(
                        "the node ids run to {node_bound}, more than {node_bytes} bytes of nodes can hold"
                    )),
                };
                if let Err(e) = honest {
                    return Err(corrupt(e));
                }
                let capacity =
                    node_bound.min(slices.len().saturating_mul(NODES_PER_CHUNK)).min(node_bytes / 3 + 16);
                restorer = Some(NodeRestorer::new(names, capacity, node_bound));
            }
            Err(e) => name_count = Err(e),
        }
    }
    let mut restoring = Restoring { restorer, next: 0, last_ids: Vec::new(), failed: None };
    let checksum_held = AtomicBool::new(false);
    let restore_decoded = |restoring: &mut Restoring| {
        while restoring.failed.is_none() && restoring.next < decoded.len() {
            let Some(restorer) = restoring.restorer.as_mut() else { break };
            let Ok(mut slot) = decoded[restoring.next].lock() else { break };
            let chunk = match slot.take() {
                Some(Ok(chunk)) => chunk,
                other => {
                    *slot = other;
                    break;
                }
            };
            drop(slot);
            restoring.last_ids.push(chunk.last().map(|n| n.id));
            restoring.next += 1;
            for n in chunk {
                if let Err(e) = restorer.push(n.id, n.labels, n.properties) {
                    restoring.failed = Some(e);
                    break;
                }
            }
        }
    };
    let body_len = body.len();
    // This thread decodes nodes; the other reads the relationship columns, checks the checksum
    // (which needs nothing decoded), builds the rows from them, then joins in decoding nodes. On
    // one thread, the builder's work comes first, nodes included.
    let build = || {
        let mut source = Source { reader, crc: &mut crc, progress, done: start, chunk: vec![0; CHUNK] };
        let read = read_relationships(&mut source, layout, edge_count as usize, node_bound);
        drop(source);
        let built = read.map_err(io_err).and_then(|read| {
            progress.stage("checking the snapshot", None, Unit::Bytes);
            checksum(crc)?;
            checksum_held.store(true, Ordering::Release);
            progress.stage("building the graph", None, Unit::Items);
            // Types are checked against the names once those are decoded; until then no symbol
            // can be past the body's length, as each name takes a byte of it at least.
            match read {
                Relationships::Columns(columns) => BuiltEdges::build(columns, node_bound, body_len, None),
                Relationships::Rows { table, degrees, ends, codes } => {
                    BuiltEdges::from_rows(degrees, ends, codes, table, body_len)
                }
            }
            .map_err(corrupt)
        });
        if built.is_ok() {
            decode_chunks();
        }
        built
    };
    let built = if crate::parallel::threads() > 1 {
        std::thread::scope(|scope| {
            let builder = scope.spawn(build);
            loop {
                let more = decode_next();
                if checksum_held.load(Ordering::Acquire) {
                    restore_decoded(&mut restoring);
                }
                if !more {
                    break;
                }
            }
            builder.join()
        })
    } else {
        Ok(build())
    };
    let mut built = built.map_err(|_| corrupt("building the relationships failed".into()))??;
    let ((head, (index_names, fulltext, constraints)), _) = head?;
    chunks?;
    let Body { names: _, node_chunks: _, indexes, next_edge, edge_properties } = head;
    let mut nodes = Vec::with_capacity(decoded.len() - restoring.next);
    for slot in decoded.into_iter().skip(restoring.next) {
        let chunk = slot.into_inner().ok().flatten();
        let chunk =
            chunk.ok_or_else(|| corrupt("a chunk of nodes was not decoded".into()))?.map_err(corrupt)?;
        nodes.push(chunk);
    }
    drop(body);
    let last_id = nodes
        .iter()
        .rev()
        .find_map(|chunk| chunk.last().map(|n| n.id))
        .or_else(|| restoring.last_ids.iter().rev().find_map(|&id| id));
    if last_id.map_or(0, |id| id as usize + 1) != node_bound {
        return Err(corrupt("the node bound does not match the nodes".into()));
    }
    let name_count = name_count.map_err(corrupt)?;
    built.check_types(name_count).map_err(corrupt)?;
    built.set_next_edge(next_edge);
    for (id, props) in edge_properties {
        props.check(name_count).map_err(corrupt)?;
        built.set_properties(id, props).map_err(corrupt)?;
    }
    if let Some(failed) = restoring.failed {
        return Err(corrupt(failed));
    }
    // The names were read (checked just above), so there is a restorer.
    let mut restorer = restoring.restorer.ok_or_else(|| corrupt("the names were not read".into()))?;
    for n in nodes.into_iter().flatten() {
        restorer.push(n.id, n.labels, n.properties).map_err(corrupt)?;
    }
    let mut graph = restorer.finish();
    if holes {
        let listed = present.iter().map(|b| b.count_ones() as usize).sum::<usize>();
        let marked = |n: u32| present.get(n as usize / 8).is_some_and(|b| b & (1 << (n % 8)) != 0);
        if listed != graph.node_count() || !graph.nodes().all(|n| marked(n.0)) {
            return Err(corrupt("the bitmap of ids in use does not match the nodes".into()));
        }
    }
    graph.attach_edges(built).map_err(corrupt)?;
    let graph = finish(graph, &indexes, &index_names, version).map_err(corrupt)?;
    let graph = with_fulltext(graph, fulltext).map_err(corrupt)?;
    with_constraints(graph, constraints).map_err(corrupt)
}

/// The constraints of a file, each checked against the graph it holds.
fn with_constraints(mut graph: Graph, defs: Vec<ConstraintRecord>) -> Result<Graph, String> {
    let count = graph.interner().len() as u32;
    for (name, relationship, on, keys, kind, types, owned) in defs {
        if keys.is_empty() || keys.len() > crate::graph::MAX_CONSTRAINT_KEYS {
            return Err(format!("constraint `{name}` has {} keys", keys.len()));
        }
        if let Some(n) = keys.iter().chain([&on]).find(|&&n| n >= count) {
            return Err(format!("name {n} is out of range"));
        }
        let kind = crate::graph::ConstraintKind::from_code(kind, &types)
            .ok_or_else(|| format!("constraint `{name}` is of no known kind"))?;
        if graph.constraint(&name).is_some() {
            return Err(format!("the constraint name `{name}` is given twice"));
        }
        let def = crate::graph::ConstraintDef {
            relationship,
            on: Sym(on),
            keys: keys.into_iter().map(Sym).collect(),
            kind,
        };
        graph.create_constraint(&name, def, Some(owned)).map_err(|v| format!("the graph breaks {v}"))?;
    }
    Ok(graph)
}

/// The full-text indexes of a file, built afresh from the graph.
fn with_fulltext(mut graph: Graph, defs: Vec<FulltextRecord>) -> Result<Graph, String> {
    let count = graph.interner().len() as u32;
    let syms = |numbers: Vec<u32>| -> Result<Vec<Sym>, String> {
        match numbers.iter().find(|&&n| n >= count) {
            Some(n) => Err(format!("name {n} is out of range")),
            None => Ok(numbers.into_iter().map(Sym).collect()),
        }
    };
    for (name, relationship, on, keys) in defs {
        if keys.len() > crate::graph::MAX_FULLTEXT_KEYS {
            return Err(format!("full-text index `{name}` has {} keys", keys.len()));
        }
        let def = crate::graph::FulltextDef { relationship, on: syms(on)?, keys: syms(keys)? };
        if !graph.create_fulltext_index(&name, def) {
            return Err(format!("the index name `{name}` is given twice"));
        }
    }
    Ok(graph)
}

type DecodedChunk = Result<Vec<NodeRecord>, String>;

/// The nodes restored so far while chunks are still being decoded.
struct Restoring {
    /// None when the body or the names could not be read: nothing is restored, and the error is
    /// reported in its turn.
    restorer: Option<NodeRestorer>,
    /// The first chunk not restored yet.
    next: usize,
    /// The last node id of each chunk restored.
    last_ids: Vec<Option<u32>>,
    failed: Option<String>,
}

/// The chunks of nodes after the body proper, by their lengths, which must account for every byte.
fn node_chunks<'b>(mut rest: &'b [u8], lengths: &[u64]) -> Result<Vec<&'b [u8]>, String> {
    let mut chunks = Vec::with_capacity(lengths.len().min(rest.len()));
    for &len in lengths {
        let len = usize::try_from(len)
            .ok()
            .filter(|&len| len <= rest.len())
            .ok_or("a chunk of nodes runs past the body")?;
        let (chunk, after) = rest.split_at(len);
        chunks.push(chunk);
        rest = after;
    }
    if !rest.is_empty() {
        return Err(format!("{} bytes left over after the nodes", rest.len()));
    }
    Ok(chunks)
}

/// How a version 3 snapshot holds its relationships (see the flags in the parent module).
#[derive(Debug, Clone, Copy)]
enum Layout {
    Columns { ids: bool },
    Rows { types: usize },
}

/// The relationships as read, before they are built.
enum Relationships {
    Columns(Columns),
    Rows { table: Vec<Sym>, degrees: Vec<u32>, ends: Vec<u32>, codes: Vec<u8> },
}

const CHUNK: usize = 1 << 20;

/// The rest of a snapshot, read a chunk at a time into the checksum, the progress and the arrays.
struct Source<'a, R> {
    reader: &'a mut R,
    crc: &'a mut crc32fast::Hasher,
    progress: &'a mut dyn Progress,
    done: u64,
    chunk: Vec<u8>,
}

impl<R: Read> Source<'_, R> {
    /// `len` bytes, each chunk handed to `take`.
    fn bytes(&mut self, len: usize, mut take: impl FnMut(&[u8])) -> io::Result<()> {
        let mut left = len;
        while left > 0 {
            let bytes = &mut self.chunk[..left.min(CHUNK)];
            self.reader.read_exact(bytes)?;
            self.crc.update(bytes);
            take(bytes);
            left -= bytes.len();
            self.done += bytes.len() as u64;
            self.progress.advance(self.done);
        }
        Ok(())
    }

    fn words(&mut self, count: usize) -> io::Result<Vec<u32>> {
        let mut values = Vec::with_capacity(count);
        // CHUNK is a multiple of four, so no word straddles two chunks.
        self.bytes(count * 4, |bytes| {
            values.extend(bytes.chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
        })?;
        Ok(values)
    }
}

/// The relationships, straight from the reader into their arrays.
fn read_relationships<R: Read>(
    source: &mut Source<R>,
    layout: Layout,
    count: usize,
    node_bound: usize,
) -> io::Result<Relationships> {
    Ok(match layout {
        Layout::Columns { ids } => {
            let ids = if ids { Some(source.words(count)?) } else { None };
            let (src, dst) = (source.words(count)?, source.words(count)?);
            let types = source.words(count)?.into_iter().map(Sym).collect();
            Relationships::Columns(Columns { ids, src, dst, types, props: Vec::new() })
        }
        Layout::Rows { types } => {
            let table = source.words(types)?.into_iter().map(Sym).collect();
            let degrees = source.words(node_bound)?;
            let ends = source.words(count)?;
            let mut codes = Vec::with_capacity(count);
            source.bytes(count, |bytes| codes.extend_from_slice(bytes))?;
            Relationships::Rows { table, degrees, ends, codes }
        }
    })
}

fn interner(names: Vec<String>) -> Result<Interner, String> {
    let mut interner = Interner::default();
    for name in &names {
        interner.intern(name);
    }
    if interner.len() != names.len() {
        return Err("the name table repeats a name".into());
    }
    Ok(interner)
}

/// The index a file names by `on` (with [`REL_INDEX`] set for a relationship type, when the
/// version has the bit: `marked`) and `key`, both names of the `count` the graph has.
fn index_of(on: u32, key: u32, marked: bool, count: u32) -> Result<crate::graph::IndexDef, String> {
    let relationship = marked && on & REL_INDEX != 0;
    let on = if relationship { on & !REL_INDEX } else { on };
    if on >= count || key >= count {
        return Err(format!("name {} is out of range", on.max(key)));
    }
    Ok(crate::graph::IndexDef { relationship, on: Sym(on), key: Sym(key) })
}

/// A name given to an index: the name, the label or type (with [`REL_INDEX`] as in `indexes`), the
/// key.
type NamedIndex = (String, u32, u32);

/// Indexes, rebuilt from the nodes and relationships, named, and the graph made ready for reading.
/// From version 7, a first number with [`REL_INDEX`] set names a relationship type.
fn finish(
    mut graph: Graph,
    indexes: &[(u32, u32)],
    names: &[NamedIndex],
    version: u32,
) -> Result<Graph, String> {
    let count = graph.interner().len() as u32;
    for &(on, key) in indexes {
        graph.create_index_def(index_of(on, key, version >= 7, count)?);
    }
    for (name, on, key) in names {
        if !graph.name_index(name, index_of(*on, *key, true, count)?) {
            return Err(format!("the index name `{name}` names no index, or two"));
        }
    }
    graph.prepare_reads();
    Ok(graph)
}

/// Versions 1 and 2: relationships as records, decoded and built on one thread.
fn from_records(version: u32, payload: &[u8], path: &Path) -> Result<Graph, SnapshotError> {
    let corrupt = |detail: String| SnapshotError::Corrupt { path: path.to_path_buf(), detail };
    let (names, nodes, edges, indexes) = decode_records(version, payload).map_err(corrupt)?;
    let node_bound = nodes.last().map_or(0, |n| n.id as usize + 1);
    super::check_room(path, node_bound as u64, super::machine_memory())?;
    if node_bound > (payload.len() / 3).max(LEGACY_HOLES) {
        return Err(corrupt(format!(
            "the node ids run to {node_bound}, more than a {}-byte file can hold",
            payload.len()
        )));
    }
    build_from_records(names, nodes, edges, &indexes, node_bound).map_err(corrupt)
}

type Records = (Vec<String>, Vec<NodeRecord>, Vec<EdgeRecord>, Vec<(u32, u32)>);

fn decode_records(version: u32, payload: &[u8]) -> Result<Records, String> {
    let cannot = |e: bincode::error::DecodeError| format!("cannot decode the graph: {e}");
    let ((names, nodes, edges, indexes), used) = if version == 1 {
        let (v1, used): (BodyV1, usize) = decode_bounded(payload).map_err(cannot)?;
        ((v1.names, v1.nodes, v1.edges, Vec::new()), used)
    } else {
        let (v2, used): (BodyV2, usize) = decode_bounded(payload).map_err(cannot)?;
        ((v2.names, v2.nodes, v2.edges, v2.indexes), used)
    };
    if used != payload.len() {
        return Err(format!("{} bytes left over after the graph", payload.len() - used));
    }
    Ok((names, nodes, edges, indexes))
}

fn build_from_records(
    names: Vec<String>,
    nodes: Vec<NodeRecord>,
    edges: Vec<EdgeRecord>,
    indexes: &[(u32, u32)],
    node_bound: usize,
) -> Result<Graph, String> {
    let names = interner(names)?;
    let name_count = names.len();
    let mut columns = Columns { ids: Some(Vec::with_capacity(edges.len())), ..Columns::default() };
    let mut properties: Vec<(u32, Properties)> = Vec::new();
    for EdgeRecord { id, from, to, rel_type, properties: props } in edges {
        if !props.is_empty() {
            props.check(name_count)?;
            properties.push((id, props));
        }
        columns.ids.get_or_insert_with(Vec::new).push(id);
        columns.push(from, to, Sym(rel_type), Properties::default());
    }
    let mut built = BuiltEdges::build(columns, node_bound, name_count, None)?;
    for (id, props) in properties {
        built.set_properties(id, props)?;
    }
    let nodes: Vec<(u32, Labels, Properties)> =
        nodes.into_iter().map(|NodeRecord { id, labels, properties }| (id, labels, properties)).collect();
    let count = nodes.len();
    let mut graph = Graph::restore_nodes(names, nodes, count, node_bound)?;
    graph.attach_edges(built)?;
    finish(graph, indexes, &[], 2)
}
