# Sourced by the conformance scripts: starts the aiondb binary "$bin" on a
# fresh data directory under "$work" and a free port, sets $pid and $port,
# and arranges for the server to be stopped and "$work" removed at exit.
# Exits with the server log if the server does not come up.
log="$work/server.log"
"$bin" --data-dir "$work/data" --port 0 > "$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
port=""
for _ in $(seq 600); do
  port=$(sed -n 's/.*ready to accept connections on [0-9.]*:\([0-9]*\).*/\1/p' "$log" | tail -1)
  [ -n "$port" ] && break
  kill -0 $pid 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "aiondb did not start" >&2; cat "$log" >&2; exit 1; }
