#!/usr/bin/env bash
# Runs pytest on the given paths. "No tests collected" (pytest's exit 5) is a failure, not a pass.
set -uo pipefail
cd "$(dirname "$0")/.."
echo "[test] ruff check . (pyflakes and import order: [tool.ruff] in pyproject.toml)"
.venv/bin/ruff check . || { echo "[test] FAILED: ruff found problems (.venv/bin/ruff check --fix . mends import order)" >&2; exit 1; }
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "[test] FAILED: pytest collected no tests in: $*" >&2
  exit 1
fi
exit "$rc"
