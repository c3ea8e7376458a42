#!/usr/bin/env bash
# Sets up one classroom server (README: 课堂：JupyterHub), run as root from the course repository:
#
#   sudo deploy/setup-server.sh [教师账号]            # default: teacher
#
# 1. installs the software (scripts/install-hub-deps.sh: node + configurable-http-proxy, the course
#    environment $CRM_HUB_PREFIX/venv with jupyterhub, nbgrader, crmlib, crmcourse; bubblewrap);
# 2. creates the groups crm-students and crm-instructors and the instructor's Unix account
#    (home 700; password from CRM_INSTRUCTOR_PASSWORD, else set it with `passwd`);
# 3. gives the instructor the course directory ~/assignments (the teacher versions assignments/source/
#    and the course's nbgrader_config.py: only the instructor can read it), the formgrader and
#    create-assignment in JupyterLab, and an nbgrader configuration that finds ~/assignments;
# 4. creates the exchange $CRM_EXCHANGE (default /srv/nbgrader/exchange): the root is 1777 (nbgrader
#    insists on a world-writable root; the sticky bit keeps anyone from removing what others made)
#    and the course's folder crm/ belongs to the instructor, made here so no student can take the
#    name first: crm/outbound 755 (released chapters, readable by all), crm/inbound 2733 (students
#    can drop a submission in, nobody but the instructor can list it), crm/feedback 711 (a page is
#    found only by its student, through a hash of their own submission);
# 5. writes the environment's nbgrader configuration (course id crm, the exchange) for every user,
#    installs deploy/jupyterhub_config.py as $CRM_HUB_PREFIX/etc/jupyterhub_config.py with its
#    settings in $CRM_HUB_PREFIX/etc/crm-hub.env, and starts the hub with systemd when there is one.
#
# Run it again after updating the repository: software and configuration are brought up to date;
# the course directory keeps the instructor's work (chapters missing from ~/assignments/source are added;
# CRM_UPDATE_SOURCE=1 also replaces the chapters that changed).
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
export CRM_HUB_PREFIX="${CRM_HUB_PREFIX:-/opt/crm-course}"
PREFIX="$CRM_HUB_PREFIX"
VENV="$PREFIX/venv"
EXCHANGE="${CRM_EXCHANGE:-/srv/nbgrader/exchange}"
INSTRUCTOR="${1:-${CRM_INSTRUCTORS:-teacher}}"
INSTRUCTOR="${INSTRUCTOR%%,*}"
COURSE_ID="crm"
STUDENTS_GROUP="${CRM_STUDENTS_GROUP:-crm-students}"
INSTRUCTORS_GROUP="${CRM_INSTRUCTORS_GROUP:-crm-instructors}"
say() { echo "setup-server: $*"; }

[ "$(id -u)" -eq 0 ] || { echo "setup-server: 请用 root 运行（sudo deploy/setup-server.sh）" >&2; exit 1; }

# 1. software
"$REPO/scripts/install-hub-deps.sh"

# 2. groups and the instructor
getent group "$STUDENTS_GROUP" >/dev/null || groupadd "$STUDENTS_GROUP"
getent group "$INSTRUCTORS_GROUP" >/dev/null || groupadd "$INSTRUCTORS_GROUP"
if ! id -u "$INSTRUCTOR" >/dev/null 2>&1; then
    useradd --create-home --shell /bin/bash "$INSTRUCTOR"
    say "已创建教师账号 $INSTRUCTOR"
fi
usermod -a -G "$INSTRUCTORS_GROUP" "$INSTRUCTOR"
HOME_DIR="$(getent passwd "$INSTRUCTOR" | cut -d: -f6)"
chmod 700 "$HOME_DIR"
if [ -n "${CRM_INSTRUCTOR_PASSWORD:-}" ]; then
    echo "$INSTRUCTOR:$CRM_INSTRUCTOR_PASSWORD" | chpasswd
elif [ "$(passwd -S "$INSTRUCTOR" | awk '{print $2}')" != P ]; then
    say "教师账号 $INSTRUCTOR 还没有密码：请运行 passwd $INSTRUCTOR 设定（登录 JupyterHub 用）"
fi
as_instructor() { runuser -u "$INSTRUCTOR" -- env HOME="$HOME_DIR" PATH="$VENV/bin:/usr/bin:/bin" "$@"; }

