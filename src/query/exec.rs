//! Plan → rows. Operators are pulled one row at a time; a row is a vector of value slots, each
//! variable's slot fixed by the planner. No operator holds a borrow of the graph between rows, so
//! writing operators can take it mutably.
//!
//! A statement is atomic: every change is logged, and a statement that fails is rolled back.

use std::collections::{HashMap, HashSet, VecDeque};

use super::ast::Span;
use super::error::{ErrorKind, QueryError};
use super::expr::{CExpr, EvalCtx, Params};
use super::plan::{AggKind, AggSpec, CreateItem, Op, Plan};
use crate::graph::{EdgeId, Graph, NodeId, Properties, Sym};
use crate::value::{Equivalent, Value};

type Row = Vec<Value>;
type Pulled = Result<Option<Row>, QueryError>;

/// What a statement changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub nodes_created: usize,
    pub relationships_created: usize,
    pub properties_set: usize,
    pub labels_added: usize,
}

impl WriteStats {
    pub fn is_empty(&self) -> bool {
        *self == WriteStats::default()
    }
}

/// A change to undo if the statement fails.
enum Undo {
    Node(NodeId),
    Edge(EdgeId),
}

struct Ctx<'a> {
    graph: &'a mut Graph,
    params: &'a Params,
    stats: WriteStats,
    undo: Vec<Undo>,
}

impl Ctx<'_> {
    fn eval(&self, e: &CExpr, row: &[Value]) -> Result<Value, QueryError> {
        e.eval(
            row,
            &EvalCtx {
                graph: self.graph,
                params: self.params,
            },
        )
    }
}

/// Runs a plan to completion. On error, the graph is left exactly as it was.
pub fn execute(
    plan: &Plan,
    graph: &mut Graph,
    params: &Params,
) -> Result<(Vec<Row>, WriteStats), QueryError> {
    let mut ctx = Ctx {
        graph,
        params,
        stats: WriteStats::default(),
        undo: Vec::new(),
    };
    let mut root = build(&plan.root, plan.width);
    let mut rows = Vec::new();
    let outcome = loop {
        match root.next(&mut ctx) {
            Ok(Some(row)) => rows.push(row),
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    match outcome {
        Ok(()) => Ok((rows, ctx.stats)),
        Err(e) => {
            rollback(ctx.graph, ctx.undo);
            Err(e)
        }
    }
}

fn rollback(graph: &mut Graph, undo: Vec<Undo>) {
    for change in undo.into_iter().rev() {
        // Undoing in reverse order removes each relationship before its nodes, so removal cannot fail.
        let _ = match change {
            Undo::Edge(e) => graph.remove_edge(e),
            Undo::Node(n) => graph.remove_node(n),
        };
    }
}

trait Operator<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled;
}

type Boxed<'p> = Box<dyn Operator<'p> + 'p>;

fn build<'p>(op: &'p Op, width: usize) -> Boxed<'p> {
    match op {
        Op::Once => Box::new(Once { width, done: false }),
        Op::NodeScan { input, slot, label } => Box::new(NodeScan {
            input: build(input, width),
            slot: *slot,
            label: label.as_deref(),
            row: None,
            cursor: None,
            label_sym: None,
        }),
        Op::Expand {
            input,
            from,
            rel,
            to,
            direction,
            types,
            to_bound,
            rel_bound,
            distinct_from,
        } => Box::new(Expand {
            input: build(input, width),
            from: *from,
            rel: *rel,
            to: *to,
            direction: *direction,
            types,
            to_bound: *to_bound,
            rel_bound: *rel_bound,
            distinct_from,
            row: None,
            buffer: Vec::new(),
            position: 0,
            type_syms: Vec::new(),
        }),
        Op::Filter {
            input, predicate, ..
        } => Box::new(Filter {
            input: build(input, width),
            predicate,
        }),
        Op::Create { input, items } => Box::new(Create {
            input: build(input, width),
            items,
            output: None,
        }),
        Op::Project {
            input,
            exprs,
            keep_input,
        } => Box::new(Project {
            input: build(input, width),
            exprs,
            keep_input: *keep_input,
        }),
        Op::Aggregate {
            input,
            keys,
            aggregates,
            outputs,
        } => Box::new(Aggregate {
            input: build(input, width),
            keys,
            aggregates,
            outputs,
            output: None,
        }),
        Op::Distinct { input } => Box::new(Distinct {
            input: build(input, width),
            seen: HashSet::new(),
        }),
        Op::Sort { input, keys, .. } => Box::new(Sort {
            input: build(input, width),
            keys,
            output: None,
        }),
        Op::Skip { input, count } => Box::new(Skip {
            input: build(input, width),
            count,
            remaining: None,
        }),
        Op::Limit {
            input,
            count,
            drain,
        } => Box::new(Limit {
            input: build(input, width),
            count,
            drain: *drain,
            remaining: None,
        }),
        Op::Trim { input, width: keep } => Box::new(Trim {
            input: build(input, width),
            width: *keep,
        }),
        Op::Discard { input } => Box::new(Discard {
            input: build(input, width),
        }),
    }
}

