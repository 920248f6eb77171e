//! The breadth-first search behind a variable-length expansion that only needs reachable ends
//! (see `plan::reach` for when the planner asks for it).

use rustc_hash::FxHashMap;

use crate::graph::{Direction, EdgeId, Graph, NodeId, RowsView, Sym, Wanted};
use crate::query::error::QueryError;
use crate::query::interrupt::Interrupt;

const NO_BRANCH: u32 = u32::MAX;

/// Per-node scratch space, sized to the graph once per operator and reused for every search:
/// a node's entries are valid only when its stamp is the current search's.
#[derive(Debug, Default)]
pub(super) struct Reacher {
    stamp: Vec<u32>,
    search: u32,
    distance: Vec<u32>,
    /// The first relationship of the node's search-tree path from the start.
    branch: Vec<u32>,
    /// For directed searches over a current index.
    frontier: super::frontier::Frontier,
}

/// What to search: from where, along which relationships, how far.
pub(super) struct Search<'a> {
    pub start: NodeId,
    pub direction: Direction,
    pub types: &'a [Sym],
    pub min: u64,
    pub max: Option<u64>,
}

impl Reacher {
    /// Every node that ends a path of `min..=max` relationships (none used twice) from the start,
    /// each once; `min` must be 0 or 1. `edge_ok`, if given, filters the relationships a path may use.
    pub(super) fn reachable(
        &mut self,
        graph: &Graph,
        search: &Search,
        edge_ok: Option<&dyn Fn(EdgeId) -> bool>,
        interrupt: &Interrupt,
    ) -> Result<Vec<NodeId>, QueryError> {
        if edge_ok.is_none()
            && search.direction != Direction::Both
            && graph.contains_node(search.start)
            && let (Some(forward), Some(backward)) =
                (graph.rows(search.direction), graph.rows(search.direction.reverse()))
        {
            let mut found = Vec::new();
            if search.min == 0 {
                found.push(search.start);
            }
            let max = search.max.unwrap_or(u64::MAX);
            let request =
                super::frontier::Request { forward, backward, start: search.start, types: search.types, max };
            let back_to_start = self.frontier.search(&request, &mut found, interrupt)?;
            if search.min == 1 && back_to_start {
                found.push(search.start);
            }
            return Ok(found);
        }
        let edge_ok = |e: EdgeId| edge_ok.is_none_or(|ok| ok(e));
        debug_assert!(search.min <= 1, "the planner asks for reachability only from length 0 or 1");
        let start = search.start;
        let mut found = Vec::new();
        if search.min == 0 {
            found.push(start);
        }
        let max = search.max.unwrap_or(u64::MAX);
        if max == 0 || !graph.contains_node(start) {
            return Ok(found);
        }
        self.begin(graph.node_bound());
        let at = |n: NodeId| n.0 as usize;
        self.visit(at(start), 0, NO_BRANCH);
        // Whether a path of 1..=max relationships leads from the start back to it: then the start
        // is one of the ends too (when min is 1; with min 0 it is already in).
        let mut back_to_start = false;
        let undirected = search.direction == Direction::Both;
        let mut level = vec![start];
        let mut depth = 0u64;
        let mut next = Vec::new();
        while !level.is_empty() && depth < max {
            let mut discovered = Vec::new();
            for &u in &level {
                interrupt.check()?;
                next.clear();
                graph.neighbours(u, search.direction, search.types, &mut next);
                let u_branch = self.branch[at(u)];
                for &(e, v) in &next {
                    interrupt.check()?;
                    if !edge_ok(e) {
                        continue;
                    }
                    if v == start {
                        // Directed: the tree path to u never enters the start, so it and `e` form a
                        // path of depth + 1 <= max relationships. Undirected: unless `e` is the very
                        // relationship the tree path left the start by.
                        back_to_start |= !undirected || u == start || e.0 != u_branch;
                        continue;
                    }
                    if self.seen(at(v)) {
                        // Undirected: two tree paths from different first relationships share no
                        // relationship, so with `e` they close a cycle through the start.
                        if undirected
                            && self.branch[at(v)] != u_branch
                            && u64::from(self.distance[at(u)]) + u64::from(self.distance[at(v)]) < max
                        {
                            back_to_start = true;
                        }
                        continue;
                    }
                    let branch = if u == start { e.0 } else { u_branch };
                    self.visit(at(v), depth as u32 + 1, branch);
                    discovered.push(v);
                    found.push(v);
                }
            }
            level = discovered;
            depth += 1;
        }
        if search.min == 1 && back_to_start {
            found.push(start);
        }
        Ok(found)
    }

