//! Compiling expressions: variables to slots, aggregates lifted out, types checked where they are
//! known before running.

use super::*;

impl Planner<'_> {
    pub(super) fn compile(&mut self, e: &Expr, scope: &Scope, mode: &mut Mode) -> Result<CExpr, QueryError> {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || self.compile_inner(e, scope, mode))
    }

    pub(super) fn compile_inner(
        &mut self,
        e: &Expr,
        scope: &Scope,
        mode: &mut Mode,
    ) -> Result<CExpr, QueryError> {
        if let Some(i) = mode.keys.iter().position(|k| *k == e && (!mode.simple_keys || simple_key(k))) {
            return Ok(CExpr::Slot(i));
        }
        let span = e.span;
        Ok(match &e.kind {
            ExprKind::Literal(v) => CExpr::Const(v.clone()),
            ExprKind::Parameter(name) => {
                if !self.parameters.iter().any(|(p, _)| p == name) {
                    self.parameters.push((name.clone(), span));
                }
                CExpr::Param(name.clone(), span)
            }
            ExprKind::Variable(name) if scope.get(name).is_some_and(|(_, k)| k == Kind::Local) => {
                CExpr::Local(scope.get(name).map_or(0, |(i, _)| i))
            }
            ExprKind::Variable(name) => {
                let found = if mode.variables { scope.get(name) } else { None };
                match found {
                    Some((slot, _)) => CExpr::Slot(slot),
                    None if mode.aggregates.is_some() && scope.get(name).is_some() => {
                        return Err(QueryError::semantic(
                            format!(
                                "`{name}` is used beside an aggregate but is not a grouping key: \
                                 return it on its own as well, or aggregate it"
                            ),
                            span,
                        ));
                    }
                    None => {
                        return Err(QueryError::semantic(format!("variable `{name}` is not defined"), span));
                    }
                }
            }
            ExprKind::Property(target, _)
                if matches!(
                    static_type(target, scope),
                    Some(
                        Type::Boolean | Type::Integer | Type::Float | Type::String | Type::List | Type::Path
                    )
                ) =>
            {
                let t = static_type(target, scope).map_or("value", Type::name);
                return Err(QueryError::semantic(format!("a {t} has no properties"), span));
            }
            ExprKind::Binary(op @ (BinaryOp::And | BinaryOp::Or | BinaryOp::Xor), a, b)
            | ExprKind::Binary(op @ BinaryOp::In, a, b)
                if operand_type_error(*op, a, b, scope).is_some() =>
            {
                let (operand, t) = operand_type_error(*op, a, b, scope).unwrap_or((a, Type::Map));
                return Err(QueryError::semantic(
                    format!("{} cannot take a {} operand", op.symbol(), t.name()),
                    operand.span,
                ));
            }
            ExprKind::Binary(
                op @ (BinaryOp::Add
                | BinaryOp::Sub
                | BinaryOp::Mul
                | BinaryOp::Div
                | BinaryOp::Mod
                | BinaryOp::Pow),
                a,
                b,
            ) if arithmetic_type_error(*op, a, b, scope).is_some() => {
                let (operand, t) = arithmetic_type_error(*op, a, b, scope).unwrap_or((a, Type::Map));
                return Err(QueryError::semantic(
                    format!("{} cannot take a {} operand", op.symbol(), t.name()),
                    operand.span,
                ));
            }
            ExprKind::Unary(UnaryOp::Not, a) if static_type(a, scope).is_some_and(|t| t != Type::Boolean) => {
                let t = static_type(a, scope).map_or("value", Type::name);
                return Err(QueryError::semantic(format!("NOT cannot take a {t}"), a.span));
            }
            ExprKind::Property(target, key) => CExpr::Property(
                Box::new(self.compile(target, scope, mode)?),
                PropertyKey::new(key.clone()),
                span,
            ),
            ExprKind::Subscript(target, index) => CExpr::Subscript(
                Box::new(self.compile(target, scope, mode)?),
                Box::new(self.compile(index, scope, mode)?),
                span,
            ),
            ExprKind::List(items) => {
                CExpr::List(items.iter().map(|i| self.compile(i, scope, mode)).collect::<Result<_, _>>()?)
            }
            ExprKind::Map(entries) => CExpr::Map(
                entries
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), self.compile(v, scope, mode)?)))
                    .collect::<Result<_, QueryError>>()?,
            ),
            ExprKind::Unary(UnaryOp::Not, operand) => {
                CExpr::Not(Box::new(self.compile(operand, scope, mode)?), span)
            }
            ExprKind::Unary(UnaryOp::Negate, operand) => {
                CExpr::Negate(Box::new(self.compile(operand, scope, mode)?), span)
            }
            ExprKind::Unary(UnaryOp::Plus, operand) => {
                // Unary plus checks that its operand is a number, which adding zero does.
                let operand = self.compile(operand, scope, mode)?;
                CExpr::Binary(BinaryOp::Add, Box::new(CExpr::Const(Value::Int(0))), Box::new(operand), span)
            }
            ExprKind::Binary(op, a, b) => CExpr::Binary(
                *op,
                Box::new(self.compile(a, scope, mode)?),
                Box::new(self.compile(b, scope, mode)?),
                span,
            ),
            ExprKind::IsNull { operand, negated } => {
                CExpr::IsNull(Box::new(self.compile(operand, scope, mode)?), *negated)
            }
            ExprKind::CountStar => self.aggregate(AggKind::CountStar, false, None, None, span, mode)?,
            ExprKind::Case { subject, branches, default } => {
                let subject = match subject {
                    Some(e) => Some(Box::new(self.compile(e, scope, mode)?)),
                    None => None,
                };
                let mut compiled = Vec::new();
                for (when, then) in branches {
                    compiled.push((self.compile(when, scope, mode)?, self.compile(then, scope, mode)?));
                }
                let default = match default {
                    Some(e) => Some(Box::new(self.compile(e, scope, mode)?)),
                    None => None,
                };
                CExpr::Case { subject, branches: compiled, default }
            }
            ExprKind::ListComprehension { variable, list: items, predicate, projection } => {
                per_element(predicate.iter().chain(projection.iter()).map(|b| &**b), "a list comprehension")?;
                let list = Box::new(self.compile(items, scope, mode)?);
                let inner = with_local(scope, variable, element_type(items, scope));
                let predicate = match predicate {
                    Some(p) => Some(Box::new(self.compile(p, &inner, mode)?)),
                    None => None,
                };
                let projection = match projection {
                    Some(p) => Some(Box::new(self.compile(p, &inner, mode)?)),
                    None => None,
                };
                CExpr::Comprehension { list, predicate, projection, span }
            }
            ExprKind::Quantifier { kind, variable, list: items, predicate } => {
                per_element(std::iter::once(&**predicate), "a quantifier's predicate")?;
                let list = Box::new(self.compile(items, scope, mode)?);
                let inner = with_local(scope, variable, element_type(items, scope));
                let predicate = Box::new(self.compile(predicate, &inner, mode)?);
                CExpr::Quantifier { kind: *kind, list, predicate, span }
            }
            ExprKind::Reduce { accumulator, init, variable, list: items, body } => {
                per_element(std::iter::once(&**body), "reduce()'s body")?;
                let init = Box::new(self.compile(init, scope, mode)?);
                let list = Box::new(self.compile(items, scope, mode)?);
                // The accumulator is the outer local, the element the inner, as the evaluator pushes them.
                let inner =
                    with_local(&with_local(scope, accumulator, None), variable, element_type(items, scope));
                let body = Box::new(self.compile(body, &inner, mode)?);
                CExpr::Reduce { init, list, body, span }
            }
            ExprKind::MapProjection { base, items } => {
                let compiled_base = Box::new(self.compile(base, scope, mode)?);
                let mut compiled = Vec::new();
                for item in items {
                    compiled.push(match item {
                        ProjectionItem::Property(k) => MapItem::Property(k.clone()),
                        ProjectionItem::AllProperties => MapItem::All,
                        ProjectionItem::Entry(k, e) => {
                            MapItem::Entry(k.clone(), self.compile(e, scope, mode)?)
                        }
                        ProjectionItem::Variable(v, vspan) => {
                            let e = Expr { kind: ExprKind::Variable(v.clone()), span: *vspan };
                            MapItem::Entry(v.clone(), self.compile(&e, scope, mode)?)
                        }
                    });
                }
                CExpr::MapProjection { base: compiled_base, items: compiled, span }
            }
            ExprKind::HasLabels(target, labels) => {
                CExpr::HasLabelsOf(Box::new(self.compile(target, scope, mode)?), labels.clone(), span)
            }
            ExprKind::LabelTest(target, labels) => {
                CExpr::LabelTest(Box::new(self.compile(target, scope, mode)?), labels.clone(), span)
            }
            ExprKind::Pattern(pattern) => {
                if mode.context != "WHERE" {
                    return Err(QueryError::syntax(
                        format!(
                            "a pattern is a predicate: it belongs in WHERE or exists(), not in {}",
                            mode.context
                        ),
                        span,
                    ));
                }
                if binds_a_local(std::slice::from_ref(&**pattern), scope) {
                    let query = pattern_query(std::slice::from_ref(&**pattern), None, None, span);
                    return self.subquery(SubqueryKind::Exists, &query, scope, mode, span);
                }
                self.pattern_predicate(pattern, scope)?
            }
            ExprKind::Exists { patterns, predicate } if binds_a_local(patterns, scope) => {
                let query = pattern_query(patterns, predicate.as_deref(), None, span);
                return self.subquery(SubqueryKind::Exists, &query, scope, mode, span);
            }
            ExprKind::PatternComprehension { pattern, predicate, projection }
                if binds_a_local(std::slice::from_ref(&**pattern), scope) =>
            {
                let query = pattern_query(
                    std::slice::from_ref(&**pattern),
                    predicate.as_deref(),
                    Some(projection),
                    span,
                );
                return self.subquery(SubqueryKind::Collect, &query, scope, mode, span);
            }
            ExprKind::Exists { patterns, predicate } => {
                let mut inner = scope.clone();
                let mut specs = Vec::new();
                for p in patterns {
                    specs.push(self.pattern_spec(p, &mut inner)?);
                }
                let predicate = match predicate {
                    Some(p) => Some(Box::new(self.compile(p, &inner, &mut Mode::plain("EXISTS"))?)),
                    None => None,
                };
                CExpr::PatternExists { patterns: specs, predicate }
            }
            ExprKind::Subquery(kind, query) => return self.subquery(*kind, query, scope, mode, span),
            ExprKind::PatternComprehension { pattern, predicate, projection } => {
                let mut inner = scope.clone();
                let spec = self.pattern_spec(pattern, &mut inner)?;
                let predicate = match predicate {
                    Some(p) => Some(Box::new(self.compile(
                        p,
                        &inner,
                        &mut Mode::plain("a pattern comprehension"),
                    )?)),
                    None => None,
                };
                let projection = Box::new(self.compile(
                    projection,
                    &inner,
                    &mut Mode::plain("a pattern comprehension"),
                )?);
                CExpr::PatternComprehension { pattern: Box::new(spec), predicate, projection }
            }
            ExprKind::Call { name, args, .. }
                if name.eq_ignore_ascii_case("exists") && args.len() == 1 && !is_aggregate(name) =>
            {
                match &args[0].kind {
                    ExprKind::Pattern(pattern) => self.pattern_predicate(pattern, scope)?,
                    ExprKind::Property(..) => {
                        CExpr::IsNull(Box::new(self.compile(&args[0], scope, mode)?), true)
                    }
                    _ => {
                        return Err(QueryError::semantic(
                            "exists() takes a pattern or a property, as in exists(n.name)",
                            args[0].span,
                        ));
                    }
                }
            }
            ExprKind::Slice { target, from, to } => {
                let target = Box::new(self.compile(target, scope, mode)?);
                let from = match from {
                    Some(e) => Some(Box::new(self.compile(e, scope, mode)?)),
                    None => None,
                };
                let to = match to {
                    Some(e) => Some(Box::new(self.compile(e, scope, mode)?)),
                    None => None,
                };
                CExpr::Slice { target, from, to, span }
            }
            ExprKind::Call { name, distinct, args } if is_aggregate(name) => {
                let kind = match name.to_ascii_lowercase().as_str() {
                    "count" => AggKind::Count,
                    "collect" => AggKind::Collect,
                    "min" => AggKind::Min,
                    "max" => AggKind::Max,
                    "sum" => AggKind::Sum,
                    "avg" => AggKind::Avg,
                    "stdev" => AggKind::StDev,
                    "stdevp" => AggKind::StDevP,
                    "percentiledisc" => AggKind::PercentileDisc,
                    _ => AggKind::PercentileCont,
                };
                let wanted =
                    if matches!(kind, AggKind::PercentileDisc | AggKind::PercentileCont) { 2 } else { 1 };
                if args.len() != wanted {
                    return Err(QueryError::semantic(
                        format!("{name}() takes {wanted} argument(s), got {}", args.len()),
                        span,
                    ));
                }
                if mode.aggregates.is_none() {
                    return Err(misplaced_aggregate(e, mode.context));
                }
                let mut random = false;
                args[0].walk(&mut |x| {
                    random |= matches!(&x.kind, ExprKind::Call { name, .. } if name.eq_ignore_ascii_case("rand"))
                });
                if random {
                    return Err(QueryError::semantic(
                        format!("{name}() cannot aggregate rand(): its value changes from row to row"),
                        span,
                    ));
                }
                // The argument is evaluated per input row, where aggregates make no sense.
                let arg = self.compile(&args[0], scope, &mut Mode::plain("an aggregate's argument"))?;
                let param = match args.get(1) {
                    Some(p) => Some(self.compile(p, scope, &mut Mode::plain("an aggregate's argument"))?),
                    None => None,
                };
                self.aggregate(kind, *distinct, Some(arg), param, span, mode)?
            }
            ExprKind::Call { name, args, .. }
                if name.eq_ignore_ascii_case("shortestPath")
                    || name.eq_ignore_ascii_case("allShortestPaths") =>
            {
                return self.shortest_path_expression(
                    name.eq_ignore_ascii_case("allShortestPaths"),
                    args,
                    scope,
                    mode,
                    span,
                );
            }
            ExprKind::Call { name, distinct, args } => {
                let f = Function::lookup(name).ok_or_else(|| {
                    let known = super::super::expr::FUNCTION_NAMES
                        .iter()
                        .chain(super::super::expr::AGGREGATE_NAMES)
                        .copied();
                    let hint = crate::query::suggest::did_you_mean(name, known, true);
                    QueryError::semantic(format!("unknown function `{name}`{hint}"), span)
                })?;
                if *distinct {
                    return Err(QueryError::semantic(
                        format!("DISTINCT applies only to aggregating functions, not {name}()"),
                        span,
                    ));
                }
                if let Some(arg) = args.first() {
                    let kind = self.static_kind(arg, scope);
                    let refused = match f {
                        Function::Labels => matches!(kind, Some(Kind::Relationship | Kind::Path)),
                        Function::Type => matches!(kind, Some(Kind::Node | Kind::Path)),
                        Function::Length | Function::Nodes | Function::Relationships => {
                            matches!(kind, Some(Kind::Node | Kind::Relationship))
                        }
                        Function::StartNode | Function::EndNode => {
                            matches!(kind, Some(Kind::Node | Kind::Path))
                        }
                        Function::Properties | Function::Keys => matches!(
                            static_type(arg, scope),
                            Some(
                                Type::Boolean
                                    | Type::Integer
                                    | Type::Float
                                    | Type::String
                                    | Type::List
                                    | Type::Path
                            )
                        ),
                        _ => false,
                    };
                    if refused {
                        return Err(QueryError::semantic(
                            format!("{}() cannot take a {}", f.name(), kind.map_or("value", kind_name)),
                            arg.span,
                        ));
                    }
                }
                let (min, max) = f.arity();
                if args.len() < min || args.len() > max {
                    let wanted = if min == max { min.to_string() } else { format!("at least {min}") };
                    return Err(QueryError::semantic(
                        format!("{}() takes {wanted} argument(s), got {}", f.name(), args.len()),
                        span,
                    ));
                }
                // The record's line and file, which the innermost LOAD CSV keeps in hidden
                // variables; null outside one, as openCypher says.
                let hidden = match f {
                    Function::LineNumber => Some(super::projection::LINENUMBER_VAR),
                    Function::File => Some(super::projection::FILE_VAR),
                    _ => None,
                };
                if let Some(hidden) = hidden {
                    return Ok(scope
                        .get(hidden)
                        .map_or(CExpr::Const(Value::Null), |(slot, _)| CExpr::Slot(slot)));
                }
                let args = args.iter().map(|a| self.compile(a, scope, mode)).collect::<Result<_, _>>()?;
                CExpr::Call(f, args, span)
            }
        })
    }

    /// What a bare variable is known to hold before anything runs.
    pub(super) fn static_kind(&self, e: &Expr, scope: &Scope) -> Option<Kind> {
        match &e.kind {
            ExprKind::Variable(v) => scope.get(v).map(|(_, k)| k),
            _ => None,
        }
    }

    pub(super) fn aggregate(
        &mut self,
        kind: AggKind,
        distinct: bool,
        arg: Option<CExpr>,
        param: Option<CExpr>,
        span: Span,
        mode: &mut Mode,
    ) -> Result<CExpr, QueryError> {
        let key_count = mode.keys.len();
        let Some(aggregates) = mode.aggregates.as_mut() else {
            let e = Expr { kind: ExprKind::CountStar, span };
            return Err(misplaced_aggregate(&e, mode.context));
        };
        aggregates.push(AggSpec { kind, distinct, arg, param, span });
        Ok(CExpr::Slot(key_count + aggregates.len() - 1))
    }
}

