//! AST → plan: resolves variables to row slots, checks what the parser cannot (unknown variables,
//! misplaced aggregates, what CREATE may create), and chooses where each pattern starts.
//!
//! A plan is a tree of operators; its `Display` is what `EXPLAIN` prints.

mod call;
mod compile;
mod count;
mod degree;
mod display;
mod foreach;
pub use display::Profiled;
mod passes;
pub use passes::{PASSES, Pass, Passes};
mod patterns;
mod projection;
mod reach;
mod seek;
mod stream;
mod subquery;
pub use subquery::SubPlan;
use subquery::{binds_a_local, pattern_query};
mod top;
mod updates;
mod visit;

use compile::*;

use std::fmt;

use super::ast::*;
use super::error::{ErrorKind, QueryError};
use super::expr::{CExpr, Function, MapItem, PropertyKey, is_aggregate};
use super::pattern::{NodeSpec, PatternSpec, RelSpec};
use crate::graph::{Direction, Graph};
use crate::value::Value;

/// A planned statement.
#[derive(Debug)]
pub struct Plan {
    pub root: Op,
    /// The result's column names.
    pub columns: Vec<String>,
    /// How many slots a row has before projection.
    pub width: usize,
    /// Names of the slots, for display.
    pub slot_names: Vec<String>,
    /// Whether the statement may change the graph.
    pub writes: bool,
    /// The parameters the statement reads, each with where it first appears.
    pub parameters: Vec<(String, Span)>,
    /// Queries whose rows follow this one's (`true`: UNION ALL, keeping duplicates).
    pub unions: Vec<(bool, Plan)>,
}

/// What a property index is asked for. It proposes nodes only: the pattern's properties and the
/// WHERE clause are still tested on each.
#[derive(Debug)]
pub enum IndexProbe {
    /// The nodes whose value equals this one.
    Equal(CExpr),
    /// The nodes whose value lies between the ends (each the value and whether it is included; at
    /// least one given).
    Range { lower: Option<(CExpr, bool)>, upper: Option<(CExpr, bool)> },
    /// The nodes whose value is a string starting with this one.
    Prefix(CExpr),
}

impl IndexProbe {
    /// The expressions the probe evaluates.
    pub fn exprs(&self) -> Vec<&CExpr> {
        match self {
            IndexProbe::Equal(e) | IndexProbe::Prefix(e) => vec![e],
            IndexProbe::Range { lower, upper } => lower.iter().chain(upper.iter()).map(|(e, _)| e).collect(),
        }
    }
}

