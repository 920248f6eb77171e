//! Plan → rows. Operators are pulled one row at a time; a row is a vector of value slots, each
//! variable's slot fixed by the planner. No operator holds a borrow of the graph between rows, so
//! writing operators can take it mutably.
//!
//! A statement is atomic: every change is logged, and a statement that fails is rolled back.

use std::collections::{HashMap, HashSet, VecDeque};

use super::ast::Span;
use super::error::{ErrorKind, QueryError};
use super::expr::{CExpr, EvalCtx, Params};
use super::plan::{AggKind, AggSpec, CreateItem, Op, Plan, WriteAction};
use crate::graph::{Direction, EdgeId, Graph, NodeId, Properties, Sym};
use crate::value::{Equivalent, Value};

type Row = Vec<Value>;
type Pulled = Result<Option<Row>, QueryError>;

/// What a statement changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub nodes_created: usize,
    pub nodes_deleted: usize,
    pub relationships_created: usize,
    pub relationships_deleted: usize,
    pub properties_set: usize,
    pub labels_added: usize,
    pub labels_removed: usize,
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
    NodeProperty(NodeId, Sym, Option<Value>),
    EdgeProperty(EdgeId, Sym, Option<Value>),
    LabelAdded(NodeId, Sym),
    LabelRemoved(NodeId, Sym),
    DeletedNode(NodeId, Vec<Sym>, Properties),
    DeletedEdge(EdgeId, NodeId, NodeId, Sym, Properties),
}

struct Ctx<'a> {
    graph: &'a mut Graph,
    params: &'a Params,
    stats: WriteStats,
    undo: Vec<Undo>,
}

impl Ctx<'_> {
    fn eval(&self, e: &CExpr, row: &[Value]) -> Result<Value, QueryError> {
        e.eval(row, &EvalCtx::new(self.graph, self.params))
    }
}

