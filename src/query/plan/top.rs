//! Top-k. `ORDER BY … LIMIT k` (after `SKIP s`) returns the first s + k rows of the order, and a
//! sort that knows it needs keep only the best s + k rows it has seen: memory bounded by them
//! rather than by the input, and most rows dropped after one comparison with the worst row kept.
//! The rows are the same, ties included: the sort breaks ties by arrival, as the full sort's stable
//! order does.

use super::Op;
use super::visit::children_mut;

pub(super) fn bound(mut root: Op) -> Op {
    visit(&mut root);
    root
}

fn visit(op: &mut Op) {
    if let Op::Limit { input, count: limit, .. } = op {
        match &mut **input {
            Op::Sort { top, .. } => *top = vec![limit.clone()],
            Op::Skip { input, count: skip } => {
                if let Op::Sort { top, .. } = &mut **input {
                    *top = vec![skip.clone(), limit.clone()];
                }
            }
            _ => {}
        }
    }
    for child in children_mut(op) {
        visit(child);
    }
}
