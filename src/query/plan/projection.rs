//! Planning projections: RETURN, WITH (and its WHERE), UNWIND, SKIP and LIMIT.

use super::*;

/// The hidden variables of the last `LOAD CSV`'s line and file. Their names start with spaces, as
/// the anonymous variables' do: no query writes them unquoted, and `*` leaves them out.
pub(super) const LINENUMBER_VAR: &str = "  linenumber";
pub(super) const FILE_VAR: &str = "  file";

impl Planner<'_> {
    pub(super) fn unwind_clause(&mut self, op: Op, clause: &UnwindClause) -> Result<Op, QueryError> {
        let (expr, slot) = self.source_and_variable(&clause.expr, &clause.variable, "UNWIND", Kind::Any)?;
        Ok(Op::Unwind { input: Box::new(op), expr, slot, name: clause.variable.name.clone() })
    }

    /// What a clause that binds a new variable per value of an expression needs (UNWIND, LOAD
    /// CSV): the expression compiled in the scope before the clause, and the variable's slot.
    fn source_and_variable(
        &mut self,
        source: &Expr,
        variable: &Ident,
        context: &'static str,
        kind: Kind,
    ) -> Result<(CExpr, usize), QueryError> {
        let scope = self.scope.clone();
        let source = self.compile(source, &scope, &mut Mode::plain(context))?;
        if self.scope.get(&variable.name).is_some() {
            return Err(QueryError::semantic(
                format!("variable `{}` is already declared", variable.name),
                variable.span,
            ));
        }
        Ok((source, self.pattern_slot(Some(variable), kind)?))
    }

    pub(super) fn load_csv_clause(&mut self, op: Op, clause: &LoadCsvClause) -> Result<Op, QueryError> {
        let (source, slot) =
            self.source_and_variable(&clause.source, &clause.variable, "LOAD CSV", Kind::Value)?;
        // Hidden variables that `linenumber()` and `file()` read: they go out of scope with the
        // record, at the next WITH or RETURN that does not carry it.
        let line_slot = self.new_slot(LINENUMBER_VAR);
        let file_slot = self.new_slot(FILE_VAR);
        self.scope.vars.push((LINENUMBER_VAR.to_string(), line_slot, Kind::Value));
        self.scope.vars.push((FILE_VAR.to_string(), file_slot, Kind::Value));
        Ok(Op::LoadCsv {
            input: Box::new(op),
            source,
            slot,
            line_slot,
            file_slot,
            headers: clause.headers,
            delimiter: clause.delimiter,
            name: clause.variable.name.clone(),
            span: clause.span,
        })
    }

    pub(super) fn with_clause(&mut self, op: Op, clause: &WithClause) -> Result<Op, QueryError> {
        for item in &clause.projection.items {
            if item.alias.is_none() && !matches!(item.expr.kind, ExprKind::Variable(_)) {
                return Err(QueryError::semantic(
                    format!("`{}` in WITH needs a name: add `AS name`", item.name),
                    item.expr.span,
                ));
            }
        }
        let mut types: Vec<(String, Type)> =
            if clause.projection.star { self.scope.types.clone() } else { Vec::new() };
        let before = self.scope.clone();
        for item in &clause.projection.items {
            if let Some(t) = static_type(&item.expr, &before) {
                types.push((item.name.clone(), t));
            }
        }
        let (op, columns, kinds) =
            self.projection(op, &clause.projection, "WITH", clause.predicate.as_ref())?;
        // Only the projected columns stay in scope, each in the slot of its column.
        self.scope = Scope {
            vars: columns.iter().zip(kinds).enumerate().map(|(i, (c, k))| (c.clone(), i, k)).collect(),
            types,
        };
        self.slot_names = columns;
        Ok(op)
    }

    /// RETURN's and WITH's shared part: items, aggregation, DISTINCT, ORDER BY, SKIP, LIMIT. Gives
    /// the columns and what each holds (a node or relationship when it is a bare variable of one).
    pub(super) fn projection(
        &mut self,
        op: Op,
        clause: &ReturnClause,
        context: &'static str,
        predicate: Option<&Expr>,
    ) -> Result<(Op, Vec<String>, Vec<Kind>), QueryError> {
        let mut star_exprs = Vec::new();
        if clause.star {
            let mut names: Vec<&(String, usize, Kind)> =
                self.scope.vars.iter().filter(|v| !v.0.starts_with(' ')).collect();
            // `WITH *` may carry nothing on (as after a CREATE of anonymous nodes); `RETURN *` may not.
            if names.is_empty() && context == "RETURN" {
                return Err(QueryError::semantic(
                    format!("{context} * needs at least one variable in scope"),
                    clause.span,
                ));
            }
            names.sort_by(|a, b| a.0.cmp(&b.0));
            for (name, ..) in names {
                let expr = Expr { kind: ExprKind::Variable(name.clone()), span: clause.span };
                star_exprs.push((name.clone(), expr));
            }
        }
        let items: Vec<(String, &Expr, Span)> = star_exprs
            .iter()
            .map(|(n, e)| (n.clone(), e, clause.span))
            .chain(clause.items.iter().map(|i| (i.name.clone(), &i.expr, i.expr.span)))
            .collect();
        let columns: Vec<String> = items.iter().map(|i| i.0.clone()).collect();
        for (i, (name, _, span)) in items.iter().enumerate() {
            if columns[..i].contains(name) {
                return Err(QueryError::semantic(
                    format!("two columns are named `{name}`: give one of them an alias with AS"),
                    *span,
                ));
            }
        }
        let exprs: Vec<&Expr> = items.iter().map(|i| i.1).collect();
        let kinds: Vec<Kind> = exprs.iter().map(|e| self.projected_kind(e)).collect();
        let aggregating = exprs.iter().any(|e| contains_aggregate(e));
        let scope = self.scope.clone();
        let mut op = op;
        let keep_input;
        if aggregating {
            let keys: Vec<&Expr> = exprs.iter().copied().filter(|e| !contains_aggregate(e)).collect();
            let key_exprs = keys
                .iter()
                .map(|k| self.compile(k, &scope, &mut Mode::plain(context)))
                .collect::<Result<Vec<_>, _>>()?;
            let mut mode = Mode {
                keys: &keys,
                aggregates: Some(Vec::new()),
                variables: false,
                context,
                simple_keys: false,
            };
            let mut outputs = Vec::new();
            for e in &exprs {
                mode.simple_keys = contains_aggregate(e);
                outputs.push(self.compile(e, &scope, &mut mode)?);
            }
            let aggregates = mode.aggregates.take().unwrap_or_default();
            op = Op::Aggregate {
                input: Box::new(op),
                keys: key_exprs,
                aggregates,
                outputs,
                weight: None,
                text: columns.join(", "),
            };
            keep_input = false;
        } else {
            let compiled = exprs
                .iter()
                .map(|e| self.compile(e, &scope, &mut Mode::plain(context)))
                .collect::<Result<Vec<_>, _>>()?;
            // Sort keys and WITH's WHERE may read variables that are not projected.
            keep_input = (!clause.order_by.is_empty() || predicate.is_some()) && !clause.distinct;
            op = Op::Project {
                input: Box::new(op),
                exprs: compiled,
                keep_input,
                input_width: self.slot_names.len(),
                text: columns.join(", "),
            };
        }
        if clause.distinct {
            op = Op::Distinct { input: Box::new(op) };
        }
        // Sort keys and WITH's WHERE see the columns by name, then (before aggregation or DISTINCT)
        // the variables of the input, kept after the columns.
        let width = columns.len();
        let mut sort_scope = Scope::default();
        if keep_input {
            for (name, slot, kind) in &scope.vars {
                sort_scope.vars.push((name.clone(), width + slot, *kind));
            }
            sort_scope.types = scope.types.clone();
        }
        for (i, name) in columns.iter().enumerate() {
            sort_scope.vars.push((name.clone(), i, kinds[i]));
        }
        if !clause.order_by.is_empty() {
            let mut mode = Mode {
                keys: &exprs,
                aggregates: None,
                variables: true,
                context: "ORDER BY",
                simple_keys: false,
            };
            let mut keys = Vec::new();
            let mut text = Vec::new();
            for item in &clause.order_by {
                mode.simple_keys = aggregating && contains_aggregate(&item.expr);
                keys.push((self.compile(&item.expr, &sort_scope, &mut mode)?, item.descending));
                text.push(format!("{}{}", item.expr, if item.descending { " DESC" } else { "" }));
            }
            op = Op::Sort { input: Box::new(op), keys, top: Vec::new(), text: text.join(", ") };
        }
        if let Some(skip) = &clause.skip {
            let count = self.row_independent(skip, "SKIP")?;
            op = Op::Skip { input: Box::new(op), count };
        }
        if let Some(limit) = &clause.limit {
            let count = self.row_independent(limit, "LIMIT")?;
            op = Op::Limit { input: Box::new(op), count, drain: self.writes };
        }
        if let Some(predicate) = predicate {
            if let Some(t) = static_type(predicate, &sort_scope).filter(|t| *t != Type::Boolean) {
                return Err(QueryError::semantic(
                    format!("WHERE needs a Boolean, not a {}", t.name()),
                    predicate.span,
                ));
            }
            // As in ORDER BY, a projected expression written again reads its column
            // (`WITH DISTINCT a.name AS n WHERE a.name = 'B'`), unless it draws anew each time.
            let unmatched = Expr { kind: ExprKind::Variable(" drawn afresh".into()), span: predicate.span };
            let keys: Vec<&Expr> = exprs.iter().map(|e| if draws(e) { &unmatched } else { *e }).collect();
            let mut mode =
                Mode { keys: &keys, aggregates: None, variables: true, context: "WHERE", simple_keys: false };
            let compiled = self.compile(predicate, &sort_scope, &mut mode)?;
            op = Op::Filter { input: Box::new(op), predicate: compiled, text: predicate.to_string() };
        }
        if keep_input {
            op = Op::Trim { input: Box::new(op), width: columns.len() };
        }
        Ok((op, columns, kinds))
    }

    pub(super) fn row_independent(&mut self, e: &Expr, context: &'static str) -> Result<CExpr, QueryError> {
        let compiled = self.compile(e, &Scope::default(), &mut Mode::plain(context))?;
        if !compiled.is_row_independent() {
            return Err(QueryError::semantic(format!("{context} cannot refer to variables"), e.span));
        }
        // A literal count is checked now; a parameter's, when the statement runs.
        if let CExpr::Const(v) = &compiled {
            match v {
                Value::Int(i) if *i < 0 => {
                    return Err(QueryError::semantic(
                        format!("{context} cannot be negative, got {i}"),
                        e.span,
                    ));
                }
                Value::Int(_) | Value::Null => {}
                other => {
                    return Err(QueryError::semantic(
                        format!("{context} needs an Integer, got a {}", other.type_name()),
                        e.span,
                    ));
                }
            }
        }
        Ok(compiled)
    }

    /// What a projected expression is known to hold: a node, relationship or path when it is a bare
    /// variable of one; surely none of those for literals, lists, maps and operators; else unknown.
    pub(super) fn projected_kind(&self, e: &Expr) -> Kind {
        match &e.kind {
            ExprKind::Variable(v) => self.scope.get(v).map_or(Kind::Any, |(_, k)| k),
            ExprKind::Literal(Value::Null) => Kind::Any,
            ExprKind::Literal(_)
            | ExprKind::List(_)
            | ExprKind::Map(_)
            | ExprKind::Binary(..)
            | ExprKind::Unary(..)
            | ExprKind::IsNull { .. }
            | ExprKind::Property(..)
            | ExprKind::ListComprehension { .. }
            | ExprKind::Reduce { .. }
            | ExprKind::Quantifier { .. }
            | ExprKind::Slice { .. }
            | ExprKind::CountStar => Kind::Value,
            _ => Kind::Any,
        }
    }
}

/// Whether evaluating the expression twice may give two values: `rand()`, `randomUUID()`, a
/// realtime clock.
fn draws(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| {
        if let ExprKind::Call { name, .. } = &x.kind {
            let name = name.to_ascii_lowercase();
            found |= name == "rand" || name == "randomuuid" || name.ends_with(".realtime");
        }
    });
    found
}
