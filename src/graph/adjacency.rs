//! A read-optimised adjacency index beside petgraph's linked lists: compressed sparse rows (CSR),
//! one per direction. petgraph threads each node's edges through the whole edge array, so walking
//! them misses the cache on almost every edge; here a node's edges are one contiguous run.
//!
//! Writes do not rebuild the index: they mark the nodes whose edges changed as stale, and
//! [`Graph::neighbours`](super::Graph::neighbours) reads a stale node's edges from petgraph, which is
//! always current. The index is rebuilt (by [`Graph::prepare_reads`](super::Graph::prepare_reads))
//! once enough nodes are stale for the fallback to cost more than a rebuild.

use super::{Direction, EdgeId, NodeId, Sym};

/// Relationship types, one per entry. A graph with at most 256 types in use (nearly every graph)
/// stores each as a one-byte code into the index's type table: a quarter of the memory, and a quarter
/// of the bytes a typed scan reads.
#[derive(Debug, Clone)]
enum Codes {
    Narrow(Vec<u8>),
    Wide(Vec<Sym>),
}

impl Default for Codes {
    fn default() -> Self {
        Codes::Narrow(Vec::new())
    }
}

/// Up to how many relationship types in use the index keeps each node's degree by type.
const TYPED_DEGREES_UP_TO: usize = 8;

/// One direction's rows: node `n`'s entries are `offsets[n]..offsets[n + 1]`, newest edge first
/// (the order petgraph's own lists use, so results do not reorder when the index is rebuilt).
#[derive(Debug, Clone, Default)]
struct Rows {
    offsets: Vec<u32>,
    edges: Vec<u32>,
    others: Vec<u32>,
    types: Codes,
    /// With few narrow types, each node's degree by type code (`by_type[code][node]`): typed pattern
    /// counts then read one number per node instead of scanning its row. Empty otherwise.
    by_type: Vec<Vec<u32>>,
}

impl Rows {
    fn range(&self, n: usize) -> std::ops::Range<usize> {
        self.offsets[n] as usize..self.offsets[n + 1] as usize
    }

    fn view<'g>(&'g self, table: &'g TypeTable) -> RowsView<'g> {
        let codes = match &self.types {
            Codes::Narrow(c) => CodesView::Narrow(c),
            Codes::Wide(c) => CodesView::Wide(c),
        };
        RowsView { offsets: &self.offsets, others: &self.others, codes, table, by_type: &self.by_type }
    }

    fn bytes(&self) -> usize {
        let codes = match &self.types {
            Codes::Narrow(c) => c.capacity(),
            Codes::Wide(c) => c.capacity() * 4,
        };
        let by_type: usize = self.by_type.iter().map(|d| d.capacity() * 4).sum();
        (self.offsets.capacity() + self.edges.capacity() + self.others.capacity()) * 4 + codes + by_type
    }
}

/// The one-byte codes of a narrow index: code `i` is `names[i]`.
#[derive(Debug, Clone, Default)]
struct TypeTable {
    names: Vec<Sym>,
    codes: rustc_hash::FxHashMap<Sym, u8>,
}

#[derive(Debug, Clone, Copy)]
enum CodesView<'g> {
    Narrow(&'g [u8]),
    Wide(&'g [Sym]),
}

/// The relationship types a scan keeps, in the form the rows compare fastest.
#[derive(Debug, Clone)]
pub enum Wanted<'t> {
    Any,
    /// One narrow code.
    Code(u8),
    /// A set of narrow codes, as a 256-bit map (empty: nothing matches).
    Codes([u64; 4]),
    /// Wide rows compare the symbols themselves (borrowed: no copy per lookup).
    Syms(&'t [Sym]),
}

impl Wanted<'_> {
    #[inline]
    fn narrow(&self, code: u8) -> bool {
        match self {
            Wanted::Any => true,
            Wanted::Code(c) => *c == code,
            Wanted::Codes(bits) => bits[(code >> 6) as usize] & (1 << (code & 63)) != 0,
            Wanted::Syms(_) => false,
        }
    }

    #[inline]
    fn wide(&self, ty: Sym) -> bool {
        match self {
            Wanted::Any => true,
            Wanted::Syms(types) => types.contains(&ty),
            Wanted::Code(_) | Wanted::Codes(_) => false,
        }
    }
}

