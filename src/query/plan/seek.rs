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

/// The `WHERE` conjuncts that bound one `v.key` from below, from above, or by a prefix, with values
/// computable before the MATCH: what a property index serves by range. The first bound of each side
/// is taken; every conjunct stays in the filter, which tests the nodes the index proposes.
pub(super) struct Bounds<'a> {
    pub variable: &'a str,
    pub key: &'a str,
    /// The value and whether it is included.
    pub lower: Option<(&'a Expr, bool)>,
    pub upper: Option<(&'a Expr, bool)>,
    pub prefix: Option<&'a Expr>,
    /// The conjuncts the bounds come from, for `EXPLAIN`.
    pub conjuncts: Vec<&'a Expr>,
}

/// `v.key < value`, `value <= v.key`, `v.key STARTS WITH value`, … gathered by variable and key.
pub(super) fn bounds<'a>(predicate: Option<&'a Expr>, bound: &dyn Fn(&str) -> bool) -> Vec<Bounds<'a>> {
    let mut conjuncts = Vec::new();
    if let Some(p) = predicate {
        split_and(p, &mut conjuncts);
    }
    let property = |e: &'a Expr| match &e.kind {
        ExprKind::Property(target, key) => match &target.kind {
            ExprKind::Variable(v) => Some((v.as_str(), key.as_str())),
            _ => None,
        },
        _ => None,
    };
    let mut found: Vec<Bounds<'a>> = Vec::new();
    for c in conjuncts {
        let ExprKind::Binary(op, left, right) = &c.kind else { continue };
        // (variable, key, value, what the value is to the property: Some(true) a lower end, …).
        let side = match (property(left), property(right)) {
            (Some(p), _) if computable_before(right, bound) => Some((p, &**right, false)),
            (_, Some(p)) if computable_before(left, bound) => Some((p, &**left, true)),
            _ => None,
        };
        let Some(((variable, key), value, flipped)) = side else { continue };
        // Which end the value is with the property on the left: `v.k > x` makes x a lower end.
        let (lower, included) = match op {
            BinaryOp::Gt => (true, false),
            BinaryOp::Ge => (true, true),
            BinaryOp::Lt => (false, false),
            BinaryOp::Le => (false, true),
            BinaryOp::StartsWith if !flipped => {
                let entry = entry(&mut found, variable, key);
                entry.prefix.get_or_insert(value);
                entry.conjuncts.push(c);
                continue;
            }
            _ => continue,
        };
        let entry = entry(&mut found, variable, key);
        let end = if lower != flipped { &mut entry.lower } else { &mut entry.upper };
        end.get_or_insert((value, included));
        entry.conjuncts.push(c);
    }
    found
}

fn entry<'a, 'b>(found: &'b mut Vec<Bounds<'a>>, variable: &'a str, key: &'a str) -> &'b mut Bounds<'a> {
    let at = match found.iter().position(|b| b.variable == variable && b.key == key) {
        Some(i) => i,
        None => {
            found.push(Bounds {
                variable,
                key,
                lower: None,
                upper: None,
                prefix: None,
                conjuncts: Vec::new(),
            });
            found.len() - 1
        }
    };
    &mut found[at]
}
