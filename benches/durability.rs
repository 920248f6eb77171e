//! The cost of durability: statements per second with the journal (`--db`, synced per statement)
//! against the same statements on an in-memory graph, measured in the same run.
//!
//! - `single/*`: one small CREATE per statement, the journal synced after each;
//! - `batch/*`: one statement creating 1000 nodes, synced once.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kgraph::Session;
use kgraph::db::Directory;

fn durability(c: &mut Criterion) {
    let single = "CREATE (:Event {kind: 'login', user: 'analyst', ok: true})";
    let batch = "UNWIND range(1, 1000) AS i CREATE (:Event {kind: 'login', seq: i})";

    let mut group = c.benchmark_group("single");
    let mut memory = Session::new();
    group.bench_function("in-memory", |b| b.iter(|| memory.run(black_box(single)).expect("runs")));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (mut db, _) = Directory::open(dir.path()).expect("the database opens");
    group.bench_function("journalled", |b| b.iter(|| db.run(black_box(single)).expect("runs")));
    group.finish();

    let mut group = c.benchmark_group("batch");
    group.sample_size(20);
    let mut memory = Session::new();
    group.bench_function("in-memory", |b| b.iter(|| memory.run(black_box(batch)).expect("runs")));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (mut db, _) = Directory::open(dir.path()).expect("the database opens");
    group.bench_function("journalled", |b| b.iter(|| db.run(black_box(batch)).expect("runs")));
    group.finish();
}

criterion_group!(benches, durability);
criterion_main!(benches);
