#!/usr/bin/env bash
# Sets up a fresh machine and runs the tests: LibreOffice (for the real-client tests), dovecot (for the mail
# tests), a venv, the package (with aiosmtpd, the tests' SMTP server).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v soffice >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto.*CJK"; then
    sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_="sudo"
    $sudo_ apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends \
        libreoffice-calc libreoffice-writer python3-uno fonts-noto-cjk poppler-utils >/dev/null
fi

# The mail tests start their own dovecot (IMAP, with dovecot-lda for delivery) on free ports of 127.0.0.1.
# openssl makes their throwaway certificate for the SSL and STARTTLS tests.
if [ ! -x /usr/sbin/dovecot ] || [ ! -x /usr/lib/dovecot/dovecot-lda ] || ! command -v openssl >/dev/null 2>&1; then
    sudo_=""; [ "$(id -u)" -eq 0 ] || sudo_="sudo"
    $sudo_ apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends dovecot-imapd openssl >/dev/null
    if command -v systemctl >/dev/null 2>&1; then  # the system's own dovecot is not needed
        $sudo_ systemctl disable --now dovecot >/dev/null 2>&1 || true
    fi
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
.venv/bin/ruff check reporting tests bench scripts
.venv/bin/mypy
.venv/bin/python -m pytest -q "$@"