# 3. the course directory and the instructor's tools
# ~/assignments, like the repository: crmcourse finds it from the home folder (the terminal's start).
COURSE="$HOME_DIR/assignments"
as_instructor mkdir -p "$COURSE/source"
for chapter in "$REPO"/assignments/source/*/; do
    name="$(basename "$chapter")"
    if [ ! -d "$COURSE/source/$name" ] || [ "${CRM_UPDATE_SOURCE:-}" = 1 ]; then
        rm -rf "$COURSE/source/$name"
        cp -r "$chapter" "$COURSE/source/$name"
        chown -R "$INSTRUCTOR:" "$COURSE/source/$name"
    fi
done
install -o "$INSTRUCTOR" -g "$(id -gn "$INSTRUCTOR")" -m 644 "$REPO/assignments/nbgrader_config.py" "$COURSE/nbgrader_config.py"
as_instructor mkdir -p "$HOME_DIR/.jupyter"
cat > "$HOME_DIR/.jupyter/nbgrader_config.py" <<EOF
# The course directory of this instructor (written by deploy/setup-server.sh): the formgrader,
# nbgrader and crmcourse use it from any folder.
c = get_config()  # noqa: F821
load_subconfig("nbgrader_config.py", "$COURSE")  # noqa: F821
c.CourseDirectory.root = "$COURSE"
EOF
chown "$INSTRUCTOR:" "$HOME_DIR/.jupyter/nbgrader_config.py"
# The formgrader and create-assignment, switched off for everyone in the environment, on for the
# instructor: what `jupyter server extension enable --user` and `jupyter labextension enable
# --level=user` write, written directly (each of those commands takes a minute on a busy server).
as_instructor mkdir -p "$HOME_DIR/.jupyter/jupyter_server_config.d" "$HOME_DIR/.jupyter/labconfig"
as_instructor tee "$HOME_DIR/.jupyter/jupyter_server_config.d/nbgrader.server_extensions.formgrader.json" >/dev/null <<'EOF'
{"ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": true}}}
EOF
as_instructor tee "$HOME_DIR/.jupyter/labconfig/page_config.json" >/dev/null <<'EOF'
{"disabledExtensions": {"@jupyter/nbgrader:formgrader": false, "@jupyter/nbgrader:create-assignment": false}}
EOF

# 4. the exchange
mkdir -p "$EXCHANGE"
chown root:root "$EXCHANGE"
chmod 1777 "$EXCHANGE"
chmod a+rx "$(dirname "$EXCHANGE")"
if [ -e "$EXCHANGE/$COURSE_ID" ] && [ "$(stat -c %U "$EXCHANGE/$COURSE_ID")" != "$INSTRUCTOR" ]; then
    echo "setup-server: $EXCHANGE/$COURSE_ID 不属于 $INSTRUCTOR（属于 $(stat -c %U "$EXCHANGE/$COURSE_ID")）：" \
         "请检查后删除或改名，再运行一次" >&2
    exit 1
fi
as_instructor mkdir -p "$EXCHANGE/$COURSE_ID/outbound" "$EXCHANGE/$COURSE_ID/inbound" "$EXCHANGE/$COURSE_ID/feedback"
chmod 755 "$EXCHANGE/$COURSE_ID" "$EXCHANGE/$COURSE_ID/outbound"
chmod 2733 "$EXCHANGE/$COURSE_ID/inbound"
chmod 711 "$EXCHANGE/$COURSE_ID/feedback"

# 5. configuration for every user's server and for the hub
cat > "$VENV/etc/jupyter/nbgrader_config.py" <<EOF
# Every user of the classroom server (written by deploy/setup-server.sh): the course and its exchange.
import os
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "$COURSE_ID"
c.Exchange.root = os.environ.get("CRM_EXCHANGE") or "$EXCHANGE"
EOF
# JupyterLab's Terminal under the hub is a login shell: /etc/profile sets PATH afresh, which would
# hide crmcourse and jupyter. The hub gives every server CRM_HUB_VENV; this puts it first again
# (and does nothing in any other login).
cat > /etc/profile.d/crm-course.sh <<'EOF'
# The classroom server's course environment in JupyterLab's Terminal (deploy/setup-server.sh).
if [ -n "${CRM_HUB_VENV:-}" ] && [ -d "$CRM_HUB_VENV/bin" ]; then
    case ":$PATH:" in
        *":$CRM_HUB_VENV/bin:"*) ;;
        *) PATH="$CRM_HUB_VENV/bin:$PATH"; export PATH ;;
    esac
fi
EOF
chmod 644 /etc/profile.d/crm-course.sh
mkdir -p "$PREFIX/etc"
install -m 644 "$REPO/deploy/jupyterhub_config.py" "$PREFIX/etc/jupyterhub_config.py"
{
    echo "CRM_HUB_PREFIX=$PREFIX"
    echo "CRM_EXCHANGE=$EXCHANGE"
    echo "CRM_INSTRUCTORS=$INSTRUCTOR"
    for var in CRM_HUB_STATE CRM_HUB_IP CRM_HUB_PORT CRM_HUB_SSL_KEY CRM_HUB_SSL_CERT CRM_HUB_API_PORT CRM_HUB_HUB_PORT; do
        [ -n "${!var:-}" ] && echo "$var=${!var}"
    done
} > "$PREFIX/etc/crm-hub.env"

# The teacher versions must stay out of the students' reach: warn when this repository is readable.
if runuser -u nobody -- test -r "$REPO/assignments/source" 2>/dev/null; then
    say "注意：$REPO/assignments/source（教师版，含答案）其他账号也能读取。请把仓库放在只有 root 能进的文件夹里，" \
        "例如 /root/，或运行 chmod 700 $REPO"
fi

if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1 && [ -z "${CRM_HUB_NO_SYSTEMD:-}" ]; then
    sed "s|@PREFIX@|$PREFIX|g" "$REPO/deploy/crm-jupyterhub.service" > /etc/systemd/system/crm-jupyterhub.service
    systemctl daemon-reload
    systemctl enable crm-jupyterhub >/dev/null 2>&1
    systemctl restart crm-jupyterhub
    say "JupyterHub 已启动（systemctl status crm-jupyterhub；日志：journalctl -u crm-jupyterhub）"
else
    say "没有 systemd：请这样启动 JupyterHub："
    echo "    cd $PREFIX/state 2>/dev/null || mkdir -p $PREFIX/state && cd $PREFIX/state"
    echo "    env \$(cat $PREFIX/etc/crm-hub.env) $VENV/bin/jupyterhub -f $PREFIX/etc/jupyterhub_config.py"
fi
say "完成。下一步：deploy/add-students.sh 名单.csv 创建学生账号；教师 $INSTRUCTOR 登录后在终端里运行" \
    "crmcourse release 00_getting_started --exchange 发布第一章"
