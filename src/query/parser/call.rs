//! Building `CALL … YIELD …`, `SHOW …` and `CALL { … }` clauses from their pairs.

use std::iter::Peekable;

use pest::iterators::Pairs;

use super::*;

impl Builder {
    /// A `call_subquery`, its first pair (`CALL`) still in `inner`.
    pub(super) fn call_subquery(&self, mut inner: Peekable<Pairs<Rule>>, span: Span) -> Built<Clause> {
        inner.next(); // CALL
        let mut imports = Some(Vec::new());
        let scope = inner.next_if(|p| p.as_rule() == Rule::subquery_scope);
        let scoped = scope.is_some();
        if let Some(scope) = scope {
            let names: Vec<Pair<Rule>> = scope.into_inner().collect();
            imports = if names.iter().any(|p| p.as_rule() == Rule::star) {
                None
            } else {
                Some(names.into_iter().map(|p| self.ident(p)).collect())
            };
        }
        let body = inner.next().expect("CALL { } has a query");
        let query_span = self.span(&body);
        let (mut clauses, unions) = self.query(body)?;
        if let Some(batches) = inner.next() {
            return Err(QueryError::syntax(
                "CALL { … } IN TRANSACTIONS is not supported yet: the subquery runs in its statement's \
                 one transaction; to commit in parts, run one statement per part (UNWIND a slice of the \
                 rows in each)",
                self.span(&batches),
            ));
        }
        if !scoped
            && let Some(Clause::With(w)) = clauses.first()
            && let Some(vars) = importing(w)
        {
            imports = vars;
            clauses.remove(0);
        }
        Ok(Clause::CallSubquery(CallSubquery {
            imports,
            scoped,
            query: Query { clauses, unions, span: query_span },
            span,
        }))
    }

    /// A `call_clause` or `show_clause`, its first pair (the keyword) still in `inner`.
    pub(super) fn call_clause(
        &self,
        rule: Rule,
        mut inner: Peekable<Pairs<'_, Rule>>,
        span: Span,
    ) -> Built<Clause> {
        let show = rule == Rule::show_clause;
        inner.next(); // CALL or SHOW
        let name = inner.next().expect("a call names its procedure");
        let procedure_span = self.span(&name);
        let procedure = if show {
            // One name per kind, whatever the number it is written in.
            let kind = name.as_str().to_ascii_uppercase();
            let plural = if kind.ends_with('X') {
                "INDEXES".to_string()
            } else if kind.ends_with('S') {
                kind
            } else {
                format!("{kind}S")
            };
            format!("SHOW {plural}")
        } else {
            name.as_str().to_string()
        };
        let mut call =
            CallClause { procedure, procedure_span, args: None, yields: None, predicate: None, show, span };
        for p in inner {
            match p.as_rule() {
                Rule::call_arguments => {
                    call.args = Some(p.into_inner().map(|e| self.expression(e)).collect::<Built<Vec<_>>>()?)
                }
                Rule::yield_clause => {
                    let mut items = Some(Vec::new());
                    for y in p.into_inner() {
                        match y.as_rule() {
                            Rule::star => items = None,
                            Rule::yield_item => {
                                let mut names = y.into_inner().filter(|n| n.as_rule() == Rule::variable);
                                let field = self.ident(names.next().expect("a yield item has a field"));
                                let alias = names.next().map(|a| self.ident(a));
                                if let Some(items) = &mut items {
                                    items.push(YieldItem { field, alias });
                                }
                            }
                            Rule::where_clause => call.predicate = Some(self.where_expression(y)?),
                            _ => {}
                        }
                    }
                    call.yields = Some(items);
                }
                _ => {}
            }
        }
        Ok(Clause::Call(call))
    }
}

/// The variables a `WITH` that opens a `CALL { … }` imports, when it only names variables
/// (`Some(None)` for `WITH *`); `None` when it projects, filters or orders, and is a clause of the
/// subquery like any other.
fn importing(w: &WithClause) -> Option<Option<Vec<Ident>>> {
    let p = &w.projection;
    if p.distinct || !p.order_by.is_empty() || p.skip.is_some() || p.limit.is_some() || w.predicate.is_some()
    {
        return None;
    }
    if p.star {
        return p.items.is_empty().then_some(None);
    }
    let vars = p.items.iter().map(|item| match (&item.expr.kind, &item.alias) {
        (ExprKind::Variable(v), None) => Some(Ident { name: v.clone(), span: item.expr.span }),
        (ExprKind::Variable(v), Some(a)) if a.name == *v => {
            Some(Ident { name: v.clone(), span: item.expr.span })
        }
        _ => None,
    });
    vars.collect::<Option<Vec<_>>>().map(Some)
}