/// One direction of a fully current index, read in place: for the few loops (breadth-first search,
/// degree counts) where copying each edge out through `Graph::neighbours` is most of the cost.
#[derive(Debug, Clone, Copy)]
pub struct RowsView<'g> {
    offsets: &'g [u32],
    others: &'g [u32],
    codes: CodesView<'g>,
    table: &'g TypeTable,
    by_type: &'g [Vec<u32>],
}

impl<'g> RowsView<'g> {
    /// `types` (any type when empty) in the form this view compares.
    pub fn wanted<'t>(&self, types: &'t [Sym]) -> Wanted<'t> {
        match (types, self.codes) {
            ([], _) => Wanted::Any,
            (_, CodesView::Wide(_)) => Wanted::Syms(types),
            ([only], CodesView::Narrow(_)) => match self.table.codes.get(only) {
                Some(&code) => Wanted::Code(code),
                None => Wanted::Codes([0; 4]),
            },
            (many, CodesView::Narrow(_)) => {
                let mut bits = [0u64; 4];
                for code in many.iter().filter_map(|t| self.table.codes.get(t)) {
                    bits[(code >> 6) as usize] |= 1 << (code & 63);
                }
                Wanted::Codes(bits)
            }
        }
    }

    #[inline]
    fn range(&self, n: u32) -> std::ops::Range<usize> {
        let n = n as usize;
        match (self.offsets.get(n), self.offsets.get(n + 1)) {
            (Some(&from), Some(&to)) => from as usize..to as usize,
            _ => 0..0,
        }
    }

    /// Calls `visit` with the node at the other end of each of `n`'s wanted relationships, newest
    /// first, until it returns true; returns whether it did.
    #[inline]
    pub fn any(&self, n: u32, wanted: &Wanted, mut visit: impl FnMut(u32) -> bool) -> bool {
        let range = self.range(n);
        let others = &self.others[range.clone()];
        match (self.codes, wanted) {
            (_, Wanted::Any) => others.iter().any(|&m| visit(m)),
            (CodesView::Narrow(codes), _) => {
                others.iter().zip(&codes[range]).any(|(&m, &c)| wanted.narrow(c) && visit(m))
            }
            (CodesView::Wide(types), _) => {
                others.iter().zip(&types[range]).any(|(&m, &t)| wanted.wide(t) && visit(m))
            }
        }
    }

    /// How many of `n`'s relationships are wanted.
    #[inline]
    pub fn degree(&self, n: u32, wanted: &Wanted) -> usize {
        let range = self.range(n);
        match (self.codes, wanted) {
            (_, Wanted::Any) => range.len(),
            (_, Wanted::Code(code)) if !self.by_type.is_empty() => {
                self.by_type[*code as usize].get(n as usize).map_or(0, |&d| d as usize)
            }
            (CodesView::Narrow(codes), Wanted::Code(code)) => {
                codes[range].iter().filter(|&c| c == code).count()
            }
            (CodesView::Narrow(codes), _) => codes[range].iter().filter(|&&c| wanted.narrow(c)).count(),
            (CodesView::Wide(types), _) => types[range].iter().filter(|&&t| wanted.wide(t)).count(),
        }
    }

    /// The degrees (wanted relationships only) of the nodes in `nodes`, in order, into `out`: one
    /// sequential pass, with the choice of comparison made once rather than per node.
    pub fn degrees(&self, nodes: std::ops::Range<usize>, wanted: &Wanted, out: &mut Vec<u32>) {
        out.clear();
        let nodes = nodes.start.min(self.node_bound())..nodes.end.min(self.node_bound());
        let bounds =
            self.offsets[nodes.start..nodes.end + 1].windows(2).map(|w| w[0] as usize..w[1] as usize);
        match (self.codes, wanted) {
            (_, Wanted::Any) => out.extend(bounds.map(|r| r.len() as u32)),
            (_, Wanted::Code(code)) if !self.by_type.is_empty() => {
                out.extend_from_slice(&self.by_type[*code as usize][nodes])
            }
            (CodesView::Narrow(codes), Wanted::Code(code)) => {
                out.extend(bounds.map(|r| codes[r].iter().filter(|&c| c == code).count() as u32))
            }
            (CodesView::Narrow(codes), _) => {
                out.extend(bounds.map(|r| codes[r].iter().filter(|&&c| wanted.narrow(c)).count() as u32))
            }
            (CodesView::Wide(types), _) => {
                out.extend(bounds.map(|r| types[r].iter().filter(|&&t| wanted.wide(t)).count() as u32))
            }
        }
    }

    /// One past the highest node id the rows cover.
    pub fn node_bound(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Relationships in all rows.
    pub fn len(&self) -> usize {
        self.others.len()
    }

    pub fn is_empty(&self) -> bool {
        self.others.is_empty()
    }
}

