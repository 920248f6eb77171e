//! A read-optimised adjacency index beside petgraph's linked lists: compressed sparse rows (CSR),
//! one per direction. petgraph threads each node's edges through the whole edge array, so walking
//! them misses the cache on almost every edge; here a node's edges are one contiguous run.
//!
//! Writes do not rebuild the index: they mark the nodes whose edges changed as stale, and
//! [`Graph::neighbours`](super::Graph::neighbours) reads a stale node's edges from petgraph, which is
//! always current. The index is rebuilt (by [`Graph::prepare_reads`](super::Graph::prepare_reads))
//! once enough nodes are stale for the fallback to cost more than a rebuild.

use super::{Direction, EdgeId, NodeId, Sym};

/// One direction's rows: node `n`'s entries are `offsets[n]..offsets[n + 1]`, newest edge first
/// (the order petgraph's own lists use, so results do not reorder when the index is rebuilt).
#[derive(Debug, Clone, Default)]
struct Rows {
    offsets: Vec<u32>,
    edges: Vec<u32>,
    others: Vec<u32>,
    types: Vec<Sym>,
}

impl Rows {
    fn range(&self, n: usize) -> std::ops::Range<usize> {
        self.offsets[n] as usize..self.offsets[n + 1] as usize
    }

    fn view(&self) -> RowsView<'_> {
        RowsView { offsets: &self.offsets, others: &self.others, types: &self.types }
    }

    fn bytes(&self) -> usize {
        self.offsets.capacity() * 4
            + self.edges.capacity() * 4
            + self.others.capacity() * 4
            + self.types.capacity() * 4
    }
}

/// One direction of a fully current index, read in place: for the few loops (breadth-first search,
/// degree counts) where copying each edge out through `Graph::neighbours` is most of the cost.
#[derive(Debug, Clone, Copy)]
pub struct RowsView<'g> {
    offsets: &'g [u32],
    others: &'g [u32],
    types: &'g [Sym],
}

impl<'g> RowsView<'g> {
    /// The nodes at the other end of `n`'s relationships and their types, newest first (none for an
    /// id without a node).
    #[inline]
    pub fn row(&self, n: u32) -> (&'g [u32], &'g [Sym]) {
        let n = n as usize;
        match (self.offsets.get(n), self.offsets.get(n + 1)) {
            (Some(&from), Some(&to)) => {
                let range = from as usize..to as usize;
                (&self.others[range.clone()], &self.types[range])
            }
            _ => (&[], &[]),
        }
    }

    /// How many of `n`'s relationships have one of `types` (any type when empty).
    #[inline]
    pub fn degree(&self, n: u32, types: &[Sym]) -> usize {
        let (others, row_types) = self.row(n);
        match types {
            [] => others.len(),
            [only] => row_types.iter().filter(|&&t| t == *only).count(),
            many => row_types.iter().filter(|t| many.contains(t)).count(),
        }
    }

    /// Per node id, in order, how many of its relationships have one of `types` (any when empty):
    /// the degree of every node in one sequential pass.
    pub fn degrees<'a>(&'a self, types: &'a [Sym]) -> impl Iterator<Item = usize> + 'a {
        self.offsets.windows(2).map(move |w| {
            let row = &self.types[w[0] as usize..w[1] as usize];
            match types {
                [] => row.len(),
                [only] => row.iter().filter(|&&t| t == *only).count(),
                many => row.iter().filter(|t| many.contains(t)).count(),
            }
        })
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
        for (_, a, b, _) in edges() {
            out_degree[a as usize + 1] += 1;
            in_degree[b as usize + 1] += 1;
            total += 1;
        }
        let prefix = |mut counts: Vec<u32>| {
            for i in 1..counts.len() {
                counts[i] += counts[i - 1];
            }
            counts
        };
        let mut out = Rows {
            offsets: prefix(out_degree),
            edges: vec![0; total],
            others: vec![0; total],
            types: vec![Sym::default(); total],
        };
        let mut inc = Rows {
            offsets: prefix(in_degree),
            edges: vec![0; total],
            others: vec![0; total],
            types: vec![Sym::default(); total],
        };
        // Fill each row from its end so that, with edges arriving in increasing id order, the newest
        // edge comes first.
        let mut out_fill: Vec<u32> = out.offsets[1..].to_vec();
        let mut in_fill: Vec<u32> = inc.offsets[1..].to_vec();
        for (e, a, b, ty) in edges() {
            out_fill[a as usize] -= 1;
            let at = out_fill[a as usize] as usize;
            (out.edges[at], out.others[at], out.types[at]) = (e, b, ty);
            in_fill[b as usize] -= 1;
            let at = in_fill[b as usize] as usize;
            (inc.edges[at], inc.others[at], inc.types[at]) = (e, a, ty);
        }
        Adjacency { out, inc, stale: vec![false; node_bound], stale_count: 0 }
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
        let n = n.0 as usize;
        let wanted = |ty: Sym| types.is_empty() || types.contains(&ty);
        if matches!(dir, Direction::Outgoing | Direction::Both) {
            let rows = &self.out;
            for i in rows.range(n) {
                if wanted(rows.types[i]) {
                    out.push((EdgeId(rows.edges[i]), NodeId(rows.others[i])));
                }
            }
        }
        if matches!(dir, Direction::Incoming | Direction::Both) {
            let rows = &self.inc;
            for i in rows.range(n) {
                // With both directions, a self-loop was reported once already, as outgoing.
                let self_loop = rows.others[i] as usize == n;
                if wanted(rows.types[i]) && !(self_loop && dir == Direction::Both) {
                    out.push((EdgeId(rows.edges[i]), NodeId(rows.others[i])));
                }
            }
        }
    }

    /// The number of entries `neighbours` would give for a covered node, without listing them.
    pub(super) fn degree(&self, n: NodeId, dir: Direction, types: &[Sym]) -> usize {
        match dir {
            Direction::Outgoing => self.out.view().degree(n.0, types),
            Direction::Incoming => self.inc.view().degree(n.0, types),
            Direction::Both => {
                let (others, row_types) = self.inc.view().row(n.0);
                // A self-loop is listed once, as outgoing.
                let loops = others
                    .iter()
                    .zip(row_types)
                    .filter(|&(&m, t)| m == n.0 && (types.is_empty() || types.contains(t)))
                    .count();
                self.out.view().degree(n.0, types) + self.inc.view().degree(n.0, types) - loops
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
        Some(rows.view())
    }

    /// Heap bytes held, for the memory figures of the benchmarks.
    pub(super) fn heap_bytes(&self) -> usize {
        self.out.bytes() + self.inc.bytes() + self.stale.capacity()
    }
}
