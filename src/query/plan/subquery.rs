//! Subquery expressions — `EXISTS { … }`, `COUNT { … }`, `COLLECT { … }` with a whole query inside
//! — planned in the scope of the expression: the query starts from the row the expression is
//! evaluated on (its `Argument`), so the variables bound outside are bound inside.

use std::sync::Arc;

use super::*;

/// A subquery's plan, run by the executor from each row (see [`crate::query::expr::RowSource`]).
#[derive(Debug)]
pub struct SubPlan {
    /// Each query of the subquery, with whether UNION ALL joins it to those before (the first's
    /// flag is `true`).
    pub parts: Vec<(bool, Op)>,
    /// How many columns its rows have: 0 for a query that ends with a reading clause.
    pub columns: usize,
    /// The variables of enclosing comprehensions the query reads, each as (its depth in the
    /// locals stack, the slot it is copied to before the query runs): the executor's operators
    /// read rows, not the locals stack.
    pub locals: Vec<(usize, usize)>,
}

impl Planner<'_> {
    pub(super) fn subquery(
        &mut self,
        kind: SubqueryKind,
        query: &Query,
        scope: &Scope,
        mode: &Mode,
        span: Span,
    ) -> Result<CExpr, QueryError> {
        if kind == SubqueryKind::Count
            && let Some(counting) = counted(query)
        {
            // The count an aggregation makes of the rows, so that the passes see it (a count of one
            // expansion is its node's degree): the one value of the one row it returns.
            let values = self.subquery(SubqueryKind::Collect, &counting, scope, mode, span)?;
            return Ok(CExpr::Subscript(Box::new(values), Box::new(CExpr::Const(Value::Int(0))), span));
        }
        let word = match kind {
            SubqueryKind::Exists => "EXISTS",
            SubqueryKind::Count => "COUNT",
            SubqueryKind::Collect => "COLLECT",
        };
        for clause in query.clauses.iter().chain(query.unions.iter().flat_map(|u| &u.clauses)) {
            if clause.writes() {
                return Err(QueryError::semantic(
                    format!("{word} {{ … }} subqueries only read: `{clause}` would change the graph"),
                    clause.span(),
                ));
            }
            if let Clause::LoadCsv(l) = clause {
                return Err(QueryError::semantic(
                    format!("LOAD CSV cannot be inside a {word} {{ … }} subquery: load before it, with WITH"),
                    l.span,
                ));
            }
        }
        // Beside an aggregate, the row the expression sees is the aggregation's: what was bound
        // before it is not there to read.
        if !mode.variables {
            return Err(QueryError::semantic(
                format!(
                    "{word} {{ … }} subqueries cannot stand beside an aggregate in {}: compute it in a WITH \
                     before the aggregation",
                    mode.context
                ),
                span,
            ));
        }
        let mut inner = scope.clone();
        let mut slot_names = self.slot_names.clone();
        let mut locals = Vec::new();
        for var in &mut inner.vars {
            if var.2 == Kind::Local {
                let slot = slot_names.len();
                slot_names.push(var.0.clone());
                locals.push((var.1, slot));
                (var.1, var.2) = (slot, Kind::Any);
            }
        }
        let (parts, columns, _) = self.parts(query, &inner, slot_names, true)?;
        let columns = columns.len();
        if kind == SubqueryKind::Collect && columns != 1 {
            return Err(QueryError::semantic(
                format!("COLLECT {{ … }} must end with a RETURN of exactly one column, not {columns}"),
                span,
            ));
        }
        Ok(CExpr::Subquery(kind, Arc::new(SubPlan { parts, columns, locals })))
    }
}