#[derive(Debug, Clone, Default)]
pub(super) struct Adjacency {
    out: Rows,
    inc: Rows,
    table: TypeTable,
    /// Per node id below the bound the index was built for: true when its edges changed since.
    stale: Vec<bool>,
    stale_count: usize,
}

/// One edge as the builder takes it: id, source, target, type.
pub(super) type EdgeRecord = (u32, u32, u32, Sym);

impl Adjacency {
    /// Builds both directions from every edge, in two counting passes; `node_bound` is one past the
    /// highest node id. `edges` is called twice and must yield the same edges both times.
    pub(super) fn build<I: Iterator<Item = EdgeRecord>>(node_bound: usize, edges: impl Fn() -> I) -> Self {
        let mut out_degree = vec![0u32; node_bound + 1];
        let mut in_degree = vec![0u32; node_bound + 1];
        let mut total = 0usize;
        // Types get one-byte codes in order of first use, in the same pass as the degrees; `code_of`
        // is indexed by symbol (symbols are dense and few), u16::MAX where a symbol has no code.
        let mut table = TypeTable::default();
        let mut code_of: Vec<u16> = Vec::new();
        for (_, a, b, ty) in edges() {
            out_degree[a as usize + 1] += 1;
            in_degree[b as usize + 1] += 1;
            total += 1;
            let at = ty.0 as usize;
            if at >= code_of.len() {
                code_of.resize(at + 1, u16::MAX);
            }
            if code_of[at] == u16::MAX {
                code_of[at] = table.names.len().min(u16::MAX as usize - 1) as u16;
                table.names.push(ty);
            }
        }
        let narrow = table.names.len() <= 256;
        if narrow {
            table.codes = table.names.iter().enumerate().map(|(code, &ty)| (ty, code as u8)).collect();
        } else {
            table = TypeTable::default();
        }
        let prefix = |mut counts: Vec<u32>| {
            for i in 1..counts.len() {
                counts[i] += counts[i - 1];
            }
            counts
        };
        let codes =
            || if narrow { Codes::Narrow(vec![0; total]) } else { Codes::Wide(vec![Sym::default(); total]) };
        // Degrees by type cost four bytes a node per type and direction: kept for a few types only.
        let by_type = || {
            if narrow && table.names.len() <= TYPED_DEGREES_UP_TO {
                vec![vec![0u32; node_bound]; table.names.len()]
            } else {
                Vec::new()
            }
        };
        let mut out = Rows {
            offsets: prefix(out_degree),
            edges: vec![0; total],
            others: vec![0; total],
            types: codes(),
            by_type: by_type(),
        };
        let mut inc = Rows {
            offsets: prefix(in_degree),
            edges: vec![0; total],
            others: vec![0; total],
            types: codes(),
            by_type: by_type(),
        };
        let set = |rows: &mut Rows, at: usize, ty: Sym| match &mut rows.types {
            // Narrow: every type seen above has a code below 256.
            Codes::Narrow(c) => c[at] = code_of[ty.0 as usize] as u8,
            Codes::Wide(c) => c[at] = ty,
        };
        // Fill each row from its end so that, with edges arriving in increasing id order, the newest
        // edge comes first.
        let mut out_fill: Vec<u32> = out.offsets[1..].to_vec();
        let mut in_fill: Vec<u32> = inc.offsets[1..].to_vec();
        for (e, a, b, ty) in edges() {
            out_fill[a as usize] -= 1;
            let at = out_fill[a as usize] as usize;
            (out.edges[at], out.others[at]) = (e, b);
            set(&mut out, at, ty);
            in_fill[b as usize] -= 1;
            let at = in_fill[b as usize] as usize;
            (inc.edges[at], inc.others[at]) = (e, a);
            set(&mut inc, at, ty);
        }
        // Degrees by type in one sequential pass over each direction's codes, row after row.
        for rows in [&mut out, &mut inc] {
            if let (Codes::Narrow(codes), false) = (&rows.types, rows.by_type.is_empty()) {
                for (n, w) in rows.offsets.windows(2).enumerate() {
                    for &code in &codes[w[0] as usize..w[1] as usize] {
                        rows.by_type[code as usize][n] += 1;
                    }
                }
            }
        }
        Adjacency { out, inc, table, stale: vec![false; node_bound], stale_count: 0 }
    }

