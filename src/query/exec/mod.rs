//! Plan → rows. Operators are pulled one row at a time; a row is a vector of value slots, each
//! variable's slot fixed by the planner. No operator holds a borrow of the graph between rows, so
//! writing operators can take it mutably.
//!
//! A statement is atomic: every change is logged, and a statement that fails is rolled back.

mod constraints;
mod frontier;
mod load_csv;
mod project;
mod reach;
mod read;
mod schema;
mod seek;
mod subquery;
mod varlength;
mod write;

use std::collections::{HashSet, VecDeque};

use project::*;
use read::*;
pub use schema::change_index;
use seek::*;
use varlength::{Found, VarExpand};
use write::*;

use super::ast::Span;
use super::error::{ErrorKind, QueryError};
use super::expr::{CExpr, EvalCtx, Params};
use super::functions::Draws;
use super::interrupt::Interrupt;
use super::plan::{AggKind, AggSpec, CreateItem, IndexProbe, Op, Plan, Profile, WriteAction, profile_key};
use crate::graph::{Change, Direction, EdgeId, Graph, GraphError, IndexDef, NodeId, Properties, Sym};
use crate::value::{Equivalent, Value};

pub type Row = Vec<Value>;
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
    pub constraints_added: usize,
    pub constraints_removed: usize,
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
    IndexCreated(IndexDef),
    IndexDropped(IndexDef),
    /// A name given to an index: taken off again.
    IndexNamed(IndexDef),
    /// A name taken off an index (dropping it): given back.
    IndexUnnamed(String, IndexDef),
    FulltextCreated(String),
    FulltextDropped(String, crate::graph::FulltextDef),
    ConstraintCreated(String),
    /// A constraint dropped: its name, definition, and whether it owned its index.
    ConstraintDropped(String, crate::graph::ConstraintDef, bool),
}

/// The graph as a statement may use it: a read-only statement gets it shared, so that many run at
/// once; only a statement the planner says writes gets it to change.
enum Access<'a> {
    Read(&'a Graph),
    Write(&'a mut Graph),
}

struct Ctx<'a> {
    graph: Access<'a>,
    params: &'a Params,
    interrupt: &'a Interrupt,
    draws: &'a Draws,
    stats: WriteStats,
    undo: Vec<Undo>,
    /// What the statement changed, in order, when the caller asked for it (a database journals it).
    changes: Option<Vec<Change>>,
    /// For `PROFILE`: rows and time per operator.
    profile: Option<Profile>,
    import_dir: Option<&'a std::path::Path>,
}

impl Ctx<'_> {
    fn graph(&self) -> &Graph {
        match &self.graph {
            Access::Read(g) => g,
            Access::Write(g) => g,
        }
    }

    /// Whether the graph may change while the statement runs (between one row and the next).
    fn writable(&self) -> bool {
        matches!(self.graph, Access::Write(_))
    }

    /// The graph to change. A writing operator in a statement run read-only would be a planner bug
    /// (the plan said it does not write): it fails the statement rather than the process.
    fn graph_mut(&mut self) -> Result<&mut Graph, QueryError> {
        match &mut self.graph {
            Access::Write(g) => Ok(g),
            Access::Read(_) => Err(QueryError::new(
                ErrorKind::ReadOnly,
                "a statement planned as read-only tried to change the graph (a planner bug)",
                None,
            )),
        }
    }

    fn eval(&self, e: &CExpr, row: &[Value]) -> Result<Value, QueryError> {
        e.eval(row, &EvalCtx::new(self.graph(), self.params, self.interrupt, self.draws))
    }

    /// Keeps how to undo a change just made, and the change itself when changes are kept.
    fn logged(&mut self, undo: Undo, change: impl FnOnce(&Graph) -> Change) {
        if let Some(changes) = &mut self.changes {
            let graph = match &self.graph {
                Access::Read(g) => &**g,
                Access::Write(g) => &**g,
            };
            changes.push(change(graph));
        }
        self.undo.push(undo);
    }
}

/// How a statement is run.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions<'a> {
    /// Count each operator's rows and time (`PROFILE`).
    pub profile: bool,
    /// Keep the statement's changes, for a journal.
    pub keep_changes: bool,
    /// The only directory `LOAD CSV` reads files from (and its subdirectories): the working
    /// directory when `None`.
    pub import_dir: Option<&'a std::path::Path>,
}

/// What a statement that ran to its end returned and did.
pub struct Ran {
    pub rows: Vec<Row>,
    pub stats: WriteStats,
    pub profile: Option<Profile>,
    pub effects: Effects,
}

