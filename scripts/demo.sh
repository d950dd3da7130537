#!/usr/bin/env bash
# Sets up the package in a venv and runs the whole flow on the built-in sample plan into ./demo.
# The report's charts need a Chinese font: without one, fonts-noto-cjk is installed with apt (when there is apt).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! fc-list :lang=zh 2>/dev/null | grep -q . && command -v apt-get >/dev/null 2>&1; then
    sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_="sudo"
    $sudo_ apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null
fi
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q .
.venv/bin/reporting demo "${1:-demo}"