struct Once {
    width: usize,
    done: bool,
}

impl<'p> Operator<'p> for Once {
    fn next(&mut self, _: &mut Ctx) -> Pulled {
        if self.done {
            return Ok(None);
        }
        self.done = true;
        Ok(Some(vec![Value::Null; self.width]))
    }
}

struct NodeScan<'p> {
    input: Boxed<'p>,
    slot: usize,
    label: Option<&'p str>,
    row: Option<Row>,
    cursor: Option<NodeId>,
    /// The label's symbol, looked up per input row: `Some(None)` means no node has the label.
    label_sym: Option<Option<Sym>>,
}

impl<'p> Operator<'p> for NodeScan<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        loop {
            let Some(row) = &self.row else {
                self.row = self.input.next(ctx)?;
                if self.row.is_none() {
                    return Ok(None);
                }
                self.cursor = None;
                self.label_sym = Some(match self.label {
                    Some(l) => ctx.graph.symbol(l),
                    None => None,
                });
                continue;
            };
            let label = match (self.label, self.label_sym) {
                (Some(_), Some(None)) => None,
                (Some(_), Some(Some(s))) => Some(Some(s)),
                _ => Some(None),
            };
            let found = label.and_then(|l| ctx.graph.next_node(self.cursor, l));
            match found {
                Some(n) => {
                    self.cursor = Some(n);
                    let mut out = row.clone();
                    out[self.slot] = Value::Node(n);
                    return Ok(Some(out));
                }
                None => self.row = None,
            }
        }
    }
}

struct Expand<'p> {
    input: Boxed<'p>,
    from: usize,
    rel: usize,
    to: usize,
    direction: crate::graph::Direction,
    types: &'p [String],
    to_bound: bool,
    rel_bound: bool,
    distinct_from: &'p [usize],
    row: Option<Row>,
    buffer: Vec<(EdgeId, NodeId)>,
    position: usize,
    type_syms: Vec<Sym>,
}

impl<'p> Operator<'p> for Expand<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        loop {
            if let Some(row) = &self.row {
                while let Some(&(edge, node)) = self.buffer.get(self.position) {
                    self.position += 1;
                    let rel = Value::Relationship(edge);
                    if self.distinct_from.iter().any(|&s| row[s] == rel) {
                        continue;
                    }
                    if self.rel_bound && row[self.rel] != rel {
                        continue;
                    }
                    if self.to_bound && row[self.to] != Value::Node(node) {
                        continue;
                    }
                    let mut out = row.clone();
                    out[self.rel] = rel;
                    out[self.to] = Value::Node(node);
                    return Ok(Some(out));
                }
            }
            self.row = self.input.next(ctx)?;
            let Some(row) = &self.row else {
                return Ok(None);
            };
            self.buffer.clear();
            self.position = 0;
            let from = match &row[self.from] {
                Value::Node(n) => *n,
                Value::Null => continue,
                other => {
                    return Err(QueryError::new(
                        ErrorKind::TypeError,
                        format!(
                            "expected a node to expand from, got a {}",
                            other.type_name()
                        ),
                        None,
                    ));
                }
            };
            self.type_syms.clear();
            self.type_syms
                .extend(self.types.iter().filter_map(|t| ctx.graph.symbol(t)));
            if !self.types.is_empty() && self.type_syms.is_empty() {
                continue;
            }
            ctx.graph
                .neighbours(from, self.direction, &self.type_syms, &mut self.buffer);
        }
    }
}

struct Filter<'p> {
    input: Boxed<'p>,
    predicate: &'p CExpr,
}

impl<'p> Operator<'p> for Filter<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        while let Some(row) = self.input.next(ctx)? {
            match ctx.eval(self.predicate, &row)? {
                Value::Bool(true) => return Ok(Some(row)),
                Value::Bool(false) | Value::Null => {}
                other => {
                    return Err(QueryError::new(
                        ErrorKind::TypeError,
                        format!("WHERE expects a Boolean, got a {}", other.type_name()),
                        None,
                    ));
                }
            }
        }
        Ok(None)
    }
}

