//! Text → AST. The only module that sees pest: pairs never leave it.
//!
//! What it does not do: resolve variables, check aggregates or types. Those are the planner's.

mod call;
mod depth;
mod errors;
mod expressions;
mod labels;
mod patterns;
mod schema;

use labels::label_terms;

use errors::syntax_error;

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::sync::LazyLock;

use pest::Parser as _;

use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::ast::*;
use super::error::{ErrorKind, QueryError};
use super::split;

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
        clauses: Cell::new(0),
        relationships: Cell::new(0),
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

pub use depth::MAX_EXPRESSION_DEPTH;
use depth::check_depth;

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
    /// Clauses and relationship patterns built so far, against [`MAX_CLAUSES`] and
    /// [`MAX_RELATIONSHIPS`].
    clauses: Cell<usize>,
    relationships: Cell<usize>,
}

/// The most clauses one statement may have (its parts joined by UNION together): the plan of a
/// statement is a tree as deep as its clauses, built and walked recursively.
pub const MAX_CLAUSES: usize = 256;
/// The most relationship patterns one statement may have: planning a pattern takes time and memory
/// that grow faster than its length.
pub const MAX_RELATIONSHIPS: usize = 1000;

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
                Rule::query => (clauses, unions) = self.query(p)?,
                _ => {}
            }
        }
        Ok(Statement { explain, profile, index, clauses, unions, span })
    }

    /// A `query` pair: its first part's clauses, and the parts UNION joins to it.
    pub(super) fn query(&self, pair: Pair<Rule>) -> Built<(Vec<Clause>, Vec<Union>)> {
        let (mut clauses, mut unions) = (Vec::new(), Vec::new());
        let mut all = false;
        let mut first = true;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::union => all = part.into_inner().any(|x| x.as_rule() == Rule::union_all),
                _ => {
                    let cs = part.into_inner().map(|c| self.clause(c)).collect::<Built<Vec<_>>>()?;
                    if first {
                        clauses = cs;
                        first = false;
                    } else {
                        unions.push(Union { all, clauses: cs });
                    }
                }
            }
        }
        Ok((clauses, unions))
    }

    fn clause(&self, pair: Pair<Rule>) -> Built<Clause> {
        let span = self.span(&pair);
        self.clauses.set(self.clauses.get() + 1);
        if self.clauses.get() > MAX_CLAUSES {
            return Err(QueryError::syntax(
                format!("the statement has more than {MAX_CLAUSES} clauses: split it into several"),
                span,
            ));
        }
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
            Rule::load_csv_clause => {
                inner.next(); // LOAD
                inner.next(); // CSV
                let headers = inner.next_if(|p| p.as_rule() == Rule::with_headers).is_some();
                inner.next(); // FROM
                let source = self.expression(inner.next().expect("LOAD CSV has a source"))?;
                let variable = self.ident(inner.nth(1).expect("LOAD CSV has AS and a variable"));
                let delimiter = match inner.next() {
                    Some(terminator) => self.field_terminator(terminator)?,
                    None => b',',
                };
                Clause::LoadCsv(LoadCsvClause { headers, source, variable, delimiter, span })
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
            Rule::foreach_clause => {
                inner.next(); // FOREACH
                let variable = self.ident(inner.next().expect("FOREACH names a variable"));
                inner.next(); // IN
                let list = self.expression(inner.next().expect("FOREACH has a list"))?;
                let updates = inner.map(|c| self.clause(c)).collect::<Built<Vec<_>>>()?;
                Clause::Foreach(ForeachClause { variable, list, updates, span })
            }
            Rule::call_clause | Rule::show_clause => self.call_clause(rule, inner, span)?,
            Rule::call_subquery => self.call_subquery(inner, span)?,
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

    /// `FIELDTERMINATOR 'c'`: one ASCII character other than a quote or a line end.
    fn field_terminator(&self, pair: Pair<Rule>) -> Built<u8> {
        let span = self.span(&pair);
        let literal = pair.into_inner().nth(1).expect("FIELDTERMINATOR has a string");
        let body = literal.into_inner().next().expect("a string has a body");
        let text = expressions::unescape(body.as_str(), self.span(&body))?;
        match text.as_bytes() {
            [b] if b.is_ascii() && !matches!(b, b'"' | b'\n' | b'\r') => Ok(*b),
            _ => Err(QueryError::syntax(
                format!(
                    "FIELDTERMINATOR must be one ASCII character other than a quote or a line end, not {text:?}"
                ),
                span,
            )),
        }
    }

    fn ident(&self, pair: Pair<Rule>) -> Ident {
        Ident { name: name_text(&pair), span: self.span(&pair) }
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

#[cfg(test)]
mod tests;
