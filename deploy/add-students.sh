#!/usr/bin/env bash
# Student accounts of the classroom server (README: 课堂：JupyterHub), run as root:
#
#   sudo deploy/add-students.sh 名单.csv [-o 密码.csv]    # create (existing accounts: group only)
#   sudo deploy/add-students.sh --remove 名单.csv         # delete the accounts and their homes
#
# 名单.csv: one student per line, the student id first (a header line and further columns are
# ignored; ids are lower-case letters, digits, _ and -, starting with a letter, as Unix names are).
# The student id is the Unix user name, the JupyterHub login and the id in the gradebook.
# Each new account gets the group crm-students, a home of mode 700 and a random password; the
# passwords go to 密码.csv (default ./crm-passwords-<date>.csv, mode 600) for the instructor to hand out.
set -euo pipefail

GROUP="${CRM_STUDENTS_GROUP:-crm-students}"
remove=0
out=""
roster=""
while [ $# -gt 0 ]; do
    case "$1" in
        --remove) remove=1 ;;
        -o) out="$2"; shift ;;
        *) roster="$1" ;;
    esac
    shift
done
[ "$(id -u)" -eq 0 ] || { echo "add-students: 请用 root 运行（sudo）" >&2; exit 1; }
[ -n "$roster" ] && [ -f "$roster" ] || { echo "用法：add-students.sh 名单.csv [-o 密码.csv] | --remove 名单.csv" >&2; exit 1; }
getent group "$GROUP" >/dev/null || groupadd "$GROUP"

ids=()
while IFS=, read -r id _ || [ -n "$id" ]; do
    id="$(echo "$id" | tr -d '\r\357\273\277' | xargs)"
    [ -z "$id" ] && continue
    if ! [[ "$id" =~ ^[a-z][a-z0-9_-]{0,31}$ ]]; then
        [ "${#ids[@]}" -eq 0 ] && continue  # a header line
        echo "add-students: 跳过“$id”：学号只能用小写字母、数字、_ 和 -，并以字母开头" >&2
        continue
    fi
    ids+=("$id")
done < "$roster"

if [ "$remove" = 1 ]; then
    for id in "${ids[@]}"; do
        if id -nG "$id" 2>/dev/null | tr ' ' '\n' | grep -qx "$GROUP"; then
            pkill -KILL -u "$id" 2>/dev/null || true
            userdel --remove "$id" 2>/dev/null || userdel "$id"
            echo "已删除 $id"
        elif id -u "$id" >/dev/null 2>&1; then
            echo "add-students: 不删除 $id：不是 $GROUP 组的学生账号" >&2
        fi
    done
    exit 0
fi

out="${out:-crm-passwords-$(date +%Y%m%d-%H%M%S).csv}"
( umask 077; echo "student,password" > "$out" )
created=0
for id in "${ids[@]}"; do
    if id -u "$id" >/dev/null 2>&1; then
        usermod -a -G "$GROUP" "$id"
        echo "$id 已有账号：加入 $GROUP（密码不变）"
        continue
    fi
    useradd --create-home --shell /bin/bash --groups "$GROUP" "$id"
    chmod 700 "$(getent passwd "$id" | cut -d: -f6)"
    password="$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | cut -c1-12)"
    echo "$id:$password" | chpasswd
    echo "$id,$password" >> "$out"
    created=$((created + 1))
done
echo "新建 $created 个学生账号；密码在 $out（只有 root 能读，发给学生后请删除）"