#[derive(Debug)]
pub enum Op {
    /// One empty row: where every statement starts.
    Once,
    /// The row of the enclosing operator: where an OPTIONAL MATCH's inner plan starts.
    Argument,
    /// For each input row, the rows of `inner` started from it; when there are none, the input row
    /// itself with `new_slots` null.
    Optional {
        input: Box<Op>,
        inner: Box<Op>,
        new_slots: Vec<usize>,
    },
    /// For each input row, every path of `min..=max` relationships (each used once) from `from`;
    /// `rel` gets the list of relationships, in the pattern's order (`reversed`: expanded right to left).
    VarExpand {
        input: Box<Op>,
        from: usize,
        rel: usize,
        to: usize,
        direction: Direction,
        types: Vec<String>,
        min: u64,
        max: Option<u64>,
        to_bound: bool,
        reversed: bool,
        /// Properties every relationship of the path must have.
        properties: Vec<(String, CExpr)>,
        distinct_from: Vec<usize>,
        names: [String; 3],
        /// The relationships are not visible (no variable, no named path).
        anonymous: bool,
        /// Yield each reachable end once, found breadth first, instead of once per path (the `reach` pass).
        reachable: bool,
    },
    /// For each input row in turn: the rows of `matcher` started from it (then `on_match`), or when
    /// there are none, the row with `create` made (then `on_create`). Later rows see earlier rows' writes.
    Merge {
        input: Box<Op>,
        matcher: Box<Op>,
        create: Vec<CreateItem>,
        on_create: Vec<WriteAction>,
        on_match: Vec<WriteAction>,
        /// Each row merged as it comes rather than all the input read first: set by the `stream`
        /// pass where nothing could tell the difference.
        stream: bool,
    },
    /// For each input row, the shortest path(s) from `from` to `to` (breadth first); `rel` gets
    /// the relationships of each.
    ShortestPath {
        input: Box<Op>,
        from: usize,
        rel: usize,
        to: usize,
        direction: Direction,
        types: Vec<String>,
        /// What every relationship of the path must hold (`-[:T* {source: 'article'}]-`).
        properties: Vec<(String, CExpr)>,
        min: u64,
        max: Option<u64>,
        all: bool,
        names: [String; 3],
    },
    /// Puts the value of `expr` in `slot` (a named path).
    Assign {
        input: Box<Op>,
        slot: usize,
        expr: CExpr,
        name: String,
    },
    /// For each input row, one row per element of the list `expr` (none for null or an empty list).
    Unwind {
        input: Box<Op>,
        expr: CExpr,
        slot: usize,
        name: String,
    },
    /// `CALL { … }`: for each input row, the rows of `parts` run from it (each UNION part in turn,
    /// made distinct unless UNION ALL), the row with each one's columns put in `columns`; with
    /// `unit` (no RETURN inside) the row once, after the parts ran for what they write. When the
    /// parts write, all the input is read first, as every writer reads it.
    Apply {
        input: Box<Op>,
        parts: Vec<(bool, Op)>,
        columns: Vec<usize>,
        unit: bool,
        writes: bool,
    },
    /// For each input row, one row per record of the CSV file `source` names: the record, as a
    /// list of fields or (with `headers`) a map from the first record's fields, in `slot`.
    /// `line_slot` and `file_slot` hold the record's line and the file's path, for `linenumber()`
    /// and `file()`.
    LoadCsv {
        input: Box<Op>,
        source: CExpr,
        slot: usize,
        line_slot: usize,
        file_slot: usize,
        headers: bool,
        delimiter: u8,
        name: String,
        span: Span,
    },
    /// SET, REMOVE, DELETE: reads all its input, then applies `actions` to each row in turn.
    Write {
        input: Box<Op>,
        actions: Vec<WriteAction>,
        text: String,
    },
    /// One row: `columns` copies of the number of matches of a one- or two-relationship pattern,
    /// counted without enumerating them (the `count` pass).
    CountPaths {
        /// Labels of the node the arms leave from.
        middle: Vec<String>,
        /// One or two relationships from it: direction, types, labels of the node at the other end.
        arms: Vec<(Direction, Vec<String>, Vec<String>)>,
        columns: usize,
        text: String,
    },
    /// `count(DISTINCT b)` over a reachability search, grouped by `keys` (computed from the input rows):
    /// per input row, the search's ends are counted without making a row for each (the `count` pass).
    ReachCount {
        input: Box<Op>,
        from: usize,
        direction: Direction,
        types: Vec<String>,
        min: u64,
        max: Option<u64>,
        /// `WHERE b <> a`: the start is not counted.
        exclude_start: bool,
        keys: Vec<CExpr>,
        outputs: Vec<CExpr>,
        text: String,
    },
    /// For each input row, the nodes with `label` whose `key` the probe asks for, through the
    /// property index.
    NodeIndexSeek {
        input: Box<Op>,
        slot: usize,
        label: String,
        key: String,
        probe: IndexProbe,
        name: String,
        text: String,
    },
    /// For each input row, the relationships of type `ty` whose `key` the probe asks for, through
    /// the relationship property index, each with its ends: `from` the start node when `outgoing`,
    /// else the end node.
    RelIndexSeek {
        input: Box<Op>,
        rel: usize,
        from: usize,
        to: usize,
        outgoing: bool,
        ty: String,
        key: String,
        probe: IndexProbe,
        names: [String; 3],
        text: String,
    },
    /// For each input row, the rows of a procedure called with `args`, its outputs `yields` (output
    /// index, slot) put in the row.
    ProcedureCall {
        input: Box<Op>,
        callee: crate::query::procedures::Callee,
        args: Vec<CExpr>,
        yields: Vec<(usize, usize)>,
        /// A procedure with no outputs: each input row passes once, whatever it returns.
        void: bool,
        text: String,
    },
    /// For each input row and each element of `list` (put in `slot`), the updates of `inner` run
    /// from that row; the input rows pass on unchanged.
    Foreach {
        input: Box<Op>,
        list: CExpr,
        slot: usize,
        inner: Box<Op>,
    },
    /// For each input row, the nodes whose ids `value` gives (one id, or with `list` a list of them).
    NodeById {
        input: Box<Op>,
        slot: usize,
        value: CExpr,
        list: bool,
        name: String,
        text: String,
    },
    /// For each input row, each node (with the label, when given).
    NodeScan {
        input: Box<Op>,
        slot: usize,
        label: Option<String>,
        name: String,
    },
    /// For each input row, each relationship of the node in `from`, in `direction`, of one of
    /// `types` (any when empty). When `to` or `rel` are already bound, only matching ones pass.
    Expand {
        input: Box<Op>,
        from: usize,
        rel: usize,
        to: usize,
        direction: Direction,
        types: Vec<String>,
        to_bound: bool,
        rel_bound: bool,
        /// Relationship slots of the same MATCH that this one must differ from.
        distinct_from: Vec<usize>,
        /// The variables' names (from, relationship, to), for display.
        names: [String; 3],
    },
    Filter {
        input: Box<Op>,
        predicate: CExpr,
        text: String,
    },
    /// Reads all its input first (so the statement never sees its own writes), then creates.
    Create {
        input: Box<Op>,
        items: Vec<CreateItem>,
        /// Each row's entities created as the row comes rather than all the input read first: set
        /// by the `stream` pass where nothing could tell the difference.
        stream: bool,
    },
    /// Replaces each row by the values of `exprs`, followed by the input row when `keep_input`.
    /// (`input_width`: the slots the input row has, so that kept slots land where sort keys expect.)
    Project {
        input: Box<Op>,
        exprs: Vec<CExpr>,
        keep_input: bool,
        input_width: usize,
        text: String,
    },
    /// Groups by `keys`; each output row is `outputs` over [keys…, aggregate results…].
    Aggregate {
        input: Box<Op>,
        keys: Vec<CExpr>,
        aggregates: Vec<AggSpec>,
        outputs: Vec<CExpr>,
        /// The slot holding how many rows each input row stands for (set by the `degree` pass): each is
        /// aggregated as that many copies of itself.
        weight: Option<usize>,
        text: String,
    },
    /// For each input row, the number of relationships of the node in `from` (in `direction`, of
    /// one of `types`) in `slot`; rows whose node has none are dropped, unless `optional` (an
    /// OPTIONAL MATCH, where they stay with 0). What an expansion becomes when the aggregation above
    /// it only counts its rows (the `degree` pass).
    ExpandCount {
        input: Box<Op>,
        from: usize,
        slot: usize,
        optional: bool,
        direction: Direction,
        types: Vec<String>,
        names: [String; 3],
    },
    Distinct {
        input: Box<Op>,
    },
    Sort {
        input: Box<Op>,
        keys: Vec<(CExpr, bool)>,
        /// Counts whose sum is how many of the first rows are read above (the SKIP and LIMIT over the
        /// sort, set by the `top` pass): only those are kept while sorting. Empty: all rows.
        top: Vec<CExpr>,
        text: String,
    },
    Skip {
        input: Box<Op>,
        count: CExpr,
    },
    /// When `drain` is set the input is read to its end even after the limit (it writes).
    Limit {
        input: Box<Op>,
        count: CExpr,
        drain: bool,
    },
    /// Cuts rows to their first `width` values (after sorting on extra ones).
    Trim {
        input: Box<Op>,
        width: usize,
    },
    /// Reads the input to its end and yields nothing: a statement without RETURN.
    Discard {
        input: Box<Op>,
    },
}

