//! Starting a pattern at nodes named by id: `MATCH (a) WHERE id(a) = $id` (or `id(a) IN $ids`)
//! reads those nodes instead of scanning every node and filtering. The seek yields exactly the
//! nodes its conjunct is true for (never null: an id is an integer, and the value is the one the
//! conjunct would compare it with), so the conjunct is left out of the WHERE filter that runs after
//! the pattern: a two-hop pattern from one node tested `id(a) = …` on each of its 838,033 rows.

use super::*;

/// A `WHERE` conjunct `id(v) = value` or `id(v) IN list` whose value can be computed before the
/// MATCH runs.
pub(super) struct Seek<'a> {
    pub variable: &'a str,
    pub value: &'a Expr,
    pub list: bool,
    /// The conjunct of the WHERE clause the seek stands for.
    pub conjunct: &'a Expr,
}

/// The seeks a MATCH's WHERE clause offers; `bound` tells whether a name is bound before the MATCH.
pub(super) fn seeks<'a>(predicate: Option<&'a Expr>, bound: &dyn Fn(&str) -> bool) -> Vec<Seek<'a>> {
    let mut conjuncts = Vec::new();
    if let Some(p) = predicate {
        split_and(p, &mut conjuncts);
    }
    let mut found = Vec::new();
    for c in conjuncts {
        let ExprKind::Binary(op @ (BinaryOp::Eq | BinaryOp::In), left, right) = &c.kind else { continue };
        let mut sides = vec![(left, right, *op == BinaryOp::In)];
        if *op == BinaryOp::Eq {
            sides.push((right, left, false));
        }
        for (id_side, value, list) in sides {
            if let Some(variable) = id_of(id_side)
                && computable_before(value, bound)
            {
                found.push(Seek { variable, value, list, conjunct: c });
                break;
            }
        }
    }
    found
}

/// The predicate without the conjuncts in `served` (seeks yield only rows they hold for), its
/// conjuncts in their order; `None` when nothing is left to test.
pub(super) fn without(predicate: &Expr, served: &[&Expr]) -> Option<Expr> {
    let mut conjuncts = Vec::new();
    split_and(predicate, &mut conjuncts);
    conjuncts.into_iter().filter(|c| !served.iter().any(|s| std::ptr::eq(*s, *c))).cloned().reduce(|a, b| {
        let span = Span { start: a.span.start, end: b.span.end };
        Expr { kind: ExprKind::Binary(BinaryOp::And, Box::new(a), Box::new(b)), span }
    })
}

fn split_and<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match &e.kind {
        ExprKind::Binary(BinaryOp::And, a, b) => {
            split_and(a, out);
            split_and(b, out);
        }
        _ => out.push(e),
    }
}

/// `v` when the expression is `id(v)`.
fn id_of(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Call { name, distinct: false, args }
            if name.eq_ignore_ascii_case("id") && args.len() == 1 =>
        {
            match &args[0].kind {
                ExprKind::Variable(v) => Some(v),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Made only of literals, parameters, variables bound before the MATCH, and the plain operators and
/// functions over them: no pattern, no comprehension (its variable is local), no `rand()` nor `randomUUID()`.
pub(super) fn computable_before(e: &Expr, bound: &dyn Fn(&str) -> bool) -> bool {
    let mut ok = true;
    e.walk(&mut |x| {
        ok &= match &x.kind {
            ExprKind::Literal(_) | ExprKind::Parameter(_) => true,
            ExprKind::Variable(v) => bound(v),
            ExprKind::Property(..)
            | ExprKind::Subscript(..)
            | ExprKind::List(_)
            | ExprKind::Map(_)
            | ExprKind::Unary(..)
            | ExprKind::Binary(..)
            | ExprKind::IsNull { .. } => true,
            ExprKind::Call { name, .. } => {
                !name.eq_ignore_ascii_case("rand")
                    && !name.eq_ignore_ascii_case("randomUUID")
                    && !is_aggregate(name)
            }
            _ => false,
        };
    });
    ok
}

/// `WHERE v.key = value` conjuncts (either way round) whose value can be computed before the MATCH:
/// (variable, key, value), for starting at a property index.
pub(super) fn equalities<'a>(
    predicate: Option<&'a Expr>,
    bound: &dyn Fn(&str) -> bool,
) -> Vec<(&'a str, &'a str, &'a Expr)> {
    let mut conjuncts = Vec::new();
    if let Some(p) = predicate {
        split_and(p, &mut conjuncts);
    }
    let mut found = Vec::new();
    for c in conjuncts {
        let ExprKind::Binary(BinaryOp::Eq, left, right) = &c.kind else { continue };
        for (prop, value) in [(left, right), (right, left)] {
            if let ExprKind::Property(target, key) = &prop.kind
                && let ExprKind::Variable(v) = &target.kind
                && computable_before(value, bound)
            {
                found.push((v.as_str(), key.as_str(), &**value));
                break;
            }
        }
    }
    found
}