impl Planner<'_> {
    /// `CALL { … }`: the query planned from the row with the variables it imports, its columns
    /// new variables of the outer query.
    pub(super) fn call_subquery(&mut self, op: Op, clause: &CallSubquery) -> Result<Op, QueryError> {
        let inner = match &clause.imports {
            None => self.scope.clone(),
            Some(vars) => {
                let mut inner = Scope::default();
                for v in vars {
                    let Some((slot, kind)) = self.scope.get(&v.name) else {
                        return Err(QueryError::semantic(
                            format!("variable `{}` is not defined", v.name),
                            v.span,
                        ));
                    };
                    inner.vars.push((v.name.clone(), slot, kind));
                    inner.types.extend(self.scope.types.iter().filter(|t| t.0 == v.name).cloned());
                }
                inner
            }
        };
        let (parts, columns, writes) = self.parts(&clause.query, &inner, self.slot_names.clone(), false)?;
        let mut slots = Vec::new();
        for name in &columns {
            if self.scope.get(name).is_some() {
                return Err(QueryError::semantic(
                    format!("`{name}`, which CALL {{ … }} returns, is a variable already: rename it with AS"),
                    clause.span,
                ));
            }
            let slot = self.new_slot(name);
            self.scope.vars.push((name.clone(), slot, Kind::Any));
            slots.push(slot);
        }
        self.writes |= writes;
        Ok(Op::Apply { input: Box::new(op), parts, unit: columns.is_empty(), columns: slots, writes })
    }
}

/// A subquery's queries planned: each root with whether UNION ALL joins it, the columns they
/// return, and whether any writes.
type PlannedParts = (Vec<(bool, Op)>, Vec<String>, bool);

impl Planner<'_> {
    /// Plans each query of `query` from the row (its `Argument`), in `scope` with `slot_names`.
    /// Their parameters become the statement's.
    fn parts(
        &mut self,
        query: &Query,
        scope: &Scope,
        slot_names: Vec<String>,
        in_expression: bool,
    ) -> Result<PlannedParts, QueryError> {
        let (mut parts, mut first_columns, mut writes) = (Vec::new(), None::<Vec<String>>, false);
        let queries =
            std::iter::once((true, &query.clauses)).chain(query.unions.iter().map(|u| (u.all, &u.clauses)));
        for (all, clauses) in queries {
            let mut planner = Planner {
                graph: self.graph,
                procedures: self.procedures,
                parameters: Vec::new(),
                scope: scope.clone(),
                slot_names: slot_names.clone(),
                writes: false,
                passes: self.passes,
            };
            let (root, columns) = planner.clauses(clauses, Op::Argument, query.span, in_expression)?;
            // A CALL's parts are children of its Apply, which the passes reach with the rest.
            let root = if in_expression { self.passes.apply(root) } else { root };
            for p in planner.parameters {
                if !self.parameters.iter().any(|(n, _)| *n == p.0) {
                    self.parameters.push(p);
                }
            }
            writes |= planner.writes;
            match &first_columns {
                Some(first) => {
                    same_columns(first, &columns, clauses.first().map_or(query.span, Clause::span))?
                }
                None => first_columns = Some(columns),
            }
            parts.push((all, root));
        }
        Ok((parts, first_columns.unwrap_or_default(), writes))
    }
}

impl Planner<'_> {
    /// `shortestPath((a)-[…]-(b))` as a value (`allShortestPaths` for the list of them): the
    /// subquery `MATCH p = shortestPath(…) RETURN p` from the row, whose ends must be bound.
    pub(super) fn shortest_path_expression(
        &mut self,
        all: bool,
        args: &[Expr],
        scope: &Scope,
        mode: &Mode,
        span: Span,
    ) -> Result<CExpr, QueryError> {
        let word = if all { "allShortestPaths" } else { "shortestPath" };
        let [Expr { kind: ExprKind::Pattern(pattern), .. }] = args else {
            return Err(QueryError::semantic(format!("{word}() takes a pattern: {word}((a)-[*]-(b))"), span));
        };
        let bound = |n: &NodePattern| n.variable.as_ref().is_some_and(|v| scope.get(&v.name).is_some());
        let ends_bound = bound(&pattern.start) && pattern.steps.last().is_some_and(|(_, end)| bound(end));
        if !ends_bound {
            return Err(QueryError::semantic(
                format!(
                    "{word}() as a value needs both ends bound before it: MATCH them first, or write MATCH p = {word}(…)"
                ),
                pattern.span,
            ));
        }
        let path = Ident { name: "  path".to_string(), span };
        let mut pattern = (**pattern).clone();
        pattern.shortest = Some(all);
        pattern.path_variable = Some(path.clone());
        let projection = Expr { kind: ExprKind::Variable(path.name), span };
        let query = pattern_query(std::slice::from_ref(&pattern), None, Some(&projection), span);
        let paths = self.subquery(SubqueryKind::Collect, &query, scope, mode, span)?;
        // The one path, or null: the first of a list that has one or none.
        Ok(if all {
            paths
        } else {
            CExpr::Subscript(Box::new(paths), Box::new(CExpr::Const(Value::Int(0))), span)
        })
    }
}