#[derive(Debug)]
pub enum WriteAction {
    /// Sets one property; null removes it.
    SetProperty {
        target: CExpr,
        key: String,
        value: CExpr,
    },
    /// `= map` (replace all) or `+= map` (merge).
    SetProperties {
        target: CExpr,
        value: CExpr,
        replace: bool,
    },
    AddLabels {
        target: CExpr,
        labels: Vec<String>,
    },
    RemoveLabels {
        target: CExpr,
        labels: Vec<String>,
    },
    /// Nodes (detached first when `detach`), relationships and paths; all rows' deletions happen together.
    Delete {
        exprs: Vec<CExpr>,
        detach: bool,
    },
}

#[derive(Debug)]
pub enum CreateItem {
    /// `spread`: a map whose entries are properties too (`CREATE (n $props)`).
    Node { slot: usize, labels: Vec<String>, properties: Vec<(String, CExpr)>, spread: Option<CExpr> },
    Relationship {
        slot: usize,
        from: usize,
        to: usize,
        rel_type: String,
        properties: Vec<(String, CExpr)>,
        spread: Option<CExpr>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggKind {
    CountStar,
    Count,
    Collect,
    Min,
    Max,
    Sum,
    Avg,
    StDev,
    StDevP,
    PercentileDisc,
    PercentileCont,
    /// Adds its argument, a number of matches an `ExpandCount` counted, once per row whatever the
    /// row's weight: `count(b)` of an OPTIONAL MATCH the degree pass factorised.
    CountMatches,
}

#[derive(Debug)]
pub struct AggSpec {
    pub kind: AggKind,
    pub distinct: bool,
    pub arg: Option<CExpr>,
    /// The percentile of `percentileDisc`/`percentileCont`.
    pub param: Option<CExpr>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Node,
    Relationship,
    Value,
    /// A comprehension's or quantifier's own variable: its number is a depth in the locals stack.
    Local,
    Path,
    /// Not known before running: a parameter, a function's result, an UNWIND element, null.
    Any,
}

/// Names visible to an expression, each bound to a slot of the row it is evaluated on.
#[derive(Debug, Default, Clone)]
struct Scope {
    vars: Vec<(String, usize, Kind)>,
    /// What some plain values are known to be (from literals projected by WITH).
    types: Vec<(String, Type)>,
}

/// A value's type when it is known before running, for the errors openCypher wants at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    Boolean,
    Integer,
    Float,
    String,
    List,
    Map,
    Node,
    Relationship,
    Path,
}

impl Type {
    fn name(self) -> &'static str {
        match self {
            Type::Boolean => "Boolean",
            Type::Integer => "Integer",
            Type::Float => "Float",
            Type::String => "String",
            Type::List => "List",
            Type::Map => "Map",
            Type::Node => "Node",
            Type::Relationship => "Relationship",
            Type::Path => "Path",
        }
    }
}

