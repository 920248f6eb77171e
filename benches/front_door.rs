//! The library's front door on a small parameterised lookup (issue 16): a prepared statement
//! against the same text parsed and planned on every call, and two reader threads against one.
//! Each pair is measured in the same run; read the ratios, not the times (the machine is shared).
//!
//! The graph: 100,000 `:Host` nodes with an indexed `id`, each linked to the next; the lookup
//! finds one host by id and its neighbour's name.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use kgraph::{Database, params};

const HOSTS: i64 = 100_000;
const LOOKUP: &str = "MATCH (h:Host {id: $id})-[:`linked-to`]->(n) RETURN h.name AS host, n.name AS next";

fn database() -> Database {
    let db = Database::in_memory();
    db.execute("CREATE INDEX FOR (h:Host) ON (h.id)", ()).expect("the index");
    db.execute(
        "UNWIND range(0, $n - 1) AS i CREATE (:Host {id: i, name: 'host-' + toString(i)})",
        params! { "n" => HOSTS },
    )
    .expect("the hosts");
    db.execute(
        "UNWIND range(0, $n - 2) AS i MATCH (a:Host {id: i}), (b:Host {id: i + 1}) CREATE (a)-[:`linked-to`]->(b)",
        params! { "n" => HOSTS },
    )
    .expect("the links");
    db
}

/// The next id to look up: spread over the graph, the same sequence in every variant.
fn id(i: u64) -> i64 {
    (i.wrapping_mul(2_654_435_761) % (HOSTS as u64 - 1)) as i64
}

fn front_door(c: &mut Criterion) {
    let db = database();
    let prepared = db.prepare(LOOKUP).expect("it prepares");
    let check = prepared.execute(params! { "id" => 41 }).expect("it runs");
    assert_eq!(check.first().expect("a row").get::<String>("next").expect("a name"), "host-42");

    let mut group = c.benchmark_group("lookup");
    let mut i = 0;
    group.bench_function("parsed each time", |b| {
        b.iter(|| {
            i += 1;
            black_box(db.execute(LOOKUP, params! { "id" => id(i) }).expect("it runs"))
        })
    });
    group.bench_function("prepared", |b| {
        b.iter(|| {
            i += 1;
            black_box(prepared.execute(params! { "id" => id(i) }).expect("it runs"))
        })
    });
    // Throughput: the same number of lookups by one thread, or split between two.
    for threads in [1_u64, 2] {
        group.bench_function(format!("prepared, {threads} reader thread(s), per lookup"), |b| {
            b.iter_custom(|lookups| {
                let each = lookups.div_ceil(threads);
                let started = Instant::now();
                std::thread::scope(|s| {
                    for t in 0..threads {
                        let prepared = &prepared;
                        s.spawn(move || {
                            for k in 0..each {
                                black_box(
                                    prepared.execute(params! { "id" => id(t * each + k) }).expect("it runs"),
                                );
                            }
                        });
                    }
                });
                started.elapsed()
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(4)).warm_up_time(Duration::from_secs(1));
    targets = front_door
}
criterion_main!(benches);
