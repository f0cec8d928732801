# shellcheck shell=bash
# Shared by bin/run and bin/test: find Odoo, build the venv, own a private
# PostgreSQL cluster. Every failure is one line saying what to do.
set -euo pipefail

PB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PB_LOCAL="$PB_ROOT/.local"          # git-ignored: venv, cluster, filestore, logs
PB_VENV="$PB_LOCAL/venv"
PB_PGDATA="$PB_LOCAL/pgdata"
PB_PGPORT="${PB_PGPORT:-54329}"
PB_PGUSER=odoo                     # Odoo refuses the "postgres" role
PB_ADDONS="$PB_LOCAL/addons"       # holds the parent_billing -> repo symlink
PB_DATA_DIR="$PB_LOCAL/filestore"

die() { printf 'parent_billing: %s\n' "$*" >&2; exit 1; }
say() { printf '==> %s\n' "$*"; }

# shellcheck source=bin/_odoo_source.sh
. "$PB_ROOT/bin/_odoo_source.sh"

# Odoo comes from, in order: ODOO_PATH, an importable odoo, /opt/odoo18, else
# the 18.0 source pinned in odoo.lock, obtained into .local/odoo (from
# ODOO_SOURCE when set). PB_NO_SYSTEM_ODOO=1 ignores the importable odoo and
# /opt/odoo18, as on a machine without them.
find_odoo() {
    local candidate=""
    if [ -n "${ODOO_PATH:-}" ]; then
        candidate="$ODOO_PATH"
        [ -f "$candidate/odoo-bin" ] || die "ODOO_PATH=$ODOO_PATH has no odoo-bin: point ODOO_PATH at an Odoo 18 source tree."
    elif [ -z "${PB_NO_SYSTEM_ODOO:-}" ] \
            && candidate=$(python3 -c 'import odoo, os; print(os.path.dirname(os.path.dirname(odoo.__file__)))' 2>/dev/null) \
            && [ -f "$candidate/odoo-bin" ]; then
        :
    elif [ -z "${PB_NO_SYSTEM_ODOO:-}" ] && [ -f /opt/odoo18/odoo-bin ]; then
        candidate=/opt/odoo18
    else
        obtain_odoo
        candidate="$PB_ODOO_LOCAL"
    fi
    local serie
    serie=$(sed -n "s/^version_info = (\([0-9]*\), \([0-9]*\),.*/\1.\2/p" "$candidate/odoo/release.py" 2>/dev/null || true)
    [ "$serie" = "18.0" ] || die "$candidate is Odoo ${serie:-of unknown version}, not 18.0: set ODOO_PATH to an Odoo 18 tree."
    ODOO_PATH=$(cd "$candidate" && pwd)
    export ODOO_PATH
    export PYTHONPATH="$ODOO_PATH${PYTHONPATH:+:$PYTHONPATH}"
}

pick_python() {
    local py
    for py in "${PB_PYTHON:-}" python3.12 python3.11 python3.10 python3; do
        [ -n "$py" ] || continue
        if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))' 2>/dev/null; then
            echo "$py"; return
        fi
    done
    die "Odoo 18 needs Python 3.10-3.12 and none was found: install one or set PB_PYTHON."
}

ensure_venv() {
    local stamp="$PB_VENV/.installed" want
    want=$(cat "$ODOO_PATH/requirements.txt" "$PB_ROOT/requirements-dev.txt" | sha1sum | cut -c1-12)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return
    fi
    say "installing Odoo's and the project's Python requirements into .local/venv (first run takes a few minutes)"
    [ -x "$PB_VENV/bin/python" ] || "$(pick_python)" -m venv "$PB_VENV" || die "could not create a venv: install python3-venv."
    # cbor2==5.4.2 only builds with setuptools<81; PIP_CONSTRAINT reaches pip's isolated build envs.
    local constraints="$PB_LOCAL/pip-constraints.txt"
    printf 'setuptools<81\n' > "$constraints"
    # pip >= 25.3 reads build-env constraints from PIP_BUILD_CONSTRAINT instead.
    export PIP_CONSTRAINT="$constraints" PIP_BUILD_CONSTRAINT="$constraints"
    "$PB_VENV/bin/pip" install -q --upgrade pip 'setuptools<81' wheel >"$PB_LOCAL/pip.log" 2>&1 \
        || die "pip could not upgrade itself; see .local/pip.log"
    if ! "$PB_VENV/bin/pip" install -q -r "$ODOO_PATH/requirements.txt" -r "$PB_ROOT/requirements-dev.txt" >>"$PB_LOCAL/pip.log" 2>&1; then
        grep -q "lber.h\|ldap.h\|sasl.h" "$PB_LOCAL/pip.log" \
            && die "python-ldap needs system headers: apt-get install libldap2-dev libsasl2-dev (see .local/pip.log)"
        grep -q "pg_config" "$PB_LOCAL/pip.log" \
            && die "psycopg2 needs PostgreSQL headers: apt-get install libpq-dev (see .local/pip.log)"
        die "installing Python requirements failed; the end of .local/pip.log says why."
    fi
    echo "$want" > "$stamp"
}

pg_bin() {
    local dir
    for dir in "${PB_PG_BIN:-}" $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -n "$dir" ] && [ -x "$dir/initdb" ] && { echo "$dir"; return; }
    done
    command -v initdb >/dev/null && { dirname "$(command -v initdb)"; return; }
    die "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql, or set PB_PG_BIN."
}