/// Runs a plan to completion. On error, the graph is left exactly as it was.
pub fn execute(
    plan: &Plan,
    graph: &mut Graph,
    params: &Params,
) -> Result<(Vec<Row>, WriteStats), QueryError> {
    let mut ctx = Ctx { graph, params, stats: WriteStats::default(), undo: Vec::new() };
    let mut rows = Vec::new();
    let parts = std::iter::once(plan).chain(plan.unions.iter().map(|(_, p)| p));
    let mut outcome = Ok(());
    for part in parts {
        let mut root = build(&part.root, None);
        outcome = loop {
            match root.next(&mut ctx) {
                Ok(Some(row)) => rows.push(row),
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        if outcome.is_err() {
            break;
        }
    }
    if plan.unions.iter().any(|(all, _)| !all) {
        let mut seen = HashSet::new();
        rows.retain(|r: &Row| seen.insert(r.iter().cloned().map(Equivalent).collect::<Vec<_>>()));
    }
    match outcome {
        Ok(()) => Ok((rows, ctx.stats)),
        Err(e) => {
            rollback(ctx.graph, ctx.undo);
            Err(e)
        }
    }
}

fn rollback(graph: &mut Graph, undo: Vec<Undo>) {
    // Undoing in reverse order removes each relationship before its nodes and re-creates each deleted
    // node before its relationships; petgraph's stable graph reuses the most recently freed slot
    // first, so re-created entities get their old ids back.
    for change in undo.into_iter().rev() {
        let _ = match change {
            Undo::Edge(e) => graph.remove_edge(e),
            Undo::Node(n) => graph.remove_node(n),
            Undo::NodeProperty(n, k, old) => {
                graph.set_node_property(n, k, old.unwrap_or(Value::Null)).map(drop)
            }
            Undo::EdgeProperty(e, k, old) => {
                graph.set_edge_property(e, k, old.unwrap_or(Value::Null)).map(drop)
            }
            Undo::LabelAdded(n, l) => graph.remove_label(n, l).map(drop),
            Undo::LabelRemoved(n, l) => graph.add_label(n, l).map(drop),
            Undo::DeletedNode(n, labels, props) => {
                let back = graph.add_node(&labels, props);
                debug_assert_eq!(back, n, "a deleted node is restored under its own id");
                Ok(())
            }
            Undo::DeletedEdge(e, a, b, ty, props) => graph.add_edge(a, b, ty, props).map(|back| {
                debug_assert_eq!(back, e, "a deleted relationship is restored under its own id");
            }),
        };
    }
}

trait Operator<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled;
}

type Boxed<'p> = Box<dyn Operator<'p> + 'p>;

fn build<'p>(op: &'p Op, argument: Option<&Row>) -> Boxed<'p> {
    match op {
        Op::Once => Box::new(Once { row: Some(Vec::new()) }),
        Op::Argument => Box::new(Once { row: argument.cloned() }),
        Op::Optional { input, inner, new_slots } => {
            Box::new(Optional { input: build(input, argument), inner, new_slots, current: None })
        }
        Op::Unwind { input, expr, slot, .. } => Box::new(Unwind {
            input: build(input, argument),
            expr,
            slot: *slot,
            row: None,
            items: VecDeque::new(),
        }),
        Op::Assign { input, slot, expr, .. } => {
            Box::new(Assign { input: build(input, argument), slot: *slot, expr })
        }
        Op::VarExpand {
            input,
            from,
            rel,
            to,
            direction,
            types,
            min,
            max,
            to_bound,
            reversed,
            properties,
            distinct_from,
            ..
        } => Box::new(VarExpand {
            input: build(input, argument),
            from: *from,
            rel: *rel,
            to: *to,
            direction: *direction,
            types,
            min: *min,
            max: *max,
            to_bound: *to_bound,
            reversed: *reversed,
            properties,
            distinct_from,
            row: None,
            found: VecDeque::new(),
        }),
        Op::Merge { input, matcher, create, on_create, on_match } => Box::new(Merge {
            input: build(input, argument),
            matcher,
            create,
            on_create,
            on_match,
            output: None,
        }),
        Op::ShortestPath { input, from, rel, to, direction, types, min, max, all, .. } => {
            Box::new(ShortestPath {
                input: build(input, argument),
                from: *from,
                rel: *rel,
                to: *to,
                direction: *direction,
                types,
                min: *min,
                max: *max,
                all: *all,
                row: None,
                found: VecDeque::new(),
            })
        }
        Op::Write { input, actions, .. } => {
            Box::new(Write { input: build(input, argument), actions, output: None })
        }
        Op::NodeScan { input, slot, label, .. } => Box::new(NodeScan {
            input: build(input, argument),
            slot: *slot,
            label: label.as_deref(),
            row: None,
            cursor: None,
            label_sym: None,
        }),
        Op::Expand { input, from, rel, to, direction, types, to_bound, rel_bound, distinct_from, .. } => {
            Box::new(Expand {
                input: build(input, argument),
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
            })
        }
        Op::Filter { input, predicate, .. } => Box::new(Filter { input: build(input, argument), predicate }),
        Op::Create { input, items } => {
            Box::new(Create { input: build(input, argument), items, output: None })
        }
        Op::Project { input, exprs, keep_input, input_width, .. } => Box::new(Project {
            input: build(input, argument),
            exprs,
            keep_input: *keep_input,
            input_width: *input_width,
        }),
        Op::Aggregate { input, keys, aggregates, outputs, .. } => {
            Box::new(Aggregate { input: build(input, argument), keys, aggregates, outputs, output: None })
        }
        Op::Distinct { input } => Box::new(Distinct { input: build(input, argument), seen: HashSet::new() }),
        Op::Sort { input, keys, .. } => Box::new(Sort { input: build(input, argument), keys, output: None }),
        Op::Skip { input, count } => Box::new(Skip { input: build(input, argument), count, remaining: None }),
        Op::Limit { input, count, drain } => {
            Box::new(Limit { input: build(input, argument), count, drain: *drain, remaining: None })
        }
        Op::Trim { input, width: keep } => Box::new(Trim { input: build(input, argument), width: *keep }),
        Op::Discard { input } => Box::new(Discard { input: build(input, argument) }),
    }
}

/// Yields one row, once: the empty row a statement starts from, or an OPTIONAL MATCH's argument.
struct Once {
    row: Option<Row>,
}

impl<'p> Operator<'p> for Once {
    fn next(&mut self, _: &mut Ctx) -> Pulled {
        Ok(self.row.take())
    }
}

/// Reads a slot; slots past the end of a row are null (rows grow as variables are bound).
fn get(row: &[Value], slot: usize) -> &Value {
    row.get(slot).unwrap_or(&Value::Null)
}

/// Writes a slot, growing the row when needed.
fn put(row: &mut Row, slot: usize, v: Value) {
    if row.len() <= slot {
        row.resize(slot + 1, Value::Null);
    }
    row[slot] = v;
}