/// The type of an expression when it is known before running (null has none: it fits anywhere).
pub(super) fn static_type(e: &Expr, scope: &Scope) -> Option<Type> {
    Some(match &e.kind {
        ExprKind::Literal(Value::Bool(_)) => Type::Boolean,
        ExprKind::Literal(Value::Int(_)) => Type::Integer,
        ExprKind::Literal(Value::Float(_)) => Type::Float,
        ExprKind::Literal(Value::String(_)) => Type::String,
        ExprKind::List(_) | ExprKind::ListComprehension { .. } => Type::List,
        ExprKind::Map(_) | ExprKind::MapProjection { .. } => Type::Map,
        ExprKind::Binary(op, ..) => match op {
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod | BinaryOp::Pow => {
                return None;
            }
            _ => Type::Boolean,
        },
        ExprKind::IsNull { .. }
        | ExprKind::Unary(UnaryOp::Not, _)
        | ExprKind::Quantifier { .. }
        | ExprKind::HasLabels(..)
        | ExprKind::LabelTest(..)
        | ExprKind::Pattern(_)
        | ExprKind::Exists { .. }
        | ExprKind::Subquery(SubqueryKind::Exists, _) => Type::Boolean,
        ExprKind::Subquery(SubqueryKind::Count, _) => Type::Integer,
        ExprKind::Subquery(SubqueryKind::Collect, _) => Type::List,
        ExprKind::Variable(v) => match scope.get(v)?.1 {
            Kind::Node => Type::Node,
            Kind::Relationship => Type::Relationship,
            Kind::Path => Type::Path,
            _ => scope.types.iter().rev().find(|t| t.0 == *v)?.1,
        },
        _ => return None,
    })
}

