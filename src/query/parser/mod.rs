//! Text → AST. The only module that sees pest: pairs never leave it.
//!
//! What it does not do: resolve variables, check aggregates or types. Those are the planner's.

mod errors;

use errors::syntax_error;

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::sync::LazyLock;

use pest::Parser as _;

use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::ast::*;
use super::error::{ErrorKind, QueryError};
use super::split;
use crate::value::Value;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/cypher.pest"]
struct CypherParser;

/// Parses the statement at `range` of `source` (spans are offsets into `source`).
pub fn parse_statement(source: &str, range: std::ops::Range<usize>) -> Result<Statement, QueryError> {
    let text = &source[range.clone()];
    let base = range.start;
    split::check_nesting(text, base)?;
    let mut pairs = match CypherParser::parse(Rule::statement, text) {
        Ok(pairs) => pairs,
        Err(_) => {
            // Tracking what was expected slows every parse several times over, so it is switched on
            // only to parse a failing statement again and explain the failure. (The switch is
            // global: a parse racing on another thread merely gets more detail than it needs.)
            pest::set_error_detail(true);
            let detailed = CypherParser::parse(Rule::statement, text);
            pest::set_error_detail(false);
            let e = detailed.expect_err("a statement that failed to parse fails again");
            return Err(syntax_error(e, text, base));
        }
    };
    let builder = Builder {
        base,
        pending_overflow: RefCell::new(BTreeSet::new()),
        parenthesized: RefCell::new(BTreeSet::new()),
        pratt: &PRATT,
    };
    // `statement` always yields exactly one pair when parsing succeeded.
    let statement = pairs.next().expect("a parsed statement");
    let parsed = builder.statement(statement)?;
    check_depth(&parsed)?;
    if let Some(&start) = builder.pending_overflow.borrow().iter().next() {
        return Err(QueryError::syntax(
            "integer literal is too large for a 64-bit integer",
            Span { start, end: start + 1 },
        ));
    }
    Ok(parsed)
}

/// The most operators one expression may chain: a left-deep tree of them is walked recursively.
const MAX_OPERATORS: usize = 256;

/// The deepest expression tree accepted; later stages walk trees recursively.
pub const MAX_EXPRESSION_DEPTH: usize = 300;

