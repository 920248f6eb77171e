//! Compressed sparse rows (CSR): one direction of the relationships, a node's entries one contiguous
//! run, and the views the executor's hottest loops read them through. petgraph threads each node's
//! edges through the whole edge array, so walking them misses the cache on almost every edge; here a
//! node's edges are read in order.

use std::sync::OnceLock;

use super::Sym;

/// Relationship types, one per entry. A graph with at most 256 types in use (nearly every graph)
/// stores each as a one-byte code into the index's type table: a quarter of the memory, and a quarter
/// of the bytes a typed scan reads.
#[derive(Debug, Clone)]
pub(super) enum Codes {
    Narrow(Vec<u8>),
    Wide(Vec<Sym>),
}

impl Default for Codes {
    fn default() -> Self {
        Codes::Narrow(Vec::new())
    }
}

/// Up to how many relationship types in use the index keeps each node's degree by type.
pub(super) const TYPED_DEGREES_UP_TO: usize = 8;

/// One direction's rows: node `n`'s entries are `offsets[n]..offsets[n + 1]`, newest edge first
/// (the order petgraph's own lists use, so results do not reorder when the index is rebuilt).
#[derive(Debug, Clone, Default)]
pub(super) struct Rows {
    pub(super) offsets: Vec<u32>,
    pub(super) others: Vec<u32>,
    pub(super) types: Codes,
    /// With few narrow types, how many: each node's degree by type code is then kept
    /// (`by_type[code][node]`), so that typed pattern counts read one number per node instead of
    /// scanning its row. Zero otherwise.
    pub(super) typed: usize,
    /// Those degrees, counted the first time a typed count needs them: a load does not pay for
    /// them (a pass over the rows and four bytes a node per type) unless they are used.
    pub(super) by_type: OnceLock<Vec<Vec<u32>>>,
}

impl Rows {
    /// Node `n`'s entries; none for a node past the rows' bound.
    pub(super) fn range(&self, n: usize) -> std::ops::Range<usize> {
        match (self.offsets.get(n), self.offsets.get(n + 1)) {
            (Some(&from), Some(&to)) => from as usize..to as usize,
            _ => 0..0,
        }
    }

    /// One past the highest node id the rows cover.
    pub(super) fn node_bound(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether entry `i` has a wanted type.
    #[inline]
    pub(super) fn keeps(&self, i: usize, wanted: &Wanted) -> bool {
        match &self.types {
            Codes::Narrow(c) => wanted.narrow(c[i]),
            Codes::Wide(t) => wanted.wide(t[i]),
        }
    }

    /// Covers nodes up to `bound` (new nodes have empty rows).
    pub(super) fn extend_to(&mut self, bound: usize) {
        let last = self.offsets.last().copied().unwrap_or(0);
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        while self.node_bound() < bound {
            self.offsets.push(last);
        }
        for degrees in self.by_type.get_mut().into_iter().flatten() {
            degrees.resize(bound.max(degrees.len()), 0);
        }
    }

    pub(super) fn view<'g>(&'g self, table: &'g TypeTable) -> RowsView<'g> {
        let codes = match &self.types {
            Codes::Narrow(c) => CodesView::Narrow(c),
            Codes::Wide(c) => CodesView::Wide(c),
        };
        RowsView {
            offsets: &self.offsets,
            others: &self.others,
            codes,
            table,
            typed: self.typed,
            by_type: &self.by_type,
        }
    }

    pub(super) fn bytes(&self) -> usize {
        let codes = match &self.types {
            Codes::Narrow(c) => c.capacity(),
            Codes::Wide(c) => c.capacity() * 4,
        };
        let by_type: usize = self.by_type.get().into_iter().flatten().map(|d| d.capacity() * 4).sum();
        (self.offsets.capacity() + self.others.capacity()) * 4 + codes + by_type
    }
}

/// The one-byte codes of a narrow index: code `i` is `names[i]`.
#[derive(Debug, Clone, Default)]
pub(super) struct TypeTable {
    pub(super) names: Vec<Sym>,
    pub(super) codes: rustc_hash::FxHashMap<Sym, u8>,
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
    typed: usize,
    by_type: &'g OnceLock<Vec<Vec<u32>>>,
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
            (_, Wanted::Code(code)) if self.typed > 0 => {
                self.by_type()[*code as usize].get(n as usize).map_or(0, |&d| d as usize)
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
            (_, Wanted::Code(code)) if self.typed > 0 => {
                out.extend_from_slice(&self.by_type()[*code as usize][nodes])
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

    /// Each node's degree by type code (see `Rows::by_type`), counted on first use in one
    /// sequential pass over the rows.
    fn by_type(&self) -> &'g [Vec<u32>] {
        self.by_type.get_or_init(|| {
            let mut by_type = vec![vec![0u32; self.node_bound()]; self.typed];
            if let CodesView::Narrow(codes) = self.codes {
                for (n, w) in self.offsets.windows(2).enumerate() {
                    for &code in &codes[w[0] as usize..w[1] as usize] {
                        by_type[code as usize][n] += 1;
                    }
                }
            }
            by_type
        })
    }

    /// Relationships in all rows.
    pub fn len(&self) -> usize {
        self.others.len()
    }

    pub fn is_empty(&self) -> bool {
        self.others.is_empty()
    }
}
