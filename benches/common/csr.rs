//! The practical limit the benchmarks compare with: out-edges of each node as one contiguous run of
//! u32 targets (and one type byte each), walked by plain loops. Shared by `benches/traversal.rs` and
//! `benches/csr.rs`.

use std::collections::VecDeque;

pub struct Csr {
    pub offsets: Vec<u32>,
    pub targets: Vec<u32>,
    pub types: Vec<u8>,
}

impl Csr {
    /// From (source, target, type) edges over nodes `0..nodes`.
    pub fn from_edges(nodes: usize, edges: &[(u32, u32, u8)]) -> Csr {
        let mut offsets = vec![0u32; nodes + 1];
        for &(a, _, _) in edges {
            offsets[a as usize + 1] += 1;
        }
        for i in 0..nodes {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let (mut targets, mut types) = (vec![0; edges.len()], vec![0; edges.len()]);
        for &(a, b, t) in edges {
            let at = fill[a as usize] as usize;
            (targets[at], types[at]) = (b, t);
            fill[a as usize] += 1;
        }
        Csr { offsets, targets, types }
    }

    pub fn nodes(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn out(&self, n: u32) -> std::ops::Range<usize> {
        self.offsets[n as usize] as usize..self.offsets[n as usize + 1] as usize
    }

    /// Distinct nodes other than the source at 1..=max hops, top-down BFS, and whether a path leads
    /// back to the source (Cypher's `[*1..max]` counts it then).
    pub fn within(&self, source: u32, max: u32, dist: &mut [u32]) -> (u64, bool) {
        dist.fill(u32::MAX);
        dist[source as usize] = 0;
        let mut queue = VecDeque::from([source]);
        let (mut count, mut back) = (0, false);
        while let Some(u) = queue.pop_front() {
            let d = dist[u as usize];
            if d == max {
                continue;
            }
            for &v in &self.targets[self.out(u)] {
                back |= v == source;
                if dist[v as usize] == u32::MAX {
                    dist[v as usize] = d + 1;
                    count += 1;
                    queue.push_back(v);
                }
            }
        }
        (count, back)
    }

    /// The length of a shortest path, searched from `from` only.
    pub fn distance(&self, from: u32, to: u32, dist: &mut [u32]) -> Option<u32> {
        dist.fill(u32::MAX);
        dist[from as usize] = 0;
        let mut queue = VecDeque::from([from]);
        while let Some(u) = queue.pop_front() {
            for &v in &self.targets[self.out(u)] {
                if dist[v as usize] == u32::MAX {
                    dist[v as usize] = dist[u as usize] + 1;
                    if v == to {
                        return Some(dist[v as usize]);
                    }
                    queue.push_back(v);
                }
            }
        }
        None
    }

    /// Matches of `(a)-[:first]->(b)-[:second]->(c)`, by nested loops.
    pub fn typed_two_hop(&self, first: u8, second: u8) -> u64 {
        let mut count = 0;
        for a in 0..self.nodes() as u32 {
            for i in self.out(a) {
                if self.types[i] == first {
                    count += self.out(self.targets[i]).filter(|&j| self.types[j] == second).count() as u64;
                }
            }
        }
        count
    }
}
