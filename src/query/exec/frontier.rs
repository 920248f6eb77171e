//! Direction-optimising breadth-first search (Beamer, Asanović and Patterson, SC 2012) over the
//! adjacency rows read in place: while the frontier is small, each frontier node's relationships are
//! followed (top down); once the frontier's relationships outnumber a fraction of those left to
//! explore, each node not yet reached looks among its own incoming relationships for one from the
//! frontier, and stops at the first (bottom up). On skewed graphs most of a search's work is in a few
//! huge levels, which bottom-up steps finish after looking at a fraction of their edges.
//!
//! Used for directed reachability searches that filter relationships by type only, when the index
//! is current for every node (`Graph::rows`); everything else takes the general search.

use crate::graph::{NodeId, RowsView, Sym, Wanted};
use crate::query::error::QueryError;
use crate::query::interrupt::Interrupt;

/// Go bottom up once the frontier's relationships exceed the unexplored ones divided by this.
const TO_BOTTOM_UP: usize = 14;
/// Go back top down once the frontier holds fewer than the nodes divided by this.
const TO_TOP_DOWN: usize = 24;

/// Bitmaps reused from one search to the next.
#[derive(Debug, Default)]
pub(super) struct Frontier {
    visited: Vec<u64>,
    in_frontier: Vec<u64>,
}

#[inline]
fn has(bits: &[u64], n: u32) -> bool {
    bits[(n / 64) as usize] & (1 << (n % 64)) != 0
}

#[inline]
fn set(bits: &mut [u64], n: u32) {
    bits[(n / 64) as usize] |= 1 << (n % 64);
}

/// What one search asks.
pub(super) struct Request<'a> {
    /// The relationships to follow, and the same relationships seen from their other end.
    pub forward: RowsView<'a>,
    pub backward: RowsView<'a>,
    pub start: NodeId,
    pub types: &'a [Sym],
    pub max: u64,
}

impl Frontier {
    /// The nodes at 1..=max steps from the start, each once, the start excluded; and whether a path of
    /// 1..=max steps leads back to the start.
    pub(super) fn search(
        &mut self,
        request: &Request,
        found: &mut Vec<NodeId>,
        interrupt: &Interrupt,
    ) -> Result<bool, QueryError> {
        let Request { forward, backward, start, types, max } = *request;
        let bound = forward.node_bound();
        let words = bound.div_ceil(64);
        self.visited.clear();
        self.visited.resize(words, 0);
        self.in_frontier.resize(words, 0);
        let (ahead, behind) = (forward.wanted(types), backward.wanted(types));
        // The relationships that end at the start: one from the frontier closes a path back to it.
        let mut into_start = Vec::new();
        backward.any(start.0, &behind, |u| {
            into_start.push(u);
            false
        });
        let mut back_to_start = false;
        set(&mut self.visited, start.0);
        let mut frontier = vec![start.0];
        let mut next = Vec::new();
        let mut frontier_edges = forward.degree(start.0, &Wanted::Any);
        let mut unexplored_edges = forward.len().saturating_sub(frontier_edges);
        let mut bottom_up = false;
        let mut depth = 0u64;
        while !frontier.is_empty() && depth < max {
            if !bottom_up && frontier_edges > unexplored_edges / TO_BOTTOM_UP {
                bottom_up = true;
            } else if bottom_up && frontier.len() < bound / TO_TOP_DOWN {
                bottom_up = false;
            }
            next.clear();
            if bottom_up {
                self.in_frontier.fill(0);
                for &u in &frontier {
                    set(&mut self.in_frontier, u);
                }
                back_to_start |= into_start.iter().any(|&u| has(&self.in_frontier, u));
                self.bottom_up_step(backward, bound, &behind, &mut next, interrupt)?;
            } else {
                for &u in &frontier {
                    interrupt.check()?;
                    let visited = &mut self.visited;
                    forward.any(u, &ahead, |v| {
                        if v == start.0 {
                            back_to_start = true;
                        } else if !has(visited, v) {
                            set(visited, v);
                            next.push(v);
                        }
                        false
                    });
                }
            }
            frontier_edges = next.iter().map(|&v| forward.degree(v, &Wanted::Any)).sum();
            unexplored_edges = unexplored_edges.saturating_sub(frontier_edges);
            found.extend(next.iter().map(|&v| NodeId(v)));
            std::mem::swap(&mut frontier, &mut next);
            depth += 1;
        }
        Ok(back_to_start)
    }

    /// One level bottom up: every node not yet visited that has a wanted relationship from the
    /// frontier joins the next level.
    fn bottom_up_step(
        &mut self,
        backward: RowsView,
        bound: usize,
        wanted: &Wanted,
        next: &mut Vec<u32>,
        interrupt: &Interrupt,
    ) -> Result<(), QueryError> {
        for word in 0..self.visited.len() {
            interrupt.check()?;
            let mut unvisited = !self.visited[word];
            if word == self.visited.len() - 1 && !bound.is_multiple_of(64) {
                unvisited &= (1u64 << (bound % 64)) - 1;
            }
            while unvisited != 0 {
                let bit = unvisited.trailing_zeros();
                unvisited &= unvisited - 1;
                let v = (word * 64) as u32 + bit;
                let in_frontier = &self.in_frontier;
                if backward.any(v, wanted, |u| has(in_frontier, u)) {
                    self.visited[word] |= 1 << bit;
                    next.push(v);
                }
            }
        }
        Ok(())
    }
}