/// For AND, OR and XOR, an operand known not to be a boolean; for IN, a right side known not to be
/// a list.
pub(super) fn operand_type_error<'e>(
    op: BinaryOp,
    a: &'e Expr,
    b: &'e Expr,
    scope: &Scope,
) -> Option<(&'e Expr, Type)> {
    if op == BinaryOp::In {
        return static_type(b, scope).filter(|t| *t != Type::List).map(|t| (b, t));
    }
    [a, b].into_iter().find_map(|x| static_type(x, scope).filter(|t| *t != Type::Boolean).map(|t| (x, t)))
}

/// The scope with one more local variable, numbered by how many locals enclose it.
pub(super) fn with_local(scope: &Scope, name: &str, element: Option<Type>) -> Scope {
    let depth = scope.vars.iter().filter(|v| v.2 == Kind::Local).count();
    let mut inner = scope.clone();
    inner.vars.push((name.to_string(), depth, Kind::Local));
    inner.types.retain(|t| t.0 != name);
    if let Some(t) = element {
        inner.types.push((name.to_string(), t));
    }
    inner
}

/// The type every element of a list literal has, when they all have the same known one.
fn element_type(list: &Expr, scope: &Scope) -> Option<Type> {
    let ExprKind::List(items) = &list.kind else { return None };
    let first = static_type(items.first()?, scope)?;
    items.iter().all(|i| static_type(i, scope) == Some(first)).then_some(first)
}