impl Scope {
    fn get(&self, name: &str) -> Option<(usize, Kind)> {
        self.vars.iter().rev().find(|v| v.0 == name).map(|v| (v.1, v.2))
    }
}

/// How `compile` treats what it meets.
struct Mode<'k> {
    /// Expressions that stand for the slot at their index (grouping keys, projected columns).
    keys: &'k [&'k Expr],
    /// Where aggregates go, if they are allowed here; their slots follow the keys'.
    aggregates: Option<Vec<AggSpec>>,
    /// Whether a variable that is not a key may be read.
    variables: bool,
    /// What the context is called in error messages.
    context: &'static str,
    /// Inside an expression that aggregates, only a key that is a variable, a property of one, or an
    /// aggregate stands for its slot: `me.age + you.age + count(*)` is ambiguous even when
    /// `me.age + you.age` is a grouping key (openCypher's AmbiguousAggregationExpression).
    simple_keys: bool,
}

impl Mode<'_> {
    fn plain(context: &'static str) -> Mode<'static> {
        Mode { keys: &[], aggregates: None, variables: true, context, simple_keys: false }
    }
}

/// Stack left before a recursive stage grows it, and by how much: expressions are at most a few
/// hundred levels deep, and a debug build's frames are large.
pub(crate) const STACK_RED_ZONE: usize = 128 * 1024;
pub(crate) const STACK_GROWTH: usize = 4 * 1024 * 1024;

/// Plans a statement against a graph (the graph's label counts choose where patterns start).
/// What one operator did in a profiled run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpStats {
    pub rows: u64,
    /// Time spent in the operator and the operators it pulled from.
    pub time: std::time::Duration,
}

/// Per operator of a plan, keyed by the operator's address in the plan (stable while the plan lives).
pub type Profile = std::collections::HashMap<usize, OpStats>;