struct Create<'p> {
    input: Boxed<'p>,
    items: &'p [CreateItem],
    output: Option<VecDeque<Row>>,
}

impl<'p> Operator<'p> for Create<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        if self.output.is_none() {
            let mut rows = Vec::new();
            while let Some(row) = self.input.next(ctx)? {
                rows.push(row);
            }
            let mut out = VecDeque::with_capacity(rows.len());
            for mut row in rows {
                for item in self.items {
                    create(item, &mut row, ctx)?;
                }
                out.push_back(row);
            }
            self.output = Some(out);
        }
        Ok(self.output.as_mut().and_then(VecDeque::pop_front))
    }
}

fn create(item: &CreateItem, row: &mut Row, ctx: &mut Ctx) -> Result<(), QueryError> {
    match item {
        CreateItem::Node {
            slot,
            labels,
            properties,
        } => {
            let props = stored_properties(properties, row, ctx)?;
            let labels: Vec<Sym> = labels.iter().map(|l| ctx.graph.intern(l)).collect();
            ctx.stats.properties_set += props.len();
            let n = ctx.graph.add_node(&labels, props);
            ctx.stats.labels_added += ctx.graph.labels(n).len();
            ctx.stats.nodes_created += 1;
            ctx.undo.push(Undo::Node(n));
            row[*slot] = Value::Node(n);
        }
        CreateItem::Relationship {
            slot,
            from,
            to,
            rel_type,
            properties,
        } => {
            let endpoint = |v: &Value| match v {
                Value::Node(n) => Ok(*n),
                other => Err(QueryError::new(
                    ErrorKind::TypeError,
                    format!(
                        "CREATE needs a node at each end of a relationship, got {}",
                        other.type_name()
                    ),
                    None,
                )),
            };
            let (a, b) = (endpoint(&row[*from])?, endpoint(&row[*to])?);
            let props = stored_properties(properties, row, ctx)?;
            ctx.stats.properties_set += props.len();
            let ty = ctx.graph.intern(rel_type);
            let e = ctx.graph.add_edge(a, b, ty, props).map_err(|err| {
                QueryError::new(
                    ErrorKind::TypeError,
                    format!("cannot create relationship: {err}"),
                    None,
                )
            })?;
            ctx.stats.relationships_created += 1;
            ctx.undo.push(Undo::Edge(e));
            row[*slot] = Value::Relationship(e);
        }
    }
    Ok(())
}

fn stored_properties(
    properties: &[(String, CExpr)],
    row: &[Value],
    ctx: &mut Ctx,
) -> Result<Properties, QueryError> {
    let mut out = Properties::default();
    for (key, expr) in properties {
        let value = ctx.eval(expr, row)?;
        if !value.is_storable() {
            return Err(QueryError::new(
                ErrorKind::TypeError,
                format!(
                    "property `{key}` cannot hold a {}: properties hold scalars and lists of scalars",
                    value.type_name()
                ),
                Some(expr_span(expr)),
            ));
        }
        let key = ctx.graph.intern(key);
        out.set(key, value);
    }
    Ok(out)
}

fn expr_span(e: &CExpr) -> Span {
    match e {
        CExpr::Param(_, s)
        | CExpr::Property(_, _, s)
        | CExpr::Subscript(_, _, s)
        | CExpr::Not(_, s)
        | CExpr::Negate(_, s)
        | CExpr::Binary(_, _, _, s)
        | CExpr::Call(_, _, s) => *s,
        _ => Span::default(),
    }
}

struct Project<'p> {
    input: Boxed<'p>,
    exprs: &'p [CExpr],
    keep_input: bool,
}

impl<'p> Operator<'p> for Project<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        let Some(row) = self.input.next(ctx)? else {
            return Ok(None);
        };
        let mut out =
            Vec::with_capacity(self.exprs.len() + if self.keep_input { row.len() } else { 0 });
        for e in self.exprs {
            out.push(ctx.eval(e, &row)?);
        }
        if self.keep_input {
            out.extend(row);
        }
        Ok(Some(out))
    }
}

/// The running state of one aggregate in one group.
enum Acc {
    Count(i64),
    Collect(Vec<Value>),
    Extreme(Option<Value>),
    Sum(Value),
    Avg { sum: f64, count: u64 },
}

