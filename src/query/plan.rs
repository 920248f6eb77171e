//! AST → plan: resolves variables to row slots, checks what the parser cannot (unknown variables,
//! misplaced aggregates, what CREATE may create), and chooses where each pattern starts.
//!
//! A plan is a tree of operators; its `Display` is what `EXPLAIN` prints.

use std::fmt;

use super::ast::*;
use super::error::QueryError;
use super::expr::{CExpr, Function, PropertyKey, is_aggregate};
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
    },
    /// For each input row in turn: the rows of `matcher` started from it (then `on_match`), or when
    /// there are none, the row with `create` made (then `on_create`). Later rows see earlier rows' writes.
    Merge {
        input: Box<Op>,
        matcher: Box<Op>,
        create: Vec<CreateItem>,
        on_create: Vec<WriteAction>,
        on_match: Vec<WriteAction>,
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
    /// SET, REMOVE, DELETE: reads all its input, then applies `actions` to each row in turn.
    Write {
        input: Box<Op>,
        actions: Vec<WriteAction>,
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
        text: String,
    },
    Distinct {
        input: Box<Op>,
    },
    Sort {
        input: Box<Op>,
        keys: Vec<(CExpr, bool)>,
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
    Node { slot: usize, labels: Vec<String>, properties: Vec<(String, CExpr)> },
    Relationship { slot: usize, from: usize, to: usize, rel_type: String, properties: Vec<(String, CExpr)> },
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
}

impl Mode<'_> {
    fn plain(context: &'static str) -> Mode<'static> {
        Mode { keys: &[], aggregates: None, variables: true, context }
    }
}

/// Stack left before a recursive stage grows it, and by how much: expressions are at most a few
/// hundred levels deep, and a debug build's frames are large.
pub(crate) const STACK_RED_ZONE: usize = 128 * 1024;
pub(crate) const STACK_GROWTH: usize = 4 * 1024 * 1024;

/// Plans a statement against a graph (the graph's label counts choose where patterns start).
pub fn plan(statement: &Statement, graph: &Graph) -> Result<Plan, QueryError> {
    let mut first = plan_query(&statement.clauses, statement.span, graph)?;
    for u in &statement.unions {
        let next = plan_query(&u.clauses, statement.span, graph)?;
        if next.columns != first.columns {
            let span = u.clauses.first().map_or(statement.span, Clause::span);
            return Err(QueryError::semantic(
                format!(
                    "every query of a UNION must return the same columns: {:?} and {:?} differ",
                    first.columns, next.columns
                ),
                span,
            ));
        }
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

fn span_of(u: &Union, statement: &Statement) -> Span {
    u.clauses.first().map_or(statement.span, Clause::span)
}

fn plan_query(clauses: &[Clause], span: Span, graph: &Graph) -> Result<Plan, QueryError> {
    let statement = Statement { explain: false, clauses: clauses.to_vec(), unions: Vec::new(), span };
    Planner { graph, parameters: Vec::new(), scope: Scope::default(), slot_names: Vec::new(), writes: false }
        .statement(&statement)
}

struct Planner<'g> {
    graph: &'g Graph,
    parameters: Vec<(String, Span)>,
    scope: Scope,
    slot_names: Vec<String>,
    writes: bool,
}

impl Planner<'_> {
    fn statement(mut self, statement: &Statement) -> Result<Plan, QueryError> {
        let mut op = Op::Once;
        let mut columns = Vec::new();
        let last = statement.clauses.len().saturating_sub(1);
        for (i, clause) in statement.clauses.iter().enumerate() {
            if let Clause::Return(r) = clause {
                if i != last {
                    return Err(QueryError::semantic("RETURN must be the last clause of a query", r.span));
                }
            }
            if clause.writes() {
                self.writes = true;
            }
            op = match clause {
                Clause::Match(m) if m.optional => self.optional_match(op, m)?,
                Clause::Match(m) => self.match_clause(op, m)?,
                Clause::Unwind(u) => self.unwind_clause(op, u)?,
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
        match statement.clauses.last() {
            Some(Clause::Return(_)) => {}
            Some(c) if c.writes() => op = Op::Discard { input: Box::new(op) },
            other => {
                let span = other.map_or(statement.span, Clause::span);
                return Err(QueryError::semantic(
                    "a query must end with RETURN or an update clause (CREATE, SET, REMOVE, DELETE)",
                    span,
                ));
            }
        }
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

    fn optional_match(&mut self, op: Op, clause: &MatchClause) -> Result<Op, QueryError> {
        let before = self.slot_names.len();
        let inner = self.match_clause(Op::Argument, clause)?;
        let new_slots = (before..self.slot_names.len()).collect();
        Ok(Op::Optional { input: Box::new(op), inner: Box::new(inner), new_slots })
    }

    fn unwind_clause(&mut self, op: Op, clause: &UnwindClause) -> Result<Op, QueryError> {
        let scope = self.scope.clone();
        let expr = self.compile(&clause.expr, &scope, &mut Mode::plain("UNWIND"))?;
        if self.scope.get(&clause.variable.name).is_some() {
            return Err(QueryError::semantic(
                format!("variable `{}` is already declared", clause.variable.name),
                clause.variable.span,
            ));
        }
        let slot = self.pattern_slot(Some(&clause.variable), Kind::Any)?;
        Ok(Op::Unwind { input: Box::new(op), expr, slot, name: clause.variable.name.clone() })
    }

    fn with_clause(&mut self, op: Op, clause: &WithClause) -> Result<Op, QueryError> {
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

    /// The slot of a variable that an update clause changes; it must be bound.
    fn target(&mut self, variable: &Ident) -> Result<CExpr, QueryError> {
        match self.scope.get(&variable.name) {
            Some((slot, _)) => Ok(CExpr::Slot(slot)),
            None => Err(QueryError::semantic(
                format!("variable `{}` is not defined", variable.name),
                variable.span,
            )),
        }
    }

    fn set_actions(&mut self, items: &[SetItem]) -> Result<Vec<WriteAction>, QueryError> {
        let scope = self.scope.clone();
        let mut actions = Vec::new();
        for item in items {
            actions.push(match item {
                SetItem::Property { variable, key, value } => WriteAction::SetProperty {
                    target: self.target(variable)?,
                    key: key.clone(),
                    value: self.compile(value, &scope, &mut Mode::plain("SET"))?,
                },
                SetItem::Replace { variable, value } => WriteAction::SetProperties {
                    target: self.target(variable)?,
                    value: self.compile(value, &scope, &mut Mode::plain("SET"))?,
                    replace: true,
                },
                SetItem::Merge { variable, value } => WriteAction::SetProperties {
                    target: self.target(variable)?,
                    value: self.compile(value, &scope, &mut Mode::plain("SET"))?,
                    replace: false,
                },
                SetItem::Labels { variable, labels } => {
                    WriteAction::AddLabels { target: self.target(variable)?, labels: labels.clone() }
                }
            });
        }
        Ok(actions)
    }

    fn set_clause(&mut self, op: Op, clause: &SetClause) -> Result<Op, QueryError> {
        let actions = self.set_actions(&clause.items)?;
        Ok(Op::Write { input: Box::new(op), actions, text: "SET".into() })
    }

    fn merge_clause(&mut self, op: Op, clause: &MergeClause) -> Result<Op, QueryError> {
        // Anonymous entities get names no user can type, so that matching and creating share slots.
        let mut pattern = clause.pattern.clone();
        if pattern.steps.is_empty() {
            if let Some(v) = pattern.start.variable.as_ref().filter(|v| self.scope.get(&v.name).is_some()) {
                return Err(QueryError::semantic(
                    format!("`{}` is already declared: MERGE of a lone node needs a new one", v.name),
                    v.span,
                ));
            }
        }
        // Unique across the statement: every MERGE before this one allocated at least as many slots
        // as it made names.
        let mut counter = self.slot_names.len();
        let mut name = |v: &mut Option<Ident>, span: Span| {
            if v.is_none() {
                counter += 1;
                *v = Some(Ident { name: format!("  merge{counter}"), span });
            }
        };
        name(&mut pattern.start.variable, pattern.start.span);
        for (rel, node) in &mut pattern.steps {
            if rel.length.is_some() {
                return Err(QueryError::semantic(
                    "MERGE cannot use a variable-length relationship",
                    rel.span,
                ));
            }
            if rel.types.len() != 1 {
                return Err(QueryError::semantic(
                    "a relationship in MERGE needs exactly one type, as in `-[:TYPE]->`",
                    rel.span,
                ));
            }
            name(&mut rel.variable, rel.span);
            name(&mut node.variable, node.span);
        }
        let bound_before: Vec<String> = self.scope.vars.iter().map(|v| v.0.clone()).collect();
        for (rel, _) in &pattern.steps {
            if let Some(v) = rel.variable.as_ref().filter(|v| bound_before.contains(&v.name)) {
                return Err(QueryError::semantic(
                    format!("variable `{}` is already declared: MERGE needs a new relationship", v.name),
                    v.span,
                ));
            }
        }
        let mut nodes = vec![&pattern.start];
        nodes.extend(pattern.steps.iter().map(|s| &s.1));
        for node in &nodes {
            let v = node.variable.as_ref().map(|v| v.name.as_str()).unwrap_or_default();
            if bound_before.iter().any(|b| b == v) && (!node.labels.is_empty() || !node.properties.is_empty())
            {
                return Err(QueryError::semantic(
                    format!("`{v}` is already declared, so MERGE cannot give it labels or properties"),
                    node.span,
                ));
            }
        }
        let as_match = MatchClause {
            optional: false,
            patterns: vec![pattern.clone()],
            predicate: None,
            span: clause.span,
        };
        let matcher = self.match_clause(Op::Argument, &as_match)?;
        let slot_of = |planner: &Self, v: &Option<Ident>| {
            v.as_ref().and_then(|v| planner.scope.get(&v.name)).map_or(0, |(slot, _)| slot)
        };
        let mut create = Vec::new();
        for node in &nodes {
            let bound = node.variable.as_ref().is_some_and(|v| bound_before.contains(&v.name));
            if !bound {
                let properties = self.create_properties(&node.properties)?;
                create.push(CreateItem::Node {
                    slot: slot_of(self, &node.variable),
                    labels: node.labels.clone(),
                    properties,
                });
            }
        }
        let mut previous = slot_of(self, &pattern.start.variable);
        for (rel, node) in &pattern.steps {
            let next = slot_of(self, &node.variable);
            let (from, to) =
                if rel.direction == RelDirection::Left { (next, previous) } else { (previous, next) };
            let properties = self.create_properties(&rel.properties)?;
            create.push(CreateItem::Relationship {
                slot: slot_of(self, &rel.variable),
                from,
                to,
                rel_type: rel.types[0].clone(),
                properties,
            });
            previous = next;
        }
        let on_create = self.set_actions(&clause.on_create)?;
        let on_match = self.set_actions(&clause.on_match)?;
        let mut op =
            Op::Merge { input: Box::new(op), matcher: Box::new(matcher), create, on_create, on_match };
        if let Some(p) = &clause.pattern.path_variable {
            let node_slots: Vec<usize> = nodes.iter().map(|n| slot_of(self, &n.variable)).collect();
            let rel_slots: Vec<usize> =
                pattern.steps.iter().map(|(r, _)| slot_of(self, &r.variable)).collect();
            // The pattern was already planned as a match, which bound the path name: free it first.
            self.scope.vars.retain(|v| v.0 != p.name);
            op = self.assign_path(op, p, &pattern, &node_slots, &rel_slots)?;
        }
        Ok(op)
    }

    fn remove_clause(&mut self, op: Op, clause: &RemoveClause) -> Result<Op, QueryError> {
        let mut actions = Vec::new();
        for item in &clause.items {
            actions.push(match item {
                RemoveItem::Property { variable, key } => WriteAction::SetProperty {
                    target: self.target(variable)?,
                    key: key.clone(),
                    value: CExpr::Const(Value::Null),
                },
                RemoveItem::Labels { variable, labels } => {
                    WriteAction::RemoveLabels { target: self.target(variable)?, labels: labels.clone() }
                }
            });
        }
        Ok(Op::Write { input: Box::new(op), actions, text: "REMOVE".into() })
    }

    fn delete_clause(&mut self, op: Op, clause: &DeleteClause) -> Result<Op, QueryError> {
        let scope = self.scope.clone();
        let mut exprs = Vec::new();
        for e in &clause.exprs {
            if let Some(t) =
                static_type(e, &scope).filter(|t| !matches!(t, Type::Node | Type::Relationship | Type::Path))
            {
                return Err(QueryError::semantic(
                    format!("DELETE takes nodes, relationships or paths, not a {}", t.name()),
                    e.span,
                ));
            }
            exprs.push(self.compile(e, &scope, &mut Mode::plain("DELETE"))?);
        }
        let text = if clause.detach { "DETACH DELETE" } else { "DELETE" };
        Ok(Op::Write {
            input: Box::new(op),
            actions: vec![WriteAction::Delete { exprs, detach: clause.detach }],
            text: text.into(),
        })
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

    fn match_clause(&mut self, mut op: Op, clause: &MatchClause) -> Result<Op, QueryError> {
        let mut bound: Vec<usize> = self.scope.vars.iter().map(|v| v.1).collect();
        let mut clause_rels: Vec<usize> = Vec::new();
        let mut rel_names: Vec<&str> = Vec::new();
        for pattern in &clause.patterns {
            for (rel, _) in &pattern.steps {
                if let Some(v) = &rel.variable {
                    if rel_names.contains(&v.name.as_str()) {
                        return Err(QueryError::semantic(
                            format!(
                                "relationship `{}` appears twice in one MATCH, where each is used once",
                                v.name
                            ),
                            v.span,
                        ));
                    }
                    rel_names.push(&v.name);
                }
            }
            if let Some(p) = &pattern.path_variable {
                if self.scope.get(&p.name).is_some() {
                    return Err(QueryError::semantic(
                        format!("variable `{}` is already declared", p.name),
                        p.span,
                    ));
                }
            }
            if let Some(all) = pattern.shortest {
                op = self.shortest_path(op, pattern, all, &mut bound)?;
                continue;
            }
            let mut node_slots = vec![self.pattern_slot(pattern.start.variable.as_ref(), Kind::Node)?];
            let mut rel_slots = Vec::new();
            for (rel, node) in &pattern.steps {
                if let (Some((Some(min), Some(max))), true) = (rel.length, rel.length.is_some()) {
                    if min > max {
                        return Err(QueryError::semantic(
                            format!("the minimum length {min} is greater than the maximum {max}"),
                            rel.span,
                        ));
                    }
                }
                let kind = if rel.length.is_some() { Kind::Value } else { Kind::Relationship };
                if let (Some(v), Some(_)) = (&rel.variable, rel.length) {
                    if self.scope.get(&v.name).is_some() {
                        return Err(QueryError::semantic(
                            format!("variable-length relationship `{}` is already declared", v.name),
                            v.span,
                        ));
                    }
                }
                rel_slots.push(self.pattern_slot(rel.variable.as_ref(), kind)?);
                node_slots.push(self.pattern_slot(node.variable.as_ref(), Kind::Node)?);
            }
            let nodes: Vec<&NodePattern> =
                std::iter::once(&pattern.start).chain(pattern.steps.iter().map(|s| &s.1)).collect();
            let start = self.choose_start(&nodes, &node_slots, &bound);
            let start_slot = node_slots[start];
            let mut scan_label = None;
            if !bound.contains(&start_slot) {
                scan_label = self.most_selective_label(&nodes[start].labels);
                op = Op::NodeScan {
                    input: Box::new(op),
                    slot: start_slot,
                    label: scan_label.clone(),
                    name: self.display_name(start_slot),
                };
                bound.push(start_slot);
            }
            op = self.node_filters(op, nodes[start], start_slot, scan_label.as_deref())?;
            let order = (start..pattern.steps.len())
                .map(|i| (i, i, i + 1, false))
                .chain((0..start).rev().map(|i| (i, i + 1, i, true)));
            for (step, from, to, reversed) in order {
                let rel = &pattern.steps[step].0;
                let rel_slot = rel_slots[step];
                let direction = match (rel.direction, reversed) {
                    (RelDirection::Either, _) => Direction::Both,
                    (RelDirection::Right, false) | (RelDirection::Left, true) => Direction::Outgoing,
                    _ => Direction::Incoming,
                };
                let to_slot = node_slots[to];
                let rel_bound = bound.contains(&rel_slot);
                if let Some((min, max)) = rel.length {
                    let scope = self.scope.clone();
                    let mut properties = Vec::new();
                    for (k, e) in &rel.properties {
                        properties.push((k.clone(), self.compile(e, &scope, &mut Mode::plain("a pattern"))?));
                    }
                    op = Op::VarExpand {
                        input: Box::new(op),
                        from: node_slots[from],
                        rel: rel_slot,
                        to: to_slot,
                        direction,
                        types: rel.types.clone(),
                        min: min.unwrap_or(1),
                        max,
                        to_bound: bound.contains(&to_slot),
                        reversed,
                        properties,
                        distinct_from: clause_rels.iter().copied().filter(|&r| r != rel_slot).collect(),
                        names: [
                            self.display_name(node_slots[from]),
                            self.display_name(rel_slot),
                            self.display_name(to_slot),
                        ],
                    };
                    bound.push(rel_slot);
                    clause_rels.push(rel_slot);
                    if !bound.contains(&to_slot) {
                        bound.push(to_slot);
                    }
                    op = self.node_filters(op, nodes[to], to_slot, None)?;
                    continue;
                }
                op = Op::Expand {
                    input: Box::new(op),
                    from: node_slots[from],
                    rel: rel_slot,
                    to: to_slot,
                    direction,
                    types: rel.types.clone(),
                    to_bound: bound.contains(&to_slot),
                    rel_bound,
                    distinct_from: clause_rels.iter().copied().filter(|&r| r != rel_slot).collect(),
                    names: [
                        self.display_name(node_slots[from]),
                        self.display_name(rel_slot),
                        self.display_name(to_slot),
                    ],
                };
                if !rel_bound {
                    bound.push(rel_slot);
                }
                clause_rels.push(rel_slot);
                if !bound.contains(&to_slot) {
                    bound.push(to_slot);
                }
                op = self.property_filters(op, rel_slot, &rel.properties, rel.variable.as_ref())?;
                op = self.node_filters(op, nodes[to], to_slot, None)?;
            }
            if let Some(p) = &pattern.path_variable {
                op = self.assign_path(op, p, pattern, &node_slots, &rel_slots)?;
            }
        }
        if let Some(predicate) = &clause.predicate {
            let scope = self.scope.clone();
            let compiled = self.predicate(predicate, &scope)?;
            op = Op::Filter { input: Box::new(op), predicate: compiled, text: predicate.to_string() };
        }
        Ok(op)
    }

    /// `shortestPath((a)-[…]-(b))`: both ends bound (or scanned), then a breadth-first search.
    fn shortest_path(
        &mut self,
        mut op: Op,
        pattern: &Pattern,
        all: bool,
        bound: &mut Vec<usize>,
    ) -> Result<Op, QueryError> {
        let [(rel, end)] = pattern.steps.as_slice() else {
            return Err(QueryError::semantic(
                "shortestPath() takes one relationship between two nodes",
                pattern.span,
            ));
        };
        if !rel.properties.is_empty() {
            return Err(QueryError::semantic(
                "shortestPath() cannot filter on relationship properties yet: use WHERE on the path",
                rel.span,
            ));
        }
        let from = self.pattern_slot(pattern.start.variable.as_ref(), Kind::Node)?;
        let to = self.pattern_slot(end.variable.as_ref(), Kind::Node)?;
        for (node, slot) in [(&pattern.start, from), (end, to)] {
            let mut scanned = None;
            if !bound.contains(&slot) {
                scanned = self.most_selective_label(&node.labels);
                op = Op::NodeScan {
                    input: Box::new(op),
                    slot,
                    label: scanned.clone(),
                    name: self.display_name(slot),
                };
                bound.push(slot);
            }
            op = self.node_filters(op, node, slot, scanned.as_deref())?;
        }
        if let Some(v) = rel.variable.as_ref().filter(|v| self.scope.get(&v.name).is_some()) {
            return Err(QueryError::semantic(format!("variable `{}` is already declared", v.name), v.span));
        }
        let rel_slot = self.pattern_slot(rel.variable.as_ref(), Kind::Value)?;
        let (min, max) = match rel.length {
            Some((min, max)) => (min.unwrap_or(1), max),
            None => (1, Some(1)),
        };
        if min > 1 {
            return Err(QueryError::semantic("shortestPath() needs a minimum length of 0 or 1", rel.span));
        }
        let direction = match rel.direction {
            RelDirection::Right => Direction::Outgoing,
            RelDirection::Left => Direction::Incoming,
            RelDirection::Either => Direction::Both,
        };
        op = Op::ShortestPath {
            input: Box::new(op),
            from,
            to,
            rel: rel_slot,
            direction,
            types: rel.types.clone(),
            min,
            max,
            all,
            names: [self.display_name(from), self.display_name(rel_slot), self.display_name(to)],
        };
        bound.push(rel_slot);
        if let Some(p) = &pattern.path_variable {
            let mut as_variable = pattern.clone();
            as_variable.steps[0].0.length = Some((Some(min), max));
            op = self.assign_path(op, p, &as_variable, &[from, to], &[rel_slot])?;
        }
        Ok(op)
    }

    /// Binds a named path, built from the slots its pattern's nodes and relationships were bound to.
    fn assign_path(
        &mut self,
        op: Op,
        name: &Ident,
        pattern: &Pattern,
        node_slots: &[usize],
        rel_slots: &[usize],
    ) -> Result<Op, QueryError> {
        let steps = pattern
            .steps
            .iter()
            .zip(rel_slots.iter().zip(&node_slots[1..]))
            .map(|((rel, _), (&r, &n))| (r, rel.length.is_some(), n))
            .collect();
        let expr = CExpr::Path { start: node_slots[0], steps };
        if self.scope.get(&name.name).is_some() {
            return Err(QueryError::semantic(
                format!("variable `{}` is already declared", name.name),
                name.span,
            ));
        }
        let slot = self.pattern_slot(Some(name), Kind::Path)?;
        Ok(Op::Assign { input: Box::new(op), slot, expr, name: name.name.clone() })
    }

    /// A node already bound if there is one; else the one whose label is rarest; else the first.
    fn choose_start(&self, nodes: &[&NodePattern], slots: &[usize], bound: &[usize]) -> usize {
        if let Some(i) = slots.iter().position(|s| bound.contains(s)) {
            return i;
        }
        nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                let label = self.most_selective_label(&n.labels)?;
                Some((self.label_count(&label), i))
            })
            .min()
            .map_or(0, |(_, i)| i)
    }

    fn label_count(&self, label: &str) -> usize {
        self.graph.symbol(label).map_or(0, |s| self.graph.label_count(s))
    }

    fn most_selective_label(&self, labels: &[String]) -> Option<String> {
        labels.iter().min_by_key(|l| self.label_count(l)).cloned()
    }

    fn node_filters(
        &mut self,
        mut op: Op,
        node: &NodePattern,
        slot: usize,
        scanned_label: Option<&str>,
    ) -> Result<Op, QueryError> {
        let labels: Vec<String> =
            node.labels.iter().filter(|l| Some(l.as_str()) != scanned_label).cloned().collect();
        if !labels.is_empty() {
            let mut text = self.slot_names[slot].trim().to_string();
            for l in &labels {
                text.push(':');
                crate::value::write_name(&mut text, l).ok();
            }
            op = Op::Filter { input: Box::new(op), predicate: CExpr::HasLabels(slot, labels), text };
        }
        self.property_filters(op, slot, &node.properties, node.variable.as_ref())
    }

    fn property_filters(
        &mut self,
        mut op: Op,
        slot: usize,
        properties: &[(String, Expr)],
        var: Option<&Ident>,
    ) -> Result<Op, QueryError> {
        let scope = self.scope.clone();
        for (key, expr) in properties {
            let value = self.compile(expr, &scope, &mut Mode::plain("a pattern"))?;
            let span = expr.span;
            let lookup = CExpr::Property(Box::new(CExpr::Slot(slot)), PropertyKey::new(key.clone()), span);
            let predicate = CExpr::Binary(BinaryOp::Eq, Box::new(lookup), Box::new(value), span);
            let mut text = var.map_or_else(|| self.slot_names[slot].trim().to_string(), |v| v.name.clone());
            text.push('.');
            crate::value::write_name(&mut text, key).ok();
            text.push_str(&format!(" = {expr}"));
            op = Op::Filter { input: Box::new(op), predicate, text };
        }
        Ok(op)
    }

    fn create_clause(&mut self, op: Op, clause: &CreateClause) -> Result<Op, QueryError> {
        let mut items = Vec::new();
        let mut paths = Vec::new();
        for pattern in &clause.patterns {
            if let Some(p) = &pattern.path_variable {
                if self.scope.get(&p.name).is_some() {
                    return Err(QueryError::semantic(
                        format!("variable `{}` is already declared", p.name),
                        p.span,
                    ));
                }
            }
            let mut node_slots = Vec::new();
            let mut rel_slots = Vec::new();
            if pattern.steps.is_empty() {
                if let Some(v) = pattern.start.variable.as_ref().filter(|v| self.scope.get(&v.name).is_some())
                {
                    return Err(QueryError::semantic(
                        format!("`{}` is already declared: CREATE of a lone node makes a new one", v.name),
                        v.span,
                    ));
                }
            }
            let mut previous = self.create_node(&pattern.start, &mut items)?;
            node_slots.push(previous);
            for (rel, node) in &pattern.steps {
                let next = self.create_node(node, &mut items)?;
                if rel.types.len() != 1 {
                    return Err(QueryError::semantic(
                        "a relationship created with CREATE needs exactly one type, as in `-[:TYPE]->`",
                        rel.span,
                    ));
                }
                if rel.length.is_some() {
                    return Err(QueryError::semantic(
                        "CREATE cannot create a variable-length relationship",
                        rel.span,
                    ));
                }
                let (from, to) = match rel.direction {
                    RelDirection::Right => (previous, next),
                    RelDirection::Left => (next, previous),
                    RelDirection::Either => {
                        return Err(QueryError::semantic(
                            "a relationship created with CREATE needs a direction: `->` or `<-`",
                            rel.span,
                        ));
                    }
                };
                if let Some(v) = &rel.variable {
                    if self.scope.get(&v.name).is_some() {
                        return Err(QueryError::semantic(
                            format!(
                                "variable `{}` is already declared: CREATE makes a new relationship",
                                v.name
                            ),
                            v.span,
                        ));
                    }
                }
                let properties = self.create_properties(&rel.properties)?;
                let slot = self.pattern_slot(rel.variable.as_ref(), Kind::Relationship)?;
                items.push(CreateItem::Relationship {
                    slot,
                    from,
                    to,
                    rel_type: rel.types[0].clone(),
                    properties,
                });
                rel_slots.push(slot);
                node_slots.push(next);
                previous = next;
            }
            if let Some(p) = &pattern.path_variable {
                paths.push((p, pattern, node_slots, rel_slots));
            }
        }
        let mut op = Op::Create { input: Box::new(op), items };
        for (name, pattern, node_slots, rel_slots) in paths {
            op = self.assign_path(op, name, pattern, &node_slots, &rel_slots)?;
        }
        Ok(op)
    }

    /// The slot of a node in a CREATE pattern: a bound variable as it is, or a new node.
    fn create_node(&mut self, node: &NodePattern, items: &mut Vec<CreateItem>) -> Result<usize, QueryError> {
        if let Some(v) = &node.variable {
            if let Some((slot, kind)) = self.scope.get(&v.name) {
                if kind != Kind::Node && kind != Kind::Any {
                    return Err(QueryError::semantic(
                        format!("type mismatch: `{}` is already a {}", v.name, kind_name(kind)),
                        v.span,
                    ));
                }
                if !node.labels.is_empty() || !node.properties.is_empty() {
                    return Err(QueryError::semantic(
                        format!(
                            "`{}` is already declared, so CREATE cannot give it labels or properties",
                            v.name
                        ),
                        node.span,
                    ));
                }
                return Ok(slot);
            }
        }
        let properties = self.create_properties(&node.properties)?;
        let slot = self.pattern_slot(node.variable.as_ref(), Kind::Node)?;
        items.push(CreateItem::Node { slot, labels: node.labels.clone(), properties });
        Ok(slot)
    }

    fn create_properties(
        &mut self,
        properties: &[(String, Expr)],
    ) -> Result<Vec<(String, CExpr)>, QueryError> {
        let scope = self.scope.clone();
        properties
            .iter()
            .map(|(k, e)| Ok((k.clone(), self.compile(e, &scope, &mut Mode::plain("CREATE"))?)))
            .collect()
    }

    /// RETURN's and WITH's shared part: items, aggregation, DISTINCT, ORDER BY, SKIP, LIMIT. Gives
    /// the columns and what each holds (a node or relationship when it is a bare variable of one).
    fn projection(
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
            let mut mode = Mode { keys: &keys, aggregates: Some(Vec::new()), variables: false, context };
            let outputs =
                exprs.iter().map(|e| self.compile(e, &scope, &mut mode)).collect::<Result<Vec<_>, _>>()?;
            let aggregates = mode.aggregates.take().unwrap_or_default();
            op = Op::Aggregate {
                input: Box::new(op),
                keys: key_exprs,
                aggregates,
                outputs,
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
            let mut mode = Mode { keys: &exprs, aggregates: None, variables: true, context: "ORDER BY" };
            let mut keys = Vec::new();
            let mut text = Vec::new();
            for item in &clause.order_by {
                keys.push((self.compile(&item.expr, &sort_scope, &mut mode)?, item.descending));
                text.push(format!("{}{}", item.expr, if item.descending { " DESC" } else { "" }));
            }
            op = Op::Sort { input: Box::new(op), keys, text: text.join(", ") };
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
            let compiled = self.predicate(predicate, &sort_scope)?;
            op = Op::Filter { input: Box::new(op), predicate: compiled, text: predicate.to_string() };
        }
        if keep_input {
            op = Op::Trim { input: Box::new(op), width: columns.len() };
        }
        Ok((op, columns, kinds))
    }

    fn row_independent(&mut self, e: &Expr, context: &'static str) -> Result<CExpr, QueryError> {
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

    fn compile(&mut self, e: &Expr, scope: &Scope, mode: &mut Mode) -> Result<CExpr, QueryError> {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || self.compile_inner(e, scope, mode))
    }

    fn compile_inner(&mut self, e: &Expr, scope: &Scope, mode: &mut Mode) -> Result<CExpr, QueryError> {
        if let Some(i) = mode.keys.iter().position(|k| *k == e) {
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
            ExprKind::ListComprehension { variable, list, predicate, projection } => {
                let list = Box::new(self.compile(list, scope, mode)?);
                let inner = with_local(scope, variable);
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
            ExprKind::Quantifier { kind, variable, list, predicate } => {
                let list = Box::new(self.compile(list, scope, mode)?);
                let inner = with_local(scope, variable);
                let predicate = Box::new(self.compile(predicate, &inner, mode)?);
                CExpr::Quantifier { kind: *kind, list, predicate, span }
            }
            ExprKind::HasLabels(target, labels) => {
                CExpr::HasLabelsOf(Box::new(self.compile(target, scope, mode)?), labels.clone(), span)
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
                self.pattern_predicate(pattern, scope)?
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
            ExprKind::Call { name, distinct, args } => {
                let f = Function::lookup(name)
                    .ok_or_else(|| QueryError::semantic(format!("unknown function `{name}`"), span))?;
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
                let args = args.iter().map(|a| self.compile(a, scope, mode)).collect::<Result<_, _>>()?;
                CExpr::Call(f, args, span)
            }
        })
    }

    /// A pattern used as a predicate: it may not introduce variables of its own.
    fn pattern_predicate(&mut self, pattern: &Pattern, scope: &Scope) -> Result<CExpr, QueryError> {
        let named = std::iter::once(&pattern.start.variable)
            .chain(pattern.steps.iter().flat_map(|(r, n)| [&r.variable, &n.variable]))
            .flatten();
        for v in named {
            if scope.get(&v.name).is_none() {
                return Err(QueryError::semantic(
                    format!(
                        "variable `{}` is not defined: a pattern predicate cannot introduce variables",
                        v.name
                    ),
                    v.span,
                ));
            }
        }
        let mut inner = scope.clone();
        let spec = self.pattern_spec(pattern, &mut inner)?;
        Ok(CExpr::PatternExists { patterns: vec![spec], predicate: None })
    }

    /// A WHERE condition: a boolean, or a value whose type is only known when running.
    fn predicate(&mut self, e: &Expr, scope: &Scope) -> Result<CExpr, QueryError> {
        if let Some(t) = static_type(e, scope).filter(|t| *t != Type::Boolean) {
            return Err(QueryError::semantic(format!("WHERE needs a Boolean, not a {}", t.name()), e.span));
        }
        self.compile(e, scope, &mut Mode::plain("WHERE"))
    }

    /// Compiles a pattern inside an expression; its new variables are added to `scope`.
    fn pattern_spec(&mut self, pattern: &Pattern, scope: &mut Scope) -> Result<PatternSpec, QueryError> {
        let node = |planner: &mut Self, n: &NodePattern, scope: &mut Scope| -> Result<NodeSpec, QueryError> {
            let (slot, bound) = planner.expression_slot(n.variable.as_ref(), Kind::Node, scope)?;
            let mut properties = Vec::new();
            for (k, e) in &n.properties {
                properties.push((k.clone(), planner.compile(e, scope, &mut Mode::plain("a pattern"))?));
            }
            Ok(NodeSpec { slot, bound, labels: n.labels.clone(), properties })
        };
        let start = node(self, &pattern.start, scope)?;
        let mut steps = Vec::new();
        for (rel, n) in &pattern.steps {
            let kind = if rel.length.is_some() { Kind::Value } else { Kind::Relationship };
            let (slot, bound) = self.expression_slot(rel.variable.as_ref(), kind, scope)?;
            let mut properties = Vec::new();
            for (k, e) in &rel.properties {
                properties.push((k.clone(), self.compile(e, scope, &mut Mode::plain("a pattern"))?));
            }
            let direction = match rel.direction {
                RelDirection::Right => Direction::Outgoing,
                RelDirection::Left => Direction::Incoming,
                RelDirection::Either => Direction::Both,
            };
            let length = rel.length.map(|(min, max)| (min.unwrap_or(1), max));
            let r = RelSpec {
                slot,
                bound: bound && length.is_none(),
                types: rel.types.clone(),
                direction,
                properties,
                length,
            };
            steps.push((r, node(self, n, scope)?));
        }
        let path = match &pattern.path_variable {
            Some(p) => {
                let steps = steps
                    .iter()
                    .map(|(r, n): &(RelSpec, NodeSpec)| (r.slot, r.length.is_some(), n.slot))
                    .collect();
                let expr = CExpr::Path { start: start.slot, steps };
                let (slot, _) = self.expression_slot(Some(p), Kind::Path, scope)?;
                Some((slot, expr))
            }
            None => None,
        };
        Ok(PatternSpec { start, steps, path })
    }

    /// The slot of a variable in a pattern inside an expression: bound when already in scope.
    fn expression_slot(
        &mut self,
        var: Option<&Ident>,
        kind: Kind,
        scope: &mut Scope,
    ) -> Result<(usize, bool), QueryError> {
        let Some(v) = var else {
            let name = format!("  anon{}", self.slot_names.len());
            return Ok((self.new_slot(&name), false));
        };
        match scope.get(&v.name) {
            Some((slot, k)) if k == kind || k == Kind::Any => Ok((slot, true)),
            Some((_, k)) => Err(QueryError::semantic(
                format!("type mismatch: `{}` is already a {}", v.name, kind_name(k)),
                v.span,
            )),
            None => {
                let slot = self.new_slot(&v.name);
                scope.vars.push((v.name.clone(), slot, kind));
                Ok((slot, false))
            }
        }
    }

    /// What a projected expression is known to hold: a node, relationship or path when it is a bare
    /// variable of one; surely none of those for literals, lists, maps and operators; else unknown.
    fn projected_kind(&self, e: &Expr) -> Kind {
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
            | ExprKind::Quantifier { .. }
            | ExprKind::Slice { .. }
            | ExprKind::CountStar => Kind::Value,
            _ => Kind::Any,
        }
    }

    /// What a bare variable is known to hold before anything runs.
    fn static_kind(&self, e: &Expr, scope: &Scope) -> Option<Kind> {
        match &e.kind {
            ExprKind::Variable(v) => scope.get(v).map(|(_, k)| k),
            _ => None,
        }
    }

    fn aggregate(
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
fn static_type(e: &Expr, scope: &Scope) -> Option<Type> {
    Some(match &e.kind {
        ExprKind::Literal(Value::Bool(_)) => Type::Boolean,
        ExprKind::Literal(Value::Int(_)) => Type::Integer,
        ExprKind::Literal(Value::Float(_)) => Type::Float,
        ExprKind::Literal(Value::String(_)) => Type::String,
        ExprKind::List(_) | ExprKind::ListComprehension { .. } => Type::List,
        ExprKind::Map(_) => Type::Map,
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
        | ExprKind::Pattern(_)
        | ExprKind::Exists { .. } => Type::Boolean,
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
fn operand_type_error<'e>(op: BinaryOp, a: &'e Expr, b: &'e Expr, scope: &Scope) -> Option<(&'e Expr, Type)> {
    if op == BinaryOp::In {
        return static_type(b, scope).filter(|t| *t != Type::List).map(|t| (b, t));
    }
    [a, b].into_iter().find_map(|x| static_type(x, scope).filter(|t| *t != Type::Boolean).map(|t| (x, t)))
}

/// The scope with one more local variable, numbered by how many locals enclose it.
fn with_local(scope: &Scope, name: &str) -> Scope {
    let depth = scope.vars.iter().filter(|v| v.2 == Kind::Local).count();
    let mut inner = scope.clone();
    inner.vars.push((name.to_string(), depth, Kind::Local));
    inner
}

fn misplaced_aggregate(e: &Expr, context: &str) -> QueryError {
    QueryError::semantic(
        format!("aggregating function {e} is not allowed in {context}: aggregates belong in RETURN"),
        e.span,
    )
}

fn contains_aggregate(e: &Expr) -> bool {
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

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Node => "node",
        Kind::Relationship => "relationship",
        Kind::Value | Kind::Local => "value",
        Kind::Path => "path",
        Kind::Any => "value",
    }
}

impl Plan {
    fn write_op(&self, f: &mut fmt::Formatter<'_>, op: &Op, depth: usize) -> fmt::Result {
        let pad = "  ".repeat(depth);
        let (line, input): (String, Option<&Op>) = match op {
            Op::Once => ("Once".into(), None),
            Op::Argument => ("Argument".into(), None),
            Op::NodeScan { input, label, name, .. } => {
                let what = match label {
                    Some(l) => {
                        let mut s = format!("NodeByLabelScan ({name}:");
                        crate::value::write_name(&mut s, l)?;
                        s + ")"
                    }
                    None => format!("AllNodesScan ({name})"),
                };
                (what, Some(input))
            }
            Op::Expand { input, direction, types, to_bound, rel_bound, names, .. } => {
                let mut t = String::new();
                for (i, ty) in types.iter().enumerate() {
                    t.push(if i == 0 { ':' } else { '|' });
                    crate::value::write_name(&mut t, ty)?;
                }
                let (l, r) = match direction {
                    Direction::Outgoing => ("-", "->"),
                    Direction::Incoming => ("<-", "-"),
                    Direction::Both => ("-", "-"),
                };
                let name = if *to_bound || *rel_bound { "ExpandInto" } else { "Expand" };
                let [a, rel, b] = names;
                (format!("{name} ({a}){l}[{rel}{t}]{r}({b})"), Some(input))
            }
            Op::Optional { input, inner, .. } => {
                writeln!(f, "{pad}Optional")?;
                self.write_op(f, inner, depth + 2)?;
                return self.write_op(f, input, depth + 1);
            }
            Op::Unwind { input, name, .. } => (format!("Unwind {name}"), Some(input)),
            Op::Merge { input, matcher, .. } => {
                writeln!(f, "{pad}Merge")?;
                self.write_op(f, matcher, depth + 2)?;
                return self.write_op(f, input, depth + 1);
            }
            Op::Assign { input, name, .. } => (format!("NamedPath {name}"), Some(input)),
            Op::ShortestPath { input, all, names, types, .. } => {
                let [a, rel, b] = names;
                let what = if *all { "AllShortestPaths" } else { "ShortestPath" };
                (
                    format!(
                        "{what} ({a})-[{rel}{}*]-({b})",
                        types.iter().map(|t| format!(":{t}")).collect::<String>()
                    ),
                    Some(input),
                )
            }
            Op::VarExpand { input, direction, types, min, max, names, to_bound, .. } => {
                let mut t = String::new();
                for (i, ty) in types.iter().enumerate() {
                    t.push(if i == 0 { ':' } else { '|' });
                    crate::value::write_name(&mut t, ty)?;
                }
                let (l, r) = match direction {
                    Direction::Outgoing => ("-", "->"),
                    Direction::Incoming => ("<-", "-"),
                    Direction::Both => ("-", "-"),
                };
                let upper = max.map_or(String::new(), |m| m.to_string());
                let name = if *to_bound { "VarLengthExpandInto" } else { "VarLengthExpand" };
                let [a, rel, b] = names;
                (format!("{name} ({a}){l}[{rel}{t}*{min}..{upper}]{r}({b})"), Some(input))
            }
            Op::Write { input, text, .. } => (text.clone(), Some(input)),
            Op::Filter { input, text, .. } => (format!("Filter {text}"), Some(input)),
            Op::Create { input, items } => {
                let nodes = items.iter().filter(|i| matches!(i, CreateItem::Node { .. })).count();
                (
                    format!("Create ({nodes} node(s), {} relationship(s) per row)", items.len() - nodes),
                    Some(input),
                )
            }
            Op::Project { input, text, .. } => (format!("Project {text}"), Some(input)),
            Op::Aggregate { input, keys, aggregates, text, .. } => (
                format!(
                    "Aggregate {text} ({} grouping key(s), {} aggregate(s))",
                    keys.len(),
                    aggregates.len()
                ),
                Some(input),
            ),
            Op::Distinct { input } => ("Distinct".into(), Some(input)),
            Op::Sort { input, text, .. } => (format!("Sort {text}"), Some(input)),
            Op::Skip { input, .. } => ("Skip".into(), Some(input)),
            Op::Limit { input, .. } => ("Limit".into(), Some(input)),
            Op::Trim { input, .. } => ("Trim".into(), Some(input)),
            Op::Discard { input } => ("Discard (no RETURN)".into(), Some(input)),
        };
        writeln!(f, "{pad}{line}")?;
        match input {
            Some(i) => self.write_op(f, i, depth + 1),
            None => Ok(()),
        }
    }
}

/// The plan as `EXPLAIN` shows it: one operator per line, each above its input.
impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.unions.is_empty() {
            return self.write_op(f, &self.root, 0);
        }
        writeln!(f, "Union{}", if self.unions.iter().all(|u| u.0) { " all" } else { "" })?;
        self.write_op(f, &self.root, 1)?;
        for (_, p) in &self.unions {
            p.write_op(f, &p.root, 1)?;
        }
        Ok(())
    }
}
