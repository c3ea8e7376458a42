#!/usr/bin/env bash
# Installs what `make test-browser` needs, only when it is missing:
#   - Debian's chromium (the browser; no browser download from anywhere else),
#   - fonts-noto-cjk (Chinese glyphs for the browser's own text rendering),
#   - Playwright from PyPI into the project's venv (it drives that chromium).
# Usage: scripts/install-browser-deps.sh [VENV_BIN]   (default .venv/bin)
set -euo pipefail
BIN="${1:-.venv/bin}"

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# fc-list is part of fontconfig, which chromium pulls in; without it the font is missing too.
if ! (command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh family 2>/dev/null | grep -qi 'Noto Sans CJK'); then
    missing+=(fonts-noto-cjk)
fi

if [ "${#missing[@]}" -gt 0 ]; then
    echo "install-browser-deps: installing ${missing[*]} with apt-get"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || { echo "install-browser-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
        SUDO="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" fontconfig >/dev/null
    fc-cache -f >/dev/null 2>&1 || true
fi

if ! "$BIN/python" -c "import playwright" >/dev/null 2>&1; then
    echo "install-browser-deps: installing playwright into $BIN/.."
    "$BIN/python" -m pip install --quiet "playwright>=1.40"
fi
