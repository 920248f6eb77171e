"""kgraph against Kùzu on the same R-MAT graph, in one run: load, traversal queries, memory.

Run through run.sh, which builds kgraph, makes the graph and installs Kùzu into a virtual
environment of its own. Prints one table of medians with the ratio kgraph / Kùzu per row, and the
plain CSR baseline (benches/csr.rs) as the practical limit.
"""

import argparse
import csv
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time

LOAD_RUNS = 5
TYPES = {"attributed-to": "attributed_to", "linked-to": "linked_to", "condemned-by": "condemned_by"}


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_rss_of(command):
    """Runs a command in a child of our own and returns its peak resident memory in bytes."""
    code = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code, *command], check=True, capture_output=True, text=True)
    return int(out.stdout.strip()) * 1024


def fixed(count, nodes, seed):
    rng = random.Random(seed)
    return [rng.randrange(nodes) for _ in range(count)]


def kgraph_queries(sources, pairs, bfs_source, name):
    return {
        "full BFS (1 source)": f"MATCH (a) WHERE id(a) = {bfs_source} MATCH (a)-[*]->(b) WHERE b <> a "
        "RETURN count(DISTINCT b)",
        **{
            f"{k}-hop distinct, 100 sources": "UNWIND $sources AS s MATCH (a) WHERE id(a) = s "
            f"MATCH (a)-[*1..{k}]->(b) WHERE b <> a RETURN s, count(DISTINCT b)"
            for k in (1, 2, 3)
        },
        "shortest path, 100 pairs": "UNWIND $pairs AS p MATCH (a), (b) WHERE id(a) = p[0] AND id(b) = p[1] "
        "AND a <> b MATCH path = shortestPath((a)-[*]->(b)) RETURN count(path), sum(length(path))",
        "typed 2-hop count": "MATCH (a)-[:`attributed-to`]->(b)-[:`linked-to`]->(c) RETURN count(*)",
        "point lookup by name": f"MATCH (n {{name: '{name}'}}) RETURN n.score",
    }


def kuzu_queries(bfs_source, name):
    """Each query in the form Kùzu runs fastest: one statement per source or pair, prepared, starting
    from a primary-key lookup, with `SHORTEST` (a breadth-first search giving each end once) where only
    reachable ends matter; its default walk semantics enumerate walks, and `UNWIND`-ing the sources
    into one statement ran out of its buffer pool at 2 hops. Values: (query, parameter sets or None)."""
    any_rel = "attributed_to|linked_to|condemned_by"
    return {
        "full BFS (1 source)": (
            f"MATCH (a:Node {{id: '{bfs_source}'}})-[:{any_rel}* SHORTEST 1..30]->(b) RETURN count(DISTINCT b)",
            None,
        ),
        **{
            f"{k}-hop distinct, 100 sources": (
                f"MATCH (a:Node {{id: $s}})-[:{any_rel}* SHORTEST 1..{k}]->(b) RETURN a.id, count(DISTINCT b)",
                "sources",
            )
            for k in (1, 2, 3)
        },
        "shortest path, 100 pairs": (
            f"MATCH path = (a:Node {{id: $a}})-[:{any_rel}* SHORTEST 1..30]->(b:Node {{id: $b}}) "
            "RETURN length(path)",
            "pairs",
        ),
        "typed 2-hop count": ("MATCH (a:Node)-[:attributed_to]->(b:Node)-[:linked_to]->(c:Node) RETURN count(*)", None),
        "point lookup by name": (f"MATCH (n:Node) WHERE n.name = '{name}' RETURN n.score", None),
    }


def split_edges(edges_csv, work):
    """The edge list split into one headerless file per type in `work`: Kùzu's relationship types
    are tables, each copied from a file of its own."""
    handles = {t: open(os.path.join(work, f"{t}.csv"), "w", newline="") for t in TYPES.values()}
    with open(edges_csv) as f:
        reader = csv.reader(f)
        next(reader)
        writers = {t: csv.writer(h) for t, h in handles.items()}
        for a, b, ty in reader:
            writers[TYPES[ty]].writerow([a, b])
    for h in handles.values():
        h.close()


