//! The breadth-first search behind a variable-length expansion that only needs reachable ends
//! (see `plan::reach` for when the planner asks for it).

use crate::graph::{Direction, EdgeId, Graph, NodeId, Sym};
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
    /// each once; `min` must be 0 or 1. `edge_ok` filters the relationships a path may use.
    pub(super) fn reachable(
        &mut self,
        graph: &Graph,
        search: &Search,
        edge_ok: impl Fn(EdgeId) -> bool,
        interrupt: &Interrupt,
    ) -> Result<Vec<NodeId>, QueryError> {
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
