//! The relationships loaded or compacted in bulk: two compressed sparse rows (outgoing and incoming)
//! and nothing else. A relationship is its outgoing entry (other end, one-byte type); its start node
//! is the row it sits in, and its id is its position there unless ids had to be kept as given. The
//! incoming entry points back at the outgoing one. That is 14 bytes a relationship, where petgraph's
//! record alone is 32 and still needs an index beside it to be read fast.
//!
//! Deletions leave a tombstone (one bit per relationship); creations go to the graph's small write
//! store until [`Graph::prepare_reads`](super::Graph::prepare_reads) folds them in here again.

use std::ops::Range;

mod build;
mod place;
mod props;

use super::adjacency::{Codes, Rows, RowsView, TypeTable};
use super::{Direction, EdgeId, NodeId, Properties, Sym};
pub(crate) use build::{Outgoing, type_codes};
pub(crate) use props::PropsByPosition;

/// A store's outgoing rows as they are, for writing them out: node `n`'s relationships are
/// `offsets[n]..offsets[n + 1]`, their ids those positions, their types `table[codes[i]]`.
pub(crate) struct OutRows<'g> {
    pub offsets: &'g [u32],
    pub ends: &'g [u32],
    pub codes: &'g [u8],
    pub table: &'g [Sym],
    pub props: &'g PropsByPosition,
}

impl<'g> OutRows<'g> {
    /// `rows` as they are written, when ids are positions (`ids` empty) and types take a byte.
    fn of(
        rows: &'g Rows,
        ids: &[u32],
        table: &'g TypeTable,
        props: &'g PropsByPosition,
    ) -> Option<OutRows<'g>> {
        match &rows.types {
            Codes::Narrow(codes) if ids.is_empty() => Some(OutRows {
                offsets: &rows.offsets,
                ends: &rows.others,
                codes,
                table: &table.names,
                props,
            }),
            _ => None,
        }
    }
}

/// The start node of each outgoing position, when ids are kept in a table (`pos_of` not empty) and a
/// walk by id needs them at hand; empty otherwise, as a walk row by row knows them.
fn starts(out: &Rows, pos_of: &[u32]) -> Vec<u32> {
    if pos_of.is_empty() {
        return Vec::new();
    }
    let mut start_at = vec![0u32; out.others.len()];
    for n in 0..out.node_bound() {
        start_at[out.range(n)].fill(n as u32);
    }
    start_at
}

/// How many times each byte occurs. Four tables, one per byte of every four: with a handful of
/// types, one table would make each count wait for the previous increment of the same count
/// (measured 16 ms for 16 M codes; 5 ms this way).
fn byte_counts(bytes: &[u8]) -> [usize; 256] {
    let mut tables = [[0u32; 256]; 4];
    let mut total = [0usize; 256];
    // Counted in blocks short enough for no u32 count to overflow.
    for block in bytes.chunks(1 << 30) {
        let mut quads = block.chunks_exact(4);
        for quad in &mut quads {
            for (table, &b) in tables.iter_mut().zip(quad) {
                table[b as usize] += 1;
            }
        }
        for &b in quads.remainder() {
            tables[0][b as usize] += 1;
        }
        for table in &mut tables {
            for (sum, count) in total.iter_mut().zip(table.iter_mut()) {
                *sum += std::mem::take(count) as usize;
            }
        }
    }
    total
}

/// One past the highest id [`each_by_id`] can be asked for.
fn id_span(out: &Rows, pos_of: &[u32]) -> usize {
    if pos_of.is_empty() { out.others.len() } else { pos_of.len() }
}

/// Calls `each(position, start node)` for every outgoing entry whose id is in `ids`, by ascending
/// id: row by row when ids are positions (`pos_of` empty), else in `pos_of`'s order with
/// `start_at` from [`starts`].
#[inline]
fn each_by_id(
    out: &Rows,
    pos_of: &[u32],
    start_at: &[u32],
    ids: Range<usize>,
    mut each: impl FnMut(usize, u32),
) {
    if pos_of.is_empty() {
        // The start node is the row: found once, then followed row by row.
        let offsets = &out.offsets;
        let first = offsets.partition_point(|&o| o as usize <= ids.start).saturating_sub(1);
        for (start, ends) in offsets[first..].windows(2).enumerate() {
            let (from, to) = ((ends[0] as usize).max(ids.start), (ends[1] as usize).min(ids.end));
            if from >= ids.end {
                break;
            }
            for p in from..to {
                each(p, (first + start) as u32);
            }
        }
    } else {
        for &p in pos_of[ids].iter().filter(|&&p| p != NO_POSITION) {
            each(p as usize, start_at[p as usize]);
        }
    }
}

