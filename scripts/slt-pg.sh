#!/usr/bin/env bash
# Runs sqllogictest files against the machine's real PostgreSQL 15 (a
# throwaway initdb on a free port), to check that a project test in
# tests/slt/ states what PostgreSQL itself answers before AionDB is held to
# it.
#
#   scripts/slt-pg.sh tests/slt/foo.test [more files...]
#   scripts/slt-pg.sh                      # every file in tests/slt/
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
conf="$root/../shared/conformance"
pgbin=${PG_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$pgbin/postgres" ] || { echo "PostgreSQL 15 server not found in $pgbin (set PG_BIN)" >&2; exit 2; }
slt=$(command -v sqllogictest || echo "$HOME/.cargo/bin/sqllogictest")
[ -x "$slt" ] || { echo "sqllogictest not installed (scripts/setup.sh installs it)" >&2; exit 2; }
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(tests/slt/*.test)

work=$(mktemp -d /tmp/aiondb-slt-pg.XXXXXX)
chmod 755 "$work"
run_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$work"
echo postgres > "$work/pw"
run_pg "$pgbin/initdb -D $work/data -U postgres --pwfile=$work/pw -A scram-sha-256 >/dev/null"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run_pg "$pgbin/pg_ctl -D $work/data -o '-p $port -k $work -c listen_addresses=127.0.0.1' -l $work/pg.log -w start >/dev/null"
trap 'run_pg "$pgbin/pg_ctl -D $work/data -m immediate stop" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

sel="$work/slt"
mkdir -p "$sel"
for f in "${files[@]}"; do cp "$f" "$sel/"; done
export SLT_BIN="$slt" SLT_PASSWORD=postgres
"$conf/run-slt.sh" 127.0.0.1 "$port" "$sel" "$work/out" || { grep -v "^ *[0-9]*: \|^ *at " "$work"/out/logs/*.log | head -60; exit 1; }
