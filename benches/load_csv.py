#!/usr/bin/env python3
"""LOAD CSV's memory, by peak resident size, against baselines measured in the same run.

    cargo build --release && python3 benches/load_csv.py [--size-mib 1024] [--create-mib 100]

1. A file of --size-mib (1 GiB by default) and one a tenth of it are read through LOAD CSV WITH HEADERS
   and folded into one row (a filter, a count, a sum): the peak resident size is compared with that of
   the same binary running `RETURN 1` (the process's own). Constant memory means both files give the
   same peak, and that peak is within 100 MiB of the baseline.
2. A file of --create-mib is loaded into nodes (`CREATE` per record); the peak is compared with that
   of the same graph loaded from a snapshot of it (the graph's own memory). The difference is what
   the statement holds while it runs: the undo log of every change (a statement is atomic) and the
   rows in flight.

Only the standard library is needed. Files are written under target/load-csv/ and kept for the next run.
"""

import argparse
import os
import random
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KINDS = ["malware", "tool", "intrusion-set", "campaign", "attack-pattern"]


def write_csv(path, size):
    """A CSV file of about `size` bytes: an id, a name, a kind, a score and a quoted description."""
    if os.path.exists(path) and os.path.getsize(path) >= size:
        return
    rng = random.Random(7)
    words = ["credential", "harvesting", "phishing", "lateral", "movement", "exfiltration", "beacon",
             "loader", "espionage", "ministry", "foreign", "affairs", "\"quoted\"", "comma,inside"]
    written = 0
    with open(path + ".tmp", "w", newline="") as out:
        out.write("id,name,kind,score,description\n")
        i = 0
        while written < size:
            rows = []
            for _ in range(10_000):
                description = " ".join(rng.choice(words) for _ in range(rng.randrange(4, 24)))
                description = description.replace('"', '""')
                rows.append(f'{i},actor-{i},{KINDS[i % 5]},{rng.randrange(100)},"{description}"\n')
                i += 1
            chunk = "".join(rows)
            out.write(chunk)
            written += len(chunk)
    os.replace(path + ".tmp", path)


def peak_rss(command):
    """Runs `command` in a child of a fresh Python, returning (peak resident bytes, seconds, stdout)."""
    code = (
        "import resource, subprocess, sys, time; t = time.perf_counter();"
        "out = subprocess.run(sys.argv[1:], check=True, capture_output=True, text=True).stdout;"
        "print(time.perf_counter() - t); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);"
        "print(out, end='')"
    )
    done = subprocess.run([sys.executable, "-c", code, *command], check=True, capture_output=True, text=True)
    seconds, kib, *out = done.stdout.split("\n")
    return int(kib) * 1024, float(seconds), "\n".join(out).strip()


def mib(n):
    return f"{n / 2**20:.0f} MiB"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kgraph", default=os.path.join(ROOT, "target", "release", "kgraph"))
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--create-mib", type=int, default=100)
    args = parser.parse_args()
    work = os.path.join(ROOT, "target", "load-csv")
    os.makedirs(work, exist_ok=True)
    big, small, create = (os.path.join(work, n) for n in ("big.csv", "small.csv", "create.csv"))
    started = time.perf_counter()
    write_csv(big, args.size_mib << 20)
    write_csv(small, (args.size_mib << 20) // 10)
    write_csv(create, args.create_mib << 20)
    print(f"files written in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    kgraph = [args.kgraph, "--import-dir", work, "--format", "csv", "--max-memory", "off"]

    base, _, _ = peak_rss(kgraph + ["-c", "RETURN 1"])
    fold = ("LOAD CSV WITH HEADERS FROM 'file:///{}' AS row WITH row WHERE row.kind = 'malware' "
            "RETURN count(*) AS n, sum(toInteger(row.score)) AS total")
    print("| run | file | peak RSS | over the baseline | time | MiB/s |")
    print("|---|---|---|---|---|---|")
    print(f"| `RETURN 1` (baseline) | – | {mib(base)} | – | – | – |")
    for name in ("small.csv", "big.csv"):
        size = os.path.getsize(os.path.join(work, name))
        rss, seconds, out = peak_rss(kgraph + ["-c", fold.format(name)])
        print(f"| filter, count, sum | {mib(size)} | {mib(rss)} | {mib(rss - base)} | {seconds:.1f} s | "
              f"{size / 2**20 / seconds:.0f} |")
        print(f"  ({name}: {out.splitlines()[-1]})", file=sys.stderr)

    snapshot = os.path.join(work, "create.kgs")
    load = ("LOAD CSV WITH HEADERS FROM 'file:///create.csv' AS row "
            "CREATE (:Actor {id: toInteger(row.id), name: row.name, kind: row.kind, description: row.description})")
    size = os.path.getsize(create)
    rss, seconds, _ = peak_rss(kgraph + ["-c", load])
    # Saved in a run of its own: writing a snapshot takes memory of its own, not the load's.
    subprocess.run(kgraph + ["-c", load, "--save", snapshot], check=True, stdout=subprocess.DEVNULL)
    own, _, _ = peak_rss(kgraph + [snapshot, "-c", "RETURN 1"])
    print(f"| CREATE a node per record | {mib(size)} | {mib(rss)} | {(rss - own) / 2**20:+.0f} MiB against the graph's own "
          f"({mib(own)}, loaded from its snapshot) | {seconds:.1f} s | {size / 2**20 / seconds:.0f} |")


if __name__ == "__main__":
    main()
