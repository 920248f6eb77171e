//! Plan → rows. Operators are pulled one row at a time; a row is a vector of value slots, each
//! variable's slot fixed by the planner. No operator holds a borrow of the graph between rows, so
//! writing operators can take it mutably.
//!
//! A statement is atomic: every change is logged, and a statement that fails is rolled back.

mod frontier;
mod project;
mod reach;
mod read;
mod write;

use std::collections::{HashSet, VecDeque};

use project::*;
use read::*;
use write::*;

use super::ast::Span;
use super::error::{ErrorKind, QueryError};
use super::expr::{CExpr, EvalCtx, Params};
use super::functions::Draws;
use super::interrupt::Interrupt;
use super::plan::{AggKind, AggSpec, CreateItem, Op, Plan, Profile, WriteAction, profile_key};
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
    pub indexes_added: usize,
    pub indexes_removed: usize,
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
    interrupt: &'a Interrupt,
    draws: &'a Draws,
    stats: WriteStats,
    undo: Vec<Undo>,
    /// For `PROFILE`: rows and time per operator.
    profile: Option<Profile>,
}

impl Ctx<'_> {
    fn eval(&self, e: &CExpr, row: &[Value]) -> Result<Value, QueryError> {
        e.eval(row, &EvalCtx::new(self.graph, self.params, self.interrupt, self.draws))
    }
}

/// Runs a plan to completion, or until `interrupt` says to stop. On error (a stop included), the
/// graph is left exactly as it was.
pub fn execute(
    plan: &Plan,
    graph: &mut Graph,
    params: &Params,
    interrupt: &Interrupt,
    draws: &Draws,
) -> Result<(Vec<Row>, WriteStats), QueryError> {
    run(plan, graph, params, interrupt, draws, None).map(|(rows, stats, _)| (rows, stats))
}

/// [`execute`], counting each operator's rows and time.
pub fn execute_profiled(
    plan: &Plan,
    graph: &mut Graph,
    params: &Params,
    interrupt: &Interrupt,
    draws: &Draws,
) -> Result<(Vec<Row>, WriteStats, Profile), QueryError> {
    run(plan, graph, params, interrupt, draws, Some(Profile::new()))
        .map(|(rows, stats, profile)| (rows, stats, profile.unwrap_or_default()))
}

fn run(
    plan: &Plan,
    graph: &mut Graph,
    params: &Params,
    interrupt: &Interrupt,
    draws: &Draws,
    profile: Option<Profile>,
) -> Result<(Vec<Row>, WriteStats, Option<Profile>), QueryError> {
    let edge_mark = graph.edge_id_mark();
    let mut ctx =
        Ctx { graph, params, interrupt, draws, stats: WriteStats::default(), undo: Vec::new(), profile };
    let mut rows = Vec::new();
    let parts = std::iter::once(plan).chain(plan.unions.iter().map(|(_, p)| p));
    let mut outcome = Ok(());
    for part in parts {
        let mut root = build(&part.root, None);
        outcome = loop {
            match root.next(&mut ctx).and_then(|row| ctx.interrupt.check().map(|()| row)) {
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
        Ok(()) => Ok((rows, ctx.stats, ctx.profile)),
        Err(e) => {
            rollback(ctx.graph, ctx.undo, edge_mark);
            Err(e)
        }
    }
}

fn rollback(graph: &mut Graph, undo: Vec<Undo>, edge_mark: u32) {
    // Undoing in reverse order removes each relationship before its nodes and re-creates each deleted
    // node before its relationships; petgraph's stable graph reuses the most recently freed slot
    // first, so re-created nodes get their old ids back; relationships are restored by id, and the
    // ids the statement used are handed out again.
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
            Undo::DeletedEdge(e, a, b, ty, props) => graph.restore_edge(e, a, b, ty, props),
        };
    }
    graph.rewind_edge_ids(edge_mark);
}

trait Operator<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled;
}

/// An operator of the running plan. Operators pull their input through [`Node::next`], which also
/// counts rows and time when the statement is profiled.
struct Node<'p> {
    op: Box<dyn Operator<'p> + 'p>,
    key: usize,
}

impl<'p> Node<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        if ctx.profile.is_none() {
            return self.op.next(ctx);
        }
        let started = std::time::Instant::now();
        let pulled = self.op.next(ctx);
        let spent = started.elapsed();
        if let Some(profile) = &mut ctx.profile {
            let stats = profile.entry(self.key).or_default();
            stats.time += spent;
            stats.rows += u64::from(matches!(pulled, Ok(Some(_))));
        }
        pulled
    }
}

type Boxed<'p> = Node<'p>;

fn build<'p>(op: &'p Op, argument: Option<&Row>) -> Boxed<'p> {
    Node { op: build_op(op, argument), key: profile_key(op) }
}

fn build_op<'p>(op: &'p Op, argument: Option<&Row>) -> Box<dyn Operator<'p> + 'p> {
    match op {
        Op::Once => Box::new(Once { row: Some(Vec::new()) }),
        Op::Argument => Box::new(Once { row: argument.cloned() }),
        Op::CountPaths { middle, arms, columns, .. } => {
            Box::new(reach::CountPaths { middle, arms, columns: *columns, done: false })
        }
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
            reachable,
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
            reacher: reachable.then(reach::Reacher::default),
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
        Op::ReachCount { input, from, direction, types, min, max, exclude_start, keys, outputs, .. } => {
            Box::new(reach::ReachCount {
                input: build(input, argument),
                from: *from,
                direction: *direction,
                types,
                min: *min,
                max: *max,
                exclude_start: *exclude_start,
                keys,
                outputs,
                output: None,
            })
        }
        Op::NodeIndexSeek { input, slot, label, key, value, .. } => Box::new(NodeSeek {
            input: build(input, argument),
            slot: *slot,
            value,
            by: SeekBy::Index { label, key },
            row: None,
            nodes: VecDeque::new(),
        }),
        Op::NodeById { input, slot, value, list, .. } => Box::new(NodeSeek {
            input: build(input, argument),
            slot: *slot,
            value,
            by: SeekBy::Id { list: *list },
            row: None,
            nodes: VecDeque::new(),
        }),
        Op::NodeScan { input, slot, label, .. } => {
            Box::new(NodeScan::new(build(input, argument), *slot, label.as_deref(), None))
        }
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
        Op::Filter { input, predicate, .. } => match &**input {
            Op::NodeScan { input: scanned, slot, label, .. } => {
                let filter = ScanFilter { predicate, scan_key: profile_key(input) };
                Box::new(NodeScan::new(build(scanned, argument), *slot, label.as_deref(), Some(filter)))
            }
            _ => Box::new(Filter { input: build(input, argument), predicate }),
        },
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
        Op::Distinct { input } => {
            Box::new(Distinct { input: build(input, argument), seen: Default::default() })
        }
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

/// Pulls every row of an operator: what the eager operators (the writing ones) do before they act,
/// so that a statement never reads its own writes.
fn drain(input: &mut Boxed, ctx: &mut Ctx) -> Result<Vec<Row>, QueryError> {
    let mut rows = Vec::new();
    while let Some(row) = input.next(ctx)? {
        ctx.interrupt.check()?;
        rows.push(row);
    }
    Ok(rows)
}

/// Writes a slot, growing the row when needed.
fn put(row: &mut Row, slot: usize, v: Value) {
    if row.len() <= slot {
        row.resize(slot + 1, Value::Null);
    }
    row[slot] = v;
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
