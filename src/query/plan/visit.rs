//! Walking a plan: the children of an operator and the expressions inside an expression, for the
//! passes that read or rewrite the tree.

use super::Op;
use crate::query::expr::{CExpr, Function, MapItem};

/// Whether the expression may read row slot `slot` (conservatively: patterns and paths may).
pub(super) fn reads(e: &CExpr, slot: usize) -> bool {
    let mut found = false;
    visit_expr(e, &mut |x| {
        found |= match x {
            CExpr::Slot(s) | CExpr::HasLabels(s, _) => *s == slot,
            CExpr::PatternExists { .. }
            | CExpr::PatternComprehension { .. }
            | CExpr::Path { .. }
            | CExpr::Subquery(..) => true,
            _ => false,
        };
    });
    found
}

/// Calls `f` on the expression and every expression inside it.
pub(super) fn visit_expr(e: &CExpr, f: &mut dyn FnMut(&CExpr)) {
    f(e);
    match e {
        CExpr::Const(_)
        | CExpr::Param(..)
        | CExpr::Slot(_)
        | CExpr::HasLabels(..)
        | CExpr::Local(_)
        | CExpr::Path { .. }
        | CExpr::PatternExists { .. }
        | CExpr::PatternComprehension { .. }
        | CExpr::Subquery(..) => {}
        CExpr::Property(x, ..)
        | CExpr::Not(x, _)
        | CExpr::Negate(x, _)
        | CExpr::IsNull(x, _)
        | CExpr::HasLabelsOf(x, ..)
        | CExpr::LabelTest(x, ..) => visit_expr(x, f),
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
        CExpr::Reduce { init, list, body, .. } => {
            visit_expr(init, f);
            visit_expr(list, f);
            visit_expr(body, f);
        }
        CExpr::Slice { target, from, to, .. } => {
            visit_expr(target, f);
            from.iter().chain(to.iter()).for_each(|x| visit_expr(x, f));
        }
    }
}

/// Same row, same value: no `rand()` nor a realtime clock, and (conservatively) no pattern inside.
pub(super) fn deterministic(e: &CExpr) -> bool {
    match e {
        CExpr::Call(f, ..) if f.is_realtime() => false,
        CExpr::Call(Function::Rand | Function::RandomUuid, ..)
        | CExpr::PatternExists { .. }
        | CExpr::PatternComprehension { .. }
        | CExpr::Subquery(..) => false,
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
        | CExpr::HasLabelsOf(x, ..)
        | CExpr::LabelTest(x, ..) => deterministic(x),
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
        CExpr::Reduce { init, list, body, .. } => {
            deterministic(init) && deterministic(list) && deterministic(body)
        }
        CExpr::Slice { target, from, to, .. } => {
            deterministic(target) && from.iter().chain(to.iter()).all(|x| deterministic(x))
        }
    }
}

pub(super) fn children(op: &Op) -> Vec<&Op> {
    match op {
        Op::Apply { input, parts, .. } => {
            std::iter::once(&**input).chain(parts.iter().map(|(_, p)| p)).collect()
        }
        Op::Once | Op::Argument | Op::CountPaths { .. } => Vec::new(),
        Op::Optional { input, inner, .. } | Op::Foreach { input, inner, .. } => vec![input, inner],
        Op::Merge { input, matcher, .. } => vec![input, matcher],
        Op::VarExpand { input, .. }
        | Op::ShortestPath { input, .. }
        | Op::Assign { input, .. }
        | Op::Unwind { input, .. }
        | Op::LoadCsv { input, .. }
        | Op::Write { input, .. }
        | Op::NodeScan { input, .. }
        | Op::NodeById { input, .. }
        | Op::NodeIndexSeek { input, .. }
        | Op::RelIndexSeek { input, .. }
        | Op::ProcedureCall { input, .. }
        | Op::ReachCount { input, .. }
        | Op::Expand { input, .. }
        | Op::ExpandCount { input, .. }
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
        Op::Apply { input, parts, .. } => {
            std::iter::once(&mut **input).chain(parts.iter_mut().map(|(_, p)| p)).collect()
        }
        Op::Once | Op::Argument | Op::CountPaths { .. } => Vec::new(),
        Op::Optional { input, inner, .. } | Op::Foreach { input, inner, .. } => vec![input, inner],
        Op::Merge { input, matcher, .. } => vec![input, matcher],
        Op::VarExpand { input, .. }
        | Op::ShortestPath { input, .. }
        | Op::Assign { input, .. }
        | Op::Unwind { input, .. }
        | Op::LoadCsv { input, .. }
        | Op::Write { input, .. }
        | Op::NodeScan { input, .. }
        | Op::NodeById { input, .. }
        | Op::NodeIndexSeek { input, .. }
        | Op::RelIndexSeek { input, .. }
        | Op::ProcedureCall { input, .. }
        | Op::ReachCount { input, .. }
        | Op::Expand { input, .. }
        | Op::ExpandCount { input, .. }
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
