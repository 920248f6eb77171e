#!/usr/bin/env bash
# kgraph against Kùzu (and a plain CSR loop) on one generated graph, in one run.
#   benches/compare/run.sh [SCALE]            (default 16; the issue's figures are at 20)
#   benches/compare/run.sh [SCALE] everyday   the everyday queries of issue 15 (everyday.py)
# Installs Kùzu 0.11.3 with pip into target/compare/venv; writes the graph under target/compare/.
set -euo pipefail
scale="${1:-16}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$root/target/compare/scale-$scale"
venv="$root/target/compare/venv"
mkdir -p "$work"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -c "import kuzu" 2>/dev/null || "$venv/bin/pip" install --quiet "kuzu==0.11.3"
cd "$root"
cargo build --release --quiet
cargo bench --bench csr --no-run --quiet 2>/dev/null || cargo bench --bench csr --no-run
if [ ! -f "$work/csv/edges.csv" ]; then
    ./target/release/kgraph generate --scale "$scale" --seed 1 --csv "$work/csv"
fi
if [ "${2:-}" = everyday ]; then
    exec "$venv/bin/python" "$root/benches/compare/everyday.py" \
        --kgraph "$root/target/release/kgraph" \
        --csv "$work/csv" --work "$work" --repeat "${KGRAPH_COMPARE_REPEAT:-5}"
fi
"$venv/bin/python" "$root/benches/compare/compare.py" \
    --kgraph "$root/target/release/kgraph" \
    --csr "cargo bench --quiet --bench csr --" \
    --csv "$work/csv" --work "$work" --repeat "${KGRAPH_COMPARE_REPEAT:-5}"