    fn begin(&mut self, node_bound: usize) {
        if self.stamp.len() < node_bound {
            self.stamp.resize(node_bound, 0);
            self.distance.resize(node_bound, 0);
            self.branch.resize(node_bound, NO_BRANCH);
        }
        self.search = self.search.wrapping_add(1);
        if self.search == 0 {
            // After 2^32 searches the stamps would repeat: start them over.
            self.stamp.fill(0);
            self.search = 1;
        }
    }

    fn seen(&self, n: usize) -> bool {
        self.stamp[n] == self.search
    }

    fn visit(&mut self, n: usize, distance: u32, branch: u32) {
        self.stamp[n] = self.search;
        self.distance[n] = distance;
        self.branch[n] = branch;
    }
}

/// What one side of a two-sided search knows of a node: its distance from that side's end, and
/// the relationship and node it was reached from (none for the end itself).
type Side = FxHashMap<NodeId, (u64, Option<(EdgeId, NodeId)>)>;

/// How a shortest path may go: the direction, the types (none: any), the relationships it may take
/// (none: any), and its longest length.
#[derive(Clone, Copy)]
pub(super) struct Walk<'a> {
    pub(super) direction: Direction,
    pub(super) types: &'a [Sym],
    pub(super) keep: Option<&'a dyn Fn(EdgeId) -> bool>,
    pub(super) max: Option<u64>,
}

/// One shortest path of at most `walk.max` relationships from `start` to `goal` (which differ), as
/// its relationships in walking order: breadth first from both ends at once, always growing the
/// smaller frontier by a whole level, so that each side explores about the square root of what a
/// one-sided search would. A shortest path never repeats a relationship.
pub(super) fn shortest_path(
    graph: &Graph,
    start: NodeId,
    goal: NodeId,
    walk: &Walk,
    interrupt: &Interrupt,
) -> Result<Option<Vec<EdgeId>>, QueryError> {
    let Walk { direction, types, keep, max } = *walk;
    let backward = direction.reverse();
    let max = max.unwrap_or(u64::MAX);
    if max == 0 || !graph.contains_node(start) || !graph.contains_node(goal) {
        return Ok(None);
    }
    let mut sides: [Side; 2] = [Side::default(), Side::default()];
    sides[0].insert(start, (0, None));
    sides[1].insert(goal, (0, None));
    let mut levels = [vec![start], vec![goal]];
    let mut depths = [0u64, 0u64];
    let mut next = Vec::new();
    while !levels[0].is_empty() && !levels[1].is_empty() && depths[0] + depths[1] < max {
        let grow = usize::from(levels[1].len() < levels[0].len());
        let walk = if grow == 0 { direction } else { backward };
        let (mine, theirs) = if grow == 0 {
            let [a, b] = &mut sides;
            (a, &*b)
        } else {
            let [a, b] = &mut sides;
            (b, &*a)
        };
        let depth = depths[grow] + 1;
        let mut discovered = Vec::new();
        // The best meeting in this level: its total length and the node where the sides meet.
        let mut best: Option<(u64, NodeId)> = None;
        for &u in &levels[grow] {
            next.clear();
            graph.neighbours(u, walk, types, &mut next);
            if let Some(keep) = keep {
                next.retain(|&(e, _)| keep(e));
            }
            for &(e, v) in &next {
                interrupt.check()?;
                if mine.contains_key(&v) {
                    continue;
                }
                mine.insert(v, (depth, Some((e, u))));
                discovered.push(v);
                if let Some(&(there, _)) = theirs.get(&v) {
                    let total = depth + there;
                    if total <= max && best.is_none_or(|(b, _)| total < b) {
                        best = Some((total, v));
                    }
                }
            }
        }
        if let Some((_, meeting)) = best {
            return Ok(Some(join(&sides, meeting)));
        }
        levels[grow] = discovered;
        depths[grow] = depth;
    }
    Ok(None)
}