/// Relationships in bulk, as loads and compaction hand them over: index `i` of each column is one
/// relationship.
#[derive(Debug, Default)]
pub(crate) struct Columns {
    /// Strictly ascending ids; `None` lets the store number the relationships itself, in its own
    /// order (by start node, then in the order given), which costs no memory to keep.
    pub ids: Option<Vec<u32>>,
    pub src: Vec<u32>,
    pub dst: Vec<u32>,
    pub types: Vec<Sym>,
    /// One per relationship, or empty when none has properties.
    pub props: Vec<Properties>,
}

impl Columns {
    pub fn len(&self) -> usize {
        self.src.len()
    }

    pub fn push(&mut self, src: u32, dst: u32, ty: Sym, props: Properties) {
        // Properties are kept from the first relationship that has any: earlier ones get empty maps.
        if !self.props.is_empty() || !props.is_empty() {
            self.props.resize(self.src.len(), Properties::default());
            self.props.push(props);
        }
        self.src.push(src);
        self.dst.push(dst);
        self.types.push(ty);
    }
}

#[derive(Debug, Clone, Default)]
pub(super) struct EdgeStore {
    out: Rows,
    inc: Rows,
    /// For each incoming entry, the position of the same relationship in `out`.
    inc_pos: Vec<u32>,
    /// The id at each outgoing position; empty when every id is its position.
    ids: Vec<u32>,
    /// With `ids`: each id's position, `u32::MAX` for an id not here.
    pos_of: Vec<u32>,
    props: PropsByPosition,
    /// Tombstones by position, a bit each; empty until something is deleted.
    deleted: Vec<u64>,
    deleted_count: usize,
    table: TypeTable,
}

const NO_POSITION: u32 = u32::MAX;

impl EdgeStore {
    /// Every relationship still here, in ascending id order, taking the properties with them.
    pub(super) fn take_columns(&mut self) -> Columns {
        let mut props = std::mem::take(&mut self.props);
        let mut columns = Columns::default();
        let mut ids = Vec::with_capacity(self.len());
        self.for_each_live(|id, p, start| {
            ids.push(id);
            let taken = props.take(p);
            columns.push(start, self.out.others[p], self.edge_type(p), taken);
        });
        columns.ids = Some(ids);
        *self = EdgeStore::default();
        columns
    }

    /// Calls `each(id, position, start node)` for every relationship here, deleted ones excluded,
    /// by ascending id.
    fn for_each_live(&self, mut each: impl FnMut(u32, usize, u32)) {
        let start_at = starts(&self.out, &self.pos_of);
        let ids = 0..id_span(&self.out, &self.pos_of);
        each_by_id(&self.out, &self.pos_of, &start_at, ids, |p, start| {
            if !self.is_deleted(p) {
                each(self.id_at(p), p, start);
            }
        });
    }

    /// Relationships here, deleted ones excluded.
    pub(super) fn len(&self) -> usize {
        self.out.others.len() - self.deleted_count
    }

    /// One past the highest id here (zero when empty).
    pub(super) fn id_bound(&self) -> u32 {
        if self.ids.is_empty() { self.out.others.len() as u32 } else { self.pos_of.len() as u32 }
    }

    /// The types the rows hold (deleted relationships' included).
    pub(super) fn types_in_use(&self) -> Vec<Sym> {
        match &self.out.types {
            Codes::Narrow(_) => self.table.names.clone(),
            Codes::Wide(types) => {
                let mut seen: Vec<Sym> = types.clone();
                seen.sort_unstable();
                seen.dedup();
                seen
            }
        }
    }

