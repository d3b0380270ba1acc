#!/usr/bin/env bash
# Side-by-side benchmark: AionDB and the machine's PostgreSQL 15, same
# machine, same run, equal durability (fsync on, synchronous commit).
# Loads pgbench scale $SCALE in both, runs the same workloads alternately,
# and prints TPS and average latency with the ratio AionDB/PostgreSQL.
#
#   scripts/bench.sh            # SCALE=10 CLIENTS=8 SECONDS_PER_RUN=20
#
# Not a test: numbers depend on the machine; only ratios are meaningful.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=${SCALE:-10}
CLIENTS=${CLIENTS:-8}
SECS=${SECONDS_PER_RUN:-20}
work=$(mktemp -d /tmp/aiondb-bench.XXXXXX)
cleanup() {
  [ -n "${aion_pid:-}" ] && kill "$aion_pid" 2>/dev/null || true
  [ -d "$work/pg" ] && runuser -u postgres -- pg_ctl -D "$work/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

cargo build --release -q -p aiondb-server
bin=${CARGO_TARGET_DIR:-target}/release/aiondb

aion_port=$(free_port)
"$bin" --data-dir "$work/aion" --port "$aion_port" > "$work/aion.log" 2>&1 &
aion_pid=$!

pg_port=$(free_port)
mkdir -p "$work/pg"
chown postgres "$work" "$work/pg" 2>/dev/null || true
runuser -u postgres -- initdb -D "$work/pg" -A trust -U postgres >/dev/null
runuser -u postgres -- pg_ctl -D "$work/pg" -l "$work/pg.log" -o "-p $pg_port -k /tmp -c fsync=on -c synchronous_commit=on -c max_connections=100" start >/dev/null

for _ in $(seq 100); do
  pg_isready -h 127.0.0.1 -p "$aion_port" -q && pg_isready -h 127.0.0.1 -p "$pg_port" -q && break
  sleep 0.2
done

pgb() { pgbench -h 127.0.0.1 -p "$1" -U postgres "${@:2}" postgres; }
echo "loading pgbench scale $SCALE ..."
pgb "$aion_port" -i -s "$SCALE" -q >/dev/null 2>&1
pgb "$pg_port" -i -s "$SCALE" -q >/dev/null 2>&1

run() { # port args... -> "tps latency_ms"
  local out
  out=$(pgb "$1" -n -c "$CLIENTS" -j 2 -T "$SECS" "${@:2}" 2>&1)
  echo "$(echo "$out" | awk '/^tps/ {print $3}') $(echo "$out" | awk '/latency average/ {print $4}')"
}
printf "%-22s %12s %12s %12s %12s %8s\n" workload aion_tps pg_tps aion_lat_ms pg_lat_ms ratio
for w in "tpcb simple:-M simple" "tpcb prepared:-M prepared" "select simple:-S -M simple" "select prepared:-S -M prepared"; do
  name=${w%%:*}; args=${w#*:}
  # shellcheck disable=SC2086
  read -r at al < <(run "$aion_port" $args)
  # shellcheck disable=SC2086
  read -r pt pl < <(run "$pg_port" $args)
  ratio=$(python3 -c "print(f'{float($at)/float($pt):.2f}')")
  printf "%-22s %12.0f %12.0f %12.3f %12.3f %8s\n" "$name" "$at" "$pt" "$al" "$pl" "$ratio"
done