/// An arithmetic operand whose type is known and cannot take part: booleans, maps and graph entities
/// never; strings and lists only in `+`.
fn arithmetic_type_error<'e>(
    op: BinaryOp,
    a: &'e Expr,
    b: &'e Expr,
    scope: &Scope,
) -> Option<(&'e Expr, Type)> {
    let types = [static_type(a, scope), static_type(b, scope)];
    if op == BinaryOp::Add {
        // `+` appends to lists anything at all, and joins strings with scalars.
        if types.contains(&Some(Type::List)) {
            return None;
        }
        if types.contains(&Some(Type::String)) {
            return [a, b].into_iter().zip(types).find_map(|(x, t)| {
                t.filter(|t| matches!(t, Type::Map | Type::Node | Type::Relationship | Type::Path))
                    .map(|t| (x, t))
            });
        }
    }
    [a, b].into_iter().find_map(|x| {
        let t = static_type(x, scope)?;
        let refused = match t {
            Type::Integer | Type::Float => false,
            Type::String | Type::List => op != BinaryOp::Add,
            _ => true,
        };
        refused.then_some((x, t))
    })
}

pub(super) fn misplaced_aggregate(e: &Expr, context: &str) -> QueryError {
    QueryError::semantic(
        format!("aggregating function {e} is not allowed in {context}: aggregates belong in RETURN"),
        e.span,
    )
}