    /// The outgoing rows as they are, when they are all there is to write: ids are positions, no
    /// tombstone, one-byte types.
    pub(super) fn out_rows(&self) -> Option<OutRows<'_>> {
        OutRows::of(&self.out, &self.ids, &self.table, &self.props).filter(|_| self.is_clean())
    }

    /// Whether node `n` has a row entry in either direction (deleted ones included).
    pub(super) fn has_row(&self, n: usize) -> bool {
        !self.out.range(n).is_empty() || !self.inc.range(n).is_empty()
    }

    /// How many relationships here have each type (deleted ones excluded).
    pub(super) fn type_counts(&self) -> Vec<(Sym, usize)> {
        let mut counts: rustc_hash::FxHashMap<Sym, usize> = Default::default();
        match &self.out.types {
            Codes::Narrow(codes) if self.is_clean() => {
                let by_code = byte_counts(codes);
                for (code, &ty) in self.table.names.iter().enumerate() {
                    counts.insert(ty, by_code[code]);
                }
            }
            _ => {
                for p in (0..self.out.others.len()).filter(|&p| !self.is_deleted(p)) {
                    *counts.entry(self.edge_type(p)).or_default() += 1;
                }
            }
        }
        counts.into_iter().filter(|&(_, n)| n > 0).collect()
    }

    /// Calls `visit` with each relationship here (deleted ones excluded) by ascending id: id, start,
    /// end, type, properties. Row by row when ids are positions, so no start node is looked up.
    pub(super) fn visit<'g>(&'g self, mut visit: impl FnMut(u32, u32, u32, Sym, &'g Properties)) {
        self.for_each_live(|id, p, start| {
            visit(id, start, self.out.others[p], self.edge_type(p), self.properties(p));
        });
    }

    /// Relationships deleted since the build.
    pub(super) fn deleted(&self) -> usize {
        self.deleted_count
    }

    pub(super) fn is_clean(&self) -> bool {
        self.deleted_count == 0
    }

    pub(super) fn node_bound(&self) -> usize {
        self.out.node_bound()
    }

    /// Gives nodes created since the build (which have no relationships here) their empty rows.
    pub(super) fn extend_to(&mut self, node_bound: usize) {
        if node_bound > self.out.node_bound() {
            self.out.extend_to(node_bound);
            self.inc.extend_to(node_bound);
        }
    }

    fn id_at(&self, p: usize) -> u32 {
        if self.ids.is_empty() { p as u32 } else { self.ids[p] }
    }

    #[inline]
    fn is_deleted(&self, p: usize) -> bool {
        self.deleted_count > 0 && self.deleted[p / 64] & (1 << (p % 64)) != 0
    }

    /// The position of relationship `id`, deleted or not.
    fn position(&self, id: EdgeId) -> Option<usize> {
        let id = id.0 as usize;
        if self.ids.is_empty() {
            (id < self.out.others.len()).then_some(id)
        } else {
            self.pos_of.get(id).filter(|&&p| p != NO_POSITION).map(|&p| p as usize)
        }
    }

    /// The position of relationship `id` if it is here and not deleted.
    pub(super) fn live(&self, id: EdgeId) -> Option<usize> {
        self.position(id).filter(|&p| !self.is_deleted(p))
    }

    /// The position of relationship `id` if it is here and deleted.
    pub(super) fn tombstone(&self, id: EdgeId) -> Option<usize> {
        self.position(id).filter(|&p| self.is_deleted(p))
    }

    fn start_of(&self, p: usize) -> u32 {
        // The row whose range holds p: the last node whose offset is at most p.
        (self.out.offsets.partition_point(|&o| o as usize <= p) - 1) as u32
    }

    pub(super) fn endpoints(&self, p: usize) -> (NodeId, NodeId) {
        (NodeId(self.start_of(p)), NodeId(self.out.others[p]))
    }

    fn type_at(&self, rows: &Rows, i: usize) -> Sym {
        match &rows.types {
            Codes::Narrow(c) => self.table.names[c[i] as usize],
            Codes::Wide(t) => t[i],
        }
    }

    pub(super) fn edge_type(&self, p: usize) -> Sym {
        self.type_at(&self.out, p)
    }

    pub(super) fn properties(&self, p: usize) -> &Properties {
        self.props.get(p)
    }

    pub(super) fn properties_mut(&mut self, p: usize) -> &mut Properties {
        self.props.get_mut(p, self.out.others.len())
    }

    /// Deletes the relationship at `p`, handing back its type and properties.
    pub(super) fn delete(&mut self, p: usize) -> (Sym, Properties) {
        if self.deleted.is_empty() {
            self.deleted = vec![0; self.out.others.len().div_ceil(64)];
        }
        self.deleted[p / 64] |= 1 << (p % 64);
        self.deleted_count += 1;
        (self.edge_type(p), self.props.take(p))
    }

    /// Brings back the relationship deleted at `p` (undoing a failed statement).
    pub(super) fn undelete(&mut self, p: usize, props: Properties) {
        self.deleted[p / 64] &= !(1 << (p % 64));
        self.deleted_count -= 1;
        if !props.is_empty() {
            *self.properties_mut(p) = props;
        }
    }

    /// Ids of the relationships here, ascending, deleted ones excluded.
    pub(super) fn ids(&self) -> impl Iterator<Item = EdgeId> + '_ {
        // Without an id table the ids are the positions; with one, `pos_of` holds them in order.
        let positions = if self.ids.is_empty() { self.out.others.len() } else { 0 };
        let by_position = (0..positions).map(|p| (p as u32, p));
        let by_table = self.pos_of.iter().enumerate().filter(|&(_, &p)| p != NO_POSITION);
        by_position
            .chain(by_table.map(|(id, &p)| (id as u32, p as usize)))
            .filter(move |&(_, p)| !self.is_deleted(p))
            .map(|(id, _)| EdgeId(id))
    }

    /// Appends node `n`'s relationships in `dir` with a wanted type, newest first, as
    /// [`Graph::neighbours`](super::Graph::neighbours) defines them.
    pub(super) fn neighbours(&self, n: u32, dir: Direction, types: &[Sym], out: &mut Vec<(EdgeId, NodeId)>) {
        if dir != Direction::Incoming {
            let wanted = self.out.view(&self.table).wanted(types);
            for p in self.out.range(n as usize).rev() {
                if self.out.keeps(p, &wanted) && !self.is_deleted(p) {
                    out.push((EdgeId(self.id_at(p)), NodeId(self.out.others[p])));
                }
            }
        }
        if dir != Direction::Outgoing {
            let wanted = self.inc.view(&self.table).wanted(types);
            for q in self.inc.range(n as usize).rev() {
                let p = self.inc_pos[q] as usize;
                // With both directions, a self-loop was listed once already, as outgoing.
                let repeated_loop = dir == Direction::Both && self.inc.others[q] == n;
                if self.inc.keeps(q, &wanted) && !self.is_deleted(p) && !repeated_loop {
                    out.push((EdgeId(self.id_at(p)), NodeId(self.inc.others[q])));
                }
            }
        }
    }

    /// How many entries `neighbours` would list, without listing them.
    pub(super) fn degree(&self, n: u32, dir: Direction, types: &[Sym]) -> usize {
        if !self.is_clean() {
            let mut listed = Vec::new();
            self.neighbours(n, dir, types, &mut listed);
            return listed.len();
        }
        let (out, inc) = (self.out.view(&self.table), self.inc.view(&self.table));
        match dir {
            Direction::Outgoing => out.degree(n, &out.wanted(types)),
            Direction::Incoming => inc.degree(n, &inc.wanted(types)),
            Direction::Both => {
                let wanted = inc.wanted(types);
                let mut loops = 0;
                inc.any(n, &wanted, |m| {
                    loops += usize::from(m == n);
                    false
                });
                out.degree(n, &out.wanted(types)) + inc.degree(n, &wanted) - loops
            }
        }
    }

    /// Whether node `n` has any relationship here.
    pub(super) fn touches(&self, n: u32) -> bool {
        let mut listed = Vec::new();
        self.neighbours(n, Direction::Both, &[], &mut listed);
        !listed.is_empty()
    }

    /// One direction's rows read in place; `None` while tombstones would have to be skipped.
    pub(super) fn rows(&self, dir: Direction) -> Option<RowsView<'_>> {
        if !self.is_clean() {
            return None;
        }
        match dir {
            Direction::Outgoing => Some(self.out.view(&self.table)),
            Direction::Incoming => Some(self.inc.view(&self.table)),
            Direction::Both => None,
        }
    }

    /// Heap bytes held, for the memory figures of the benchmarks.
    pub(super) fn heap_bytes(&self) -> usize {
        let words = self.inc_pos.capacity() + self.ids.capacity() + self.pos_of.capacity();
        self.out.bytes()
            + self.inc.bytes()
            + words * 4
            + self.props.heap_bytes()
            + self.deleted.capacity() * 8
            + self.table.names.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::byte_counts;

    #[test]
    fn byte_counts_count_every_byte_whatever_the_length() {
        for len in [0usize, 1, 3, 4, 5, 1000, 4099] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * i % 7 + i % 3 * 100) as u8).collect();
            let mut expected = [0usize; 256];
            for &b in &bytes {
                expected[b as usize] += 1;
            }
            assert_eq!(byte_counts(&bytes), expected, "{len} bytes");
        }
    }
}