struct Optional<'p> {
    input: Boxed<'p>,
    inner: &'p Op,
    new_slots: &'p [usize],
    /// The input row being extended, its inner operator, and whether it has matched yet.
    current: Option<(Row, Boxed<'p>, bool)>,
}

impl<'p> Operator<'p> for Optional<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        loop {
            if let Some((row, inner, matched)) = &mut self.current {
                if let Some(out) = inner.next(ctx)? {
                    *matched = true;
                    return Ok(Some(out));
                }
                let unmatched = !*matched;
                let mut row = std::mem::take(row);
                self.current = None;
                if unmatched {
                    for &s in self.new_slots {
                        put(&mut row, s, Value::Null);
                    }
                    return Ok(Some(row));
                }
            }
            let Some(row) = self.input.next(ctx)? else { return Ok(None) };
            let inner = build(self.inner, Some(&row));
            self.current = Some((row, inner, false));
        }
    }
}

struct Unwind<'p> {
    input: Boxed<'p>,
    expr: &'p CExpr,
    slot: usize,
    row: Option<Row>,
    items: VecDeque<Value>,
}

impl<'p> Operator<'p> for Unwind<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        loop {
            if let (Some(row), Some(item)) = (&self.row, self.items.pop_front()) {
                let mut out = row.clone();
                put(&mut out, self.slot, item);
                return Ok(Some(out));
            }
            let Some(row) = self.input.next(ctx)? else { return Ok(None) };
            self.items = match ctx.eval(self.expr, &row)? {
                Value::Null => VecDeque::new(),
                Value::List(items) => items.into(),
                other => VecDeque::from([other]),
            };
            self.row = Some(row);
        }
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
                    put(&mut out, self.slot, Value::Node(n));
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
                    if self.distinct_from.iter().any(|&s| uses(get(row, s), edge)) {
                        continue;
                    }
                    if self.rel_bound && *get(row, self.rel) != rel {
                        continue;
                    }
                    if self.to_bound && *get(row, self.to) != Value::Node(node) {
                        continue;
                    }
                    let mut out = row.clone();
                    put(&mut out, self.rel, rel);
                    put(&mut out, self.to, Value::Node(node));
                    return Ok(Some(out));
                }
            }
            self.row = self.input.next(ctx)?;
            let Some(row) = &self.row else {
                return Ok(None);
            };
            self.buffer.clear();
            self.position = 0;
            let from = match get(row, self.from) {
                Value::Node(n) => *n,
                Value::Null => continue,
                other => {
                    return Err(QueryError::new(
                        ErrorKind::TypeError,
                        format!("expected a node to expand from, got a {}", other.type_name()),
                        None,
                    ));
                }
            };
            self.type_syms.clear();
            self.type_syms.extend(self.types.iter().filter_map(|t| ctx.graph.symbol(t)));
            if !self.types.is_empty() && self.type_syms.is_empty() {
                continue;
            }
            ctx.graph.neighbours(from, self.direction, &self.type_syms, &mut self.buffer);
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
        CreateItem::Node { slot, labels, properties } => {
            let props = stored_properties(properties, row, ctx)?;
            let labels: Vec<Sym> = labels.iter().map(|l| ctx.graph.intern(l)).collect();
            ctx.stats.properties_set += props.len();
            let n = ctx.graph.add_node(&labels, props);
            ctx.stats.labels_added += ctx.graph.labels(n).len();
            ctx.stats.nodes_created += 1;
            ctx.undo.push(Undo::Node(n));
            put(row, *slot, Value::Node(n));
        }
        CreateItem::Relationship { slot, from, to, rel_type, properties } => {
            let endpoint = |v: &Value| match v {
                Value::Node(n) => Ok(*n),
                other => Err(QueryError::new(
                    ErrorKind::TypeError,
                    format!("CREATE needs a node at each end of a relationship, got {}", other.type_name()),
                    None,
                )),
            };
            let (a, b) = (endpoint(get(row, *from))?, endpoint(get(row, *to))?);
            let props = stored_properties(properties, row, ctx)?;
            ctx.stats.properties_set += props.len();
            let ty = ctx.graph.intern(rel_type);
            let e = ctx.graph.add_edge(a, b, ty, props).map_err(|err| {
                QueryError::new(ErrorKind::TypeError, format!("cannot create relationship: {err}"), None)
            })?;
            ctx.stats.relationships_created += 1;
            ctx.undo.push(Undo::Edge(e));
            put(row, *slot, Value::Relationship(e));
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
    input_width: usize,
}

