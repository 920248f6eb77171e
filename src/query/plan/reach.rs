//! Reachability instead of paths. `MATCH (a)-[*1..3]->(b) RETURN count(DISTINCT b)` asks which nodes
//! are reachable, not by how many paths: enumerating every path grows exponentially with the
//! length, while a breadth-first search visits each node once. A variable-length expansion may
//! yield each reachable end once (instead of once per path) when nothing above it can tell the
//! difference:
//!
//! - every row it yields ends up under a `DISTINCT` or in an aggregation whose aggregates ignore
//!   repeats (`count(DISTINCT …)`, `collect(DISTINCT …)`, `min`, `max`), through operators that treat
//!   rows one at a time and never count them (filters, projections, other expansions);
//! - its relationships are not visible: no variable, no named path, and no other relationship of the
//!   same MATCH that must differ from them;
//! - its minimum length is 0 or 1: a shortest path is a path with no repeated relationship, so the
//!   nodes at distance 1..=max are exactly the ends of such paths (the start node itself is reached
//!   again only through a cycle, which the search detects; see `exec::reach`);
//! - the expressions above it give the same value for the same row (no `rand()`), and read no
//!   pattern (which this check does not look into).

use super::{AggKind, AggSpec, Op};
use crate::query::expr::{CExpr, Function, MapItem};

/// Marks the expansions of `root` that may search for reachable nodes.
pub(super) fn mark(root: &mut Op) {
    let mut guarded = Vec::new();
    collect_guarded(root, &mut guarded);
    visit(root, false, &guarded);
}

/// Relationship slots that some expansion must keep distinct from its own.
fn collect_guarded(op: &Op, guarded: &mut Vec<usize>) {
    match op {
        Op::Expand { distinct_from, .. } | Op::VarExpand { distinct_from, .. } => {
            guarded.extend(distinct_from);
        }
        _ => {}
    }
    for child in children(op) {
        collect_guarded(child, guarded);
    }
}

fn visit(op: &mut Op, repeats_ignored: bool, guarded: &[usize]) {
    let below = match op {
        Op::Distinct { .. } => true,
        Op::Aggregate { keys, aggregates, outputs, .. } => {
            aggregates.iter().all(ignores_repeats)
                && keys.iter().chain(outputs.iter()).all(deterministic)
                && aggregates.iter().flat_map(|a| a.arg.iter().chain(a.param.iter())).all(deterministic)
        }
        Op::Project { exprs, .. } => repeats_ignored && exprs.iter().all(deterministic),
        Op::Filter { predicate, .. } => repeats_ignored && deterministic(predicate),
        Op::Expand { .. } | Op::NodeScan { .. } => repeats_ignored,
        Op::NodeById { value, .. } | Op::NodeIndexSeek { value, .. } => {
            repeats_ignored && deterministic(value)
        }
        Op::VarExpand { rel, anonymous, reachable, min, distinct_from, properties, .. } => {
            *reachable = repeats_ignored
                && *anonymous
                && *min <= 1
                && distinct_from.is_empty()
                && !guarded.contains(rel)
                && properties.iter().all(|(_, e)| deterministic(e));
            repeats_ignored
        }
        _ => false,
    };
    for child in children_mut(op) {
        visit(child, below, guarded);
    }
}

fn ignores_repeats(a: &AggSpec) -> bool {
    a.distinct || matches!(a.kind, AggKind::Min | AggKind::Max)
}

/// Whether the expression may read row slot `slot` (conservatively: patterns and paths may).
pub(super) fn reads(e: &CExpr, slot: usize) -> bool {
    let mut found = false;
    visit_expr(e, &mut |x| {
        found |= match x {
            CExpr::Slot(s) | CExpr::HasLabels(s, _) => *s == slot,
            CExpr::PatternExists { .. } | CExpr::PatternComprehension { .. } | CExpr::Path { .. } => true,
            _ => false,
        };
    });
    found
}

/// Calls `f` on the expression and every expression inside it.
fn visit_expr(e: &CExpr, f: &mut dyn FnMut(&CExpr)) {
    f(e);
    match e {
        CExpr::Const(_)
        | CExpr::Param(..)
        | CExpr::Slot(_)
        | CExpr::HasLabels(..)
        | CExpr::Local(_)
        | CExpr::Path { .. }
        | CExpr::PatternExists { .. }
        | CExpr::PatternComprehension { .. } => {}
        CExpr::Property(x, ..)
        | CExpr::Not(x, _)
        | CExpr::Negate(x, _)
        | CExpr::IsNull(x, _)
        | CExpr::HasLabelsOf(x, ..) => visit_expr(x, f),
        CExpr::Subscript(a, b, _) | CExpr::Binary(_, a, b, _) => {
            visit_expr(a, f);
            visit_expr(b, f);
        }
        CExpr::List(items) | CExpr::Call(_, items, _) => items.iter().for_each(|x| visit_expr(x, f)),
        CExpr::Map(entries) => entries.iter().for_each(|(_, x)| visit_expr(x, f)),
        CExpr::MapProjection { base, items, .. } => {
            visit_expr(base, f);
            for i in items {
                if let MapItem::Entry(_, x) = i {
                    visit_expr(x, f);
                }
            }
        }
        CExpr::Case { subject, branches, default } => {
            subject.iter().chain(default.iter()).for_each(|x| visit_expr(x, f));
            branches.iter().for_each(|(a, b)| {
                visit_expr(a, f);
                visit_expr(b, f);
            });
        }
        CExpr::Comprehension { list, predicate, projection, .. } => {
            visit_expr(list, f);
            predicate.iter().chain(projection.iter()).for_each(|x| visit_expr(x, f));
        }
        CExpr::Quantifier { list, predicate, .. } => {
            visit_expr(list, f);
            visit_expr(predicate, f);
        }
        CExpr::Slice { target, from, to, .. } => {
            visit_expr(target, f);
            from.iter().chain(to.iter()).for_each(|x| visit_expr(x, f));
        }
    }
}