# initdb and postgres refuse to run as root: as root, the cluster belongs to
# the "postgres" system user (created by Debian's package).
as_pg() {
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' system user to own the cluster: apt-get install postgresql."
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# As root the cluster belongs to "postgres", who may not be able to reach a
# checkout under a private home: its data then lives in /var/tmp instead.
resolve_pgdata() {
    if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$PB_LOCAL" 2>/dev/null; then
        PB_PGDATA="/var/tmp/parent_billing-$(printf '%s' "$PB_ROOT" | sha1sum | cut -c1-10)/pgdata"
        mkdir -p "$(dirname "$PB_PGDATA")"
    fi
}

ensure_postgres() {
    local bin; bin=$(pg_bin)
    mkdir -p "$PB_LOCAL"
    resolve_pgdata
    if [ ! -f "$PB_PGDATA/PG_VERSION" ]; then
        rm -rf "$PB_PGDATA"
        mkdir -p "$PB_PGDATA"
        [ "$(id -u)" = 0 ] && chown postgres: "$PB_PGDATA" && chmod 700 "$PB_PGDATA"
        say "creating a private PostgreSQL cluster in $PB_PGDATA"
        as_pg "$bin/initdb" -D "$PB_PGDATA" -U "$PB_PGUSER" --auth=trust -E UTF8 --locale=C >"$PB_LOCAL/initdb.log" 2>&1 \
            || { rm -rf "$PB_PGDATA"; die "initdb failed; see $PB_LOCAL/initdb.log"; }
    fi
    if as_pg "$bin/pg_ctl" -D "$PB_PGDATA" status >/dev/null 2>&1; then
        return
    fi
    # A crash leaves postmaster.pid behind; pg_ctl status above said no server
    # runs on it, so it is stale.
    if [ -f "$PB_PGDATA/postmaster.pid" ]; then
        say "removing a stale PostgreSQL lock file (no server was running)"
        rm -f "$PB_PGDATA/postmaster.pid"
    fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$PB_PGPORT") 2>/dev/null; then
        die "port $PB_PGPORT is taken by another program: stop it or set PB_PGPORT to a free port."
    fi
    as_pg "$bin/pg_ctl" -D "$PB_PGDATA" -l "$PB_PGDATA/server.log" -w -t 60 \
        -o "-p $PB_PGPORT -c unix_socket_directories= -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null \
        || die "PostgreSQL did not start; see $PB_PGDATA/server.log"
}

stop_postgres() {
    resolve_pgdata
    [ -f "$PB_PGDATA/PG_VERSION" ] || return 0
    as_pg "$(pg_bin)/pg_ctl" -D "$PB_PGDATA" -m fast stop >/dev/null 2>&1 || true
}

# The addon Odoo loads is a folder of links to the repository's own entries,
# never a link to the repository root: that link sat inside .local, which lies
# inside the root, and Odoo walks module folders following links (translation
# export), so the walk went round that loop for ever (and through .local).
ensure_addons_link() {
    local dir="$PB_ADDONS/parent_billing" entry
    [ -L "$dir" ] && rm -f "$dir"
    rm -rf "$dir"
    mkdir -p "$dir"
    for entry in "$PB_ROOT"/* "$PB_ROOT"/.[!.]*; do
        case "${entry##*/}" in .local | .git | .ruff_cache | "*" | ".[!.]*") continue ;; esac
        ln -s "$entry" "$dir/"
    done
}

# pytest resolves symlinks, and then names the addon after the checkout's
# folder: tests run on a copy whose folder is really called parent_billing.
copy_addon_for_tests() {
    PB_ADDONS="$PB_LOCAL/test-addons-$1"
    rm -rf "$PB_ADDONS"
    mkdir -p "$PB_ADDONS/parent_billing"
    (cd "$PB_ROOT" && tar --exclude=./.local --exclude=./.git --exclude=__pycache__ -cf - .) \
        | tar -xf - -C "$PB_ADDONS/parent_billing"
}

db_exists() {
    "$(pg_bin)/psql" -h 127.0.0.1 -p "$PB_PGPORT" -U "$PB_PGUSER" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$1'" | grep -q 1
}

drop_db() {
    "$(pg_bin)/dropdb" -h 127.0.0.1 -p "$PB_PGPORT" -U "$PB_PGUSER" --if-exists "$1"
    rm -rf "$PB_DATA_DIR/filestore/$1"
}

# Common odoo-bin arguments: our cluster, Odoo's own addons, then ours.
odoo_args() {
    printf '%s\n' --db_host=127.0.0.1 "--db_port=$PB_PGPORT" "--db_user=$PB_PGUSER" \
        "--addons-path=$ODOO_PATH/odoo/addons,$PB_ADDONS" "--data-dir=$PB_DATA_DIR"
}

odoo_bin() {
    local args sub=()
    [ "${1:-}" = shell ] && { sub=(shell); shift; }
    mapfile -t args < <(odoo_args)
    "$PB_VENV/bin/python" "$ODOO_PATH/odoo-bin" "${sub[@]}" "${args[@]}" "$@"
}

setup_all() {
    find_odoo
    ensure_venv
    ensure_postgres
    ensure_addons_link
}
