#!/usr/bin/env bash
# Sets up the package in a venv and runs the whole flow on the built-in sample plan into ./demo.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q .
.venv/bin/reporting demo "${1:-demo}"
