#!/usr/bin/env bash
# Sets up the package in a venv and runs the whole flow on the built-in sample plan into ./demo.
# With --mail, the round goes out and comes back by mail through local servers started here (dovecot and
# aiosmtpd on free ports of 127.0.0.1, installed when missing): bash scripts/demo.sh --mail [目录]
set -euo pipefail
cd "$(dirname "$0")/.."
# The report's charts need a Chinese font: without one, fonts-noto-cjk is installed with apt (when there is apt).
if ! fc-list :lang=zh 2>/dev/null | grep -q . && command -v apt-get >/dev/null 2>&1; then
    sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_="sudo"
    $sudo_ apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null
fi
mail=""
if [ "${1:-}" = "--mail" ]; then mail=1; shift; fi
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ -z "$mail" ]; then
    .venv/bin/python -m pip install -q .
    exec .venv/bin/reporting demo "${1:-demo}"
fi
.venv/bin/python -m pip install -q . aiosmtpd
if [ ! -x /usr/sbin/dovecot ] || [ ! -x /usr/lib/dovecot/dovecot-lda ]; then
    sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_="sudo"
    $sudo_ apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends dovecot-imapd >/dev/null
fi
log="$(mktemp)"
.venv/bin/python tests/mailserver.py >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q ":" "$log" && break; sleep 0.2; done
address="$(head -1 "$log")"
REPORTING_MAIL_PASSWORD=test-secret .venv/bin/reporting demo "${1:-demo}" --mail "$address"
