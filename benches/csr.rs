//! The practical limit for `benches/compare`: the same queries as plain loops over a
//! compressed-sparse-row array of u32 (no types beyond one byte per edge, no properties, no
//! query engine), single-threaded, top-down BFS. Reads `edges.csv` as `kgraph generate --csv` writes
//! it; prints one JSON object of median seconds per query, the answers, and the bytes the arrays hold.
//!
//! `cargo bench --bench csr -- --csv DIR --source N --sources A,B,… --pairs A-B,… [--repeat R]`

use std::time::Instant;

#[path = "common/csr.rs"]
mod csr;
use csr::Csr;

/// The edge list `kgraph generate --csv` wrote, as a CSR.
fn load(dir: &str) -> Csr {
    let text = std::fs::read_to_string(format!("{dir}/edges.csv")).expect("edges.csv is readable");
    let mut edges = Vec::new();
    let mut nodes = 0u32;
    for line in text.lines().skip(1) {
        let mut fields = line.split(',');
        let mut number = || fields.next().and_then(|f| f.parse::<u32>().ok()).expect("a node number");
        let (a, b) = (number(), number());
        let ty = match fields.next() {
            Some("attributed-to") => 0u8,
            Some("linked-to") => 1,
            _ => 2,
        };
        nodes = nodes.max(a + 1).max(b + 1);
        edges.push((a, b, ty));
    }
    Csr::from_edges(nodes as usize, &edges)
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn timed<T>(repeat: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..repeat {
        let start = Instant::now();
        last = Some(f());
        times.push(start.elapsed().as_secs_f64());
    }
    (median(times), last.expect("repeat is at least 1"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let Some(dir) = arg("--csv") else {
        // `cargo bench` without arguments (as CI's `--no-run` check never runs it): nothing to measure.
        eprintln!("usage: cargo bench --bench csr -- --csv DIR --source N --sources A,B,… --pairs A-B,…");
        return;
    };
    let numbers = |s: &str| {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(|x| x.parse::<u32>().expect("a node number"))
            .collect::<Vec<_>>()
    };
    let repeat: usize = arg("--repeat").and_then(|r| r.parse().ok()).unwrap_or(5).max(1);
    let source: u32 = arg("--source").and_then(|s| s.parse().ok()).unwrap_or(0);
    let sources = numbers(&arg("--sources").unwrap_or_default());
    let pairs: Vec<(u32, u32)> = arg("--pairs")
        .unwrap_or_default()
        .split(',')
        .filter_map(|p| p.split_once('-'))
        .map(|(a, b)| (a.parse().expect("a node number"), b.parse().expect("a node number")))
        .collect();

    let (load, csr) = timed(1, || load(&dir));
    let mut dist = vec![0u32; csr.nodes()];
    let mut report = serde_json::Map::new();
    let mut put = |name: &str, seconds: f64, answer: serde_json::Value| {
        report.insert(name.to_string(), seconds.into());
        report.insert(format!("{name} answer"), answer);
    };
    put("load from CSV", load, serde_json::Value::Null);
    let (t, (others, _)) = timed(repeat, || csr.within(source, u32::MAX, &mut dist));
    put("full BFS (1 source)", t, others.into());
    for k in 1..=3 {
        let (t, counts) =
            timed(repeat, || sources.iter().map(|&s| csr.within(s, k, &mut dist).0).sum::<u64>());
        put(&format!("{k}-hop distinct, 100 sources"), t, counts.into());
    }
    let (t, lengths) = timed(repeat, || {
        pairs
            .iter()
            .filter(|(a, b)| a != b)
            .filter_map(|&(a, b)| csr.distance(a, b, &mut dist))
            .collect::<Vec<_>>()
    });
    put(
        "shortest path, 100 pairs",
        t,
        serde_json::json!([lengths.len(), lengths.iter().map(|&l| u64::from(l)).sum::<u64>()]),
    );
    let (t, n) = timed(repeat, || csr.typed_two_hop(0, 1));
    put("typed 2-hop count", t, n.into());
    let bytes = csr.offsets.len() * 4 + csr.targets.len() * 4 + csr.types.len();
    report.insert("bytes".into(), bytes.into());
    println!("{}", serde_json::Value::Object(report));
}
