//! The relationships loaded or compacted in bulk: two compressed sparse rows (outgoing and incoming)
//! and nothing else. A relationship is its outgoing entry (other end, one-byte type); its start node
//! is the row it sits in, and its id is its position there unless ids had to be kept as given. The
//! incoming entry points back at the outgoing one. That is 14 bytes a relationship, where petgraph's
//! record alone is 32 and still needs an index beside it to be read fast.
//!
//! Deletions leave a tombstone (one bit per relationship); creations go to the graph's small write
//! store until [`Graph::prepare_reads`](super::Graph::prepare_reads) folds them in here again.

use super::adjacency::{Codes, Rows, RowsView, TYPED_DEGREES_UP_TO, TypeTable};
use super::{Direction, EdgeId, NodeId, Properties, Sym};

/// A store's outgoing rows as they are, for writing them out: node `n`'s relationships are
/// `offsets[n]..offsets[n + 1]`, their ids those positions, their types `table[codes[i]]`.
pub(crate) struct OutRows<'g> {
    pub offsets: &'g [u32],
    pub ends: &'g [u32],
    pub codes: &'g [u8],
    pub table: &'g [Sym],
    /// By position, or empty.
    pub props: &'g [Properties],
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
    /// Properties by position; empty when no relationship here has any.
    props: Vec<Properties>,
    /// Tombstones by position, a bit each; empty until something is deleted.
    deleted: Vec<u64>,
    deleted_count: usize,
    table: TypeTable,
}

const NO_POSITION: u32 = u32::MAX;

impl EdgeStore {
    /// Builds the store from columns whose endpoints are all below `node_bound`.
    pub(super) fn build(node_bound: usize, columns: Columns) -> EdgeStore {
        Outgoing::build(node_bound, columns).into_store()
    }

    /// Builds the store from outgoing rows as a snapshot keeps them: each node's out-degree, the end
    /// of each relationship and its type's code in `names`; the ids are the positions. The caller
    /// has checked that the degrees add up, and that ends and codes are in range.
    pub(super) fn from_rows(
        degrees: Vec<u32>,
        others: Vec<u32>,
        codes: Vec<u8>,
        names: Vec<Sym>,
    ) -> EdgeStore {
        let node_bound = degrees.len();
        let mut offsets = Vec::with_capacity(node_bound + 1);
        offsets.push(0u32);
        let mut total = 0u32;
        for d in degrees {
            total += d;
            offsets.push(total);
        }
        let codes_of = names.iter().enumerate().map(|(code, &ty)| (ty, code as u8)).collect();
        let table = TypeTable { names, codes: codes_of };
        let out =
            Rows { offsets, others, types: Codes::Narrow(codes), typed: 0, by_type: Default::default() };
        EdgeStore::assemble(node_bound, out, Vec::new(), Vec::new(), table)
    }

    /// The store around its outgoing rows: the incoming rows, the id table, degrees by type.
    fn assemble(
        node_bound: usize,
        mut out: Rows,
        ids: Vec<u32>,
        props: Vec<Properties>,
        table: TypeTable,
    ) -> EdgeStore {
        let mut pos_of = Vec::new();
        if let Some(&highest) = ids.iter().max() {
            pos_of = vec![NO_POSITION; highest as usize + 1];
            for (p, &id) in ids.iter().enumerate() {
                pos_of[id as usize] = p as u32;
            }
        }
        let (inc, inc_pos) = incoming(node_bound, &out, &pos_of);
        let narrow = matches!(out.types, Codes::Narrow(_));
        let mut store = EdgeStore {
            out: Rows::default(),
            inc,
            inc_pos,
            ids,
            pos_of,
            props,
            deleted: Vec::new(),
            deleted_count: 0,
            table,
        };
        if narrow && store.table.names.len() <= TYPED_DEGREES_UP_TO {
            out.typed = store.table.names.len();
            store.inc.typed = store.table.names.len();
        }
        store.out = out;
        store
    }

