//! How deep a parsed statement's expressions nest, bounded before anything walks them: planning and
//! evaluation recurse as deep as an expression is, and subqueries and FOREACH hold clauses of their
//! own, walked here with work lists rather than recursion.

use super::*;

/// The deepest expression tree accepted; later stages walk trees recursively.
pub const MAX_EXPRESSION_DEPTH: usize = 300;

/// Refuses expression trees deeper than [`MAX_EXPRESSION_DEPTH`], measured without recursion.
pub(super) fn check_depth(statement: &Statement) -> Result<(), QueryError> {
    fn pattern_exprs<'a>(p: &'a Pattern, out: &mut Vec<&'a Expr>) {
        out.extend(p.start.properties.iter().map(|(_, e)| e));
        for (rel, node) in &p.steps {
            out.extend(rel.properties.iter().map(|(_, e)| e));
            out.extend(node.properties.iter().map(|(_, e)| e));
        }
    }
    fn projection_exprs<'a>(r: &'a ReturnClause, out: &mut Vec<&'a Expr>) {
        out.extend(r.items.iter().map(|i| &i.expr));
        out.extend(r.order_by.iter().map(|s| &s.expr));
        out.extend(r.skip.iter().chain(r.limit.iter()));
    }
    let mut roots: Vec<&Expr> = Vec::new();
    // FOREACH and subqueries hold clauses of their own: work lists rather than recursion.
    let mut clauses: Vec<&Clause> = statement.all_clauses().collect();
    let mut stack: Vec<(&Expr, usize)> = Vec::new();
    loop {
        while let Some(clause) = clauses.pop() {
            match clause {
                Clause::Match(m) => {
                    m.patterns.iter().for_each(|p| pattern_exprs(p, &mut roots));
                    roots.extend(m.predicate.iter());
                }
                Clause::Create(c) => c.patterns.iter().for_each(|p| pattern_exprs(p, &mut roots)),
                Clause::Merge(m) => {
                    pattern_exprs(&m.pattern, &mut roots);
                    for item in m.on_create.iter().chain(&m.on_match) {
                        if let SetItem::Property { value, .. }
                        | SetItem::Replace { value, .. }
                        | SetItem::Merge { value, .. } = item
                        {
                            roots.push(value);
                        }
                    }
                }
                Clause::Return(r) => projection_exprs(r, &mut roots),
                Clause::With(w) => {
                    projection_exprs(&w.projection, &mut roots);
                    roots.extend(w.predicate.iter());
                }
                Clause::Unwind(u) => roots.push(&u.expr),
                Clause::LoadCsv(l) => roots.push(&l.source),
                Clause::Call(c) => {
                    roots.extend(c.args.iter().flatten());
                    roots.extend(c.predicate.iter());
                }
                Clause::Foreach(c) => {
                    roots.push(&c.list);
                    clauses.extend(c.updates.iter());
                }
                Clause::CallSubquery(c) => clauses.extend(c.query.all_clauses()),
                Clause::Set(s) => {
                    for item in &s.items {
                        match item {
                            SetItem::Property { value, .. }
                            | SetItem::Replace { value, .. }
                            | SetItem::Merge { value, .. } => roots.push(value),
                            SetItem::Labels { .. } => {}
                        }
                    }
                }
                Clause::Delete(d) => roots.extend(d.exprs.iter()),
                Clause::Remove(_) => {}
            }
        }
        stack.extend(roots.drain(..).map(|e| (e, 1)));
        let Some((e, depth)) = stack.pop() else { break };
        if depth > MAX_EXPRESSION_DEPTH {
            return Err(QueryError::syntax(
                format!("the expression is nested more than {MAX_EXPRESSION_DEPTH} levels deep"),
                e.span,
            ));
        }
        if let ExprKind::Subquery(_, query) = &e.kind {
            clauses.extend(query.all_clauses());
        }
        stack.extend(e.children().into_iter().map(|c| (c, depth + 1)));
    }
    Ok(())
}
