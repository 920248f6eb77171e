"""Two kgraph builds on compare.py's traversal queries, in one run: the guard issue 15 asks for, that
no row of the traversal comparison gets more than 10 % slower through a change. The builds take
turns, `--rounds` times, so that both see the same noise; each row's figure is the median over the
rounds of each round's median. Answers are checked equal.

    python3 benches/compare/before_after.py --before OLD/kgraph --after target/release/kgraph \
        --snapshot target/compare/scale-20/graph.kgs --csv target/compare/scale-20/csv
"""

import argparse
import os
import statistics

from compare import fixed, kgraph_queries, normal, run_kgraph


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", required=True)
    ap.add_argument("--after", required=True)
    ap.add_argument("--snapshot", required=True)
    ap.add_argument("--csv", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    with open(os.path.join(args.csv, "nodes.csv")) as f:
        nodes = sum(1 for _ in f) - 1
    with open(os.path.join(args.csv, "edges.csv")) as f:
        next(f)
        bfs_source = int(next(f).split(",")[0])
    # The same sources, pairs and name as compare.py draws.
    sources = fixed(100, nodes, 1)
    pairs = list(zip(fixed(100, nodes, 2), fixed(100, nodes, 3)))
    queries = kgraph_queries(sources, pairs, bfs_source, f"n{fixed(1, nodes, 5)[0]}")
    params = {"sources": sources, "pairs": [list(p) for p in pairs]}

    times = {"before": {q: [] for q in queries}, "after": {q: [] for q in queries}}
    answers = {}
    for _ in range(args.rounds):
        for side, binary in (("before", args.before), ("after", args.after)):
            medians, rows = run_kgraph(binary, args.snapshot, queries, params, args.repeat)
            for q in queries:
                times[side][q].append(medians[q])
            answers[side] = rows

    print(f"Traversal rows, {args.rounds} rounds of {args.repeat} runs, builds taking turns")
    print()
    print("| query | before | after | after / before | same answer |")
    print("|---|---|---|---|---|")
    worst = 0.0
    for q in queries:
        b, a = statistics.median(times["before"][q]), statistics.median(times["after"][q])
        same = normal(answers["before"][q]) == normal(answers["after"][q])
        worst = max(worst, a / b)
        print(f"| {q} | {b:.4f} s | {a:.4f} s | {a / b:.2f} | {'yes' if same else 'NO'} |")
    print()
    print(f"slowest row: {worst:.2f}× its time before")


if __name__ == "__main__":
    main()
