//! Issue 18's full-text figures, measured in one run:
//!
//! - `fulltext_query/…`: a two-term query over the descriptions of MITRE ATT&CK (techniques,
//!   malware, tools, groups, campaigns, mitigations), `credential harvesting`, as the whole
//!   `CALL db.index.fulltext.queryNodes(…) YIELD node, score RETURN …` statement, beside the
//!   unindexed way to ask the same, `WHERE toLower(n.description) CONTAINS …` for both words, as
//!   the baseline of the same run (read the ratio, not the times);
//! - the build: before the benchmarks, the time `CREATE FULLTEXT INDEX` takes and the index's size
//!   (terms, fields, heap bytes) are printed, for ATT&CK and for a million short strings
//!   (`KGRAPH_BENCH_N` sets the count), each beside the time of a plain range index on the same key.
//!
//! ATT&CK is read from `../shared/data/enterprise-attack-18.1.json.gz`, beside the checkout.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use kgraph::Database;

const ATTACK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/enterprise-attack-18.1.json.gz");
const LABELS: &str = "AttackPattern|Malware|Tool|IntrusionSet|Campaign|CourseOfAction";

fn count() -> usize {
    std::env::var("KGRAPH_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000)
}

/// Runs `create` and reports its time, the index's size, and the time of `baseline` beside it.
fn build(db: &Database, what: &str, create: &str, baseline: &str) {
    let started = Instant::now();
    db.execute(baseline, ()).expect("the range index is created");
    let range = started.elapsed();
    let started = Instant::now();
    db.execute(create, ()).expect("the full-text index is created");
    let fulltext = started.elapsed();
    let name = db.read(|g| g.fulltext_indexes().next().map(|(n, _)| n.to_string())).unwrap().expect("one");
    let (terms, fields, bytes) = db.read(|g| g.fulltext_size(&name)).unwrap().expect("the index exists");
    eprintln!(
        "{what}: full-text index built in {:.3} s ({:.1}× the range index on the same key, {:.3} s); \
         {terms} terms, {fields} fields with text, {:.1} MiB",
        fulltext.as_secs_f64(),
        fulltext.as_secs_f64() / range.as_secs_f64().max(1e-9),
        range.as_secs_f64(),
        bytes as f64 / (1024.0 * 1024.0)
    );
}

fn attack(c: &mut Criterion) {
    let db = Database::in_memory();
    db.load(ATTACK).unwrap_or_else(|e| panic!("{ATTACK} is needed for this benchmark: {e}"));
    build(
        &db,
        "ATT&CK",
        &format!("CREATE FULLTEXT INDEX descriptions FOR (n:{LABELS}) ON EACH [n.name, n.description]"),
        "CREATE INDEX FOR (n:AttackPattern) ON (n.description)",
    );
    let indexed = db
        .prepare(
            "CALL db.index.fulltext.queryNodes('descriptions', 'credential harvesting') YIELD node, score \
             RETURN node.name, score",
        )
        .unwrap();
    let scan = db
        .prepare(&format!(
            "MATCH (n:{LABELS}) WITH n, toLower(n.description) AS d \
             WHERE d CONTAINS 'credential' OR d CONTAINS 'harvesting' RETURN n.name"
        ))
        .unwrap();
    let found = indexed.execute(()).unwrap().len();
    let scanned = scan.execute(()).unwrap().len();
    assert!(found > 0, "the query finds techniques");
    eprintln!("ATT&CK: the query finds {found} entities, the scan {scanned} (substrings, so a few more)");
    let mut group = c.benchmark_group("fulltext_query");
    group.bench_function("index", |b| b.iter(|| black_box(indexed.execute(()).unwrap().len())));
    group.bench_function("scan_baseline", |b| b.iter(|| black_box(scan.execute(()).unwrap().len())));
    group.finish();
}

fn short_strings(_: &mut Criterion) {
    let n = count();
    let db = Database::in_memory();
    // Four words of a few thousand each, so that the dictionary is realistic rather than tiny.
    db.execute(
        &format!(
            "UNWIND range(0, {}) AS i CREATE (:S {{text: 'w' + toString(i % 4999) + ' x' + toString(i % 997) \
             + ' y' + toString(i % 101) + ' item' + toString(i)}})",
            n - 1
        ),
        (),
    )
    .expect("the strings are made");
    build(
        &db,
        &format!("{n} short strings"),
        "CREATE FULLTEXT INDEX short FOR (n:S) ON EACH [n.text]",
        "CREATE INDEX FOR (n:S) ON (n.text)",
    );
}

criterion_group!(benches, short_strings, attack);
criterion_main!(benches);
