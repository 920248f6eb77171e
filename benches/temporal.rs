//! Issue 17's performance target: comparing and sorting a million datetimes costs at most twice
//! sorting a million integers, measured side by side in one run. Two levels:
//!
//! - `values/…`: a `Vec<Value>` sorted by `Value::order_cmp`, the comparison `ORDER BY` uses;
//! - `query/…`: `MATCH (e:E) RETURN e.x ORDER BY e.x` over a million nodes holding both properties,
//!   the whole statement (scan, projection, sort, rows), `e.i` against `e.t`.
//!
//! The datetimes carry different offsets and an IANA zone, so that ordering has to compare instants
//! rather than the written local times; the integers are in the same shuffled order. Read the
//! ratio of each pair, not the times. `KGRAPH_BENCH_N` sets the count (default 1,000,000).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kgraph::Session;
use kgraph::temporal::Temporal;
use kgraph::value::Value;

fn count() -> i64 {
    std::env::var("KGRAPH_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000)
}

/// A permutation of 0..n (n prime to the multiplier), so that neither column arrives sorted.
fn shuffled(n: i64) -> impl Iterator<Item = i64> {
    (0..n).map(move |i| (i * 7_919) % n)
}

fn values(c: &mut Criterion) {
    let n = count();
    let mut session = Session::new();
    // The datetimes are made by the engine itself (datetime.fromepoch, then a zone or an offset),
    // the same values the query bench stores.
    let made = session
        .run(&format!(
            "UNWIND range(0, {}) AS i WITH (i * 7919) % {n} AS m \
             WITH m, datetime.fromepoch(1577836800 + m * 60, 0) AS utc \
             RETURN CASE m % 3 WHEN 0 THEN utc \
                    WHEN 1 THEN datetime({{datetime: utc, timezone: '+02:00'}}) \
                    ELSE datetime({{datetime: utc, timezone: 'Europe/Prague'}}) END",
            n - 1
        ))
        .expect("the datetimes are made");
    let datetimes: Vec<Value> = made[0].rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(datetimes.len() as i64, n);
    assert!(datetimes.iter().all(|v| matches!(v, Value::Temporal(Temporal::DateTime(_)))));
    let ints: Vec<Value> = shuffled(n).map(Value::Int).collect();

    let mut sorted = datetimes.clone();
    sorted.sort_by(Value::order_cmp);
    let minutes: Vec<i64> = sorted
        .iter()
        .map(|v| match v {
            Value::Temporal(t) => t.epoch_nanos().expect("in range") / 60_000_000_000,
            _ => unreachable!("all datetimes"),
        })
        .collect();
    assert!(minutes.windows(2).all(|w| w[0] + 1 == w[1]), "sorted by instant, whatever the offset");

    let mut group = c.benchmark_group("temporal_sort_values");
    group.sample_size(10);
    group.bench_function("int", |b| {
        b.iter_batched_ref(|| ints.clone(), |v| v.sort_by(Value::order_cmp), criterion::BatchSize::LargeInput)
    });
    group.bench_function("datetime", |b| {
        b.iter_batched_ref(
            || datetimes.clone(),
            |v| v.sort_by(Value::order_cmp),
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn query(c: &mut Criterion) {
    let n = count();
    let mut session = Session::new();
    session
        .run(&format!(
            "UNWIND range(0, {}) AS k WITH (k * 7919) % {n} AS m \
             WITH m, datetime.fromepoch(1577836800 + m * 60, 0) AS utc \
             CREATE (:E {{i: m, t: CASE m % 3 WHEN 0 THEN utc \
                    WHEN 1 THEN datetime({{datetime: utc, timezone: '+02:00'}}) \
                    ELSE datetime({{datetime: utc, timezone: 'Europe/Prague'}}) END}})",
            n - 1
        ))
        .expect("the nodes are made");
    let by_int = "MATCH (e:E) RETURN e.i ORDER BY e.i";
    let by_datetime = "MATCH (e:E) RETURN e.t ORDER BY e.t";
    let check =
        session.run("MATCH (e:E) WITH e ORDER BY e.t RETURN collect(e.i) = range(0, size(collect(e.i)) - 1)");
    assert_eq!(check.expect("the check runs")[0].rows[0][0], Value::Bool(true), "ordered by instant");

    let mut group = c.benchmark_group("temporal_sort_query");
    group.sample_size(10);
    for (name, q) in [("int", by_int), ("datetime", by_datetime)] {
        group.bench_function(name, |b| b.iter(|| session.run(black_box(q)).expect("the query runs")));
    }
    group.finish();
}

criterion_group!(benches, values, query);
criterion_main!(benches);