/// The path through `meeting`: the forward side's chain back to the start, reversed, then the
/// backward side's chain on to the goal.
fn join(sides: &[Side; 2], meeting: NodeId) -> Vec<EdgeId> {
    let chain = |side: &Side| {
        let mut edges = Vec::new();
        let mut at = meeting;
        while let Some(&(_, Some((e, from)))) = side.get(&at) {
            edges.push(e);
            at = from;
        }
        edges
    };
    let mut path = chain(&sides[0]);
    path.reverse();
    path.extend(chain(&sides[1]));
    path
}

/// The number of matches of a pattern of one or two relationships leaving one node (the middle of a
/// two-relationship chain), with label tests and the relationships kept apart (see `plan::count`),
/// as one row: per middle node, the product of its partners on each arm, less the pairs that are
/// one relationship seen from both arms.
pub(super) struct CountPaths<'p> {
    pub(super) middle: &'p [String],
    pub(super) arms: &'p [(Direction, Vec<String>, Vec<String>)],
    pub(super) columns: usize,
    pub(super) done: bool,
}

impl CountPaths<'_> {
    fn count(&self, graph: &Graph, interrupt: &Interrupt) -> Result<i64, QueryError> {
        let symbols = |names: &[String]| names.iter().map(|l| graph.symbol(l)).collect::<Option<Vec<Sym>>>();
        // A label the graph has never seen: nothing can match.
        let Some(middle) = symbols(self.middle) else { return Ok(0) };
        let mut arms = Vec::new();
        for (direction, type_names, label_names) in self.arms {
            let types: Vec<Sym> = type_names.iter().filter_map(|t| graph.symbol(t)).collect();
            let Some(labels) = symbols(label_names) else { return Ok(0) };
            if !type_names.is_empty() && types.is_empty() {
                return Ok(0);
            }
            arms.push((*direction, types, labels));
        }
        let labelled = |n: NodeId, ls: &[Sym]| ls.iter().all(|&l| graph.has_label(n, l));
        // Partners without labels to test are counted, not listed; and when each arm names types the
        // other does not, no relationship can be on both arms (it has one type), so nothing is shared.
        let unlabelled = arms.iter().all(|(_, _, labels)| labels.is_empty());
        let disjoint = match &arms[..] {
            [_] => true,
            [(_, a, _), (_, b, _)] => !a.is_empty() && !b.is_empty() && !a.iter().any(|t| b.contains(t)),
            _ => false,
        };
        // One directed relationship with no labels anywhere: the number of relationships of its types,
        // which the store counts as it goes.
        if let ([(Direction::Outgoing | Direction::Incoming, types, labels)], true) =
            (&arms[..], middle.is_empty())
            && labels.is_empty()
        {
            let mut distinct = types.clone();
            distinct.sort_unstable();
            distinct.dedup();
            let count = if distinct.is_empty() {
                graph.edge_count()
            } else {
                distinct.iter().map(|&t| graph.type_count(t)).sum()
            };
            return Ok(count as i64);
        }
        if unlabelled && disjoint {
            // Every middle node, read straight from a current index: ids without a node have
            // empty rows and add nothing.
            let views: Option<Vec<_>> = arms.iter().map(|(direction, _, _)| graph.rows(*direction)).collect();
            if let (true, Some(views)) = (middle.is_empty(), views) {
                let types: Vec<&[Sym]> = arms.iter().map(|(_, types, _)| &types[..]).collect();
                let total = count_by_degrees(&views, &types, graph.node_bound(), interrupt)?;
                return Ok(total);
            }
            let mut total: i64 = 0;
            for n in graph.nodes_labelled(middle.first().copied()) {
                interrupt.check()?;
                if labelled(n, &middle) {
                    let product: usize =
                        arms.iter().map(|(direction, types, _)| graph.degree(n, *direction, types)).product();
                    total += product as i64;
                }
            }
            return Ok(total);
        }
        let mut total: i64 = 0;
        let mut found = Vec::new();
        let mut partners: [Vec<EdgeId>; 2] = [Vec::new(), Vec::new()];
        for n in graph.nodes_labelled(middle.first().copied()) {
            interrupt.check()?;
            if !labelled(n, &middle) {
                continue;
            }
            for (arm, (direction, types, labels)) in arms.iter().enumerate() {
                found.clear();
                graph.neighbours(n, *direction, types, &mut found);
                partners[arm].clear();
                partners[arm].extend(found.iter().filter(|&&(_, m)| labelled(m, labels)).map(|&(e, _)| e));
            }
            if arms.len() == 1 {
                total += partners[0].len() as i64;
                continue;
            }
            partners[1].sort_unstable();
            let shared = partners[0].iter().filter(|e| partners[1].binary_search(e).is_ok()).count();
            total += (partners[0].len() * partners[1].len() - shared) as i64;
        }
        Ok(total)
    }
}