impl Acc {
    fn new(kind: AggKind) -> Acc {
        match kind {
            AggKind::CountStar | AggKind::Count => Acc::Count(0),
            AggKind::Collect => Acc::Collect(Vec::new()),
            AggKind::Min | AggKind::Max => Acc::Extreme(None),
            AggKind::Sum => Acc::Sum(Value::Int(0)),
            AggKind::Avg => Acc::Avg { sum: 0.0, count: 0 },
        }
    }

    fn add(&mut self, kind: AggKind, v: Value, span: Span) -> Result<(), QueryError> {
        if v.is_null() && kind != AggKind::CountStar {
            return Ok(());
        }
        let not_numeric = |v: &Value| {
            QueryError::type_error(
                format!("{kind:?}() needs numbers, got a {}", v.type_name()).to_lowercase(),
                span,
            )
        };
        match self {
            Acc::Count(c) => *c += 1,
            Acc::Collect(items) => items.push(v),
            Acc::Extreme(current) => {
                let replace = match current {
                    None => true,
                    Some(c) => {
                        let ord = v.order_cmp(c);
                        if kind == AggKind::Min {
                            ord.is_lt()
                        } else {
                            ord.is_gt()
                        }
                    }
                };
                if replace {
                    *current = Some(v);
                }
            }
            Acc::Sum(total) => {
                *total = match (&*total, &v) {
                    (Value::Int(a), Value::Int(b)) => {
                        Value::Int(a.checked_add(*b).ok_or_else(|| {
                            QueryError::new(
                                ErrorKind::ArithmeticError,
                                "integer overflow in sum()",
                                Some(span),
                            )
                        })?)
                    }
                    (Value::Int(a), Value::Float(b)) => Value::Float(*a as f64 + b),
                    (Value::Float(a), Value::Int(b)) => Value::Float(a + *b as f64),
                    (Value::Float(a), Value::Float(b)) => Value::Float(a + b),
                    _ => return Err(not_numeric(&v)),
                }
            }
            Acc::Avg { sum, count } => {
                match v {
                    Value::Int(i) => *sum += i as f64,
                    Value::Float(x) => *sum += x,
                    other => return Err(not_numeric(&other)),
                }
                *count += 1;
            }
        }
        Ok(())
    }

    fn finish(self) -> Value {
        match self {
            Acc::Count(c) => Value::Int(c),
            Acc::Collect(items) => Value::List(items),
            Acc::Extreme(v) => v.unwrap_or(Value::Null),
            Acc::Sum(v) => v,
            Acc::Avg { count: 0, .. } => Value::Null,
            Acc::Avg { sum, count } => Value::Float(sum / count as f64),
        }
    }
}

struct Group {
    keys: Vec<Value>,
    accs: Vec<Acc>,
    seen: Vec<HashSet<Equivalent>>,
}

struct Aggregate<'p> {
    input: Boxed<'p>,
    keys: &'p [CExpr],
    aggregates: &'p [AggSpec],
    outputs: &'p [CExpr],
    output: Option<VecDeque<Row>>,
}

impl<'p> Aggregate<'p> {
    fn new_group(&self, keys: Vec<Value>) -> Group {
        Group {
            keys,
            accs: self.aggregates.iter().map(|a| Acc::new(a.kind)).collect(),
            seen: self.aggregates.iter().map(|_| HashSet::new()).collect(),
        }
    }

    fn consume(&mut self, ctx: &mut Ctx) -> Result<VecDeque<Row>, QueryError> {
        let mut groups: Vec<Group> = Vec::new();
        let mut index: HashMap<Vec<Equivalent>, usize> = HashMap::new();
        while let Some(row) = self.input.next(ctx)? {
            let keys = self
                .keys
                .iter()
                .map(|k| ctx.eval(k, &row))
                .collect::<Result<Vec<_>, _>>()?;
            let probe: Vec<Equivalent> = keys.iter().cloned().map(Equivalent).collect();
            let g = match index.get(&probe) {
                Some(&g) => g,
                None => {
                    groups.push(self.new_group(keys));
                    index.insert(probe, groups.len() - 1);
                    groups.len() - 1
                }
            };
            let group = &mut groups[g];
            for (i, spec) in self.aggregates.iter().enumerate() {
                let value = match &spec.arg {
                    Some(arg) => ctx.eval(arg, &row)?,
                    None => Value::Bool(true),
                };
                if spec.distinct
                    && !value.is_null()
                    && !group.seen[i].insert(Equivalent(value.clone()))
                {
                    continue;
                }
                group.accs[i].add(spec.kind, value, spec.span)?;
            }
        }
        // Without grouping keys, aggregating nothing still gives one row (count 0, empty collect).
        if groups.is_empty() && self.keys.is_empty() {
            groups.push(self.new_group(Vec::new()));
        }
        let mut out = VecDeque::with_capacity(groups.len());
        for group in groups {
            let mut slots = group.keys;
            slots.extend(group.accs.into_iter().map(Acc::finish));
            let row = self
                .outputs
                .iter()
                .map(|o| ctx.eval(o, &slots))
                .collect::<Result<Vec<_>, _>>()?;
            out.push_back(row);
        }
        Ok(out)
    }
}

