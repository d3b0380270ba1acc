#!/usr/bin/env bash
# Installs the tools the build and tests need on a fresh machine of this
# kind. Idempotent: a tool already present is left alone.
set -euo pipefail
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install cargo-nextest --locked
fi
# psql and pgbench are real clients in the end-to-end tests.
if ! command -v psql >/dev/null 2>&1 || ! command -v pgbench >/dev/null 2>&1; then
  apt-get update -q && apt-get install -y -q postgresql-client
fi
# The sqllogictest runner for the conformance check.
if ! command -v sqllogictest >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/sqllogictest" ]; then
  cargo install sqllogictest-bin --version 0.29.1 --locked
fi