    /// Every relationship still here, in ascending id order, taking the properties with them.
    pub(super) fn take_columns(&mut self) -> Columns {
        let mut columns = Columns { ids: Some(Vec::new()), ..Columns::default() };
        let has_props = !self.props.is_empty();
        for (id, p) in self.positions_by_id() {
            let p = p as usize;
            if self.is_deleted(p) {
                continue;
            }
            let props = if has_props { std::mem::take(&mut self.props[p]) } else { Properties::default() };
            if let Some(ids) = &mut columns.ids {
                ids.push(id);
            }
            columns.push(self.start_of(p), self.out.others[p], self.type_at(&self.out, p), props);
        }
        *self = EdgeStore::default();
        columns
    }

    /// (id, position) of every relationship here, deleted or not, by ascending id.
    fn positions_by_id(&self) -> Vec<(u32, u32)> {
        if self.ids.is_empty() {
            (0..self.out.others.len() as u32).map(|p| (p, p)).collect()
        } else {
            let present = self.pos_of.iter().enumerate().filter(|&(_, &p)| p != NO_POSITION);
            present.map(|(id, &p)| (id as u32, p)).collect()
        }
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
        match &self.out.types {
            Codes::Narrow(codes) if self.ids.is_empty() && self.is_clean() => Some(OutRows {
                offsets: &self.out.offsets,
                ends: &self.out.others,
                codes,
                table: &self.table.names,
                props: &self.props,
            }),
            _ => None,
        }
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
                let mut by_code = [0usize; 256];
                for &c in codes {
                    by_code[c as usize] += 1;
                }
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
        let mut one = |p: usize, start: u32| {
            if !self.is_deleted(p) {
                visit(self.id_at(p), start, self.out.others[p], self.edge_type(p), self.properties(p));
            }
        };
        if self.ids.is_empty() {
            for n in 0..self.out.node_bound() {
                for p in self.out.range(n) {
                    one(p, n as u32);
                }
            }
        } else {
            let mut start_at = vec![0u32; self.out.others.len()];
            for n in 0..self.out.node_bound() {
                start_at[self.out.range(n)].fill(n as u32);
            }
            for &p in self.pos_of.iter().filter(|&&p| p != NO_POSITION) {
                one(p as usize, start_at[p as usize]);
            }
        }
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
        self.props.get(p).unwrap_or(Properties::empty())
    }

    pub(super) fn properties_mut(&mut self, p: usize) -> &mut Properties {
        if self.props.is_empty() {
            self.props.resize(self.out.others.len(), Properties::default());
        }
        &mut self.props[p]
    }

    /// Deletes the relationship at `p`, handing back its type and properties.
    pub(super) fn delete(&mut self, p: usize) -> (Sym, Properties) {
        if self.deleted.is_empty() {
            self.deleted = vec![0; self.out.others.len().div_ceil(64)];
        }
        self.deleted[p / 64] |= 1 << (p % 64);
        self.deleted_count += 1;
        let props = self.props.get_mut(p).map(std::mem::take).unwrap_or_default();
        (self.edge_type(p), props)
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
        let implicit = self.ids.is_empty();
        let positions = if implicit { self.out.others.len() } else { 0 };
        let by_position = (0..positions).filter(move |&p| !self.is_deleted(p)).map(|p| EdgeId(p as u32));
        let by_id = self
            .pos_of
            .iter()
            .enumerate()
            .filter(move |&(_, &p)| !implicit && p != NO_POSITION && !self.is_deleted(p as usize));
        by_position.chain(by_id.map(|(id, _)| EdgeId(id as u32)))
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
            + self.props.capacity() * std::mem::size_of::<Properties>()
            + self.deleted.capacity() * 8
            + self.table.names.capacity() * 4
    }
}