def kuzu_build(kuzu, kuzu_dir, nodes_csv, work):
    """A Kùzu database at `kuzu_dir` of the nodes and of the edge files split_edges wrote."""
    db = kuzu.Database(kuzu_dir)
    conn = kuzu.Connection(db)
    conn.execute("CREATE NODE TABLE Node(id STRING, label STRING, name STRING, score INT64, PRIMARY KEY(id))")
    for t in TYPES.values():
        conn.execute(f"CREATE REL TABLE {t}(FROM Node TO Node)")
    conn.execute(f"COPY Node FROM '{nodes_csv}' (header=true)")
    for t in TYPES.values():
        conn.execute(f"COPY {t} FROM '{os.path.join(work, t + '.csv')}' (header=false)")
    conn.close()
    db.close()


MARKER = "RETURN 'next query' AS marker"


def run_kgraph(binary, snapshot, queries, params, repeat):
    """One process: load the snapshot, run each query `repeat` times, then a marker statement;
    `--timing` gives each statement's time. Returns the medians and each query's rows (first run)."""
    script = "".join(f"{q};\n" * repeat + f"{MARKER};\n" for q in queries.values())
    args = [binary, snapshot, "--timing", "--format", "jsonl", "-f", "-"]
    for k, v in params.items():
        args += ["--param", f"{k}={json.dumps(v)}"]
    out = subprocess.run(args, input=script, capture_output=True, text=True, check=True)
    times = [float(line.split()[1]) / 1000 for line in out.stderr.splitlines() if line.startswith("time:")]
    chunks, current = [], []
    for line in out.stdout.splitlines():
        if json.loads(line) == {"marker": "next query"}:
            chunks.append(current)
            current = []
        else:
            current.append(json.loads(line))
    medians, answers = {}, {}
    for i, name in enumerate(queries):
        medians[name] = statistics.median(times[i * (repeat + 1) : i * (repeat + 1) + repeat])
        rows = chunks[i]
        answers[name] = rows[: len(rows) // repeat]
    return medians, answers


def normal(rows):
    """Rows as sorted tuples of plain numbers, whatever engine and types they came from."""
    def value(v):
        if isinstance(v, dict):
            v = list(v.values())
        if isinstance(v, list):
            return tuple(value(x) for x in v)
        try:
            return int(v)
        except (TypeError, ValueError):
            return v
    return sorted(set(value(r) for r in rows))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kgraph", required=True)
    ap.add_argument("--csr", required=True, help="the CSR baseline binary (benches/csr.rs)")
    ap.add_argument("--csv", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    import kuzu

    nodes_csv, edges_csv = os.path.join(args.csv, "nodes.csv"), os.path.join(args.csv, "edges.csv")
    with open(nodes_csv) as f:
        nodes = sum(1 for _ in f) - 1
    with open(edges_csv) as f:
        edges = sum(1 for _ in f) - 1
    rows = []

    # Load: kgraph's CSV import into a snapshot, and Kùzu's COPY FROM of the same files (split by type:
    # Kùzu's relationship types are tables).
    snapshot = os.path.join(args.work, "graph.kgs")
    import_cmd = [args.kgraph, "import", "--nodes", nodes_csv, "--edges", edges_csv, "-o", snapshot]
    # Five runs each: on the shared virtual machines this runs on, the first process to touch memory
    # another process has just freed can spend most of a second in the kernel getting it back, so
    # one or two runs in a row can be far off; the median of five is not moved by them.
    t_import = median_time(lambda: subprocess.run(import_cmd, check=True, stderr=subprocess.DEVNULL), LOAD_RUNS)
    t_snapshot = median_time(
        lambda: subprocess.run([args.kgraph, snapshot, "-c", "RETURN 1"], check=True, stdout=subprocess.DEVNULL),
        LOAD_RUNS,
    )
    split_edges(edges_csv, args.work)
    kuzu_dir = os.path.join(args.work, "kuzu-db")

    def kuzu_load():
        shutil.rmtree(kuzu_dir, ignore_errors=True)
        if os.path.exists(kuzu_dir):
            os.remove(kuzu_dir)
        kuzu_build(kuzu, kuzu_dir, nodes_csv, args.work)

    t_kuzu_load = median_time(kuzu_load, 1)
    rows.append(("load from CSV", t_import, t_kuzu_load))
    rows.append(("snapshot load (kgraph) vs CSV COPY (Kùzu)", t_snapshot, t_kuzu_load))

    sources = fixed(100, nodes, 1)
    pairs = list(zip(fixed(100, nodes, 2), fixed(100, nodes, 3)))
    # The BFS starts where the (shuffled) edge list's first relationship starts: a node with edges,
    # where a random node is often a sink and the search would measure nothing.
    with open(edges_csv) as f:
        next(f)
        bfs_source = int(next(f).split(",")[0])
    name = f"n{fixed(1, nodes, 5)[0]}"
    kq = kgraph_queries(sources, pairs, bfs_source, name)
    k_medians, k_answers = run_kgraph(
        args.kgraph, snapshot, kq, {"sources": sources, "pairs": [list(p) for p in pairs]}, args.repeat
    )

    db = kuzu.Database(kuzu_dir)
    conn = kuzu.Connection(db)
    same = {}
    params = {
        None: [{}],
        "sources": [{"s": str(s)} for s in sources],
        "pairs": [{"a": str(a), "b": str(b)} for a, b in pairs if a != b],
    }
    answers = {}
    for label, (query, param) in kuzu_queries(bfs_source, name).items():
        prepared = conn.prepare(query)

        def once():
            rows = []
            for p in params[param]:
                rows.extend(conn.execute(prepared, p).get_all())
            if param == "pairs":
                rows = [[len(rows), sum(int(r[0]) for r in rows)]]
            answers[label] = rows

        t = median_time(once, args.repeat)
        rows.append((label, k_medians[label], t))
        same[label] = normal(k_answers[label]) == normal(answers[label])
    conn.close()
    db.close()

    kuzu_rss = peak_rss_of(
        [sys.executable, "-c", f"import kuzu; db = kuzu.Database({kuzu_dir!r}); c = kuzu.Connection(db); "
         "c.execute('MATCH (a:Node)-[:attributed_to]->(b) RETURN count(*)').get_all()"]
    )
    kgraph_rss = peak_rss_of([args.kgraph, snapshot, "-c", "MATCH (a)-->(b) RETURN count(*)"])

    csr = json.loads(
        subprocess.run(
            [*args.csr.split(), "--csv", args.csv, "--source", str(bfs_source), "--sources",
             ",".join(map(str, sources)), "--pairs", ",".join(f"{a}-{b}" for a, b in pairs), "--repeat",
             str(args.repeat)],
            check=True, capture_output=True, text=True,
        ).stdout.strip().splitlines()[-1]
    )

    print(f"R-MAT graph: {nodes:,} nodes, {edges:,} edges; medians of {args.repeat} runs "
          f"(loads: {LOAD_RUNS} runs kgraph, 1 run Kùzu)")
    print()
    print(f"| | kgraph | Kùzu {kuzu.__version__} | kgraph / Kùzu | plain CSR (u32) | kgraph / CSR | same answer |")
    print("|---|---|---|---|---|---|---|")
    for label, k, z in rows:
        c = csr.get(label)
        c_text = f"{c:.4f} s" if c is not None else "—"
        ratio = f"{k / c:.2f}" if c else "—"
        agree = {True: "yes", False: "NO"}.get(same.get(label), "—")
        print(f"| {label} | {k:.4f} s | {z:.4f} s | {k / z:.2f} | {c_text} | {ratio} | {agree} |")
    print(f"| memory, peak RSS | {kgraph_rss / 2**20:.0f} MiB ({kgraph_rss / edges:.1f} B/edge) | "
          f"{kuzu_rss / 2**20:.0f} MiB | {kgraph_rss / kuzu_rss:.2f} | {csr['bytes'] / 2**20:.0f} MiB "
          f"({csr['bytes'] / edges:.1f} B/edge) | | |")
    for label, ok in same.items():
        if not ok:
            print(f"answers differ for {label}: kgraph {normal(k_answers[label])[:3]}, Kùzu {normal(answers[label])[:3]}")
    for label in same:
        if label in csr and f"{label} answer" in csr:
            print(f"CSR answer for {label}: {csr[label + ' answer']}")


if __name__ == "__main__":
    main()
