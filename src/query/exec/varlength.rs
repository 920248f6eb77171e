//! Variable-length expansion, `(a)-[*min..max]->(b)`: every path from a node within the bounds,
//! each relationship used once, produced one at a time by a depth-first walk whose state lives in
//! the operator. A row's paths are never collected: on a dense graph they are exponentially many,
//! and a count over them must take no more memory than the longest path.

use std::collections::VecDeque;

use super::reach::{Reacher, Search};
use super::read::uses;
use super::*;

pub(super) struct VarExpand<'p> {
    pub(super) input: Boxed<'p>,
    pub(super) from: usize,
    pub(super) rel: usize,
    pub(super) to: usize,
    pub(super) direction: Direction,
    pub(super) types: &'p [String],
    pub(super) min: u64,
    pub(super) max: Option<u64>,
    pub(super) to_bound: bool,
    pub(super) reversed: bool,
    pub(super) properties: &'p [(String, CExpr)],
    pub(super) distinct_from: &'p [usize],
    pub(super) row: Option<Row>,
    /// Where the current row's paths stand.
    pub(super) found: Found,
    /// Set when only the reachable ends matter: each is found once, breadth first, with no
    /// relationships (nothing reads them).
    pub(super) reacher: Option<Reacher>,
}

/// The paths of the row being expanded.
#[derive(Default)]
pub(super) enum Found {
    #[default]
    Nothing,
    /// The reachable ends, found at once (one per node at most).
    Ends(VecDeque<NodeId>),
    Walk(Walk),
}

/// A depth-first walk from one node, paused after the last path it gave.
pub(super) struct Walk {
    start: NodeId,
    /// The zero-length path, when the bounds take it and it was not given yet.
    empty_due: bool,
    syms: Vec<Sym>,
    /// Property values every relationship must have.
    wanted: Vec<(Option<Sym>, Value)>,
    path: Vec<EdgeId>,
    /// Each frame: the node reached, and its not yet tried (edge, neighbour) pairs.
    stack: Vec<(NodeId, Vec<(EdgeId, NodeId)>)>,
}

impl VarExpand<'_> {
    /// Starts on the paths from `start`.
    fn begin(&mut self, start: NodeId, row: &[Value], ctx: &Ctx) -> Result<Found, QueryError> {
        let syms: Vec<Sym> = self.types.iter().filter_map(|t| ctx.graph().symbol(t)).collect();
        if !self.types.is_empty() && syms.is_empty() {
            // No relationship has any of the types: only the empty path, if the bounds take it.
            let ends = if self.min == 0 { VecDeque::from([start]) } else { VecDeque::new() };
            return Ok(Found::Ends(ends));
        }
        let mut wanted = Vec::new();
        for (k, e) in self.properties {
            wanted.push((ctx.graph().symbol(k), ctx.eval(e, row)?));
        }
        if let Some(mut reacher) = self.reacher.take() {
            let search =
                Search { start, direction: self.direction, types: &syms, min: self.min, max: self.max };
            // Only a filter that can refuse a relationship is passed: without one, the search may
            // read the adjacency rows directly.
            let filtered = !self.distinct_from.is_empty() || !wanted.is_empty();
            let acceptable = |e: EdgeId| acceptable(e, row, self.distinct_from, &wanted, ctx.graph());
            let ends =
                reacher.reachable(ctx.graph(), &search, filtered.then_some(&acceptable as _), ctx.interrupt);
            self.reacher = Some(reacher);
            return Ok(Found::Ends(ends?.into_iter().collect()));
        }
        let mut walk =
            Walk { start, empty_due: self.min == 0, syms, wanted, path: Vec::new(), stack: Vec::new() };
        if self.max != Some(0) {
            let first = walk.expand(start, self.direction, ctx.graph());
            walk.stack.push((start, first));
        }
        Ok(Found::Walk(walk))
    }

    /// The next path of the current row: its relationships in walking order, and its end.
    fn next_path(&mut self, row: &[Value], ctx: &Ctx) -> Result<Option<(Vec<EdgeId>, NodeId)>, QueryError> {
        let walk = match &mut self.found {
            Found::Nothing => return Ok(None),
            Found::Ends(ends) => return Ok(ends.pop_front().map(|n| (Vec::new(), n))),
            Found::Walk(walk) => walk,
        };
        if std::mem::take(&mut walk.empty_due) {
            return Ok(Some((Vec::new(), walk.start)));
        }
        while let Some((_, candidates)) = walk.stack.last_mut() {
            ctx.interrupt.check()?;
            let Some((e, next)) = candidates.pop() else {
                walk.stack.pop();
                walk.path.pop();
                continue;
            };
            if walk.path.contains(&e) || !acceptable(e, row, self.distinct_from, &walk.wanted, ctx.graph()) {
                continue;
            }
            walk.path.push(e);
            let depth = walk.path.len() as u64;
            let path = (depth >= self.min).then(|| (walk.path.clone(), next));
            if self.max.is_none_or(|m| depth < m) {
                let further = walk.expand(next, self.direction, ctx.graph());
                walk.stack.push((next, further));
            } else {
                walk.path.pop();
            }
            if path.is_some() {
                return Ok(path);
            }
        }
        Ok(None)
    }
}

impl Walk {
    /// The relationships to try from `n`, last first: popped, they come in the graph's order.
    fn expand(&self, n: NodeId, direction: Direction, graph: &Graph) -> Vec<(EdgeId, NodeId)> {
        let mut next = Vec::new();
        graph.neighbours(n, direction, &self.syms, &mut next);
        next.reverse();
        next
    }
}

/// Whether a path may take `e`: not a relationship the row has bound elsewhere in the pattern,
/// and with the properties the pattern asks for.
pub(super) fn acceptable(
    e: EdgeId,
    row: &[Value],
    distinct_from: &[usize],
    wanted: &[(Option<Sym>, Value)],
    graph: &Graph,
) -> bool {
    !distinct_from.iter().any(|&s| uses(get(row, s), e))
        && wanted.iter().all(|(k, v)| {
            k.and_then(|k| graph.edge_properties(e).get(k)).is_some_and(|p| p.cypher_eq(v) == Some(true))
        })
}

impl<'p> Operator<'p> for VarExpand<'p> {
    fn next(&mut self, ctx: &mut Ctx) -> Pulled {
        loop {
            if let Some(row) = self.row.take() {
                while let Some((mut rels, end)) = self.next_path(&row, ctx)? {
                    if self.to_bound && *get(&row, self.to) != Value::Node(end) {
                        continue;
                    }
                    if self.reversed {
                        rels.reverse();
                    }
                    let mut out = row.clone();
                    put(&mut out, self.rel, Value::List(rels.into_iter().map(Value::Relationship).collect()));
                    put(&mut out, self.to, Value::Node(end));
                    self.row = Some(row);
                    return Ok(Some(out));
                }
            }
            let Some(row) = self.input.next(ctx)? else { return Ok(None) };
            self.found = match get(&row, self.from) {
                Value::Node(n) => self.begin(*n, &row, ctx)?,
                Value::Null => Found::Nothing,
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
