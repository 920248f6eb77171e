"""kgraph against Kùzu on the queries analysts write every day (issue 15), in one run, on the graph
run.sh makes: a filtered scan, top-k by degree, a sort with LIMIT, a two-hop DISTINCT from one node,
aggregates and joins with label filters, grouping by a computed key, OPTIONAL MATCH, WITH … WHERE,
and a typed pattern count with labels on both ends. Same answers checked; medians of --repeat runs.

    benches/compare/run.sh [SCALE] everyday
"""

import argparse
import math
import os
import statistics
import subprocess

from compare import kuzu_build, median_time, normal, run_kgraph, split_edges


def read_queries():
    """(kgraph, Kùzu) for each query, from the list the criterion benchmark reads too."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common", "everyday.tsv")
    queries = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                label, kgraph, kuzu = line.rstrip("\n").split("\t")
                queries[label] = (kgraph, kuzu)
    return queries


QUERIES = read_queries()


def prepare(kgraph, csv_dir, work, kuzu):
    """The snapshot and the Kùzu database compare.py makes, made here if they are not there yet."""
    nodes_csv, edges_csv = os.path.join(csv_dir, "nodes.csv"), os.path.join(csv_dir, "edges.csv")
    snapshot = os.path.join(work, "graph.kgs")
    if not os.path.exists(snapshot):
        subprocess.run([kgraph, "import", "--nodes", nodes_csv, "--edges", edges_csv, "-o", snapshot],
                       check=True, stderr=subprocess.DEVNULL)
    kuzu_dir = os.path.join(work, "kuzu-db")
    if not os.path.exists(kuzu_dir):
        split_edges(edges_csv, work)
        kuzu_build(kuzu, kuzu_dir, nodes_csv, work)
    return snapshot, kuzu_dir


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kgraph", required=True)
    ap.add_argument("--csv", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    import kuzu

    snapshot, kuzu_dir = prepare(args.kgraph, args.csv, args.work, kuzu)
    # The two-hop query starts where the (shuffled) edge list's first relationship starts: a node
    # with relationships, where a random node is often a sink.
    with open(os.path.join(args.csv, "edges.csv")) as f:
        next(f)
        src = int(next(f).split(",")[0])
    kq = {label: k.format(src=src) for label, (k, _) in QUERIES.items()}
    zq = {label: z.format(src=src) for label, (_, z) in QUERIES.items()}
    k_medians, k_answers = run_kgraph(args.kgraph, snapshot, kq, {}, args.repeat)

    db = kuzu.Database(kuzu_dir)
    conn = kuzu.Connection(db)
    rows = []
    for label, query in zq.items():
        answer = []

        def once():
            answer[:] = conn.execute(query).get_all()

        t = median_time(once, args.repeat)
        same = normal(k_answers[label]) == normal(answer)
        rows.append((label, k_medians[label], t, same, k_answers[label][:3], answer[:3]))
    conn.close()
    db.close()

    with open(os.path.join(args.csv, "nodes.csv")) as f:
        nodes = sum(1 for _ in f) - 1
    print(f"Everyday queries on the R-MAT graph of {nodes:,} nodes; medians of {args.repeat} runs; "
          f"kgraph's statement time (--timing) against Kùzu {kuzu.__version__}'s execute() through Python")
    print()
    print(f"| query | kgraph | Kùzu | kgraph / Kùzu | same answer |")
    print("|---|---|---|---|---|")
    for label, k, z, same, _, _ in rows:
        print(f"| {label} | {k:.4f} s | {z:.4f} s | {k / z:.2f} | {'yes' if same else 'NO'} |")
    ratios = [k / z for _, k, z, _, _, _ in rows if z > 0]
    geomean = math.exp(statistics.mean(math.log(r) for r in ratios))
    at_or_under = sum(1 for r in ratios if r <= 1.0)
    print(f"| geometric mean | | | {geomean:.2f} | |")
    print()
    print(f"kgraph at or under Kùzu's time on {at_or_under} of {len(ratios)}.")
    for label, _, _, same, k, z in rows:
        if not same:
            print(f"answers differ for {label}: kgraph {k}, Kùzu {z}")


if __name__ == "__main__":
    main()
