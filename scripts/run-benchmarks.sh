#!/usr/bin/env bash
# Every benchmark, quick mode unless FULL=1. Figures and ratios against the reference are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=--quick
[ "${FULL:-0}" = "1" ] && mode=
for bench in benchmarks/bench_*.py; do
  echo "== $bench"
  .venv/bin/python "$bench" $mode
done