/// The key of an operator in a [`Profile`].
pub fn profile_key(op: &Op) -> usize {
    op as *const Op as usize
}

pub fn plan(statement: &Statement, graph: &Graph) -> Result<Plan, QueryError> {
    plan_with(statement, graph, Passes::all())
}

/// Plans a statement with only the optimisation passes in `passes`: every choice of passes gives
/// the same rows (property tests compare them), only the work differs.
pub fn plan_with(statement: &Statement, graph: &Graph, passes: Passes) -> Result<Plan, QueryError> {
    plan_with_procedures(statement, graph, passes, &[])
}

/// [`plan_with`], where `CALL` also finds the procedures a program declared.
pub fn plan_with_procedures(
    statement: &Statement,
    graph: &Graph,
    passes: Passes,
    procedures: &[std::sync::Arc<crate::query::procedures::TableProcedure>],
) -> Result<Plan, QueryError> {
    let mut first = plan_query(&statement.clauses, statement.span, graph, procedures, passes)?;
    first.root = passes.apply(first.root);
    for u in &statement.unions {
        let mut next = plan_query(&u.clauses, statement.span, graph, procedures, passes)?;
        next.root = passes.apply(next.root);
        same_columns(&first.columns, &next.columns, span_of(u, statement))?;
        if first.unions.first().is_some_and(|(all, _)| *all != u.all) {
            return Err(QueryError::semantic("UNION and UNION ALL cannot be mixed", span_of(u, statement)));
        }
        first.writes |= next.writes;
        for p in &next.parameters {
            if !first.parameters.iter().any(|(n, _)| *n == p.0) {
                first.parameters.push(p.clone());
            }
        }
        first.unions.push((u.all, next));
    }
    Ok(first)
}

/// Refuses a query joined by UNION to one whose columns differ from its own (at `span`).
fn same_columns(first: &[String], next: &[String], span: Span) -> Result<(), QueryError> {
    if first == next {
        return Ok(());
    }
    Err(QueryError::semantic(
        format!("every query of a UNION must return the same columns: {first:?} and {next:?} differ"),
        span,
    ))
}

fn span_of(u: &Union, statement: &Statement) -> Span {
    u.clauses.first().map_or(statement.span, Clause::span)
}

fn plan_query(
    clauses: &[Clause],
    span: Span,
    graph: &Graph,
    procedures: &[std::sync::Arc<crate::query::procedures::TableProcedure>],
    passes: Passes,
) -> Result<Plan, QueryError> {
    let statement = Statement {
        explain: false,
        profile: false,
        index: None,
        clauses: clauses.to_vec(),
        unions: Vec::new(),
        span,
    };
    Planner {
        graph,
        procedures,
        parameters: Vec::new(),
        scope: Scope::default(),
        slot_names: Vec::new(),
        writes: false,
        passes,
    }
    .statement(&statement)
}

struct Planner<'g> {
    graph: &'g Graph,
    /// Procedures the program declared, which `CALL` finds before kgraph's own.
    procedures: &'g [std::sync::Arc<crate::query::procedures::TableProcedure>],
    parameters: Vec<(String, Span)>,
    scope: Scope,
    slot_names: Vec<String>,
    writes: bool,
    /// The optimisation passes: the statement's plan gets them when it is planned; a subquery
    /// expression's plan, which is inside an expression where they do not look, as it is made.
    passes: Passes,
}

