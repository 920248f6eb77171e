//! Factorised counting. `MATCH (n)<-[r]-() WITH n, count(r) AS deg …` makes one row per
//! relationship only for the aggregation above to count them. When nothing above the expansion
//! reads what it binds (the relationship, the node at the other end) except to count it, the same
//! groups come from one row per node carrying the node's degree, aggregated as that many copies of
//! itself: `count` adds the degree, `sum` and `avg` add the value that many times (exactly as the
//! rows would: the same additions in the same order), `min`, `max` and the `DISTINCT` aggregates
//! see it once. A node with no such relationship makes no row, as the expansion would.
//!
//! It takes an `Expand` right under an `Aggregate` that is not bound at either end (so every
//! relationship of the node matches), that keeps no relationship distinct from another (a second
//! relationship of the same MATCH would have to be checked one by one), and whose relationship and
//! far node no grouping key, aggregate argument or percentile reads, except `count(r)`, `count(b)`
//! and `count(*)` without DISTINCT: the expanded slots are never null, so those count rows.

use super::visit::{children_mut, reads};
use super::{AggKind, AggSpec, Op};
use crate::query::expr::CExpr;

pub(super) fn factorise(mut root: Op) -> Op {
    visit(&mut root);
    root
}

fn visit(op: &mut Op) {
    if let Op::Aggregate { input, keys, aggregates, weight: weight @ None, .. } = op
        && let Op::Expand {
            input: below,
            from,
            rel,
            to,
            direction,
            types,
            to_bound: false,
            rel_bound: false,
            distinct_from,
            names,
        } = &mut **input
        && distinct_from.is_empty()
        && factorisable(keys, aggregates, *rel, *to)
    {
        let (rel, to) = (*rel, *to);
        for a in aggregates.iter_mut().filter(|a| counts_rows(a, rel, to)) {
            a.kind = AggKind::CountStar;
            a.arg = None;
        }
        let counted = Op::ExpandCount {
            input: std::mem::replace(below, Box::new(Op::Once)),
            from: *from,
            slot: rel,
            direction: *direction,
            types: std::mem::take(types),
            names: std::mem::take(names),
        };
        **input = counted;
        *weight = Some(rel);
    }
    for child in children_mut(op) {
        visit(child);
    }
}

/// Whether nothing the aggregation computes reads the expansion's relationship `rel` or far node
/// `to`, but to count rows.
fn factorisable(keys: &[CExpr], aggregates: &[AggSpec], rel: usize, to: usize) -> bool {
    let unread = |e: &CExpr| !reads(e, rel) && !reads(e, to);
    keys.iter().all(unread)
        && aggregates
            .iter()
            .all(|a| counts_rows(a, rel, to) || a.arg.iter().chain(a.param.iter()).all(unread))
}

/// `count(*)`, `count(r)` or `count(b)` without DISTINCT: one per row, as the expanded slots are
/// never null.
fn counts_rows(a: &AggSpec, rel: usize, to: usize) -> bool {
    !a.distinct
        && match (a.kind, &a.arg) {
            (AggKind::CountStar, _) => true,
            (AggKind::Count, Some(CExpr::Slot(s))) => *s == rel || *s == to,
            _ => false,
        }
}
