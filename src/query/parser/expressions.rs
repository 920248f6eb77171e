//! Expressions, from pest's pairs: operators by precedence (pest gives an operand, an operator, an
//! operand… and the Pratt table in the parent module orders them), operands with their postfix parts,
//! atoms and literals.

use pest::iterators::Pair;

use super::{Builder, Built, MAX_OPERATORS, Rule, name_text, unquote_name};
use crate::query::ast::*;
use crate::query::error::QueryError;
use crate::value::Value;

impl Builder {
    pub(super) fn expression(&self, pair: Pair<Rule>) -> Built<Expr> {
        let whole = self.span(&pair);
        let operators = pair.clone().into_inner().filter(|p| p.as_rule() != Rule::operand).count();
        if operators > MAX_OPERATORS {
            return Err(QueryError::syntax(
                format!("an expression may combine at most {MAX_OPERATORS} operators without parentheses"),
                whole,
            ));
        }
        self.pratt
            .map_primary(|p| self.operand(p))
            .map_prefix(|op, operand| {
                let operand = operand?;
                let span = Span { start: self.span(&op).start, end: operand.span.end };
                let kind = match op.as_rule() {
                    Rule::op_not => ExprKind::Unary(UnaryOp::Not, Box::new(operand)),
                    Rule::op_pos => ExprKind::Unary(UnaryOp::Plus, Box::new(operand)),
                    _ => return Ok(self.negate(operand, span)),
                };
                Ok(Expr { kind, span })
            })
            .map_postfix(|operand, op| {
                let operand = operand?;
                let span = Span { start: operand.span.start, end: self.span(&op).end };
                let negated = op.as_rule() == Rule::op_is_not_null;
                Ok(Expr { kind: ExprKind::IsNull { operand: Box::new(operand), negated }, span })
            })
            .map_infix(|lhs, op, rhs| {
                let (lhs, rhs) = (lhs?, rhs?);
                let op = match op.as_rule() {
                    Rule::op_or => BinaryOp::Or,
                    Rule::op_xor => BinaryOp::Xor,
                    Rule::op_and => BinaryOp::And,
                    Rule::op_eq => BinaryOp::Eq,
                    Rule::op_ne => BinaryOp::Ne,
                    Rule::op_lt => BinaryOp::Lt,
                    Rule::op_le => BinaryOp::Le,
                    Rule::op_gt => BinaryOp::Gt,
                    Rule::op_ge => BinaryOp::Ge,
                    Rule::op_regex => BinaryOp::Regex,
                    Rule::op_starts_with => BinaryOp::StartsWith,
                    Rule::op_ends_with => BinaryOp::EndsWith,
                    Rule::op_contains => BinaryOp::Contains,
                    Rule::op_in => BinaryOp::In,
                    Rule::op_add => BinaryOp::Add,
                    Rule::op_sub => BinaryOp::Sub,
                    Rule::op_mul => BinaryOp::Mul,
                    Rule::op_div => BinaryOp::Div,
                    Rule::op_mod => BinaryOp::Mod,
                    Rule::op_pow => BinaryOp::Pow,
                    other => unreachable!("not an infix operator: {other:?}"),
                };
                let span = Span { start: lhs.span.start, end: rhs.span.end };
                // `a < b < c` chains, as in mathematics: `a < b AND b < c` (unless `a < b` was
                // written in parentheses, which makes it a value).
                let comparison = |o: BinaryOp| {
                    matches!(
                        o,
                        BinaryOp::Lt
                            | BinaryOp::Le
                            | BinaryOp::Gt
                            | BinaryOp::Ge
                            | BinaryOp::Eq
                            | BinaryOp::Ne
                    )
                };
                if let ExprKind::Binary(inner, _, middle) = &lhs.kind {
                    let parenthesized = self.parenthesized.borrow().contains(&(lhs.span.start, lhs.span.end));
                    if comparison(op) && comparison(*inner) && !parenthesized {
                        let middle = (**middle).clone();
                        let right_span = Span { start: middle.span.start, end: rhs.span.end };
                        let right = Expr {
                            kind: ExprKind::Binary(op, Box::new(middle), Box::new(rhs)),
                            span: right_span,
                        };
                        return Ok(Expr {
                            kind: ExprKind::Binary(BinaryOp::And, Box::new(lhs), Box::new(right)),
                            span,
                        });
                    }
                }
                Ok(Expr { kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), span })
            })
            .parse(pair.into_inner())
            .map(|mut e: Expr| {
                // Parentheses belong to the expression's own text.
                if e.span.start > whole.start || e.span.end < whole.end {
                    e.span = Span { start: e.span.start.min(whole.start), end: e.span.end.max(whole.end) };
                }
                e
            })
    }

    /// Folds a minus into a numeric literal, so that `-9223372036854775808` is a legal integer.
    fn negate(&self, operand: Expr, span: Span) -> Expr {
        let kind = match operand.kind {
            ExprKind::Literal(Value::Int(_))
                if self.pending_overflow.borrow_mut().remove(&operand.span.start) =>
            {
                ExprKind::Literal(Value::Int(i64::MIN))
            }
            // `-(-9223372036854775808)` has no integer: left to evaluate, it fails as an overflow.
            ExprKind::Literal(Value::Int(i)) if i.checked_neg().is_some() => {
                ExprKind::Literal(Value::Int(-i))
            }
            ExprKind::Literal(Value::Float(x)) => ExprKind::Literal(Value::Float(-x)),
            other => ExprKind::Unary(UnaryOp::Negate, Box::new(Expr { kind: other, span: operand.span })),
        };
        Expr { kind, span }
    }

    fn operand(&self, pair: Pair<Rule>) -> Built<Expr> {
        let mut inner = pair.into_inner();
        let mut expr = self.atom(inner.next().expect("operand has an atom"))?;
        for access in inner {
            let span = Span { start: expr.span.start, end: self.span(&access).end };
            let kind = match access.as_rule() {
                Rule::label_check => match super::label_terms(access) {
                    (labels, None) => ExprKind::HasLabels(Box::new(expr), labels),
                    (_, Some(labels)) => ExprKind::LabelTest(Box::new(expr), labels),
                },
                Rule::property_lookup => {
                    let key = name_text(&access.into_inner().next().expect("lookup has a key"));
                    ExprKind::Property(Box::new(expr), key)
                }
                _ => {
                    let inside = access.into_inner().next().expect("subscript has an index");
                    if inside.as_rule() == Rule::slice {
                        let mut from = None;
                        let mut to = None;
                        for bound in inside.into_inner() {
                            let is_from = bound.as_rule() == Rule::slice_from;
                            let e = bound.into_inner().next().expect("a slice bound holds an expression");
                            let e = Some(Box::new(self.expression(e)?));
                            if is_from {
                                from = e;
                            } else {
                                to = e;
                            }
                        }
                        ExprKind::Slice { target: Box::new(expr), from, to }
                    } else {
                        ExprKind::Subscript(Box::new(expr), Box::new(self.expression(inside)?))
                    }
                }
            };
            expr = Expr { kind, span };
        }
        Ok(expr)
    }

    pub(super) fn atom(&self, pair: Pair<Rule>) -> Built<Expr> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::integer_literal => ExprKind::Literal(Value::Int(self.integer(&pair, span)?)),
            Rule::float_literal => {
                let x: f64 = pair
                    .as_str()
                    .parse()
                    .map_err(|_| QueryError::syntax("malformed floating-point literal", span))?;
                if x.is_infinite() {
                    return Err(QueryError::syntax("floating-point literal is too large", span));
                }
                ExprKind::Literal(Value::Float(x))
            }
            Rule::string_literal => {
                let body = pair.into_inner().next().expect("string has a body");
                ExprKind::Literal(Value::String(unescape(body.as_str(), self.span(&body))?))
            }
            Rule::true_literal => ExprKind::Literal(Value::Bool(true)),
            Rule::false_literal => ExprKind::Literal(Value::Bool(false)),
            Rule::null_literal => ExprKind::Literal(Value::Null),
            Rule::parameter => {
                let name = pair.into_inner().next().expect("parameter has a name");
                let text = name.as_str();
                let name = if text.starts_with('`') { unquote_name(text) } else { text.to_string() };
                ExprKind::Parameter(name)
            }
            Rule::count_star => ExprKind::CountStar,
            Rule::function_call => {
                let mut inner = pair.into_inner().peekable();
                let name = inner.next().expect("call has a name").as_str().to_string();
                let distinct = inner.next_if(|p| p.as_rule() == Rule::distinct).is_some();
                let args = inner.map(|a| self.expression(a)).collect::<Built<Vec<_>>>()?;
                ExprKind::Call { name, distinct, args }
            }
            Rule::list_literal => {
                ExprKind::List(pair.into_inner().map(|e| self.expression(e)).collect::<Built<_>>()?)
            }
            Rule::map_literal => ExprKind::Map(self.map_entries(pair)?),
            Rule::parenthesized => {
                let mut e =
                    self.expression(pair.into_inner().next().expect("parentheses hold an expression"))?;
                e.span = span;
                self.parenthesized.borrow_mut().insert((span.start, span.end));
                return Ok(e);
            }
            Rule::variable => ExprKind::Variable(name_text(&pair)),
            Rule::case_expression => {
                let mut subject = None;
                let mut branches = Vec::new();
                let mut default = None;
                for part in pair.into_inner() {
                    match part.as_rule() {
                        Rule::case_subject => {
                            subject =
                                Some(Box::new(self.expression(part.into_inner().next().expect("subject"))?))
                        }
                        Rule::case_when => {
                            let mut w = part.into_inner().filter(|p| p.as_rule() == Rule::expression);
                            let when = self.expression(w.next().expect("WHEN has a condition"))?;
                            let then = self.expression(w.next().expect("WHEN has a THEN"))?;
                            branches.push((when, then));
                        }
                        Rule::case_else => {
                            let e = part
                                .into_inner()
                                .find(|p| p.as_rule() == Rule::expression)
                                .expect("ELSE value");
                            default = Some(Box::new(self.expression(e)?));
                        }
                        _ => {}
                    }
                }
                ExprKind::Case { subject, branches, default }
            }
            Rule::list_comprehension => {
                let mut parts = pair.into_inner();
                let variable = name_text(&parts.next().expect("comprehension variable"));
                parts.next(); // IN
                let list = Box::new(self.expression(parts.next().expect("comprehension list"))?);
                let mut predicate = None;
                let mut projection = None;
                for p in parts {
                    match p.as_rule() {
                        Rule::comprehension_filter | Rule::comprehension_map => {
                            self.comprehension_part(p, &mut predicate, &mut projection)?
                        }
                        _ => {}
                    }
                }
                ExprKind::ListComprehension { variable, list, predicate, projection }
            }
            Rule::pattern_expression => ExprKind::Pattern(Box::new(self.pattern(pair)?)),
            Rule::map_projection => {
                let mut parts = pair.into_inner();
                let base_pair = parts.next().expect("a map projection starts with a variable");
                let base =
                    Expr { kind: ExprKind::Variable(name_text(&base_pair)), span: self.span(&base_pair) };
                let mut items = Vec::new();
                for item in parts {
                    items.push(match item.as_rule() {
                        Rule::projection_all => ProjectionItem::AllProperties,
                        Rule::projection_property => {
                            ProjectionItem::Property(name_text(&item.into_inner().next().expect("a key")))
                        }
                        Rule::projection_variable => {
                            let v = item.into_inner().next().expect("a variable");
                            ProjectionItem::Variable(name_text(&v), self.span(&v))
                        }
                        _ => {
                            let mut kv = item.into_inner();
                            let key = name_text(&kv.next().expect("a key"));
                            ProjectionItem::Entry(key, self.expression(kv.next().expect("a value"))?)
                        }
                    });
                }
                ExprKind::MapProjection { base: Box::new(base), items }
            }
            Rule::pattern_comprehension => {
                let mut path_variable = None;
                let mut pattern = None;
                let mut predicate = None;
                let mut projection = None;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::variable => path_variable = Some(self.ident(p)),
                        Rule::pattern_expression => pattern = Some(self.pattern(p)?),
                        Rule::comprehension_filter | Rule::comprehension_map => {
                            self.comprehension_part(p, &mut predicate, &mut projection)?
                        }
                        _ => {}
                    }
                }
                let mut pattern = pattern.expect("a pattern comprehension has a pattern");
                pattern.path_variable = path_variable;
                let projection = projection.expect("a pattern comprehension has a projection");
                ExprKind::PatternComprehension { pattern: Box::new(pattern), predicate, projection }
            }
            Rule::exists_subquery | Rule::count_subquery | Rule::collect_subquery => {
                let kind = match pair.as_rule() {
                    Rule::exists_subquery => SubqueryKind::Exists,
                    Rule::count_subquery => SubqueryKind::Count,
                    _ => SubqueryKind::Collect,
                };
                let mut patterns = Vec::new();
                let mut predicate = None;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::subquery_body => {
                            let body = p.into_inner().next().expect("a subquery has a query");
                            let query_span = self.span(&body);
                            let (clauses, unions) = self.query(body)?;
                            return Ok(Expr { kind: subquery(kind, clauses, unions, query_span), span });
                        }
                        Rule::pattern_list => patterns = self.pattern_list(p)?,
                        Rule::where_clause => predicate = Some(Box::new(self.where_expression(p)?)),
                        _ => {}
                    }
                }
                match kind {
                    SubqueryKind::Exists => ExprKind::Exists { patterns, predicate },
                    _ => {
                        let clause =
                            MatchClause { optional: false, patterns, predicate: predicate.map(|p| *p), span };
                        ExprKind::Subquery(
                            kind,
                            Box::new(Query {
                                clauses: vec![Clause::Match(clause)],
                                unions: Vec::new(),
                                span,
                            }),
                        )
                    }
                }
            }
            Rule::quantifier => {
                let mut parts = pair.into_inner();
                let kind = match parts.next().expect("quantifier kind").as_str().to_ascii_lowercase().as_str()
                {
                    "all" => Quantifier::All,
                    "any" => Quantifier::Any,
                    "none" => Quantifier::None,
                    _ => Quantifier::Single,
                };
                let variable = name_text(&parts.next().expect("quantifier variable"));
                let mut exprs = parts.filter(|p| p.as_rule() == Rule::expression);
                let list = Box::new(self.expression(exprs.next().expect("quantifier list"))?);
                let predicate = Box::new(self.expression(exprs.next().expect("quantifier predicate"))?);
                ExprKind::Quantifier { kind, variable, list, predicate }
            }
            Rule::reduce => {
                let mut parts =
                    pair.into_inner().filter(|p| p.as_rule() != Rule::REDUCE && p.as_rule() != Rule::IN);
                let accumulator = name_text(&parts.next().expect("reduce accumulator"));
                let init = Box::new(self.expression(parts.next().expect("reduce initial value"))?);
                let variable = name_text(&parts.next().expect("reduce variable"));
                let list = Box::new(self.expression(parts.next().expect("reduce list"))?);
                let body = Box::new(self.expression(parts.next().expect("reduce body"))?);
                ExprKind::Reduce { accumulator, init, variable, list, body }
            }
            other => unreachable!("not an atom: {other:?}"),
        };
        Ok(Expr { kind, span })
    }

    /// A comprehension's `WHERE` (into `predicate`) or `| expression` (into `projection`).
    fn comprehension_part(
        &self,
        part: Pair<Rule>,
        predicate: &mut Option<Box<Expr>>,
        projection: &mut Option<Box<Expr>>,
    ) -> Built<()> {
        let into = if part.as_rule() == Rule::comprehension_filter { predicate } else { projection };
        *into = Some(Box::new(self.expression(part.into_inner().next().expect("an expression"))?));
        Ok(())
    }

    fn integer(&self, pair: &Pair<Rule>, span: Span) -> Built<i64> {
        let text = pair.as_str();
        let parsed = if let Some(hex) = text.strip_prefix("0x") {
            u64::from_str_radix(hex, 16)
        } else if let Some(octal) = text.strip_prefix("0o") {
            u64::from_str_radix(octal, 8)
        } else {
            text.parse::<u64>()
        };
        match parsed {
            Ok(v) if v <= i64::MAX as u64 => Ok(v as i64),
            Ok(v) if v == 1u64 << 63 => {
                // Legal only as `-9223372036854775808`; `negate` clears the mark.
                self.pending_overflow.borrow_mut().insert(span.start);
                Ok(i64::MIN)
            }
            _ => Err(QueryError::syntax("integer literal is too large for a 64-bit integer", span)),
        }
    }
}

