//! Large synthetic graphs for benchmarks: Graph500-style R-MAT edges (a = 0.57, b = 0.19, c = 0.19),
//! seeded and deterministic, typed with the seed story's relationship types, on labelled nodes with
//! a unique `name` and an integer `score`.

use std::io::Write;
use std::path::Path;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

use crate::graph::{Columns, Graph, Properties};
use crate::value::Value;

/// Node labels, drawn uniformly.
pub const LABELS: [&str; 4] = ["ThreatActor", "Campaign", "Organization", "Indicator"];
/// Relationship types and how often each is drawn, in percent.
pub const TYPES: [(&str, u32); 3] = [("attributed-to", 50), ("linked-to", 35), ("condemned-by", 15)];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// 2^scale nodes.
    pub scale: u32,
    /// edge_factor × 2^scale edges are drawn (before self-loops and repeats are dropped).
    pub edge_factor: u32,
    pub seed: u64,
}

impl Default for Spec {
    fn default() -> Self {
        Spec { scale: 16, edge_factor: 16, seed: 1 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("--scale must be between 1 and 30, not {0}")]
    Scale(u32),
    #[error("--edge-factor must be between 1 and 1024, not {0}")]
    EdgeFactor(u32),
    #[error("{path}: {source}")]
    Io { path: std::path::PathBuf, source: std::io::Error },
    #[error("{path}: {source}")]
    Csv { path: std::path::PathBuf, source: csv::Error },
}

/// The generated graph before it becomes a store: what both outputs (snapshot, CSV) are written from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synthetic {
    /// Per node: index into [`LABELS`], and score.
    pub nodes: Vec<(u8, i64)>,
    /// (source, target, index into [`TYPES`]), no self-loops, no repeated (source, target) pair, in a
    /// random order.
    pub edges: Vec<(u32, u32, u8)>,
}

impl Spec {
    pub fn check(&self) -> Result<(), GenerateError> {
        if !(1..=30).contains(&self.scale) {
            return Err(GenerateError::Scale(self.scale));
        }
        if !(1..=1024).contains(&self.edge_factor) {
            return Err(GenerateError::EdgeFactor(self.edge_factor));
        }
        Ok(())
    }

    /// Draws the graph. Vertex numbers are permuted (as Graph500 does) so that the R-MAT hubs are
    /// scattered over the id range rather than packed at its start.
    pub fn draw(&self) -> Result<Synthetic, GenerateError> {
        self.check()?;
        let mut rng = Pcg64Mcg::seed_from_u64(self.seed);
        let n = 1usize << self.scale;
        let drawn = n * self.edge_factor as usize;
        let mut edges: Vec<(u32, u32)> = Vec::with_capacity(drawn);
        for _ in 0..drawn {
            let (mut a, mut b) = (0u32, 0u32);
            for _ in 0..self.scale {
                let p: f64 = rng.random();
                let (down, right) = match p {
                    p if p < 0.57 => (0, 0),
                    p if p < 0.76 => (0, 1),
                    p if p < 0.95 => (1, 0),
                    _ => (1, 1),
                };
                a = (a << 1) | down;
                b = (b << 1) | right;
            }
            if a != b {
                edges.push((a, b));
            }
        }
        edges.sort_unstable();
        edges.dedup();
        let mut permutation: Vec<u32> = (0..n as u32).collect();
        permutation.shuffle(&mut rng);
        edges.shuffle(&mut rng);
        let total: u32 = TYPES.iter().map(|t| t.1).sum();
        let edges = edges
            .into_iter()
            .map(|(a, b)| {
                let mut pick = rng.random_range(0..total);
                let ty = TYPES
                    .iter()
                    .position(|t| {
                        pick < t.1 || {
                            pick -= t.1;
                            false
                        }
                    })
                    .unwrap_or(0);
                (permutation[a as usize], permutation[b as usize], ty as u8)
            })
            .collect();
        let nodes =
            (0..n).map(|_| (rng.random_range(0..LABELS.len()) as u8, rng.random_range(0..100i64))).collect();
        Ok(Synthetic { nodes, edges })
    }
}

/// A node's name: unique, so that lookups by name find one node.
pub fn node_name(id: usize) -> String {
    format!("n{id}")
}

impl Synthetic {
    /// The graph as a store; node `i` gets id `i`.
    pub fn to_graph(&self) -> Graph {
        let mut g = Graph::new();
        let labels: Vec<_> = LABELS.iter().map(|l| g.intern(l)).collect();
        let types: Vec<_> = TYPES.iter().map(|t| g.intern(t.0)).collect();
        let (name, score) = (g.intern("name"), g.intern("score"));
        for (i, &(label, s)) in self.nodes.iter().enumerate() {
            let mut props = Properties::default();
            props.set(name, Value::from(node_name(i)));
            props.set(score, Value::Int(s));
            g.add_node(&[labels[label as usize]], props);
        }
        let mut relationships = Columns::default();
        for &(a, b, ty) in &self.edges {
            relationships.push(a, b, types[ty as usize], Properties::default());
        }
        // Both ends of every relationship were created above (node ids are 0..n), and the graph
        // is far below the four billion relationships an id can number.
        g.add_edges(relationships).expect("the endpoints exist");
        g.prepare_reads();
        g
    }