/// The outgoing rows alone, as a bulk load builds them first: all that writing a snapshot needs,
/// so an import that only writes one builds nothing more.
#[derive(Debug)]
pub(crate) struct Outgoing {
    node_bound: usize,
    rows: Rows,
    ids: Vec<u32>,
    props: Vec<Properties>,
    table: TypeTable,
}

impl Outgoing {
    /// The rows of columns whose endpoints are all below `node_bound`.
    pub(super) fn build(node_bound: usize, columns: Columns) -> Outgoing {
        let Columns { ids, src, dst, types, props } = columns;

        let total = src.len();
        let (table, code_of) = type_table(&types);
        let narrow = !table.names.is_empty() || types.is_empty();
        let code = |ty: Sym| code_of[ty.0 as usize] as u8;
        let out_offsets = offsets(node_bound, src.iter().copied());
        let in_start_order = src.windows(2).all(|w| w[0] <= w[1]);
        // Entry order: by start node, and within a node in the order given. Columns already in that
        // order (a snapshot of a bulk load) move in without a copy.
        let (others, codes, ids, props) = if in_start_order {
            drop(src);
            let codes = if narrow {
                let codes = types.iter().map(|&t| code(t)).collect();
                drop(types);
                Codes::Narrow(codes)
            } else {
                Codes::Wide(types)
            };
            (dst, codes, ids, props)
        } else if ids.is_none() && props.is_empty() && narrow {
            // The usual bulk load: nothing but ends and types to place, on every core.
            let codes: Vec<u8> = types.iter().map(|&t| code(t)).collect();
            drop(types);
            let (others, codes) = place_by_row(&out_offsets, &src, &dst, &codes);
            (others, Codes::Narrow(codes), None, props)
        } else {
            let mut fill: Vec<u32> = out_offsets[..node_bound].to_vec();
            let position: Vec<u32> = src
                .iter()
                .map(|&a| {
                    let p = fill[a as usize];
                    fill[a as usize] += 1;
                    p
                })
                .collect();
            drop(fill);
            drop(src);
            let scatter = |column: Vec<u32>| {
                let mut placed = vec![0u32; column.len()];
                for (i, v) in column.into_iter().enumerate() {
                    placed[position[i] as usize] = v;
                }
                placed
            };
            let others = scatter(dst);
            let codes = if narrow {
                let mut placed = vec![0u8; total];
                for (i, &t) in types.iter().enumerate() {
                    placed[position[i] as usize] = code(t);
                }
                Codes::Narrow(placed)
            } else {
                let mut placed = vec![Sym::default(); total];
                for (i, &t) in types.iter().enumerate() {
                    placed[position[i] as usize] = t;
                }
                Codes::Wide(placed)
            };
            let ids = ids.map(scatter);
            let props = if props.is_empty() {
                props
            } else {
                let mut placed = vec![Properties::default(); total];
                for (i, p) in props.into_iter().enumerate() {
                    placed[position[i] as usize] = p;
                }
                placed
            };
            (others, codes, ids, props)
        };
        let rows = Rows { offsets: out_offsets, others, types: codes, typed: 0, by_type: Default::default() };
        // Ids that are their positions need not be kept.
        let ids = ids.filter(|ids| ids.iter().enumerate().any(|(p, &id)| p as u32 != id)).unwrap_or_default();
        Outgoing { node_bound, rows, ids, props, table }
    }

    /// The rows as they are written, when ids are positions and types take a byte.
    pub(crate) fn out_rows(&self) -> Option<OutRows<'_>> {
        match &self.rows.types {
            Codes::Narrow(codes) if self.ids.is_empty() => Some(OutRows {
                offsets: &self.rows.offsets,
                ends: &self.rows.others,
                codes,
                table: &self.table.names,
                props: &self.props,
            }),
            _ => None,
        }
    }

    /// How many relationships the rows hold.
    pub(crate) fn len(&self) -> usize {
        self.rows.others.len()
    }

    pub(super) fn into_store(self) -> EdgeStore {
        EdgeStore::assemble(self.node_bound, self.rows, self.ids, self.props, self.table)
    }
}