/// Σ over nodes of the product of their degrees in each view (one or two), split across the machine's
/// cores: a sequential scan of the rows that is bound by memory bandwidth, which one core alone does
/// not use up.
fn count_by_degrees(
    views: &[RowsView],
    types: &[&[Sym]],
    node_bound: usize,
    interrupt: &Interrupt,
) -> Result<i64, QueryError> {
    let wanted: Vec<Wanted> = views.iter().zip(types).map(|(view, types)| view.wanted(types)).collect();
    let part = |nodes: std::ops::Range<usize>, interrupt: &Interrupt| -> Result<i64, QueryError> {
        const CHUNK: usize = 4096;
        let mut total: i64 = 0;
        let (mut first, mut second) = (Vec::with_capacity(CHUNK), Vec::with_capacity(CHUNK));
        let mut from = nodes.start;
        while from < nodes.end {
            interrupt.check_now()?;
            let chunk = from..(from + CHUNK).min(nodes.end);
            views[0].degrees(chunk.clone(), &wanted[0], &mut first);
            total += match views.get(1).zip(wanted.get(1)) {
                Some((view, w)) => {
                    view.degrees(chunk.clone(), w, &mut second);
                    first.iter().zip(&second).map(|(&a, &b)| i64::from(a) * i64::from(b)).sum::<i64>()
                }
                _ => first.iter().map(|&a| i64::from(a)).sum::<i64>(),
            };
            from = chunk.end;
        }
        Ok(total)
    };
    let threads = crate::parallel::threads().min(8);
    // Below this many relationships a thread costs more than it saves.
    if threads == 1 || views[0].len() < 1 << 20 {
        return part(0..node_bound, interrupt);
    }
    let chunk = node_bound.div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let nodes = (t * chunk).min(node_bound)..((t + 1) * chunk).min(node_bound);
                let interrupt = interrupt.fork();
                scope.spawn(move || part(nodes, &interrupt))
            })
            .collect();
        let mut total = 0i64;
        for handle in handles {
            // A panic in a part is a bug; passing it on is all that can be done with it.
            total += handle.join().unwrap_or_else(|e| std::panic::resume_unwind(e))?;
        }
        Ok(total)
    })
}

impl<'p> super::Operator<'p> for CountPaths<'p> {
    fn next(&mut self, ctx: &mut super::Ctx) -> super::Pulled {
        if self.done {
            return Ok(None);
        }
        self.done = true;
        let n = self.count(ctx.graph(), ctx.interrupt)?;
        Ok(Some(vec![crate::value::Value::Int(n); self.columns]))
    }
}