    /// Writes `nodes.csv` and `edges.csv` in `dir` (created when missing), in the neo4j-admin layout
    /// that `kgraph import` reads.
    pub fn write_csv(&self, dir: &Path) -> Result<(), GenerateError> {
        std::fs::create_dir_all(dir)
            .map_err(|source| GenerateError::Io { path: dir.to_path_buf(), source })?;
        let nodes_path = dir.join("nodes.csv");
        let mut w = csv::Writer::from_path(&nodes_path).map_err(csv_err(&nodes_path))?;
        w.write_record(["id:ID", ":LABEL", "name", "score:int"]).map_err(csv_err(&nodes_path))?;
        for (i, &(label, s)) in self.nodes.iter().enumerate() {
            w.write_record([&i.to_string(), LABELS[label as usize], &node_name(i), &s.to_string()])
                .map_err(csv_err(&nodes_path))?;
        }
        finish(w, &nodes_path)?;
        let edges_path = dir.join("edges.csv");
        let mut w = csv::Writer::from_path(&edges_path).map_err(csv_err(&edges_path))?;
        w.write_record([":START_ID", ":END_ID", ":TYPE"]).map_err(csv_err(&edges_path))?;
        for &(a, b, ty) in &self.edges {
            w.write_record([&a.to_string(), &b.to_string(), TYPES[ty as usize].0])
                .map_err(csv_err(&edges_path))?;
        }
        finish(w, &edges_path)
    }
}

fn csv_err(path: &Path) -> impl Fn(csv::Error) -> GenerateError + '_ {
    move |source| GenerateError::Csv { path: path.to_path_buf(), source }
}

fn finish(w: csv::Writer<std::fs::File>, path: &Path) -> Result<(), GenerateError> {
    let io = |source| GenerateError::Io { path: path.to_path_buf(), source };
    let file = w.into_inner().map_err(|e| io(e.into_error()))?;
    let mut file = std::io::BufWriter::new(file);
    file.flush().map_err(io)?;
    file.get_ref().sync_all().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_graph_and_another_seed_does_not() {
        let spec = Spec { scale: 8, edge_factor: 8, seed: 7 };
        let one = spec.draw().unwrap();
        assert_eq!(one, spec.draw().unwrap());
        assert_ne!(one, Spec { seed: 8, ..spec }.draw().unwrap());
        assert_eq!(one.nodes.len(), 256);
        // Small R-MAT graphs repeat many pairs: about half survive at this scale.
        assert!(one.edges.len() > 256 * 8 / 3, "{} edges kept", one.edges.len());
        assert!(one.edges.iter().all(|&(a, b, _)| a != b && a < 256 && b < 256));
        let mut pairs: Vec<_> = one.edges.iter().map(|&(a, b, _)| (a, b)).collect();
        pairs.sort_unstable();
        pairs.dedup();
        assert_eq!(pairs.len(), one.edges.len());
    }

    #[test]
    fn degrees_are_skewed_as_r_mat_makes_them() {
        let g = Spec { scale: 12, edge_factor: 16, seed: 1 }.draw().unwrap();
        let mut degree = vec![0u32; g.nodes.len()];
        for &(a, _, _) in &g.edges {
            degree[a as usize] += 1;
        }
        let max = *degree.iter().max().unwrap() as f64;
        let mean = g.edges.len() as f64 / g.nodes.len() as f64;
        assert!(max > 10.0 * mean, "a hub far above the mean degree: max {max}, mean {mean}");
        let types: std::collections::BTreeSet<u8> = g.edges.iter().map(|e| e.2).collect();
        assert_eq!(types.len(), 3);
    }

    #[test]
    fn out_of_range_specs_are_refused() {
        assert!(matches!(Spec { scale: 0, ..Spec::default() }.draw(), Err(GenerateError::Scale(0))));
        assert!(matches!(
            Spec { edge_factor: 0, ..Spec::default() }.draw(),
            Err(GenerateError::EdgeFactor(0))
        ));
    }

    #[test]
    fn the_store_and_the_csv_hold_the_same_graph() {
        let s = Spec { scale: 5, edge_factor: 4, seed: 3 }.draw().unwrap();
        let g = s.to_graph();
        assert_eq!((g.node_count(), g.edge_count()), (32, s.edges.len()));
        let dir = tempfile::tempdir().unwrap();
        s.write_csv(dir.path()).unwrap();
        let nodes = std::fs::read_to_string(dir.path().join("nodes.csv")).unwrap();
        assert_eq!(nodes.lines().count(), 33);
        assert!(nodes.starts_with("id:ID,:LABEL,name,score:int\n0,"));
        let edges = std::fs::read_to_string(dir.path().join("edges.csv")).unwrap();
        assert_eq!(edges.lines().count(), s.edges.len() + 1);
    }
}
