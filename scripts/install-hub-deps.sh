#!/usr/bin/env bash
# Installs the classroom server's software (README: 课堂：JupyterHub), only what is missing:
#   - Debian's nodejs and npm when there is no `node` (the proxy runs on node),
#   - the grading sandbox (scripts/install-sandbox-deps.sh: bubblewrap, util-linux),
#   - configurable-http-proxy from npm into $CRM_HUB_PREFIX/proxy,
#   - a Python environment $CRM_HUB_PREFIX/venv holding the course as an ordinary (non-editable)
#     install with the `hub` extra (jupyterhub): crmlib, its data and crmcourse are copied into
#     the environment, so every user's server runs without reading this repository (students
#     must never see assignments/source/),
#   - nbgrader's extensions for that environment: Assignment List for everyone; the formgrader
#     and the create-assignment tool are switched off here and on again only for the instructor
#     (deploy/setup-server.sh).
# Run it again after updating the repository: the course package is reinstalled when its files
# changed (a stamp with their checksum), everything else is kept.
#
#   sudo scripts/install-hub-deps.sh              # CRM_HUB_PREFIX defaults to /opt/crm-course
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
PREFIX="${CRM_HUB_PREFIX:-/opt/crm-course}"
# Every user's server runs this environment's Python, so its base interpreter must be one every
# account can run: the system's /usr/bin/python3 (a Python under /root, e.g. pyenv's, is not).
PYTHON="${CRM_HUB_PYTHON:-/usr/bin/python3}"
PROXY_VERSION="5.3.0"
VENV="$PREFIX/venv"
say() { echo "install-hub-deps: $*"; }

[ "$(uname -s)" = Linux ] || { say "课堂服务器只支持 Linux"; exit 1; }
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { say "需要 root 或 sudo（要安装系统软件包、建立 $PREFIX）" >&2; exit 1; }
    SUDO="sudo"
fi

apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 || {
        $SUDO apt-get update -qq
        $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    }
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || { say "请先用系统的包管理器安装 nodejs 和 npm" >&2; exit 1; }
    say "正在安装 nodejs 和 npm（Debian 软件包）……"
    apt_install nodejs npm
fi
"$REPO/scripts/install-sandbox-deps.sh"

$SUDO mkdir -p "$PREFIX"
PROXY="$PREFIX/proxy/node_modules/.bin/configurable-http-proxy"
if ! [ -x "$PROXY" ] || ! "$PROXY" --version 2>/dev/null | grep -qx "$PROXY_VERSION"; then
    say "正在安装 configurable-http-proxy $PROXY_VERSION（npm）……"
    $SUDO npm install --silent --no-fund --no-audit --prefix "$PREFIX/proxy" "configurable-http-proxy@$PROXY_VERSION" >/dev/null
fi

if [ -x "$VENV/bin/python" ] && ! runuser -u nobody -- "$VENV/bin/python" -c pass >/dev/null 2>&1; then
    say "$VENV 的 Python 其他账号无法运行（基础解释器在受限的文件夹里）：重新创建"
    $SUDO rm -rf "$VENV"
fi
if ! [ -x "$VENV/bin/python" ]; then
    "$PYTHON" -c "import venv, ensurepip" 2>/dev/null || apt_install python3-venv
    say "正在创建 Python 环境 $VENV ……"
    $SUDO "$PYTHON" -m venv "$VENV"
    $SUDO "$VENV/bin/python" -m pip install --quiet --upgrade pip "setuptools>=69" wheel
fi

# The course package's files (the packages and their data; datasets/ in older layouts of the
# repository): reinstalled only when one of them changed.
package_files=()
for path in pyproject.toml README.md LICENSE crmlib crmcourse datasets; do
    [ -e "$REPO/$path" ] && package_files+=("$path")
done
stamp="$(cd "$REPO" && find "${package_files[@]}" .jupyter-settings -type f \
            -not -path '*/__pycache__/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64)"
if [ "$(cat "$VENV/.course-stamp" 2>/dev/null)" != "$stamp" ]; then
    say "正在安装课程环境（JupyterHub、JupyterLab、nbgrader、crmlib、crmcourse；第一次需要几分钟）……"
    # A copy of the repository's package files, so building the wheel writes nothing into the repository.
    build="$(mktemp -d)"
    trap 'rm -rf "$build"' EXIT
    (cd "$REPO" && tar -cf - --exclude=__pycache__ "${package_files[@]}") \
        | tar -xf - -C "$build"
    PYTHONWARNINGS=ignore $SUDO "$VENV/bin/python" -m pip install --quiet "$build[hub]"
    PYTHONWARNINGS=ignore $SUDO "$VENV/bin/python" -m pip install --quiet --no-deps --force-reinstall "$build"
    rm -rf "$build"
    trap - EXIT
    echo "$stamp" | $SUDO tee "$VENV/.course-stamp" >/dev/null
fi

# nbgrader's extensions: once (the settings live in the environment's etc/jupyter and stay).
if ! [ -f "$VENV/.extensions-stamp" ]; then
    say "正在设置 nbgrader 的扩展……"
    J="$VENV/bin/jupyter"
    # Everyone: the Assignment List (fetch, submit, fetch feedback) and Validate.
    for ext in assignment_list course_list validate_assignment; do
        $SUDO "$J" server extension enable --sys-prefix "nbgrader.server_extensions.$ext" >/dev/null 2>&1
    done
    # The formgrader and the create-assignment tool belong to the instructor only
    # (deploy/setup-server.sh switches them on in the instructor's own configuration).
    $SUDO "$J" server extension disable --sys-prefix nbgrader.server_extensions.formgrader >/dev/null 2>&1
    $SUDO "$J" labextension enable --level=sys_prefix @jupyter/nbgrader >/dev/null 2>&1
    $SUDO "$J" labextension disable --level=sys_prefix @jupyter/nbgrader:formgrader \
        @jupyter/nbgrader:create-assignment >/dev/null 2>&1
    $SUDO touch "$VENV/.extensions-stamp"
fi
$SUDO mkdir -p "$VENV/share/jupyter/lab/settings"
$SUDO cp "$REPO/.jupyter-settings/overrides.json" "$VENV/share/jupyter/lab/settings/overrides.json"
say "就绪：$VENV（jupyterhub $("$VENV/bin/jupyterhub" --version)），代理 $PROXY（$("$PROXY" --version)）"