/// `count(DISTINCT end)` of a reachability search per group of input rows (see `plan::count`): each
/// input row's ends come from one search, already distinct, so a group fed by one row (the usual case:
/// one row per start) needs no set; a second row for the same group turns its ends into a set.
pub(super) struct ReachCount<'p> {
    pub(super) input: super::Boxed<'p>,
    pub(super) from: usize,
    pub(super) direction: Direction,
    pub(super) types: &'p [String],
    pub(super) min: u64,
    pub(super) max: Option<u64>,
    pub(super) exclude_start: bool,
    pub(super) keys: &'p [crate::query::expr::CExpr],
    pub(super) outputs: &'p [crate::query::expr::CExpr],
    pub(super) output: Option<std::collections::VecDeque<Vec<crate::value::Value>>>,
}

enum Ends {
    One(Vec<NodeId>),
    Many(rustc_hash::FxHashSet<NodeId>),
}

impl Ends {
    fn len(&self) -> usize {
        match self {
            Ends::One(v) => v.len(),
            Ends::Many(s) => s.len(),
        }
    }

    fn add(&mut self, more: Vec<NodeId>) {
        if let Ends::One(first) = self {
            *self = Ends::Many(first.drain(..).collect());
        }
        if let Ends::Many(set) = self {
            set.extend(more);
        }
    }
}

impl ReachCount<'_> {
    fn consume(
        &mut self,
        ctx: &mut super::Ctx,
    ) -> Result<std::collections::VecDeque<Vec<crate::value::Value>>, QueryError> {
        use crate::value::{Equivalent, Value};
        let syms: Vec<Sym> = self.types.iter().filter_map(|t| ctx.graph().symbol(t)).collect();
        let unknown_types = !self.types.is_empty() && syms.is_empty();
        let mut reacher = Reacher::default();
        let mut groups: Vec<(Vec<Value>, Ends)> = Vec::new();
        let mut index: rustc_hash::FxHashMap<Vec<Equivalent>, usize> = Default::default();
        while let Some(row) = self.input.next(ctx)? {
            ctx.interrupt.check()?;
            let start = match super::get(&row, self.from) {
                Value::Node(n) => *n,
                Value::Null => continue,
                other => {
                    return Err(QueryError::new(
                        crate::query::ErrorKind::TypeError,
                        format!("expected a node to expand from, got a {}", other.type_name()),
                        None,
                    ));
                }
            };
            let mut ends = if unknown_types {
                if self.min == 0 { vec![start] } else { Vec::new() }
            } else {
                let search =
                    Search { start, direction: self.direction, types: &syms, min: self.min, max: self.max };
                reacher.reachable(ctx.graph(), &search, None, ctx.interrupt)?
            };
            if self.exclude_start {
                ends.retain(|&n| n != start);
            }
            if ends.is_empty() {
                // No row would have reached the aggregation: no group either.
                continue;
            }
            let keys = self.keys.iter().map(|k| ctx.eval(k, &row)).collect::<Result<Vec<_>, _>>()?;
            let probe: Vec<Equivalent> = keys.iter().cloned().map(Equivalent).collect();
            match index.get(&probe) {
                Some(&g) => groups[g].1.add(ends),
                None => {
                    index.insert(probe, groups.len());
                    groups.push((keys, Ends::One(ends)));
                }
            }
        }
        if groups.is_empty() && self.keys.is_empty() {
            groups.push((Vec::new(), Ends::One(Vec::new())));
        }
        let mut out = std::collections::VecDeque::with_capacity(groups.len());
        for (mut slots, ends) in groups {
            slots.push(Value::Int(ends.len() as i64));
            out.push_back(self.outputs.iter().map(|o| ctx.eval(o, &slots)).collect::<Result<Vec<_>, _>>()?);
        }
        Ok(out)
    }
}

impl<'p> super::Operator<'p> for ReachCount<'p> {
    fn next(&mut self, ctx: &mut super::Ctx) -> super::Pulled {
        if self.output.is_none() {
            self.output = Some(self.consume(ctx)?);
        }
        Ok(self.output.as_mut().and_then(std::collections::VecDeque::pop_front))
    }
}
