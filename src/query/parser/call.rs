//! Building `CALL … YIELD …` and `SHOW …` clauses from their pairs.

use std::iter::Peekable;

use pest::iterators::Pairs;

use super::*;

impl Builder {
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