/// The one-byte code table (codes in order of first use), and each symbol's code by symbol number;
/// an empty table when more than 256 types are in use, which the rows then store in full.
fn type_table(types: &[Sym]) -> (TypeTable, Vec<u16>) {
    let mut table = TypeTable::default();
    let mut code_of: Vec<u16> = Vec::new();
    for &ty in types {
        let at = ty.0 as usize;
        if at >= code_of.len() {
            code_of.resize(at + 1, u16::MAX);
        }
        if code_of[at] == u16::MAX {
            code_of[at] = table.names.len().min(u16::MAX as usize - 1) as u16;
            table.names.push(ty);
        }
    }
    if table.names.len() > 256 {
        return (TypeTable::default(), Vec::new());
    }
    table.codes = table.names.iter().enumerate().map(|(code, &ty)| (ty, code as u8)).collect();
    (table, code_of)
}

/// Row offsets for `node_bound` nodes from each entry's row.
fn offsets(node_bound: usize, rows: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut counts = vec![0u32; node_bound + 1];
    for r in rows {
        counts[r as usize + 1] += 1;
    }
    for i in 1..counts.len() {
        counts[i] += counts[i - 1];
    }
    counts
}

/// The incoming rows of `out`, each row in ascending id order, and each entry's outgoing position.
fn incoming(node_bound: usize, out: &Rows, pos_of: &[u32]) -> (Rows, Vec<u32>) {
    let offsets = offsets(node_bound, out.others.iter().copied());
    let (others, inc_pos, types) = match &out.types {
        Codes::Narrow(codes) => {
            let (others, inc_pos, codes) = transpose(&offsets, out, codes, pos_of);
            (others, inc_pos, Codes::Narrow(codes))
        }
        Codes::Wide(types) => {
            let (others, inc_pos, types) = transpose(&offsets, out, types, pos_of);
            (others, inc_pos, Codes::Wide(types))
        }
    };
    (Rows { offsets, others, types, typed: 0, by_type: Default::default() }, inc_pos)
}

/// Below this many relationships, transposing on one thread is quicker than starting more.
const PARALLEL_FROM: usize = 1 << 20;

/// Places every outgoing entry in its end node's incoming row. The writes land all over the
/// arrays, one cache miss each, so they are split by end node across the machine's cores, each
/// thread reading every entry and writing its own part: random writes wait on memory, and two
/// cores wait on it twice as fast.
fn transpose<T: Copy + Default + Send + Sync>(
    in_offsets: &[u32],
    out: &Rows,
    codes: &[T],
    pos_of: &[u32],
) -> (Vec<u32>, Vec<u32>, Vec<T>) {
    let total = out.others.len();
    let (mut others, mut inc_pos, mut inc_codes) =
        (vec![0u32; total], vec![0u32; total], vec![T::default(); total]);
    // With explicit ids, entries are visited in id order, so each needs its start node at hand.
    let mut start_at = Vec::new();
    if !pos_of.is_empty() {
        start_at = vec![0u32; total];
        for n in 0..out.node_bound() {
            start_at[out.range(n)].fill(n as u32);
        }
    }
    let (threads, bounds) = row_ranges(in_offsets);
    let (start_at, out_others) = (&start_at, &out.others);
    let fill_part = |lo: usize, hi: usize, others: &mut [u32], inc_pos: &mut [u32], inc_codes: &mut [T]| {
        let base = in_offsets[lo];
        let mut fill: Vec<u32> = in_offsets[lo..hi].iter().map(|&o| o - base).collect();
        let mut place = |p: usize, start: u32| {
            let end = out_others[p] as usize;
            if (lo..hi).contains(&end) {
                let q = fill[end - lo] as usize;
                fill[end - lo] += 1;
                others[q] = start;
                inc_pos[q] = p as u32;
                inc_codes[q] = codes[p];
            }
        };
        if pos_of.is_empty() {
            // Positions are ids: row by row is id order.
            for n in 0..out.node_bound() {
                for p in out.range(n) {
                    place(p, n as u32);
                }
            }
        } else {
            for &p in pos_of.iter().filter(|&&p| p != NO_POSITION) {
                place(p as usize, start_at[p as usize]);
            }
        }
    };
    std::thread::scope(|scope| {
        let (mut others, mut inc_pos, mut inc_codes) =
            (&mut others[..], &mut inc_pos[..], &mut inc_codes[..]);
        for part in bounds.windows(2) {
            let (lo, hi) = (part[0], part[1]);
            let len = (in_offsets[hi] - in_offsets[lo]) as usize;
            let (o, rest) = std::mem::take(&mut others).split_at_mut(len);
            others = rest;
            let (p, rest) = std::mem::take(&mut inc_pos).split_at_mut(len);
            inc_pos = rest;
            let (c, rest) = std::mem::take(&mut inc_codes).split_at_mut(len);
            inc_codes = rest;
            if threads == 1 {
                fill_part(lo, hi, o, p, c);
            } else {
                scope.spawn(move || fill_part(lo, hi, o, p, c));
            }
        }
    });
    (others, inc_pos, inc_codes)
}