/// `COUNT { query }` as the query that counts its rows, `… RETURN count(*)`, when it can be said so:
/// one query (no UNION) that ends with a reading clause, or with a RETURN that neither aggregates,
/// makes its rows distinct, nor skips, limits or orders them (each row it returns is a row counted).
fn counted(query: &Query) -> Option<Query> {
    if !query.unions.is_empty() {
        return None;
    }
    let mut clauses = query.clauses.clone();
    let span = query.span;
    match clauses.last() {
        Some(Clause::Return(r))
            if !r.distinct
                && r.order_by.is_empty()
                && r.skip.is_none()
                && r.limit.is_none()
                && !r.items.iter().any(|i| aggregates(&i.expr)) =>
        {
            clauses.pop();
        }
        Some(Clause::Match(_) | Clause::With(_) | Clause::Unwind(_)) => {}
        _ => return None,
    }
    let count = Expr { kind: ExprKind::CountStar, span };
    clauses.push(Clause::Return(ReturnClause {
        distinct: false,
        star: false,
        items: vec![ReturnItem { expr: count, alias: None, name: "  count".to_string() }],
        order_by: Vec::new(),
        skip: None,
        limit: None,
        span,
    }));
    Some(Query { clauses, unions: Vec::new(), span })
}

/// Whether one of the patterns' variables is a comprehension's own (`[x IN nodes(p) | size([(x)-->()
/// | 1])]`): the pattern matcher of expressions starts only from row slots, so such a pattern is
/// run as the subquery it means, which copies the variable into one.
pub(super) fn binds_a_local(patterns: &[Pattern], scope: &Scope) -> bool {
    let local = |v: &Option<Ident>| {
        v.as_ref().is_some_and(|v| scope.get(&v.name).is_some_and(|(_, k)| k == Kind::Local))
    };
    patterns.iter().any(|p| {
        local(&p.path_variable)
            || local(&p.start.variable)
            || p.steps.iter().any(|(r, n)| local(&r.variable) || local(&n.variable))
    })
}

/// The query a pattern predicate or comprehension stands for: `MATCH patterns WHERE predicate`,
/// and `RETURN projection` for a comprehension.
pub(super) fn pattern_query(
    patterns: &[Pattern],
    predicate: Option<&Expr>,
    projection: Option<&Expr>,
    span: Span,
) -> Query {
    let mut clauses = vec![Clause::Match(MatchClause {
        optional: false,
        patterns: patterns.to_vec(),
        predicate: predicate.cloned(),
        span,
    })];
    if let Some(projection) = projection {
        let item = ReturnItem { expr: projection.clone(), alias: None, name: "  element".to_string() };
        clauses.push(Clause::Return(ReturnClause {
            distinct: false,
            star: false,
            items: vec![item],
            order_by: Vec::new(),
            skip: None,
            limit: None,
            span,
        }));
    }
    Query { clauses, unions: Vec::new(), span }
}

/// Whether `e` holds an aggregate (a subquery inside holds its own).
fn aggregates(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| {
        found |= matches!(&x.kind, ExprKind::CountStar)
            || matches!(&x.kind, ExprKind::Call { name, .. } if is_aggregate(name));
    });
    found
}