/// What a statement did to the graph, until the caller lets it stand (drops it) or takes it back:
/// a database takes back a statement whose journal record could not be written.
pub struct Effects {
    undo: Vec<Undo>,
    edge_mark: u32,
    changes: Vec<Change>,
}

impl Effects {
    /// A statement's that changed nothing.
    pub fn none() -> Effects {
        Effects { undo: Vec::new(), edge_mark: 0, changes: Vec::new() }
    }

    /// Whether the statement changed the graph.
    pub fn changed(&self) -> bool {
        !self.undo.is_empty()
    }

    /// The changes in the order they were made (none unless [`RunOptions::keep_changes`]).
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// Leaves the graph as it was before the statement.
    pub fn undo(self, graph: &mut Graph) {
        if self.undo.is_empty() {
            return;
        }
        graph.hold_freed_ids(true);
        rollback(graph, self.undo, self.edge_mark);
        graph.hold_freed_ids(false);
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
    options: RunOptions<'_>,
) -> Result<Ran, QueryError> {
    // Ids freed by the statement stay free until it ends: its rows may still name the deleted.
    graph.hold_freed_ids(true);
    let ran = run(plan, Access::Write(graph), params, interrupt, draws, options);
    graph.hold_freed_ids(false);
    ran
}

/// Runs a plan that does not write (`plan.writes` is false) with the graph shared: many such
/// statements may run at once on one graph. The graph must have been prepared for reads
/// ([`Graph::prepare_reads`]) since it last changed.
pub fn execute_read(
    plan: &Plan,
    graph: &Graph,
    params: &Params,
    interrupt: &Interrupt,
    draws: &Draws,
    options: RunOptions<'_>,
) -> Result<Ran, QueryError> {
    if plan.writes {
        return Err(QueryError::new(
            ErrorKind::ReadOnly,
            "this statement changes the graph, and the graph may only be read here",
            None,
        ));
    }
    run(plan, Access::Read(graph), params, interrupt, draws, options)
}

fn run(
    plan: &Plan,
    graph: Access<'_>,
    params: &Params,
    interrupt: &Interrupt,
    draws: &Draws,
    options: RunOptions<'_>,
) -> Result<Ran, QueryError> {
    let edge_mark = match &graph {
        Access::Read(g) => g.edge_id_mark(),
        Access::Write(g) => g.edge_id_mark(),
    };
    let mut ctx = Ctx {
        graph,
        params,
        interrupt,
        draws,
        stats: WriteStats::default(),
        undo: Vec::new(),
        changes: options.keep_changes.then(Vec::new),
        profile: options.profile.then(Profile::new),
        import_dir: options.import_dir,
    };
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
    let mut distinct = UnionSeen::of(&plan.unions);
    rows.retain(|r: &Row| distinct.first(r));
    // Constraints hold when a statement ends, not after each of its writes: a node may be created
    // in one clause and given its key in the next.
    if outcome.is_ok()
        && let Access::Write(graph) = &ctx.graph
        && graph.has_constraints()
    {
        outcome = constraints::check_written(graph, &ctx.undo);
    }
    match outcome {
        Ok(()) => {
            let effects = Effects { undo: ctx.undo, edge_mark, changes: ctx.changes.unwrap_or_default() };
            Ok(Ran { rows, stats: ctx.stats, profile: ctx.profile, effects })
        }
        Err(e) => {
            if let Access::Write(graph) = ctx.graph {
                rollback(graph, ctx.undo, edge_mark);
            }
            Err(e)
        }
    }
}

fn rollback(graph: &mut Graph, undo: Vec<Undo>, edge_mark: u32) {
    // Undoing in reverse order removes each relationship before its nodes and re-creates each deleted
    // node before its relationships, each under its old id (held back while the statement ran, so
    // free still); relationships are restored by id, and the ids the statement used are handed out
    // again.
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
            Undo::DeletedNode(n, labels, props) => graph.add_node_at(n, &labels, props),
            Undo::DeletedEdge(e, a, b, ty, props) => graph.restore_edge(e, a, b, ty, props),
            Undo::IndexCreated(def) => {
                graph.drop_index_def(def);
                Ok(())
            }
            Undo::IndexDropped(def) => {
                graph.create_index_def(def);
                Ok(())
            }
            Undo::IndexNamed(def) => {
                graph.unname_index(def);
                Ok(())
            }
            Undo::IndexUnnamed(name, def) => {
                graph.name_index(&name, def);
                Ok(())
            }
            Undo::FulltextCreated(name) => {
                graph.drop_fulltext_index(&name);
                Ok(())
            }
            Undo::FulltextDropped(name, def) => {
                graph.create_fulltext_index(&name, def);
                Ok(())
            }
            Undo::ConstraintCreated(name) => {
                graph.drop_constraint(&name);
                Ok(())
            }
            Undo::ConstraintDropped(name, def, owned) => {
                // The graph is as it was when the constraint held, so it holds again.
                let _ = graph.create_constraint(&name, def, Some(owned));
                Ok(())
            }
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
        Op::Apply { input, parts, columns, unit, writes } => Box::new(subquery::Apply {
            input: build(input, argument),
            parts,
            columns,
            unit: *unit,
            writes: *writes,
            pending: VecDeque::new(),
            started: false,
        }),
        Op::LoadCsv { input, source, slot, line_slot, file_slot, headers, delimiter, span, .. } => {
            Box::new(load_csv::LoadCsv {
                input: build(input, argument),
                source,
                slot: *slot,
                line_slot: *line_slot,
                file_slot: *file_slot,
                headers: *headers,
                delimiter: *delimiter,
                span: *span,
                reading: None,
            })
        }
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
            found: Found::Nothing,
            reacher: reachable.then(reach::Reacher::default),
        }),
        Op::Merge { input, matcher, create, on_create, on_match, stream } => Box::new(Merge {
            input: build(input, argument),
            matcher,
            create,
            on_create,
            on_match,
            stream: *stream,
            output: None,
        }),
        Op::ShortestPath { input, from, rel, to, direction, types, properties, min, max, all, .. } => {
            Box::new(ShortestPath {
                input: build(input, argument),
                from: *from,
                rel: *rel,
                to: *to,
                direction: *direction,
                types,
                properties,
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
        Op::NodeIndexSeek { input, slot, label, key, probe, .. } => Box::new(NodeSeek {
            input: build(input, argument),
            slot: *slot,
            by: SeekBy::Index { label, key, probe },
            row: None,
            nodes: VecDeque::new(),
        }),
        Op::RelIndexSeek { input, rel, from, to, outgoing, ty, key, probe, .. } => Box::new(RelSeek {
            input: build(input, argument),
            rel: *rel,
            from: *from,
            to: *to,
            outgoing: *outgoing,
            ty,
            key,
            probe,
            row: None,
            edges: VecDeque::new(),
        }),
        Op::Foreach { input, list, slot, inner } => {
            Box::new(Foreach { input: build(input, argument), list, slot: *slot, inner, output: None })
        }
        Op::ProcedureCall { input, callee, args, yields, void, .. } => Box::new(ProcedureCall {
            input: build(input, argument),
            callee,
            args,
            yields,
            void: *void,
            row: None,
            results: VecDeque::new(),
        }),
        Op::NodeById { input, slot, value, list, .. } => Box::new(NodeSeek {
            input: build(input, argument),
            slot: *slot,
            by: SeekBy::Id { value, list: *list },
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
        Op::Create { input, items, stream } => {
            Box::new(Create { input: build(input, argument), items, stream: *stream, output: None })
        }
        Op::Project { input, exprs, keep_input, input_width, .. } => Box::new(Project {
            input: build(input, argument),
            exprs,
            keep_input: *keep_input,
            input_width: *input_width,
        }),
        Op::Aggregate { input, keys, aggregates, outputs, weight, .. } => Box::new(Aggregate {
            input: build(input, argument),
            keys,
            aggregates,
            outputs,
            weight: *weight,
            output: None,
        }),
        Op::ExpandCount { input, from, slot, optional, direction, types, .. } => Box::new(ExpandCount {
            input: build(input, argument),
            from: *from,
            slot: *slot,
            optional: *optional,
            direction: *direction,
            types,
            type_syms: None,
        }),
        Op::Distinct { input } => {
            Box::new(Distinct { input: build(input, argument), seen: Default::default() })
        }
        Op::Sort { input, keys, top, .. } => {
            Box::new(Sort { input: build(input, argument), keys, top, output: None })
        }
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

/// The rows a query of several parts has yielded, when a UNION without ALL joins two of its parts
/// and so makes them distinct.
struct UnionSeen(Option<HashSet<Vec<Equivalent>>>);

impl UnionSeen {
    /// For the parts after the first, each with whether UNION ALL joins it (the first's flag is
    /// not read).
    fn of<T>(parts: &[(bool, T)]) -> UnionSeen {
        UnionSeen(parts.iter().any(|(all, _)| !all).then(HashSet::new))
    }

    /// Whether a row of `values` is the first of its values, and so kept: always, when rows are
    /// not made distinct.
    fn first(&mut self, values: &[Value]) -> bool {
        self.0.as_mut().is_none_or(|seen| seen.insert(values.iter().cloned().map(Equivalent).collect()))
    }
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