/// A key an aggregating expression may use: a variable, a property of one (`a.b.c` too), or a
/// projected expression that aggregates itself (which ORDER BY reads whole).
fn simple_key(k: &Expr) -> bool {
    match &k.kind {
        ExprKind::Variable(_) => true,
        ExprKind::Property(target, _) if !contains_aggregate(target) => simple_key(target),
        _ => contains_aggregate(k),
    }
}

/// What is evaluated once per element of a list cannot aggregate over rows (openCypher's
/// InvalidAggregation): `[x IN list | count(*)]` has no rows to count.
fn per_element<'e>(exprs: impl Iterator<Item = &'e Expr>, context: &str) -> Result<(), QueryError> {
    for e in exprs {
        let mut found = None;
        e.walk(&mut |x| {
            if found.is_none() && contains_aggregate_here(x) {
                found = Some(x.clone());
            }
        });
        if let Some(aggregate) = found {
            return Err(misplaced_aggregate(&aggregate, context));
        }
    }
    Ok(())
}

fn contains_aggregate_here(x: &Expr) -> bool {
    match &x.kind {
        ExprKind::CountStar => true,
        ExprKind::Call { name, .. } => is_aggregate(name),
        _ => false,
    }
}

pub(super) fn contains_aggregate(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| {
        found |= match &x.kind {
            ExprKind::CountStar => true,
            ExprKind::Call { name, .. } => is_aggregate(name),
            _ => false,
        }
    });
    found
}

pub(super) fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Node => "node",
        Kind::Relationship => "relationship",
        Kind::Value | Kind::Local => "value",
        Kind::Path => "path",
        Kind::Any => "value",
    }
}