/// Refuses expression trees deeper than [`MAX_EXPRESSION_DEPTH`], measured without recursion.
fn check_depth(statement: &Statement) -> Result<(), QueryError> {
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
    for clause in statement.all_clauses() {
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
    let mut stack: Vec<(&Expr, usize)> = roots.into_iter().map(|e| (e, 1)).collect();
    while let Some((e, depth)) = stack.pop() {
        if depth > MAX_EXPRESSION_DEPTH {
            return Err(QueryError::syntax(
                format!("the expression is nested more than {MAX_EXPRESSION_DEPTH} levels deep"),
                e.span,
            ));
        }
        stack.extend(e.children().into_iter().map(|c| (c, depth + 1)));
    }
    Ok(())
}

/// Parses a standalone expression (for parameters typed at the REPL, and for tests).
pub fn parse_expression(source: &str) -> Result<Expr, QueryError> {
    let stmt = parse_statement(&format!("RETURN {source}"), 0..source.len() + 7)?;
    match stmt.clauses.into_iter().next() {
        Some(Clause::Return(r)) if r.items.len() == 1 && !r.star => {
            Ok(r.items.into_iter().next().map(|i| i.expr).expect("one item"))
        }
        _ => Err(QueryError::new(ErrorKind::SyntaxError, "expected one expression", None)),
    }
}

/// Built once: constructing the operator table costs more than parsing a short statement.
static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(pratt);

fn pratt() -> PrattParser<Rule> {
    PrattParser::new()
        .op(Op::infix(Rule::op_or, Assoc::Left))
        .op(Op::infix(Rule::op_xor, Assoc::Left))
        .op(Op::infix(Rule::op_and, Assoc::Left))
        .op(Op::prefix(Rule::op_not))
        .op(Op::infix(Rule::op_eq, Assoc::Left)
            | Op::infix(Rule::op_ne, Assoc::Left)
            | Op::infix(Rule::op_lt, Assoc::Left)
            | Op::infix(Rule::op_le, Assoc::Left)
            | Op::infix(Rule::op_gt, Assoc::Left)
            | Op::infix(Rule::op_ge, Assoc::Left)
            | Op::infix(Rule::op_regex, Assoc::Left))
        .op(Op::infix(Rule::op_starts_with, Assoc::Left)
            | Op::infix(Rule::op_ends_with, Assoc::Left)
            | Op::infix(Rule::op_contains, Assoc::Left)
            | Op::infix(Rule::op_in, Assoc::Left)
            | Op::postfix(Rule::op_is_null)
            | Op::postfix(Rule::op_is_not_null))
        .op(Op::infix(Rule::op_add, Assoc::Left) | Op::infix(Rule::op_sub, Assoc::Left))
        .op(Op::infix(Rule::op_mul, Assoc::Left)
            | Op::infix(Rule::op_div, Assoc::Left)
            | Op::infix(Rule::op_mod, Assoc::Left))
        .op(Op::infix(Rule::op_pow, Assoc::Left))
        .op(Op::prefix(Rule::op_neg) | Op::prefix(Rule::op_pos))
}

struct Builder {
    base: usize,
    /// Offsets of literals equal to 2^63: legal only right after a unary minus.
    pending_overflow: RefCell<BTreeSet<usize>>,
    /// Spans of parenthesised expressions, which comparison chains must not reach into.
    parenthesized: RefCell<BTreeSet<(usize, usize)>>,
    pratt: &'static PrattParser<Rule>,
}

type Built<T> = Result<T, QueryError>;

impl Builder {
    fn span(&self, pair: &Pair<Rule>) -> Span {
        let s = pair.as_span();
        Span { start: self.base + s.start(), end: self.base + s.end() }
    }

    fn statement(&self, pair: Pair<Rule>) -> Built<Statement> {
        let span = self.span(&pair);
        let (mut explain, mut profile) = (false, false);
        let mut index = None;
        let mut clauses = Vec::new();
        let mut unions = Vec::new();
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::explain => explain = true,
                Rule::profile => profile = true,
                Rule::index_command => index = Some(self.index_command(p)?),
                Rule::query => {
                    let mut all = false;
                    let mut first = true;
                    for part in p.into_inner() {
                        match part.as_rule() {
                            Rule::union => all = part.into_inner().any(|x| x.as_rule() == Rule::union_all),
                            _ => {
                                let cs =
                                    part.into_inner().map(|c| self.clause(c)).collect::<Built<Vec<_>>>()?;
                                if first {
                                    clauses = cs;
                                    first = false;
                                } else {
                                    unions.push(Union { all, clauses: cs });
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(Statement { explain, profile, index, clauses, unions, span })
    }

    fn index_command(&self, pair: Pair<Rule>) -> Built<IndexCommand> {
        let mut create = false;
        let mut variables = Vec::new();
        let (mut label, mut key) = (String::new(), String::new());
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::create_index => create = true,
                Rule::variable => variables.push(self.ident(p)),
                Rule::label_name => label = name_text(&p),
                Rule::property_key => key = name_text(&p),
                _ => {}
            }
        }
        // The grammar has exactly two variables here: the node's, and the one before `.key`.
        let (Some(variable), Some(second)) = (variables.first().cloned(), variables.get(1)) else {
            unreachable!("the grammar requires both variables")
        };
        if second.name != variable.name {
            return Err(QueryError::semantic(
                format!("the index's key must be read from `{}`, not `{}`", variable.name, second.name),
                second.span,
            ));
        }
        Ok(IndexCommand { create, variable, label, key })
    }

    fn clause(&self, pair: Pair<Rule>) -> Built<Clause> {
        let span = self.span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner().peekable();
        Ok(match rule {
            Rule::match_clause => {
                let optional = inner.next_if(|p| p.as_rule() == Rule::optional).is_some();
                inner.next(); // MATCH
                let patterns = self.pattern_list(inner.next().expect("MATCH has patterns"))?;
                let predicate = match inner.next() {
                    Some(w) => Some(self.where_expression(w)?),
                    None => None,
                };
                Clause::Match(MatchClause { optional, patterns, predicate, span })
            }
            Rule::unwind_clause => {
                inner.next(); // UNWIND
                let expr = self.expression(inner.next().expect("UNWIND has an expression"))?;
                let variable = self.ident(inner.nth(1).expect("UNWIND has AS and a variable"));
                Clause::Unwind(UnwindClause { expr, variable, span })
            }
            Rule::with_clause => {
                inner.next(); // WITH
                let (projection, predicate) = self.projection(inner, span)?;
                Clause::With(WithClause { projection, predicate })
            }
            Rule::create_clause => {
                inner.next(); // CREATE
                let patterns = self.pattern_list(inner.next().expect("CREATE has patterns"))?;
                Clause::Create(CreateClause { patterns, span })
            }
            Rule::merge_clause => {
                inner.next(); // MERGE
                let pattern = self.pattern(inner.next().expect("MERGE has a pattern"))?;
                let mut on_create = Vec::new();
                let mut on_match = Vec::new();
                for action in inner {
                    let mut parts = action.into_inner();
                    parts.next(); // ON
                    let when = parts.next().expect("ON CREATE or ON MATCH");
                    let set = parts.next().expect("ON … has a SET");
                    let items =
                        set.into_inner().skip(1).map(|i| self.set_item(i)).collect::<Built<Vec<_>>>()?;
                    if when.as_rule() == Rule::on_create {
                        on_create.extend(items);
                    } else {
                        on_match.extend(items);
                    }
                }
                Clause::Merge(MergeClause { pattern, on_create, on_match, span })
            }
            Rule::set_clause => {
                inner.next(); // SET
                let items = inner.map(|item| self.set_item(item)).collect::<Built<Vec<_>>>()?;
                Clause::Set(SetClause { items, span })
            }
            Rule::remove_clause => {
                inner.next(); // REMOVE
                let items = inner
                    .map(|item| {
                        let rule = item.as_rule();
                        let mut parts = item.into_inner();
                        let variable = self.ident(parts.next().expect("REMOVE item has a variable"));
                        let rest = parts.next().expect("REMOVE item has a key or labels");
                        Ok(if rule == Rule::remove_property {
                            RemoveItem::Property { variable, key: name_text(&rest) }
                        } else {
                            RemoveItem::Labels {
                                variable,
                                labels: rest.into_inner().map(|l| name_text(&l)).collect(),
                            }
                        })
                    })
                    .collect::<Built<Vec<_>>>()?;
                Clause::Remove(RemoveClause { items, span })
            }
            Rule::delete_clause => {
                let detach = inner.next_if(|p| p.as_rule() == Rule::detach).is_some();
                inner.next(); // DELETE
                let exprs = inner.map(|e| self.expression(e)).collect::<Built<Vec<_>>>()?;
                Clause::Delete(DeleteClause { detach, exprs, span })
            }
            Rule::return_clause => {
                inner.next(); // RETURN
                Clause::Return(self.projection(inner, span)?.0)
            }
            other => unreachable!("query only holds clauses, got {other:?}"),
        })
    }

    fn where_expression(&self, pair: Pair<Rule>) -> Built<Expr> {
        self.expression(pair.into_inner().nth(1).expect("WHERE has an expression"))
    }

    fn set_item(&self, item: Pair<Rule>) -> Built<SetItem> {
        let rule = item.as_rule();
        let mut parts = item.into_inner();
        let variable = self.ident(parts.next().expect("SET item has a variable"));
        let next = parts.next().expect("SET item has more than a variable");
        Ok(match rule {
            Rule::set_property => {
                let key = name_text(&next);
                let value = self.expression(parts.next().expect("SET n.key has a value"))?;
                SetItem::Property { variable, key, value }
            }
            Rule::set_merge => SetItem::Merge { variable, value: self.expression(next)? },
            Rule::set_replace => SetItem::Replace { variable, value: self.expression(next)? },
            _ => SetItem::Labels { variable, labels: next.into_inner().map(|l| name_text(&l)).collect() },
        })
    }

    /// The parts shared by RETURN and WITH; WITH may end with a WHERE, returned beside.
    fn projection<'i>(
        &self,
        inner: impl Iterator<Item = Pair<'i, Rule>>,
        span: Span,
    ) -> Built<(ReturnClause, Option<Expr>)> {
        let mut clause = ReturnClause {
            distinct: false,
            star: false,
            items: Vec::new(),
            order_by: Vec::new(),
            skip: None,
            limit: None,
            span,
        };
        let mut predicate = None;
        for p in inner {
            match p.as_rule() {
                Rule::distinct => clause.distinct = true,
                Rule::return_items => {
                    for item in p.into_inner() {
                        match item.as_rule() {
                            Rule::star => clause.star = true,
                            _ => clause.items.push(self.return_item(item)?),
                        }
                    }
                }
                Rule::order_by => {
                    for s in p.into_inner().skip(2) {
                        let mut parts = s.into_inner();
                        let expr = self.expression(parts.next().expect("sort item has an expression"))?;
                        let descending = parts.next().is_some_and(|d| d.as_rule() == Rule::descending);
                        clause.order_by.push(SortItem { expr, descending });
                    }
                }
                Rule::skip => {
                    clause.skip =
                        Some(self.expression(p.into_inner().nth(1).expect("SKIP has an expression"))?)
                }
                Rule::limit => {
                    clause.limit =
                        Some(self.expression(p.into_inner().nth(1).expect("LIMIT has an expression"))?)
                }
                Rule::where_clause => predicate = Some(self.where_expression(p)?),
                _ => {}
            }
        }
        Ok((clause, predicate))
    }

    fn return_item(&self, pair: Pair<Rule>) -> Built<ReturnItem> {
        let mut inner = pair.into_inner();
        let expr_pair = inner.next().expect("return item has an expression");
        let text = expr_pair.as_str().trim().to_string();
        let expr = self.expression(expr_pair)?;
        let alias = inner.nth(1).map(|v| self.ident(v));
        let name = alias.as_ref().map_or(text, |a| a.name.clone());
        Ok(ReturnItem { expr, alias, name })
    }

    fn pattern_list(&self, pair: Pair<Rule>) -> Built<Vec<Pattern>> {
        pair.into_inner().map(|p| self.pattern(p)).collect()
    }

    fn pattern(&self, pair: Pair<Rule>) -> Built<Pattern> {
        let span = self.span(&pair);
        let mut parts: Vec<Pair<Rule>> = pair.into_inner().collect();
        let path_variable = match parts.first().map(|p| p.as_rule()) {
            Some(Rule::variable) => Some(self.ident(parts.remove(0))),
            _ => None,
        };
        let mut shortest = None;
        if parts.first().map(|p| p.as_rule()) == Some(Rule::shortest_path) {
            let mut inside: Vec<Pair<Rule>> = parts.remove(0).into_inner().collect();
            let kind = inside.remove(0);
            shortest = Some(kind.as_str().to_ascii_lowercase().starts_with("all"));
            parts = inside;
        }
        let mut inner = parts.into_iter();
        let start = self.node_pattern(inner.next().expect("pattern starts with a node"))?;
        let mut steps = Vec::new();
        while let Some(rel) = inner.next() {
            let rel = self.relationship_pattern(rel)?;
            let node = self.node_pattern(inner.next().expect("relationship is followed by a node"))?;
            steps.push((rel, node));
        }
        Ok(Pattern { path_variable, start, steps, shortest, span })
    }

    fn node_pattern(&self, pair: Pair<Rule>) -> Built<NodePattern> {
        let span = self.span(&pair);
        let mut node = NodePattern { variable: None, labels: Vec::new(), properties: Vec::new(), span };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::variable => node.variable = Some(self.ident(p)),
                Rule::node_labels => node.labels = p.into_inner().map(|l| name_text(&l)).collect(),
                Rule::map_literal => node.properties = self.map_entries(p)?,
                _ => {}
            }
        }
        Ok(node)
    }

    fn relationship_pattern(&self, pair: Pair<Rule>) -> Built<RelPattern> {
        let span = self.span(&pair);
        let mut left = false;
        let mut right = false;
        let mut rel = RelPattern {
            variable: None,
            types: Vec::new(),
            direction: RelDirection::Either,
            length: None,
            properties: Vec::new(),
            span,
        };
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::left_arrow => left = true,
                Rule::right_arrow => right = true,
                Rule::relationship_detail => {
                    for d in p.into_inner() {
                        match d.as_rule() {
                            Rule::variable => rel.variable = Some(self.ident(d)),
                            Rule::relationship_types => {
                                rel.types = d.into_inner().map(|t| name_text(&t)).collect()
                            }
                            Rule::range => rel.length = Some(self.range(d)?),
                            Rule::map_literal => rel.properties = self.map_entries(d)?,
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        rel.direction = match (left, right) {
            (true, false) => RelDirection::Left,
            (false, true) => RelDirection::Right,
            // `<-->` means either direction, like `--`.
            (true, true) | (false, false) => RelDirection::Either,
        };
        Ok(rel)
    }

    fn range(&self, pair: Pair<Rule>) -> Built<(Option<u64>, Option<u64>)> {
        let text = pair.as_str();
        let span = self.span(&pair);
        let range_start = pair.as_span().start();
        let bound = |p: Pair<Rule>| -> Built<u64> {
            p.as_str().parse().map_err(|_| QueryError::syntax("range bound is too large", span))
        };
        let bounds: Vec<Pair<Rule>> = pair.into_inner().collect();
        if !text.contains("..") {
            // `*` alone, or `*n` for exactly n hops.
            return match bounds.into_iter().next() {
                Some(b) => {
                    let n = bound(b)?;
                    Ok((Some(n), Some(n)))
                }
                None => Ok((None, None)),
            };
        }
        let dots = text.find("..").expect("checked above");
        let mut min = None;
        let mut max = None;
        for b in bounds {
            let before_dots = b.as_span().start() - range_start < dots;
            if before_dots { min = Some(bound(b)?) } else { max = Some(bound(b)?) }
        }
        Ok((min, max))
    }

    fn map_entries(&self, pair: Pair<Rule>) -> Built<Vec<(String, Expr)>> {
        let mut entries = Vec::new();
        for entry in pair.into_inner() {
            let mut parts = entry.into_inner();
            let key = name_text(&parts.next().expect("map entry has a key"));
            let value = self.expression(parts.next().expect("map entry has a value"))?;
            entries.push((key, value));
        }
        Ok(entries)
    }

    fn ident(&self, pair: Pair<Rule>) -> Ident {
        Ident { name: name_text(&pair), span: self.span(&pair) }
    }

    fn expression(&self, pair: Pair<Rule>) -> Built<Expr> {
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
            ExprKind::Literal(Value::Int(i)) => {
                if self.pending_overflow.borrow_mut().remove(&operand.span.start) {
                    ExprKind::Literal(Value::Int(i64::MIN))
                } else {
                    ExprKind::Literal(Value::Int(-i))
                }
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
                Rule::label_check => {
                    ExprKind::HasLabels(Box::new(expr), access.into_inner().map(|l| name_text(&l)).collect())
                }
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

    fn atom(&self, pair: Pair<Rule>) -> Built<Expr> {
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
                        Rule::comprehension_filter => {
                            predicate =
                                Some(Box::new(self.expression(p.into_inner().next().expect("filter"))?))
                        }
                        Rule::comprehension_map => {
                            projection = Some(Box::new(self.expression(p.into_inner().next().expect("map"))?))
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
                        Rule::comprehension_filter => {
                            predicate =
                                Some(Box::new(self.expression(p.into_inner().next().expect("filter"))?))
                        }
                        Rule::comprehension_map => {
                            projection = Some(Box::new(self.expression(p.into_inner().next().expect("map"))?))
                        }
                        _ => {}
                    }
                }
                let mut pattern = pattern.expect("a pattern comprehension has a pattern");
                pattern.path_variable = path_variable;
                let projection = projection.expect("a pattern comprehension has a projection");
                ExprKind::PatternComprehension { pattern: Box::new(pattern), predicate, projection }
            }
            Rule::exists_subquery => {
                let mut patterns = Vec::new();
                let mut predicate = None;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::pattern_list => patterns = self.pattern_list(p)?,
                        Rule::where_clause => predicate = Some(Box::new(self.where_expression(p)?)),
                        _ => {}
                    }
                }
                ExprKind::Exists { patterns, predicate }
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
            other => unreachable!("not an atom: {other:?}"),
        };
        Ok(Expr { kind, span })
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

/// The name a `variable`, `label_name`, `type_name` or `property_key` pair spells, unquoted.
fn name_text(pair: &Pair<Rule>) -> String {
    let text = pair.as_str();
    if text.starts_with('`') { unquote_name(text) } else { text.to_string() }
}

fn unquote_name(text: &str) -> String {
    text[1..text.len() - 1].replace("``", "`")
}

/// Decodes the escapes of a string literal's body.
fn unescape(body: &str, span: Span) -> Built<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Statement, QueryError> {
        parse_statement(text, 0..text.len())
    }

    fn expr(text: &str) -> String {
        parse_expression(text).unwrap().to_string()
    }

    #[test]
    fn precedence_follows_opencypher() {
        assert_eq!(expr("1 + 2 * 3"), "(1 + (2 * 3))");
        assert_eq!(expr("NOT a = b AND c"), "((NOT (a = b)) AND c)");
        assert_eq!(expr("a OR b XOR c AND d"), "(a OR (b XOR (c AND d)))");
        assert_eq!(expr("x + 1 IN list"), "((x + 1) IN list)");
        assert_eq!(expr("n.name STARTS WITH 'A' = true"), "((n.name STARTS WITH \"A\") = true)");
        assert_eq!(expr("-2 ^ 2"), "((-2) ^ 2)");
        assert_eq!(expr("a.b IS NOT NULL"), "(a.b IS NOT NULL)");
        assert_eq!(expr("- x . y [0]"), "(-x.y[0])");
        // Comparisons chain, unless the first is parenthesised.
        assert_eq!(expr("1 < x <= 3"), "((1 < x) AND (x <= 3))");
        assert_eq!(expr("(1 < x) <= 3"), "((1 < x) <= 3)");
        assert_eq!(expr("n:A:B AND m:`c d`"), "((n:A:B) AND (m:`c d`))");
    }

    #[test]
    fn literals_and_escapes() {
        assert_eq!(expr("'it\\'s\\n'"), "\"it's\\n\"");
        assert_eq!(expr("\"\\u00DA\""), "\"Ú\"");
        assert_eq!(expr("0x1F"), "31");
        assert_eq!(expr("1e3"), "1000.0");
        assert_eq!(expr(".5"), "0.5");
        assert_eq!(expr("-9223372036854775808"), "(-9223372036854775808)");
        assert!(parse_expression("9223372036854775808").is_err());
        assert!(parse_expression("'bad \\q'").is_err());
        assert_eq!(expr("[1, {a: null}]"), "[1, {a: null}]");
        assert_eq!(expr("$`my param`"), "$`my param`");
    }

    /// Found by the `query` fuzz target: the printer parenthesises `WHEN 1 > 2` as `WHEN (1 > 2)`,
    /// which the grammar read as a call of a function named `WHEN`.
    #[test]
    fn reserved_words_are_not_function_names() {
        assert_eq!(expr("CASE WHEN (1 > 2) THEN 1 END"), "CASE WHEN (1 > 2) THEN 1 END");
        assert_eq!(expr("CASE (1) WHEN (1) THEN (2) ELSE (3) END"), "CASE 1 WHEN 1 THEN 2 ELSE 3 END");
        assert_eq!(expr("not(true)"), "(NOT true)");
        assert_eq!(expr("notify(1)"), "notify(1)");
    }

    #[test]
    fn keywords_are_case_insensitive_and_whole_words() {
        let s = parse(
            "match (n:Person) where n.orderly = 1 OR n.x return n.name as name order by name desc limit 2",
        )
        .unwrap();
        assert_eq!(s.clauses.len(), 2);
        let Clause::Return(r) = &s.clauses[1] else { panic!("second clause is RETURN") };
        assert_eq!(r.items[0].name, "name");
        assert!(r.order_by[0].descending);
    }

    #[test]
    fn hyphenated_and_quoted_relationship_types() {
        let s = parse("MATCH (c)-[:attributed-to]->(a)<-[r:`linked-to`|KNOWS]-(b) RETURN *").unwrap();
        let Clause::Match(m) = &s.clauses[0] else { panic!("first clause is MATCH") };
        let steps = &m.patterns[0].steps;
        assert_eq!(steps[0].0.types, ["attributed-to"]);
        assert_eq!(steps[0].0.direction, RelDirection::Right);
        assert_eq!(steps[1].0.types, ["linked-to", "KNOWS"]);
        assert_eq!(steps[1].0.direction, RelDirection::Left);
    }

    #[test]
    fn ranges() {
        let s =
            parse("MATCH (a)-[*2]-(b), (a)-[*..3]->(c), (a)-[:X*1..]->(d), (a)-[*]->(e) RETURN a").unwrap();
        let Clause::Match(m) = &s.clauses[0] else { panic!("first clause is MATCH") };
        let lengths: Vec<_> = m.patterns.iter().map(|p| p.steps[0].0.length).collect();
        assert_eq!(
            lengths,
            [Some((Some(2), Some(2))), Some((None, Some(3))), Some((Some(1), None)), Some((None, None))]
        );
    }

    #[test]
    fn syntax_error_says_where_and_what_was_expected() {
        let text = "MATCH (n:Person\nRETURN n";
        let e = parse(text).unwrap_err();
        assert_eq!(e.kind, ErrorKind::SyntaxError);
        let shown = e.render(text);
        assert!(shown.contains("line 2, column 1"), "{shown}");
        assert!(shown.contains("`)`"), "{shown}");
        let e = parse("MATCH (n) RETURN n ORDER n").unwrap_err();
        assert!(e.message.contains("BY"), "{}", e.message);
    }

    #[test]
    fn print_then_parse_is_identity() {
        let text = "EXPLAIN MATCH (a:A:`B c` {x: 1})-[r:`t-1`|u {w: 'q'}]->(b), (c)<-[*1..2]-(a) WHERE NOT a.x IN [1, 2.5, null] \
                    CREATE (d {k: $p}) RETURN DISTINCT *, a.x AS x, count(DISTINCT b), -a.y ORDER BY x DESC SKIP 1 LIMIT 3";
        let first = parse(text).unwrap();
        let printed = first.to_string();
        let second = parse(&printed).unwrap();
        assert_eq!(first, second, "printed as {printed}");
    }
}