impl<'p> Operator<'p> for Project<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        let Some(row) = self.input.next(ctx)? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(self.exprs.len() + if self.keep_input { row.len() } else { 0 });
        for e in self.exprs {
            out.push(ctx.eval(e, &row)?);
        }
        if self.keep_input {
            let mut row = row;
            if row.len() < self.input_width {
                row.resize(self.input_width, Value::Null);
            }
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
    Avg {
        sum: f64,
        count: u64,
    },
    /// For standard deviations and percentiles: every number, and the percentile asked for.
    Numbers(Vec<f64>, f64),
}

impl Acc {
    fn new(kind: AggKind) -> Acc {
        match kind {
            AggKind::CountStar | AggKind::Count => Acc::Count(0),
            AggKind::Collect => Acc::Collect(Vec::new()),
            AggKind::Min | AggKind::Max => Acc::Extreme(None),
            AggKind::Sum => Acc::Sum(Value::Int(0)),
            AggKind::Avg => Acc::Avg { sum: 0.0, count: 0 },
            _ => Acc::Numbers(Vec::new(), 0.0),
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
                        if kind == AggKind::Min { ord.is_lt() } else { ord.is_gt() }
                    }
                };
                if replace {
                    *current = Some(v);
                }
            }
            Acc::Sum(total) => {
                *total = match (&*total, &v) {
                    (Value::Int(a), Value::Int(b)) => Value::Int(a.checked_add(*b).ok_or_else(|| {
                        QueryError::new(ErrorKind::ArithmeticError, "integer overflow in sum()", Some(span))
                    })?),
                    (Value::Int(a), Value::Float(b)) => Value::Float(*a as f64 + b),
                    (Value::Float(a), Value::Int(b)) => Value::Float(a + *b as f64),
                    (Value::Float(a), Value::Float(b)) => Value::Float(a + b),
                    _ => return Err(not_numeric(&v)),
                }
            }
            Acc::Numbers(values, _) => match v {
                Value::Int(i) => values.push(i as f64),
                Value::Float(x) => values.push(x),
                other => return Err(not_numeric(&other)),
            },
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

    fn finish(self, kind: AggKind) -> Value {
        match self {
            Acc::Numbers(values, _) if values.is_empty() => match kind {
                AggKind::StDev | AggKind::StDevP => Value::Float(0.0),
                _ => Value::Null,
            },
            Acc::Numbers(mut values, p) => match kind {
                AggKind::StDev | AggKind::StDevP => {
                    let n = values.len() as f64;
                    let mean = values.iter().sum::<f64>() / n;
                    let squares: f64 = values.iter().map(|x| (x - mean).powi(2)).sum();
                    let divisor = if kind == AggKind::StDev { n - 1.0 } else { n };
                    Value::Float(if divisor > 0.0 { (squares / divisor).sqrt() } else { 0.0 })
                }
                _ => {
                    values.sort_by(f64::total_cmp);
                    let last = values.len() - 1;
                    if kind == AggKind::PercentileDisc {
                        let i = ((p * values.len() as f64).ceil() as usize).saturating_sub(1).min(last);
                        Value::Float(values[i])
                    } else {
                        let at = p * last as f64;
                        let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
                        Value::Float(values[lo] + (values[hi] - values[lo]) * (at - lo as f64))
                    }
                }
            },
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
            let keys = self.keys.iter().map(|k| ctx.eval(k, &row)).collect::<Result<Vec<_>, _>>()?;
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
                if let (Some(param), Acc::Numbers(_, p)) = (&spec.param, &mut group.accs[i]) {
                    *p = match ctx.eval(param, &row)? {
                        Value::Int(i) if (0..=1).contains(&i) => i as f64,
                        Value::Float(x) if (0.0..=1.0).contains(&x) => x,
                        other => {
                            return Err(QueryError::new(
                                ErrorKind::ArgumentError,
                                format!("a percentile must be a number between 0.0 and 1.0, got {other}"),
                                Some(spec.span),
                            ));
                        }
                    };
                }
                let value = match &spec.arg {
                    Some(arg) => ctx.eval(arg, &row)?,
                    None => Value::Bool(true),
                };
                if spec.distinct && !value.is_null() && !group.seen[i].insert(Equivalent(value.clone())) {
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
            slots
                .extend(group.accs.into_iter().zip(self.aggregates).map(|(acc, spec)| acc.finish(spec.kind)));
            let row = self.outputs.iter().map(|o| ctx.eval(o, &slots)).collect::<Result<Vec<_>, _>>()?;
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
                let keys = self.keys.iter().map(|(k, _)| ctx.eval(k, &row)).collect::<Result<Vec<_>, _>>()?;
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

struct Write<'p> {
    input: Boxed<'p>,
    actions: &'p [WriteAction],
    output: Option<VecDeque<Row>>,
}

impl<'p> Operator<'p> for Write<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        if self.output.is_none() {
            let mut rows = Vec::new();
            while let Some(row) = self.input.next(ctx)? {
                rows.push(row);
            }
            let mut deletions = Deletions::default();
            for row in &rows {
                for action in self.actions {
                    apply(action, row, ctx, &mut deletions)?;
                }
            }
            deletions.run(ctx)?;
            self.output = Some(rows.into());
        }
        Ok(self.output.as_mut().and_then(VecDeque::pop_front))
    }
}