    /// Whether node `n`'s entries here are current.
    pub(super) fn covers(&self, n: NodeId) -> bool {
        self.stale.get(n.0 as usize).is_some_and(|&s| !s)
    }

    pub(super) fn mark_stale(&mut self, n: NodeId) {
        if let Some(s) = self.stale.get_mut(n.0 as usize)
            && !*s
        {
            *s = true;
            self.stale_count += 1;
        }
    }

    /// True when so many nodes fell back to petgraph that rebuilding pays: a sixteenth of them.
    pub(super) fn worth_rebuilding(&self, node_bound: usize) -> bool {
        let uncovered = self.stale_count + node_bound.saturating_sub(self.stale.len());
        uncovered > 0 && uncovered * 16 >= node_bound.max(16)
    }

    /// The edges of a covered node, as `Graph::neighbours` defines them.
    pub(super) fn neighbours(
        &self,
        n: NodeId,
        dir: Direction,
        types: &[Sym],
        out: &mut Vec<(EdgeId, NodeId)>,
    ) {
        for (rows, incoming) in [(&self.out, false), (&self.inc, true)] {
            if (incoming && dir == Direction::Outgoing) || (!incoming && dir == Direction::Incoming) {
                continue;
            }
            let view = rows.view(&self.table);
            let wanted = view.wanted(types);
            for i in rows.range(n.0 as usize) {
                let keep = match &rows.types {
                    Codes::Narrow(c) => wanted.narrow(c[i]),
                    Codes::Wide(t) => wanted.wide(t[i]),
                };
                // With both directions, a self-loop was reported once already, as outgoing.
                let repeated_loop = incoming && dir == Direction::Both && rows.others[i] == n.0;
                if keep && !repeated_loop {
                    out.push((EdgeId(rows.edges[i]), NodeId(rows.others[i])));
                }
            }
        }
    }

    /// The number of entries `neighbours` would give for a covered node, without listing them.
    pub(super) fn degree(&self, n: NodeId, dir: Direction, types: &[Sym]) -> usize {
        let (out, inc) = (self.out.view(&self.table), self.inc.view(&self.table));
        match dir {
            Direction::Outgoing => out.degree(n.0, &out.wanted(types)),
            Direction::Incoming => inc.degree(n.0, &inc.wanted(types)),
            Direction::Both => {
                let wanted = inc.wanted(types);
                // A self-loop is listed once, as outgoing.
                let mut loops = 0;
                inc.any(n.0, &wanted, |m| {
                    loops += usize::from(m == n.0);
                    false
                });
                out.degree(n.0, &out.wanted(types)) + inc.degree(n.0, &wanted) - loops
            }
        }
    }

    /// One direction's rows, if every node below `node_bound` is current (else None: read through
    /// `neighbours`, which falls back to petgraph for the stale ones).
    pub(super) fn rows(&self, dir: Direction, node_bound: usize) -> Option<RowsView<'_>> {
        if self.stale_count > 0 || self.stale.len() != node_bound {
            return None;
        }
        let rows = match dir {
            Direction::Outgoing => &self.out,
            Direction::Incoming => &self.inc,
            Direction::Both => return None,
        };
        Some(rows.view(&self.table))
    }

    /// Heap bytes held, for the memory figures of the benchmarks.
    pub(super) fn heap_bytes(&self) -> usize {
        self.out.bytes() + self.inc.bytes() + self.stale.capacity() + self.table.names.capacity() * 4
    }
}
