"""How many server processes `nelm serve` and `nelm cds serve` start by default: one per CPU core this process may
use, at most 4 (the tumour-board and CDS Hooks latency targets need two on a 2-core machine)."""

from __future__ import annotations

import os

_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
DEFAULT_WORKERS = max(1, min(4, _CORES))