/// What a DELETE clause removes, gathered over all its rows first: a node may only go once its
/// relationships have gone, whichever row named them.
#[derive(Default)]
struct Deletions {
    nodes: Vec<(NodeId, bool)>,
    edges: Vec<EdgeId>,
}

impl Deletions {
    fn run(self, ctx: &mut Ctx) -> Result<(), QueryError> {
        for e in self.edges {
            delete_edge(e, ctx);
        }
        for (n, detach) in self.nodes {
            if !ctx.graph.contains_node(n) {
                continue;
            }
            let mut touching = Vec::new();
            ctx.graph.neighbours(n, Direction::Both, &[], &mut touching);
            if !touching.is_empty() && !detach {
                return Err(QueryError::new(
                    ErrorKind::ConstraintValidationFailed,
                    format!(
                        "cannot delete node {} because it still has relationships: use DETACH DELETE",
                        n.0
                    ),
                    None,
                ));
            }
            for (e, _) in touching {
                delete_edge(e, ctx);
            }
            let labels = ctx.graph.labels(n).to_vec();
            let props = ctx.graph.node_properties(n).clone();
            if ctx.graph.remove_node(n).is_ok() {
                ctx.stats.nodes_deleted += 1;
                ctx.undo.push(Undo::DeletedNode(n, labels, props));
            }
        }
        Ok(())
    }
}

fn delete_edge(e: EdgeId, ctx: &mut Ctx) {
    let (Some((a, b)), Some(ty)) = (ctx.graph.endpoints(e), ctx.graph.edge_type(e)) else { return };
    let props = ctx.graph.edge_properties(e).clone();
    if ctx.graph.remove_edge(e).is_ok() {
        ctx.stats.relationships_deleted += 1;
        ctx.undo.push(Undo::DeletedEdge(e, a, b, ty, props));
    }
}

/// The node or relationship an update clause changes; `None` for null, which updates nothing.
enum Target {
    Node(NodeId),
    Edge(EdgeId),
}

fn target(e: &CExpr, row: &[Value], ctx: &Ctx, what: &str) -> Result<Option<Target>, QueryError> {
    match ctx.eval(e, row)? {
        Value::Null => Ok(None),
        Value::Node(n) => Ok(Some(Target::Node(n))),
        Value::Relationship(r) => Ok(Some(Target::Edge(r))),
        other => Err(QueryError::new(
            ErrorKind::TypeError,
            format!("{what} needs a node or a relationship, got a {}", other.type_name()),
            None,
        )),
    }
}

fn set_property(t: &Target, key: &str, value: Value, ctx: &mut Ctx) -> Result<(), QueryError> {
    if !value.is_storable() || matches!(&value, Value::List(items) if items.iter().any(Value::is_null)) {
        return Err(QueryError::new(
            ErrorKind::TypeError,
            format!(
                "property `{key}` cannot hold a {}: properties hold scalars and lists of scalars",
                value.type_name()
            ),
            None,
        ));
    }
    let k = ctx.graph.intern(key);
    let removing = value.is_null();
    let old = match t {
        Target::Node(n) => {
            let old = ctx.graph.set_node_property(*n, k, value).map_err(entity_gone)?;
            ctx.undo.push(Undo::NodeProperty(*n, k, old.clone()));
            old
        }
        Target::Edge(e) => {
            let old = ctx.graph.set_edge_property(*e, k, value).map_err(entity_gone)?;
            ctx.undo.push(Undo::EdgeProperty(*e, k, old.clone()));
            old
        }
    };
    if !removing || old.is_some() {
        ctx.stats.properties_set += 1;
    }
    Ok(())
}