/// Same row, same value: no `rand()`, and (conservatively) no pattern inside.
pub(super) fn deterministic(e: &CExpr) -> bool {
    match e {
        CExpr::Call(Function::Rand, ..)
        | CExpr::PatternExists { .. }
        | CExpr::PatternComprehension { .. } => false,
        CExpr::Const(_)
        | CExpr::Param(..)
        | CExpr::Slot(_)
        | CExpr::HasLabels(..)
        | CExpr::Local(_)
        | CExpr::Path { .. } => true,
        CExpr::Property(x, ..)
        | CExpr::Not(x, _)
        | CExpr::Negate(x, _)
        | CExpr::IsNull(x, _)
        | CExpr::HasLabelsOf(x, ..) => deterministic(x),
        CExpr::Subscript(a, b, _) | CExpr::Binary(_, a, b, _) => deterministic(a) && deterministic(b),
        CExpr::List(items) | CExpr::Call(_, items, _) => items.iter().all(deterministic),
        CExpr::Map(entries) => entries.iter().all(|(_, x)| deterministic(x)),
        CExpr::MapProjection { base, items, .. } => {
            deterministic(base)
                && items.iter().all(|i| if let MapItem::Entry(_, x) = i { deterministic(x) } else { true })
        }
        CExpr::Case { subject, branches, default } => {
            subject.iter().chain(default.iter()).all(|x| deterministic(x))
                && branches.iter().all(|(a, b)| deterministic(a) && deterministic(b))
        }
        CExpr::Comprehension { list, predicate, projection, .. } => {
            deterministic(list) && predicate.iter().chain(projection.iter()).all(|x| deterministic(x))
        }
        CExpr::Quantifier { list, predicate, .. } => deterministic(list) && deterministic(predicate),
        CExpr::Slice { target, from, to, .. } => {
            deterministic(target) && from.iter().chain(to.iter()).all(|x| deterministic(x))
        }
    }
}

fn children(op: &Op) -> Vec<&Op> {
    match op {
        Op::Once | Op::Argument | Op::CountPaths { .. } => Vec::new(),
        Op::Optional { input, inner, .. } => vec![input, inner],
        Op::Merge { input, matcher, .. } => vec![input, matcher],
        Op::VarExpand { input, .. }
        | Op::ShortestPath { input, .. }
        | Op::Assign { input, .. }
        | Op::Unwind { input, .. }
        | Op::Write { input, .. }
        | Op::NodeScan { input, .. }
        | Op::NodeById { input, .. }
        | Op::NodeIndexSeek { input, .. }
        | Op::ReachCount { input, .. }
        | Op::Expand { input, .. }
        | Op::Filter { input, .. }
        | Op::Create { input, .. }
        | Op::Project { input, .. }
        | Op::Aggregate { input, .. }
        | Op::Distinct { input }
        | Op::Sort { input, .. }
        | Op::Skip { input, .. }
        | Op::Limit { input, .. }
        | Op::Trim { input, .. }
        | Op::Discard { input } => vec![input],
    }
}

pub(super) fn children_mut(op: &mut Op) -> Vec<&mut Op> {
    match op {
        Op::Once | Op::Argument | Op::CountPaths { .. } => Vec::new(),
        Op::Optional { input, inner, .. } => vec![input, inner],
        Op::Merge { input, matcher, .. } => vec![input, matcher],
        Op::VarExpand { input, .. }
        | Op::ShortestPath { input, .. }
        | Op::Assign { input, .. }
        | Op::Unwind { input, .. }
        | Op::Write { input, .. }
        | Op::NodeScan { input, .. }
        | Op::NodeById { input, .. }
        | Op::NodeIndexSeek { input, .. }
        | Op::ReachCount { input, .. }
        | Op::Expand { input, .. }
        | Op::Filter { input, .. }
        | Op::Create { input, .. }
        | Op::Project { input, .. }
        | Op::Aggregate { input, .. }
        | Op::Distinct { input }
        | Op::Sort { input, .. }
        | Op::Skip { input, .. }
        | Op::Limit { input, .. }
        | Op::Trim { input, .. }
        | Op::Discard { input } => vec![input],
    }
}