/// Decodes the escapes of a string literal's body.
pub(super) fn unescape(body: &str, span: Span) -> Built<String> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let at = Span { start: span.start + i, end: span.start + i + 2 };
        let Some((_, e)) = chars.next() else {
            return Err(QueryError::syntax("string ends with a lone backslash", at));
        };
        match e {
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'u' | 'U' => {
                let width = if e == 'u' { 4 } else { 8 };
                let digits: String = chars.by_ref().take(width).map(|(_, c)| c).collect();
                let code = (digits.len() == width)
                    .then(|| u32::from_str_radix(&digits, 16).ok())
                    .flatten()
                    .and_then(char::from_u32)
                    .ok_or_else(|| QueryError::syntax(format!("invalid unicode escape \\{e}{digits}"), at))?;
                out.push(code);
            }
            other => {
                return Err(QueryError::syntax(format!("unknown escape sequence \\{other}"), at));
            }
        }
    }
    Ok(out)
}

/// A subquery expression of `clauses`: `EXISTS` of one plain MATCH is the pattern predicate it
/// means (planned as one, without running a query per row).
fn subquery(kind: SubqueryKind, mut clauses: Vec<Clause>, unions: Vec<Union>, span: Span) -> ExprKind {
    if kind == SubqueryKind::Exists
        && unions.is_empty()
        && let [Clause::Match(m)] = clauses.as_mut_slice()
        && !m.optional
    {
        let predicate = m.predicate.take().map(Box::new);
        return ExprKind::Exists { patterns: std::mem::take(&mut m.patterns), predicate };
    }
    ExprKind::Subquery(kind, Box::new(Query { clauses, unions, span }))
}
