//! Building the rows in bulk: from columns (a load, an import, a compaction) or from a snapshot's
//! outgoing rows; then the incoming rows by transposing the outgoing ones. Large builds place their
//! entries on every core.

use super::super::adjacency::{Codes, Rows, TYPED_DEGREES_UP_TO, TypeTable};
use super::super::{Properties, Sym};
use std::ops::Range;

use super::place::{Entries, Places, place};
use super::{Columns, EdgeStore, NO_POSITION, OutRows, PropsByPosition, each_by_id, id_span, starts};

impl EdgeStore {
    /// Builds the store from columns whose endpoints are all below `node_bound`.
    pub(in crate::graph) fn build(node_bound: usize, columns: Columns) -> EdgeStore {
        Outgoing::build(node_bound, columns).into_store()
    }

    /// Builds the store from outgoing rows as a snapshot keeps them: each node's out-degree, the end
    /// of each relationship and its type's code in `names`; the ids are the positions. The caller
    /// has checked that the degrees add up, and that ends and codes are in range.
    pub(in crate::graph) fn from_rows(
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
        EdgeStore::assemble(node_bound, out, Vec::new(), PropsByPosition::default(), table)
    }

    /// The store around its outgoing rows: the incoming rows, the id table, degrees by type.
    fn assemble(
        node_bound: usize,
        mut out: Rows,
        ids: Vec<u32>,
        props: PropsByPosition,
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
}

/// The outgoing rows alone, as a bulk load builds them first: all that writing a snapshot needs,
/// so an import that only writes one builds nothing more.
#[derive(Debug)]
pub(crate) struct Outgoing {
    node_bound: usize,
    rows: Rows,
    ids: Vec<u32>,
    props: PropsByPosition,
    table: TypeTable,
}

impl Outgoing {
    /// The rows of columns whose endpoints are all below `node_bound`.
    pub(in crate::graph) fn build(node_bound: usize, columns: Columns) -> Outgoing {
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
        Outgoing { node_bound, rows, ids, props: PropsByPosition::from_dense(props), table }
    }

    /// The rows as they are written, when ids are positions and types take a byte.
    pub(crate) fn out_rows(&self) -> Option<OutRows<'_>> {
        OutRows::of(&self.rows, &self.ids, &self.table, &self.props)
    }

    /// How many relationships the rows hold.
    pub(crate) fn len(&self) -> usize {
        self.rows.others.len()
    }

    pub(in crate::graph) fn into_store(self) -> EdgeStore {
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

/// Each relationship's one-byte type code, with the types in order of first use (the table the
/// codes index); `None` past 256 types. The codes the rows would give these types, for writing
/// relationships that are not in rows (a snapshot of a graph with writes pending).
pub(crate) fn type_codes(types: &[Sym]) -> Option<(Vec<Sym>, Vec<u8>)> {
    let (table, code_of) = type_table(types);
    if table.names.is_empty() && !types.is_empty() {
        return None;
    }
    let codes = types.iter().map(|t| code_of[t.0 as usize] as u8).collect();
    Some((table.names, codes))
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

/// Every outgoing entry in its end node's incoming row: the start node, the outgoing position and
/// the type, each row in ascending id order.
fn transpose<T: Copy + Default + Send + Sync>(
    in_offsets: &[u32],
    out: &Rows,
    codes: &[T],
    pos_of: &[u32],
) -> (Vec<u32>, Vec<u32>, Vec<T>) {
    struct ById<'a, T> {
        out: &'a Rows,
        codes: &'a [T],
        pos_of: &'a [u32],
        start_at: Vec<u32>,
    }
    impl<T: Copy + Sync> Entries<T> for ById<'_, T> {
        fn span(&self) -> usize {
            id_span(self.out, self.pos_of)
        }

        fn each_in(&self, ids: Range<usize>, mut each: impl FnMut(usize, u32, u32, T)) {
            let (others, codes) = (&self.out.others, self.codes);
            each_by_id(self.out, self.pos_of, &self.start_at, ids, |p, start| {
                each(others[p] as usize, start, p as u32, codes[p])
            });
        }
    }
    let total = out.others.len();
    let (mut others, mut inc_pos, mut inc_codes) =
        (vec![0u32; total], vec![0u32; total], vec![T::default(); total]);
    let entries = ById { out, codes, pos_of, start_at: starts(out, pos_of) };
    let columns = Places { first: &mut others, second: &mut inc_pos, codes: &mut inc_codes };
    place(in_offsets, &entries, columns);
    (others, inc_pos, inc_codes)
}

/// Places entry `i` (in row `rows[i]`, with `values[i]` and `codes[i]`) in its row, each row in
/// input order: the outgoing rows of an unsorted load.
fn place_by_row<T: Copy + Default + Send + Sync>(
    offsets: &[u32],
    rows: &[u32],
    values: &[u32],
    codes: &[T],
) -> (Vec<u32>, Vec<T>) {
    struct InOrder<'a, T> {
        rows: &'a [u32],
        values: &'a [u32],
        codes: &'a [T],
    }
    impl<T: Copy + Sync> Entries<T> for InOrder<'_, T> {
        fn span(&self) -> usize {
            self.rows.len()
        }

        fn each_in(&self, indexes: Range<usize>, mut each: impl FnMut(usize, u32, u32, T)) {
            let (rows, values, codes) =
                (&self.rows[indexes.clone()], &self.values[indexes.clone()], &self.codes[indexes]);
            for ((&row, &value), &code) in rows.iter().zip(values).zip(codes) {
                each(row as usize, value, 0, code);
            }
        }
    }
    let total = rows.len();
    let (mut placed, mut placed_codes) = (vec![0u32; total], vec![T::default(); total]);
    let columns = Places { first: &mut placed, second: &mut [], codes: &mut placed_codes };
    place(offsets, &InOrder { rows, values, codes }, columns);
    (placed, placed_codes)
}
