#!/usr/bin/env bash
# The main job on embedded defaults: assess every bundled example case.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/nelm assess examples/cases