fn entity_gone(e: crate::graph::GraphError) -> QueryError {
    QueryError::new(ErrorKind::EntityNotFound, e.to_string(), None)
}

fn apply(
    action: &WriteAction,
    row: &[Value],
    ctx: &mut Ctx,
    deletions: &mut Deletions,
) -> Result<(), QueryError> {
    match action {
        WriteAction::SetProperty { target: t, key, value } => {
            let Some(t) = target(t, row, ctx, "SET")? else { return Ok(()) };
            let value = ctx.eval(value, row)?;
            set_property(&t, key, value, ctx)?;
        }
        WriteAction::SetProperties { target: t, value, replace } => {
            let Some(t) = target(t, row, ctx, "SET")? else { return Ok(()) };
            let new: Vec<(String, Value)> = match ctx.eval(value, row)? {
                Value::Map(m) => m.into_iter().collect(),
                Value::Node(n) => crate::query::expr::props_map(ctx.graph, ctx.graph.node_properties(n))
                    .into_iter()
                    .collect(),
                Value::Relationship(r) => {
                    crate::query::expr::props_map(ctx.graph, ctx.graph.edge_properties(r))
                        .into_iter()
                        .collect()
                }
                Value::Null => Vec::new(),
                other => {
                    return Err(QueryError::new(
                        ErrorKind::TypeError,
                        format!("SET with `=` or `+=` needs a map, got a {}", other.type_name()),
                        None,
                    ));
                }
            };
            if *replace {
                let props = match &t {
                    Target::Node(n) => ctx.graph.node_properties(*n),
                    Target::Edge(e) => ctx.graph.edge_properties(*e),
                };
                let old_keys: Vec<String> =
                    props.iter().map(|(k, _)| ctx.graph.name(k).to_string()).collect();
                for k in old_keys {
                    if !new.iter().any(|(n, _)| *n == k) {
                        set_property(&t, &k, Value::Null, ctx)?;
                    }
                }
            }
            for (k, v) in new {
                set_property(&t, &k, v, ctx)?;
            }
        }
        WriteAction::AddLabels { target: t, labels } | WriteAction::RemoveLabels { target: t, labels } => {
            let adding = matches!(action, WriteAction::AddLabels { .. });
            let n = match target(t, row, ctx, if adding { "SET" } else { "REMOVE" })? {
                None => return Ok(()),
                Some(Target::Node(n)) => n,
                Some(Target::Edge(_)) => {
                    return Err(QueryError::new(
                        ErrorKind::TypeError,
                        "relationships have a type, not labels",
                        None,
                    ));
                }
            };
            for l in labels {
                let sym = ctx.graph.intern(l);
                if adding {
                    if ctx.graph.add_label(n, sym).map_err(entity_gone)? {
                        ctx.stats.labels_added += 1;
                        ctx.undo.push(Undo::LabelAdded(n, sym));
                    }
                } else if ctx.graph.remove_label(n, sym).map_err(entity_gone)? {
                    ctx.stats.labels_removed += 1;
                    ctx.undo.push(Undo::LabelRemoved(n, sym));
                }
            }
        }
        WriteAction::Delete { exprs, detach } => {
            for e in exprs {
                match ctx.eval(e, row)? {
                    Value::Null => {}
                    Value::Node(n) => deletions.nodes.push((n, *detach)),
                    Value::Relationship(r) => deletions.edges.push(r),
                    Value::Path(p) => {
                        deletions.edges.extend(p.relationships);
                        deletions.nodes.extend(p.nodes.into_iter().map(|n| (n, *detach)));
                    }
                    other => {
                        return Err(QueryError::new(
                            ErrorKind::TypeError,
                            format!(
                                "DELETE needs a node, a relationship or a path, got a {}",
                                other.type_name()
                            ),
                            None,
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Whether a slot holds this relationship, alone or in a variable-length list.
fn uses(v: &Value, e: EdgeId) -> bool {
    match v {
        Value::Relationship(r) => *r == e,
        Value::List(items) => items.contains(&Value::Relationship(e)),
        _ => false,
    }
}

struct Assign<'p> {
    input: Boxed<'p>,
    slot: usize,
    expr: &'p CExpr,
}

impl<'p> Operator<'p> for Assign<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        let Some(mut row) = self.input.next(ctx)? else { return Ok(None) };
        let v = ctx.eval(self.expr, &row)?;
        put(&mut row, self.slot, v);
        Ok(Some(row))
    }
}

struct VarExpand<'p> {
    input: Boxed<'p>,
    from: usize,
    rel: usize,
    to: usize,
    direction: Direction,
    types: &'p [String],
    min: u64,
    max: Option<u64>,
    to_bound: bool,
    reversed: bool,
    properties: &'p [(String, CExpr)],
    distinct_from: &'p [usize],
    row: Option<Row>,
    /// The paths found from the current row: relationships in walking order, and the end node.
    found: VecDeque<(Vec<EdgeId>, NodeId)>,
}

impl<'p> VarExpand<'p> {
    /// Every path from `start` whose length is within bounds, each relationship used at most once,
    /// walked depth first with an explicit stack (paths can be long; the call stack is not).
    fn paths(
        &self,
        start: NodeId,
        row: &[Value],
        ctx: &Ctx,
    ) -> Result<VecDeque<(Vec<EdgeId>, NodeId)>, QueryError> {
        let syms: Vec<Sym> = self.types.iter().filter_map(|t| ctx.graph.symbol(t)).collect();
        let mut found = VecDeque::new();
        if !self.types.is_empty() && syms.is_empty() {
            if self.min == 0 {
                found.push_back((Vec::new(), start));
            }
            return Ok(found);
        }
        let mut wanted = Vec::new();
        for (k, e) in self.properties {
            wanted.push((ctx.graph.symbol(k), ctx.eval(e, row)?));
        }
        let acceptable = |e: EdgeId| {
            !self.distinct_from.iter().any(|&s| uses(get(row, s), e))
                && wanted.iter().all(|(k, v)| {
                    k.and_then(|k| ctx.graph.edge_properties(e).get(k))
                        .is_some_and(|p| p.cypher_eq(v) == Some(true))
                })
        };
        let mut path: Vec<EdgeId> = Vec::new();
        // Each frame: the node reached, and its not yet tried (edge, neighbour) pairs.
        let mut stack: Vec<(NodeId, Vec<(EdgeId, NodeId)>)> = Vec::new();
        let expand = |n: NodeId| {
            let mut next = Vec::new();
            ctx.graph.neighbours(n, self.direction, &syms, &mut next);
            next.reverse();
            next
        };
        if self.min == 0 {
            found.push_back((Vec::new(), start));
        }
        if self.max != Some(0) {
            stack.push((start, expand(start)));
        }
        while let Some((_, candidates)) = stack.last_mut() {
            let Some((e, next)) = candidates.pop() else {
                stack.pop();
                path.pop();
                continue;
            };
            if path.contains(&e) || !acceptable(e) {
                continue;
            }
            path.push(e);
            let depth = path.len() as u64;
            if depth >= self.min {
                found.push_back((path.clone(), next));
            }
            if self.max.is_none_or(|m| depth < m) {
                stack.push((next, expand(next)));
            } else {
                path.pop();
            }
        }
        Ok(found)
    }
}

impl<'p> Operator<'p> for VarExpand<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        loop {
            if let Some(row) = &self.row {
                while let Some((mut rels, end)) = self.found.pop_front() {
                    if self.to_bound && *get(row, self.to) != Value::Node(end) {
                        continue;
                    }
                    if self.reversed {
                        rels.reverse();
                    }
                    let mut out = row.clone();
                    put(&mut out, self.rel, Value::List(rels.into_iter().map(Value::Relationship).collect()));
                    put(&mut out, self.to, Value::Node(end));
                    return Ok(Some(out));
                }
            }
            let Some(row) = self.input.next(ctx)? else { return Ok(None) };
            self.found = match get(&row, self.from) {
                Value::Node(n) => self.paths(*n, &row, ctx)?,
                Value::Null => VecDeque::new(),
                other => {
                    return Err(QueryError::new(
                        ErrorKind::TypeError,
                        format!("expected a node to expand from, got a {}", other.type_name()),
                        None,
                    ));
                }
            };
            self.row = Some(row);
        }
    }
}

struct Merge<'p> {
    input: Boxed<'p>,
    matcher: &'p Op,
    create: &'p [CreateItem],
    on_create: &'p [WriteAction],
    on_match: &'p [WriteAction],
    output: Option<VecDeque<Row>>,
}

impl<'p> Operator<'p> for Merge<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        if self.output.is_none() {
            let mut rows = Vec::new();
            while let Some(row) = self.input.next(ctx)? {
                rows.push(row);
            }
            let mut out = VecDeque::new();
            for row in rows {
                let mut matcher = build(self.matcher, Some(&row));
                let mut matched = Vec::new();
                while let Some(m) = matcher.next(ctx)? {
                    matched.push(m);
                }
                let mut deletions = Deletions::default();
                if matched.is_empty() {
                    let mut row = row;
                    for item in self.create {
                        create(item, &mut row, ctx)?;
                    }
                    for action in self.on_create {
                        apply(action, &row, ctx, &mut deletions)?;
                    }
                    out.push_back(row);
                } else {
                    for m in matched {
                        for action in self.on_match {
                            apply(action, &m, ctx, &mut deletions)?;
                        }
                        out.push_back(m);
                    }
                }
            }
            self.output = Some(out);
        }
        Ok(self.output.as_mut().and_then(VecDeque::pop_front))
    }
}