/// How many threads to split rows across, and the node ranges they take: about the same number of
/// entries each.
fn row_ranges(offsets: &[u32]) -> (usize, Vec<usize>) {
    let node_bound = offsets.len() - 1;
    let total = offsets[node_bound] as usize;
    let threads = if total < PARALLEL_FROM {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get()).min(4)
    };
    let mut bounds = vec![0usize];
    for k in 1..threads {
        let target = total * k / threads;
        let at = offsets.partition_point(|&o| (o as usize) < target).min(node_bound);
        bounds.push(at.max(bounds[bounds.len() - 1]));
    }
    bounds.push(node_bound);
    (threads, bounds)
}

/// Places entry `i` (in row `rows[i]`, with `values[i]` and `codes[i]`) in its row, each row in
/// input order: the outgoing rows of an unsorted load. Split by row across cores, as
/// [`transpose`] is, for the same reason.
fn place_by_row<T: Copy + Default + Send + Sync>(
    offsets: &[u32],
    rows: &[u32],
    values: &[u32],
    codes: &[T],
) -> (Vec<u32>, Vec<T>) {
    let total = rows.len();
    let (mut placed, mut placed_codes) = (vec![0u32; total], vec![T::default(); total]);
    let (threads, bounds) = row_ranges(offsets);
    let fill_part = |lo: usize, hi: usize, placed: &mut [u32], placed_codes: &mut [T]| {
        let base = offsets[lo];
        let mut fill: Vec<u32> = offsets[lo..hi].iter().map(|&o| o - base).collect();
        for ((&row, &value), &code) in rows.iter().zip(values).zip(codes) {
            let row = row as usize;
            if (lo..hi).contains(&row) {
                let q = fill[row - lo] as usize;
                fill[row - lo] += 1;
                placed[q] = value;
                placed_codes[q] = code;
            }
        }
    };
    std::thread::scope(|scope| {
        let (mut placed, mut placed_codes) = (&mut placed[..], &mut placed_codes[..]);
        for part in bounds.windows(2) {
            let (lo, hi) = (part[0], part[1]);
            let len = (offsets[hi] - offsets[lo]) as usize;
            let (p, rest) = std::mem::take(&mut placed).split_at_mut(len);
            placed = rest;
            let (c, rest) = std::mem::take(&mut placed_codes).split_at_mut(len);
            placed_codes = rest;
            if threads == 1 {
                fill_part(lo, hi, p, c);
            } else {
                scope.spawn(move || fill_part(lo, hi, p, c));
            }
        }
    });
    (placed, placed_codes)
}
