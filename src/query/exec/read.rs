//! Operators that read the graph: scans, expansions (single, variable-length, shortest), optional
//! matches, UNWIND, filters and named paths.

use std::collections::{HashMap, HashSet, VecDeque};

use super::reach::{Walk, shortest_path};
use super::*;

pub(super) struct Optional<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) inner: &'p Op,
    pub(super) new_slots: &'p [usize],
    /// The input row being extended, its inner operator, and whether it has matched yet.
    pub(super) current: Option<(Row, Boxed<'p>, bool)>,
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

pub(super) struct Unwind<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) expr: &'p CExpr,
    pub(super) slot: usize,
    pub(super) row: Option<Row>,
    pub(super) items: VecDeque<Value>,
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
            ctx.interrupt.check()?;
            self.items = match ctx.eval(self.expr, &row)? {
                Value::Null => VecDeque::new(),
                Value::List(items) => items.into(),
                other => VecDeque::from([other]),
            };
            self.row = Some(row);
        }
    }
}

pub(super) struct NodeScan<'p> {
    input: Boxed<'p>,
    slot: usize,
    label: Option<&'p str>,
    row: Option<Row>,
    cursor: Option<NodeId>,
    /// The label's symbol, looked up per input row: `Some(None)` means no node has the label.
    label_sym: Option<Option<Sym>>,
    /// A filter right above the scan, run inside it: each node is tested in `row` itself, and only
    /// those that pass are copied out, instead of every node making a row the filter then drops.
    filter: Option<ScanFilter<'p>>,
    /// The next nodes of the scan, read from the graph a batch at a time (`ahead[taken..]` not yet
    /// emitted); `cursor` is the last one read.
    ahead: Vec<NodeId>,
    taken: usize,
}

/// How many nodes a scan reads from the graph at once: enough that the label's set is walked
/// rather than searched per node, few enough that a `LIMIT 1` does not read far past its row.
const SCAN_BATCH: usize = 256;

impl<'p> NodeScan<'p> {
    pub(super) fn new(
        input: Boxed<'p>,
        slot: usize,
        label: Option<&'p str>,
        filter: Option<ScanFilter<'p>>,
    ) -> Self {
        NodeScan {
            input,
            slot,
            label,
            row: None,
            cursor: None,
            label_sym: None,
            filter,
            ahead: Vec::new(),
            taken: 0,
        }
    }
}

pub(super) struct ScanFilter<'p> {
    pub(super) predicate: &'p CExpr,
    /// The scan's key in a profile: the nodes scanned are counted there (their time is the
    /// filter's).
    pub(super) scan_key: usize,
}

impl<'p> Operator<'p> for NodeScan<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        loop {
            ctx.interrupt.check()?;
            let Some(row) = &self.row else {
                self.row = self.input.next(ctx)?;
                if self.row.is_none() {
                    return Ok(None);
                }
                self.cursor = None;
                self.ahead.clear();
                self.taken = 0;
                self.label_sym = Some(match self.label {
                    Some(l) => ctx.graph().symbol(l),
                    None => None,
                });
                continue;
            };
            let label = match (self.label, self.label_sym) {
                (Some(_), Some(None)) => None,
                (Some(_), Some(Some(s))) => Some(Some(s)),
                _ => Some(None),
            };
            let Some(label) = label else {
                self.row = None;
                continue;
            };
            if self.taken == self.ahead.len() {
                self.ahead.clear();
                self.taken = 0;
                ctx.graph().next_nodes(self.cursor, label, SCAN_BATCH, &mut self.ahead);
                let Some(&last) = self.ahead.last() else {
                    self.cursor = None;
                    self.row = None;
                    continue;
                };
                self.cursor = Some(last);
            }
            let n = self.ahead[self.taken];
            self.taken += 1;
            // Read ahead of the statement's writes: a node deleted or unlabelled since is passed
            // over, as a scan reading one node at a time would not have found it.
            if ctx.writable() && !still_matches(ctx.graph(), n, label) {
                continue;
            }
            let Some(filter) = &self.filter else {
                let mut out = row.clone();
                put(&mut out, self.slot, Value::Node(n));
                return Ok(Some(out));
            };
            if let Some(profile) = &mut ctx.profile {
                profile.entry(filter.scan_key).or_default().rows += 1;
            }
            let Some(row) = &mut self.row else { continue };
            put(row, self.slot, Value::Node(n));
            if passes(ctx.eval(filter.predicate, row)?)? {
                return Ok(Some(row.clone()));
            }
        }
    }
}

