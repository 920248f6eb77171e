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
//!
//! An OPTIONAL MATCH of one such expansion (`MATCH (a) OPTIONAL MATCH (a)-[r]->(b) RETURN count(a),
//! count(b)`) is factorised the same way: a node with degree d stands for max(d, 1) rows (the one
//! row with nulls when it has none), and `count(r)`, `count(b)` add d, as the nulls are not counted.

use super::visit::{children_mut, reads};
use super::{AggKind, AggSpec, Op};
use crate::query::expr::CExpr;

pub(super) fn factorise(mut root: Op) -> Op {
    visit(&mut root);
    root
}

fn visit(op: &mut Op) {
    if let Op::Aggregate { input, keys, aggregates, weight: weight @ None, .. } = op
        && let Some((optional, rel, to)) = counted_expansion(input)
        && factorisable(keys, aggregates, rel, to)
    {
        for a in aggregates.iter_mut().filter(|a| counts_rows(a, rel, to)) {
            if optional && a.kind == AggKind::Count {
                // A row without a match has null there: `count(r)` counts the matches, which the
                // slot holds.
                a.kind = AggKind::CountMatches;
                a.arg = Some(CExpr::Slot(rel));
            } else {
                a.kind = AggKind::CountStar;
                a.arg = None;
            }
        }
        **input = counted(std::mem::replace(&mut **input, Op::Once));
        *weight = Some(rel);
    }
    for child in children_mut(op) {
        visit(child);
    }
}

/// An expansion (or an OPTIONAL MATCH of only an expansion from the outer row) that every
/// relationship of the node matches and that keeps no relationship distinct from another:
/// (optional, relationship slot, far node slot).
fn counted_expansion(op: &Op) -> Option<(bool, usize, usize)> {
    let (optional, expand) = match op {
        Op::Optional { inner, .. } => (true, &**inner),
        other => (false, other),
    };
    match expand {
        Op::Expand { input, rel, to, to_bound: false, rel_bound: false, distinct_from, .. }
            if distinct_from.is_empty() && (!optional || matches!(**input, Op::Argument)) =>
        {
            Some((optional, *rel, *to))
        }
        _ => None,
    }
}

/// The expansion `counted_expansion` found, as an `ExpandCount` over the expansion's input (the
/// OPTIONAL MATCH's outer rows, for an optional one).
fn counted(op: Op) -> Op {
    match op {
        Op::Optional { input: outer, inner, new_slots } => match *inner {
            Op::Expand { from, rel, direction, types, names, .. } => {
                Op::ExpandCount { input: outer, from, slot: rel, optional: true, direction, types, names }
            }
            other => Op::Optional { input: outer, inner: Box::new(other), new_slots },
        },
        Op::Expand { input, from, rel, direction, types, names, .. } => {
            Op::ExpandCount { input, from, slot: rel, optional: false, direction, types, names }
        }
        other => other,
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
