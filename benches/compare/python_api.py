"""kgraph's Python package against kuzu 0.11.3 in one process, one run: per-call overhead
(`RETURN 1`) and a large result handed to pandas and to pyarrow. The two engines take turns, round after round,
so that the machine's noise falls on both; medians are reported, and their ratio.

    benches/compare/python_api.sh [ROWS]
"""

import argparse
import csv
import os
import statistics
import tempfile
import time

import kgraph
import kuzu


def timed(f, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        f()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="kgraph-python-api-")

    # The same rows in both: an integer key, a string and a float.
    path = os.path.join(work, "hosts.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "score"])
        for i in range(args.rows):
            w.writerow([i, f"host-{i}", i / 3])

    kz = kuzu.Connection(kuzu.Database(os.path.join(work, "kuzu")))
    kz.execute("CREATE NODE TABLE Host(id INT64, name STRING, score DOUBLE, PRIMARY KEY(id))")
    kz.execute(f"COPY Host FROM '{path}' (HEADER=true)")

    kg = kgraph.Connection(kgraph.Database())
    kg.execute(
        "UNWIND range(0, $n - 1) AS i CREATE (:Host {id: i, name: 'host-' + toString(i), score: i / 3.0})",
        {"n": args.rows},
    )

    scan = "MATCH (h:Host) RETURN h.id AS id, h.name AS name, h.score AS score"
    a = kg.execute(scan).get_as_df().sort_values("id").reset_index(drop=True)
    b = kz.execute(scan).get_as_df().sort_values("id").reset_index(drop=True)
    assert len(a) == len(b) == args.rows and (a["id"] == b["id"]).all() and (a["name"] == b["name"]).all()
    ta, tb = kg.execute(scan).get_as_arrow(), kz.execute(scan).get_as_arrow()
    assert ta.num_rows == tb.num_rows == args.rows and sorted(ta.column("id").to_pylist()) == sorted(tb.column("id").to_pylist())

    rows = {}
    for _ in range(args.rounds):
        for engine, conn in [("kgraph", kg), ("kuzu", kz)]:
            rows.setdefault(("RETURN 1 (per call)", engine), []).append(
                timed(lambda: conn.execute("RETURN 1").get_next(), 200))
            # The statement alone: both engines hold the whole result when execute returns.
            rows.setdefault((f"{args.rows:,} rows, execute only", engine), []).append(
                timed(lambda: conn.execute(scan), 1))
            rows.setdefault((f"{args.rows:,} rows as a pandas DataFrame", engine), []).append(
                timed(lambda: conn.execute(scan).get_as_df(), 1))
            rows.setdefault((f"{args.rows:,} rows as an Arrow table", engine), []).append(
                timed(lambda: conn.execute(scan).get_as_arrow(), 1))

    print(f"{'':45} {'kgraph':>12} {'kuzu':>12} {'kgraph/kuzu':>12}")
    for label in dict.fromkeys(k for k, _ in rows):
        k = statistics.median(rows[(label, "kgraph")]) if (label, "kgraph") in rows else None
        z = statistics.median(rows[(label, "kuzu")])
        ratio = f"{k / z:12.2f}" if k is not None else f"{'—':>12}"
        ks = f"{k * 1000:10.3f}ms" if k is not None else f"{'not yet':>12}"
        print(f"{label:45} {ks} {z * 1000:10.3f}ms {ratio}")


if __name__ == "__main__":
    main()