struct ShortestPath<'p> {
    input: Boxed<'p>,
    from: usize,
    rel: usize,
    to: usize,
    direction: Direction,
    types: &'p [String],
    min: u64,
    max: Option<u64>,
    all: bool,
    row: Option<Row>,
    found: VecDeque<Vec<EdgeId>>,
}

impl ShortestPath<'_> {
    /// Breadth-first search from `start`, level by level, keeping every parent at the shortest
    /// distance; stops at the level that reaches `goal` (or at the maximum length).
    fn search(&self, start: NodeId, goal: NodeId, ctx: &Ctx) -> VecDeque<Vec<EdgeId>> {
        let mut found = VecDeque::new();
        if start == goal && self.min == 0 {
            found.push_back(Vec::new());
            return found;
        }
        let syms: Vec<Sym> = self.types.iter().filter_map(|t| ctx.graph.symbol(t)).collect();
        if !self.types.is_empty() && syms.is_empty() {
            return found;
        }
        let mut parents: HashMap<NodeId, Vec<(EdgeId, NodeId)>> = HashMap::new();
        let mut seen: HashSet<NodeId> = HashSet::from([start]);
        let mut level = vec![start];
        let mut depth = 0u64;
        let mut reached = false;
        let mut next = Vec::new();
        while !level.is_empty() && !reached && self.max.is_none_or(|m| depth < m) {
            depth += 1;
            let mut discovered: Vec<NodeId> = Vec::new();
            for &n in &level {
                next.clear();
                ctx.graph.neighbours(n, self.direction, &syms, &mut next);
                for &(e, m) in &next {
                    if seen.contains(&m) && !discovered.contains(&m) {
                        continue;
                    }
                    if m == goal {
                        reached = true;
                    }
                    parents.entry(m).or_default().push((e, n));
                    if !discovered.contains(&m) {
                        discovered.push(m);
                    }
                }
            }
            seen.extend(&discovered);
            level = discovered;
        }
        if !reached {
            return found;
        }
        // Walk back from the goal through every recorded parent.
        let mut stack: Vec<(NodeId, Vec<EdgeId>)> = vec![(goal, Vec::new())];
        while let Some((n, tail)) = stack.pop() {
            if n == start && !tail.is_empty() {
                let mut path = tail;
                path.reverse();
                found.push_back(path);
                if !self.all {
                    break;
                }
                continue;
            }
            for &(e, p) in parents.get(&n).map(Vec::as_slice).unwrap_or_default() {
                if tail.contains(&e) {
                    continue;
                }
                let mut longer = tail.clone();
                longer.push(e);
                stack.push((p, longer));
            }
        }
        found
    }
}

impl<'p> Operator<'p> for ShortestPath<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        loop {
            if let (Some(row), Some(path)) = (&self.row, self.found.pop_front()) {
                let mut out = row.clone();
                put(&mut out, self.rel, Value::List(path.into_iter().map(Value::Relationship).collect()));
                return Ok(Some(out));
            }
            let Some(row) = self.input.next(ctx)? else { return Ok(None) };
            self.found = match (get(&row, self.from), get(&row, self.to)) {
                (Value::Node(a), Value::Node(b)) => self.search(*a, *b, ctx),
                _ => VecDeque::new(),
            };
            self.row = Some(row);
        }
    }
}