impl Planner<'_> {
    fn statement(mut self, statement: &Statement) -> Result<Plan, QueryError> {
        let (op, columns) = self.clauses(&statement.clauses, Op::Once, statement.span, false)?;
        let width = self.slot_names.len();
        Ok(Plan {
            root: op,
            columns,
            width,
            slot_names: self.slot_names,
            writes: self.writes,
            parameters: self.parameters,
            unions: Vec::new(),
        })
    }

    /// Plans a query's `clauses` over `op`, giving the root and the columns. `subquery`: the query
    /// is inside an expression, and may end with a reading clause (its rows are the expression's).
    fn clauses(
        &mut self,
        clauses: &[Clause],
        mut op: Op,
        span: Span,
        subquery: bool,
    ) -> Result<(Op, Vec<String>), QueryError> {
        let mut columns = Vec::new();
        // What the last CALL yields: the columns of a query that ends with it.
        let mut call_columns: Vec<String> = Vec::new();
        let last = clauses.len().saturating_sub(1);
        for (i, clause) in clauses.iter().enumerate() {
            if let Clause::Return(r) = clause
                && i != last
            {
                return Err(QueryError::semantic("RETURN must be the last clause of a query", r.span));
            }
            if clause.writes() {
                self.writes = true;
            }
            op = match clause {
                Clause::Call(c) => {
                    let (op, names) = self.call_clause(op, c, clauses.len() == 1 && !subquery)?;
                    call_columns = names;
                    op
                }
                Clause::Foreach(f) => self.foreach_clause(op, f)?,
                Clause::CallSubquery(c) => self.call_subquery(op, c)?,
                Clause::Match(m) if m.optional => self.optional_match(op, m)?,
                Clause::Match(m) => self.match_clause(op, m)?,
                Clause::Unwind(u) => self.unwind_clause(op, u)?,
                Clause::LoadCsv(l) => self.load_csv_clause(op, l)?,
                Clause::With(w) => self.with_clause(op, w)?,
                Clause::Create(c) => self.create_clause(op, c)?,
                Clause::Merge(c) => self.merge_clause(op, c)?,
                Clause::Set(c) => self.set_clause(op, c)?,
                Clause::Remove(c) => self.remove_clause(op, c)?,
                Clause::Delete(c) => self.delete_clause(op, c)?,
                Clause::Return(r) => {
                    let (op, cols, _) = self.projection(op, r, "RETURN", None)?;
                    columns = cols;
                    op
                }
            };
        }
        match clauses.last() {
            Some(Clause::Return(_)) => {}
            // A procedure that yields nothing, on its own, returns nothing.
            Some(Clause::Call(_)) if call_columns.is_empty() => op = Op::Discard { input: Box::new(op) },
            Some(Clause::Call(c)) => {
                let items = call_columns
                    .iter()
                    .map(|name| ReturnItem {
                        expr: Expr { kind: ExprKind::Variable(name.clone()), span: c.span },
                        alias: None,
                        name: name.clone(),
                    })
                    .collect();
                let ret = ReturnClause {
                    distinct: false,
                    star: false,
                    items,
                    order_by: Vec::new(),
                    skip: None,
                    limit: None,
                    span: c.span,
                };
                let (projected, cols, _) = self.projection(op, &ret, "RETURN", None)?;
                op = projected;
                columns = cols;
            }
            Some(c) if c.writes() => op = Op::Discard { input: Box::new(op) },
            Some(_) if subquery => {}
            other => {
                let span = other.map_or(span, Clause::span);
                return Err(QueryError::semantic(
                    "a query must end with RETURN or an update clause (CREATE, SET, REMOVE, DELETE)",
                    span,
                ));
            }
        }
        Ok((op, columns))
    }

    /// A slot's variable name, or nothing for an anonymous one.
    fn display_name(&self, slot: usize) -> String {
        let name = &self.slot_names[slot];
        if name.starts_with(' ') { String::new() } else { name.clone() }
    }

    fn new_slot(&mut self, name: &str) -> usize {
        self.slot_names.push(name.to_string());
        self.slot_names.len() - 1
    }

    /// The slot of a pattern variable: the one in scope, or a new one. Anonymous entities get a
    /// slot of their own that no expression can name.
    fn pattern_slot(&mut self, var: Option<&Ident>, kind: Kind) -> Result<usize, QueryError> {
        let Some(var) = var else {
            let name = format!("  anon{}", self.slot_names.len());
            return Ok(self.new_slot(&name));
        };
        match self.scope.get(&var.name) {
            // A value of unknown type (from WITH or UNWIND) may hold a node or relationship: checked
            // when the statement runs.
            Some((slot, k)) if k == kind || (k == Kind::Any && kind != Kind::Path) => Ok(slot),
            Some((_, k)) => Err(QueryError::semantic(
                format!("type mismatch: `{}` is already a {}", var.name, kind_name(k)),
                var.span,
            )),
            None => {
                let slot = self.new_slot(&var.name);
                self.scope.vars.push((var.name.clone(), slot, kind));
                Ok(slot)
            }
        }
    }
}
