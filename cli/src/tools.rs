//! The subcommands that build graphs rather than query them: `generate` and `import`.

use kgraph::progress::{Progress, Unit};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Instant;

use clap::{ArgGroup, Subcommand};
use kgraph::generate::Spec;

#[derive(Debug, Subcommand)]
pub enum Tool {
    /// Generate a large R-MAT graph (Graph500 parameters) for benchmarks, as a snapshot or as CSV.
    #[command(group(ArgGroup::new("destination").required(true).multiple(true).args(["output", "csv"])))]
    Generate {
        /// 2^SCALE nodes.
        #[arg(long)]
        scale: u32,
        /// EDGE_FACTOR × 2^SCALE edges are drawn; self-loops and repeated pairs are dropped.
        #[arg(long, default_value_t = 16)]
        edge_factor: u32,
        /// The random seed: the same seed gives the same graph.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write a snapshot.
        #[arg(short = 'o', long = "output", value_name = "FILE.kgs")]
        output: Option<PathBuf>,
        /// Write nodes.csv and edges.csv (the neo4j-admin layout `kgraph import` reads) into DIR.
        #[arg(long, value_name = "DIR")]
        csv: Option<PathBuf>,
    },
    /// Import CSV files in the neo4j-admin layout into a snapshot.
    Import {
        /// Node files: an `:ID` column, optional `:LABEL` (labels separated by `;`), property columns
        /// (`name`, `score:int`, `tags:string[]`, `v:json` for any value as JSON).
        #[arg(long, value_name = "FILE", num_args = 1.., required = true)]
        nodes: Vec<PathBuf>,
        /// Relationship files: `:START_ID`, `:END_ID`, `:TYPE` and property columns.
        #[arg(long, value_name = "FILE", num_args = 1..)]
        edges: Vec<PathBuf>,
        /// The snapshot to write.
        #[arg(short = 'o', long = "output", value_name = "FILE.kgs", required = true)]
        output: PathBuf,
        /// Read and place with at most N threads (default: every processor).
        #[arg(long, value_name = "N")]
        threads: Option<NonZeroUsize>,
    },
}

pub fn run(tool: Tool) -> Result<(), String> {
    match tool {
        Tool::Generate { scale, edge_factor, seed, output, csv } => {
            let started = Instant::now();
            let mut bar = crate::bar::Bar::on_stderr();
            bar.stage("drawing the graph", None, Unit::Items);
            let drawn = Spec { scale, edge_factor, seed }.draw().map_err(|e| e.to_string())?;
            let (nodes, edges) = (drawn.nodes.len(), drawn.edges.len());
            if let Some(dir) = &csv {
                bar.stage("writing CSV", None, Unit::Bytes);
                drawn.write_csv(dir).map_err(|e| e.to_string())?;
                bar.finish();
                eprintln!(
                    "Wrote {} and {}",
                    dir.join("nodes.csv").display(),
                    dir.join("edges.csv").display()
                );
            }
            if let Some(path) = &output {
                bar.stage("building the store", None, Unit::Items);
                let graph = drawn.to_graph();
                drop(drawn);
                bar.stage("writing the snapshot", None, Unit::Bytes);
                kgraph::snapshot::save(&graph, path).map_err(|e| e.to_string())?;
                bar.finish();
                eprintln!("Wrote {}", path.display());
            }
            eprintln!(
                "Generated {nodes} nodes and {edges} relationships in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Tool::Import { nodes, edges, output, threads } => {
            kgraph::parallel::set_max_threads(threads);
            let started = Instant::now();
            let mut bar = crate::bar::Bar::on_stderr();
            let (node_count, edge_count) =
                kgraph::import::import_to_snapshot(&nodes, &edges, &output, &mut bar)
                    .map_err(|e| e.to_string())?;
            drop(bar);
            eprintln!(
                "Imported {node_count} nodes and {edge_count} relationships into {} in {:.1} s",
                output.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
    }
}
