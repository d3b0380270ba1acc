#!/usr/bin/env bash
# The whole test suite: what README.md tells a newcomer to run and what
# .ci/run calls. Installs what it needs first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo nextest run --workspace --no-fail-fast
cargo test --workspace --doc --quiet
scripts/slt-check.sh
scripts/pg-regress.sh --check
