#!/usr/bin/env bash
# Runs PostgreSQL 15's public regression tests
# (../shared/conformance/pg_regress) against the real aiondb binary, with
# pg_regress through ../shared/conformance/run-pg-regress.sh.
#
#   scripts/pg-regress.sh           # prints the N passed, M failed count and
#                                   # the passing tests
#   scripts/pg-regress.sh --check   # also compares with
#                                   # tests/conformance/pg-regress-passing.txt:
#                                   # a listed test that fails is an error, a
#                                   # passing test not listed is reported
#
# Tests in tests/conformance/pg-regress-skip.txt are not run (see there).
#
# Builds nothing. AIONDB_BIN overrides the binary (default:
# $CARGO_TARGET_DIR/debug/aiondb, else target/debug/aiondb). OUTDIR keeps
# the results (regression.diffs, results/) in a given directory instead of
# a temporary one that is removed at exit. Every statement gets a
# statement_timeout of STATEMENT_TIMEOUT_MS (default 20000). ONLY="a b"
# runs just test_setup (which loads the shared tables) and the tests named.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
conf="$root/../shared/conformance"
list="$root/tests/conformance/pg-regress-passing.txt"
mode=${1:-all}
case "$mode" in all | --check) ;; *) echo "usage: $0 [--check]" >&2; exit 2 ;; esac
[ -x "$conf/run-pg-regress.sh" ] || { echo "conformance corpus not found at $conf" >&2; exit 2; }
bin=${AIONDB_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/aiondb}
[ -x "$bin" ] || { echo "aiondb binary not found at $bin (cargo build -p aiondb-server, or set AIONDB_BIN)" >&2; exit 2; }

work=$(mktemp -d /tmp/aiondb-pg-regress.XXXXXX)
# shellcheck source=lib/start-aiondb.sh
source "$root/scripts/lib/start-aiondb.sh"

out=${OUTDIR:-$work/out}
# A statement that runs away (a nested loop over tenk1) fails its test
# instead of stalling the run; psql passes this on as a startup option.
export PGOPTIONS=${PGOPTIONS:--c statement_timeout=${STATEMENT_TIMEOUT_MS:-20000}}
set +e
# Tests listed in the skip file are left out of the schedule (they make
# aiondb run for hours, stalling every test after them).
skip="$root/tests/conformance/pg-regress-skip.txt"
schedule="$work/schedule"
while IFS= read -r line; do
  t=${line#test: }
  if [ "$t" != "$line" ] && [ -f "$skip" ] && grep -qxF "$t" "$skip"; then
    echo "# skipped (listed in $skip): $t"
    continue
  fi
  if [ "$t" != "$line" ] && [ -n "${ONLY:-}" ] && [ "$t" != test_setup ] &&
    ! echo " $ONLY " | grep -qF " $t "; then
    continue
  fi
  echo "$line"
done < "$conf/pg_regress/public_schedule" > "$schedule.tmp"
grep -v '^# skipped' "$schedule.tmp" > "$schedule"
grep '^# skipped' "$schedule.tmp" || true
summary=$(INPUTDIR="$conf/pg_regress" "$conf/run-pg-regress.sh" 127.0.0.1 "$port" "$schedule" "$out")
set -e
echo "$summary" | grep -E '^(ok|FAILED) ' || true
passing=$(echo "$summary" | awk '$1 == "ok" {print $2}')
echo "$summary" | grep -E '^[0-9]+ passed, [0-9]+ failed' || { echo "$summary" >&2; exit 1; }
[ -n "${OUTDIR:-}" ] && echo "# diffs: $out/regression.diffs"
kill -0 $pid 2>/dev/null || { echo "aiondb exited during the run:" >&2; tail -20 "$log" >&2; exit 1; }
[ "$mode" = "--check" ] || exit 0

rc=0
while IFS= read -r t; do
  [ -z "$t" ] || [ "${t#\#}" != "$t" ] && continue
  [ -n "${ONLY:-}" ] && ! echo " $ONLY " | grep -qF " $t " && continue
  echo "$passing" | grep -qxF "$t" || { echo "error: $t is listed in $list but fails" >&2; rc=1; }
done < "$list"
for t in $passing; do
  grep -qxF "$t" "$list" || echo "note: $t passes but is not listed in $list (add it)"
done
exit $rc
