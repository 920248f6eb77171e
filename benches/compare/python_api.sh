#!/usr/bin/env bash
# kgraph's Python package against the kuzu package 0.11.3, side by side in one run (issue 16): the
# time of `RETURN 1` from Python, and of a 1 M-row result as a pandas DataFrame and as an
# Arrow table. Makes its own virtual environment under target/compare/.
#
#     benches/compare/python_api.sh [ROWS]
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/compare/py-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet kuzu==0.11.3 pandas pyarrow
fi
"$venv/bin/pip" install --quiet --force-reinstall --no-deps ./python
"$venv/bin/python" benches/compare/python_api.py --rows "${1:-1000000}"