fn still_matches(graph: &crate::graph::Graph, n: NodeId, label: Option<Sym>) -> bool {
    graph.contains_node(n) && label.is_none_or(|l| graph.has_label(n, l))
}

/// Whether a row passes a `WHERE`: true passes, false and null do not, anything else is an error.
fn passes(verdict: Value) -> Result<bool, QueryError> {
    match verdict {
        Value::Bool(b) => Ok(b),
        Value::Null => Ok(false),
        other => Err(QueryError::new(
            ErrorKind::TypeError,
            format!("WHERE expects a Boolean, got a {}", other.type_name()),
            None,
        )),
    }
}

pub(super) struct Expand<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) from: usize,
    pub(super) rel: usize,
    pub(super) to: usize,
    pub(super) direction: crate::graph::Direction,
    pub(super) types: &'p [String],
    pub(super) to_bound: bool,
    pub(super) rel_bound: bool,
    pub(super) distinct_from: &'p [usize],
    pub(super) row: Option<Row>,
    pub(super) buffer: Vec<(EdgeId, NodeId)>,
    pub(super) position: usize,
    pub(super) type_syms: Vec<Sym>,
}

impl<'p> Operator<'p> for Expand<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        loop {
            if let Some(row) = &self.row {
                while let Some(&(edge, node)) = self.buffer.get(self.position) {
                    ctx.interrupt.check()?;
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
            let Some(from) = start_node(get(row, self.from))? else { continue };
            if !type_symbols(ctx.graph(), self.types, &mut self.type_syms) {
                continue;
            }
            ctx.graph().neighbours(from, self.direction, &self.type_syms, &mut self.buffer);
        }
    }
}

/// The symbols of the relationship types an expansion wants, into `out`; false when it wants some
/// and the graph has none of them, so no relationship can match (types the graph lacks are left out).
fn type_symbols(graph: &Graph, types: &[String], out: &mut Vec<Sym>) -> bool {
    out.clear();
    out.extend(types.iter().filter_map(|t| graph.symbol(t)));
    types.is_empty() || !out.is_empty()
}

/// The node an expansion starts from: none for null (no rows), an error for what is not a node.
fn start_node(v: &Value) -> Result<Option<NodeId>, QueryError> {
    match v {
        Value::Node(n) => Ok(Some(*n)),
        Value::Null => Ok(None),
        other => Err(QueryError::new(
            ErrorKind::TypeError,
            format!("expected a node to expand from, got a {}", other.type_name()),
            None,
        )),
    }
}

/// For each input row, the number of relationships its node has (the degree, in the direction and
/// of the types asked for) in `slot`: an expansion whose rows the aggregation above would only
/// count. Rows whose node has none are dropped, as the expansion would make no row for them, but
/// for an OPTIONAL MATCH, which keeps them (with 0, and a null node to expand from counts 0).
pub(super) struct ExpandCount<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) from: usize,
    pub(super) slot: usize,
    pub(super) optional: bool,
    pub(super) direction: crate::graph::Direction,
    pub(super) types: &'p [String],
    /// The types' symbols once all are known: names are interned for good, but a type the graph
    /// lacks may be created by an earlier clause of the statement, so until then they are looked
    /// up per row.
    pub(super) type_syms: Option<Vec<Sym>>,
}

impl<'p> Operator<'p> for ExpandCount<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        while let Some(mut row) = self.input.next(ctx)? {
            ctx.interrupt.check()?;
            let degree = match start_node(get(&row, self.from))? {
                Some(n) => self.degree(ctx.graph(), n),
                None => 0,
            };
            if degree > 0 || self.optional {
                put(&mut row, self.slot, Value::Int(degree as i64));
                return Ok(Some(row));
            }
        }
        Ok(None)
    }
}

impl ExpandCount<'_> {
    fn degree(&mut self, graph: &Graph, from: NodeId) -> usize {
        if let Some(all) = &self.type_syms {
            return graph.degree(from, self.direction, all);
        }
        let mut found = Vec::new();
        if !type_symbols(graph, self.types, &mut found) {
            return 0;
        }
        let degree = graph.degree(from, self.direction, &found);
        if found.len() == self.types.len() {
            self.type_syms = Some(found);
        }
        degree
    }
}

