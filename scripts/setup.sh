#!/usr/bin/env bash
# Installs the tools the build and tests need on a fresh machine of this
# kind. Idempotent: a tool already present is left alone.
set -euo pipefail
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install cargo-nextest --locked
fi
