#!/usr/bin/env bash
# Runs the public sqllogictest files (../shared/conformance/slt) against the
# real aiondb binary.
#
#   scripts/slt-check.sh          # CI: every file listed in
#                                 # tests/conformance/slt-passing.txt and every
#                                 # project file in tests/slt/ must pass
#   scripts/slt-check.sh --all    # every file; prints the N passed, M failed
#                                 # count and the files that pass but are not
#                                 # listed yet (add them in the same change)
#
# AIONDB_BIN overrides the binary (default: target/debug/aiondb, built by
# the test suite; built here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
conf="$root/../shared/conformance"
list="$root/tests/conformance/slt-passing.txt"
mode=${1:-listed}
[ -d "$conf/slt" ] || { echo "conformance corpus not found at $conf" >&2; exit 2; }
bin=${AIONDB_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/aiondb}
[ -x "$bin" ] || cargo build -q -p aiondb-server
slt=$(command -v sqllogictest || echo "$HOME/.cargo/bin/sqllogictest")
[ -x "$slt" ] || { echo "sqllogictest not installed (scripts/setup.sh installs it)" >&2; exit 2; }

work=$(mktemp -d /tmp/aiondb-slt.XXXXXX)
# shellcheck source=lib/start-aiondb.sh
source "$root/scripts/lib/start-aiondb.sh"

# Stage the files to run in a directory tree the runner understands.
sel="$work/slt"
mkdir -p "$sel"
if [ "$mode" = "--all" ]; then
  cp -r "$conf/slt/." "$sel/"
else
  while IFS= read -r f; do
    [ -z "$f" ] || [ "${f#\#}" != "$f" ] && continue
    mkdir -p "$sel/$(dirname "$f")"
    cp "$conf/slt/$f" "$sel/$f"
  done < "$list"
  # The project's own files, checked against PostgreSQL 15 by
  # scripts/slt-pg.sh when they are written.
  mkdir -p "$sel/aiondb"
  cp "$root"/tests/slt/*.test "$sel/aiondb/"
fi
export SLT_BIN="$slt" SLT_TIMEOUT=${SLT_TIMEOUT:-600}
set +e
out=$("$conf/run-slt.sh" 127.0.0.1 "$port" "$sel" "$work/out")
rc=$?
set -e
echo "$out"
if [ "$mode" = "--all" ]; then
  echo "# passing but not listed in tests/conformance/slt-passing.txt:"
  echo "$out" | awk '/^PASS/ {print $2}' | while read -r f; do grep -qxF "$f" "$list" || echo "  $f"; done
  exit 0
fi
exit $rc
