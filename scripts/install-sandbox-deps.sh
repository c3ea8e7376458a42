#!/usr/bin/env bash
# Installs what the grading sandbox needs, only when it is missing (Linux only):
#   - Debian's bubblewrap (the `bwrap` command that runs student code in its own namespaces),
#   - util-linux (prlimit, setpriv: resource limits and the throw-away user id).
# On other systems, or without apt-get, it only says what to install: grading then refuses
# to run unless the instructor passes --no-sandbox (see the README, 评分沙箱).
set -euo pipefail

[ "$(uname -s)" = Linux ] || { echo "install-sandbox-deps: 评分沙箱只支持 Linux，跳过安装"; exit 0; }

missing=()
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
{ [ -x /usr/bin/prlimit ] && [ -x /usr/bin/setpriv ]; } || missing+=(util-linux)
[ "${#missing[@]}" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-sandbox-deps: 请用系统的包管理器安装 ${missing[*]}（评分沙箱需要）" >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-sandbox-deps: 需要 root 或 sudo 才能安装 ${missing[*]}" >&2; exit 0; }
    SUDO="sudo"
fi
echo "install-sandbox-deps: installing ${missing[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