pub(super) struct Filter<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) predicate: &'p CExpr,
}

impl<'p> Operator<'p> for Filter<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        while let Some(row) = self.input.next(ctx)? {
            ctx.interrupt.check()?;
            if passes(ctx.eval(self.predicate, &row)?)? {
                return Ok(Some(row));
            }
        }
        Ok(None)
    }
}

/// Whether a slot holds this relationship, alone or in a variable-length list.
pub(super) fn uses(v: &Value, e: EdgeId) -> bool {
    match v {
        Value::Relationship(r) => *r == e,
        Value::List(items) => items.contains(&Value::Relationship(e)),
        _ => false,
    }
}

pub(super) struct Assign<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) slot: usize,
    pub(super) expr: &'p CExpr,
}

impl<'p> Operator<'p> for Assign<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        let Some(mut row) = self.input.next(ctx)? else { return Ok(None) };
        let v = ctx.eval(self.expr, &row)?;
        put(&mut row, self.slot, v);
        Ok(Some(row))
    }
}

pub(super) struct ShortestPath<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) from: usize,
    pub(super) rel: usize,
    pub(super) to: usize,
    pub(super) direction: Direction,
    pub(super) types: &'p [String],
    pub(super) properties: &'p [(String, CExpr)],
    pub(super) min: u64,
    pub(super) max: Option<u64>,
    pub(super) all: bool,
    pub(super) row: Option<Row>,
    pub(super) found: VecDeque<Vec<EdgeId>>,
}

impl ShortestPath<'_> {
    /// Breadth-first search from `start`, level by level, keeping every parent at the shortest
    /// distance; stops at the level that reaches `goal` (or at the maximum length).
    fn search(
        &self,
        start: NodeId,
        goal: NodeId,
        row: &[Value],
        ctx: &Ctx,
    ) -> Result<VecDeque<Vec<EdgeId>>, QueryError> {
        let mut found = VecDeque::new();
        if start == goal && self.min == 0 {
            found.push_back(Vec::new());
            return Ok(found);
        }
        let syms: Vec<Sym> = self.types.iter().filter_map(|t| ctx.graph().symbol(t)).collect();
        if !self.types.is_empty() && syms.is_empty() {
            return Ok(found);
        }
        let mut wanted = Vec::new();
        for (k, e) in self.properties {
            wanted.push((ctx.graph().symbol(k), ctx.eval(e, row)?));
        }
        let keep = |e: EdgeId| super::varlength::acceptable(e, row, &[], &wanted, ctx.graph());
        let filter: Option<&dyn Fn(EdgeId) -> bool> = (!wanted.is_empty()).then_some(&keep as _);
        if !self.all && start != goal && self.min <= 1 {
            let walk = Walk { direction: self.direction, types: &syms, keep: filter, max: self.max };
            let path = shortest_path(ctx.graph(), start, goal, &walk, ctx.interrupt)?;
            found.extend(path);
            return Ok(found);
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
            let mut in_level: HashSet<NodeId> = HashSet::new();
            for &n in &level {
                next.clear();
                ctx.graph().neighbours(n, self.direction, &syms, &mut next);
                if let Some(keep) = filter {
                    next.retain(|&(e, _)| keep(e));
                }
                for &(e, m) in &next {
                    ctx.interrupt.check()?;
                    if seen.contains(&m) && !in_level.contains(&m) {
                        continue;
                    }
                    if m == goal {
                        reached = true;
                    }
                    parents.entry(m).or_default().push((e, n));
                    if in_level.insert(m) {
                        discovered.push(m);
                    }
                }
            }
            seen.extend(&discovered);
            level = discovered;
        }
        if !reached {
            return Ok(found);
        }
        // Walk back from the goal through every recorded parent.
        let mut stack: Vec<(NodeId, Vec<EdgeId>)> = vec![(goal, Vec::new())];
        while let Some((n, tail)) = stack.pop() {
            ctx.interrupt.check()?;
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
        Ok(found)
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
                (Value::Node(a), Value::Node(b)) => self.search(*a, *b, &row, ctx)?,
                _ => VecDeque::new(),
            };
            self.row = Some(row);
        }
    }
}