impl<'p> Operator<'p> for Aggregate<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        if self.output.is_none() {
            self.output = Some(self.consume(ctx)?);
        }
        Ok(self.output.as_mut().and_then(VecDeque::pop_front))
    }
}

struct Distinct<'p> {
    input: Boxed<'p>,
    seen: HashSet<Vec<Equivalent>>,
}

impl<'p> Operator<'p> for Distinct<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        while let Some(row) = self.input.next(ctx)? {
            let key: Vec<Equivalent> = row.iter().cloned().map(Equivalent).collect();
            if self.seen.insert(key) {
                return Ok(Some(row));
            }
        }
        Ok(None)
    }
}

struct Sort<'p> {
    input: Boxed<'p>,
    keys: &'p [(CExpr, bool)],
    output: Option<VecDeque<Row>>,
}

impl<'p> Operator<'p> for Sort<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        if self.output.is_none() {
            let mut keyed = Vec::new();
            while let Some(row) = self.input.next(ctx)? {
                let keys = self
                    .keys
                    .iter()
                    .map(|(k, _)| ctx.eval(k, &row))
                    .collect::<Result<Vec<_>, _>>()?;
                keyed.push((keys, row));
            }
            keyed.sort_by(|(a, _), (b, _)| {
                for ((x, y), (_, descending)) in a.iter().zip(b).zip(self.keys) {
                    let ord = x.order_cmp(y);
                    let ord = if *descending { ord.reverse() } else { ord };
                    if ord.is_ne() {
                        return ord;
                    }
                }
                std::cmp::Ordering::Equal
            });
            self.output = Some(keyed.into_iter().map(|(_, row)| row).collect());
        }
        Ok(self.output.as_mut().and_then(VecDeque::pop_front))
    }
}

/// Evaluates a SKIP or LIMIT count: a non-negative integer.
fn count(e: &CExpr, ctx: &Ctx, what: &str) -> Result<u64, QueryError> {
    match ctx.eval(e, &[])? {
        Value::Int(i) if i >= 0 => Ok(i as u64),
        other => Err(QueryError::new(
            ErrorKind::ArgumentError,
            format!("{what} needs a non-negative integer, got {other}"),
            Some(expr_span(e)),
        )),
    }
}

struct Skip<'p> {
    input: Boxed<'p>,
    count: &'p CExpr,
    remaining: Option<u64>,
}

impl<'p> Operator<'p> for Skip<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        if self.remaining.is_none() {
            self.remaining = Some(count(self.count, ctx, "SKIP")?);
        }
        while let Some(row) = self.input.next(ctx)? {
            match self.remaining {
                Some(0) => return Ok(Some(row)),
                Some(ref mut n) => *n -= 1,
                None => {}
            }
        }
        Ok(None)
    }
}

struct Limit<'p> {
    input: Boxed<'p>,
    count: &'p CExpr,
    drain: bool,
    remaining: Option<u64>,
}

impl<'p> Operator<'p> for Limit<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        if self.remaining.is_none() {
            self.remaining = Some(count(self.count, ctx, "LIMIT")?);
        }
        if self.remaining == Some(0) {
            if self.drain {
                while self.input.next(ctx)?.is_some() {}
            }
            return Ok(None);
        }
        let row = self.input.next(ctx)?;
        if row.is_some() {
            if let Some(n) = self.remaining.as_mut() {
                *n -= 1;
            }
        }
        Ok(row)
    }
}

struct Trim<'p> {
    input: Boxed<'p>,
    width: usize,
}

impl<'p> Operator<'p> for Trim<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        Ok(self.input.next(ctx)?.map(|mut row| {
            row.truncate(self.width);
            row
        }))
    }
}

struct Discard<'p> {
    input: Boxed<'p>,
}

impl<'p> Operator<'p> for Discard<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        while self.input.next(ctx)?.is_some() {}
        Ok(None)
    }
}
