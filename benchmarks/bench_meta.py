"""Speed and agreement of nelm's meta-analysis engine next to R metafor, on the same data, in one run.

    .venv/bin/python benchmarks/bench_meta.py          # k = 8 (review Table 2) x 2000 fits, k = 1000 x 5 fits, LOO k = 300
    .venv/bin/python benchmarks/bench_meta.py --quick  # k = 8 x 200 fits, k = 300 x 2 fits, LOO k = 100

metafor fits with k x k matrices, so R's REML/ML at k = 1000 take tens of seconds per fit: run the full mode once.

R is timed inside R with system.time (start-up and CSV reading excluded); skipped if Rscript is missing.
Also prints: the worst relative difference from the stored metafor reference values (tests/data/meta), and
the cost of evidence_for() per call once the catalogue is cached (what the assessment engine pays per option).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from nelm.meta import leave_one_out, pool, proportion_effects

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "tests" / "data" / "meta"
METHODS = ("DL", "REML", "PM", "ML", "FE")

R_SCRIPT = r"""
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE); dir <- args[1]; reps_small <- as.integer(args[2]); reps_big <- as.integer(args[3])
small <- read.csv(file.path(dir, "small.csv")); big <- read.csv(file.path(dir, "big.csv")); loo <- read.csv(file.path(dir, "loo.csv"))
es_small <- escalc("PLO", xi = small$events, ni = small$n); es_big <- escalc("PLO", xi = big$events, ni = big$n)
es_loo <- escalc("PLO", xi = loo$events, ni = loo$n)
out <- list(versions = sprintf("%s; metafor %s", R.version.string, packageVersion("metafor")))
for (m in c("DL", "REML", "PM", "ML", "FE")) {
  out[[paste0("small_", m)]] <- system.time(for (i in seq_len(reps_small)) predict(rma(yi, vi, data = es_small, method = m, test = "knha"), transf = transf.ilogit))[["elapsed"]] / reps_small
  out[[paste0("big_", m)]] <- system.time(for (i in seq_len(reps_big)) fit <- rma(yi, vi, data = es_big, method = m))[["elapsed"]] / reps_big
  out[[paste0("big_tau2_", m)]] <- fit$tau2
}
out$loo_REML <- system.time(l1 <- leave1out(rma(yi, vi, data = es_loo, method = "REML")))[["elapsed"]]
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), file.path(dir, "r.json"))
"""


def make_data(k: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = rng.integers(10, 400, size=k)
    p = 1 / (1 + np.exp(-rng.normal(0.8, 0.7, size=k)))  # heterogeneous true proportions
    return pd.DataFrame({"study": [f"S{i}" for i in range(k)], "events": rng.binomial(n, p), "n": n})


def best_of(fn, reps: int) -> float:
    start = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - start) / reps


def worst_agreement() -> float:
    from tests.meta.reference import effects, table

    worst = 0.0
    fields = ("estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper", "tau2", "i2_percent", "q")
    for row in table("reference_pool").itertuples(index=False):
        es, _ = effects(row.dataset, row.measure)
        res = pool(es, row.method, hk=row.hk)
        for f in fields:
            theirs = getattr(row, f)
            if theirs != 0:
                worst = max(worst, abs(getattr(res, f) - theirs) / abs(theirs))
            else:
                worst = max(worst, abs(getattr(res, f)))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    reps_small, reps_big, k_big, k_loo = (200, 2, 300, 100) if args.quick else (2000, 5, 1000, 300)
    small = pd.read_csv(REF / "lt_os5_table2.csv", comment="#")
    big, loo = make_data(k_big, 1), make_data(k_loo, 2)

    ours: dict[str, float] = {}
    es_small = proportion_effects(small.events, small.n, "PLO")
    es_big = proportion_effects(big.events, big.n, "PLO")
    es_loo = proportion_effects(loo.events, loo.n, "PLO")
    tau2_big = {}
    pool(es_small, "DL")  # warm-up: first-call imports are not part of the timing
    for m in METHODS:
        ours[f"small_{m}"] = best_of(lambda m=m: pool(es_small, m, hk=True), reps_small)
        ours[f"big_{m}"] = best_of(lambda m=m: pool(es_big, m), reps_big)
        tau2_big[m] = pool(es_big, m).tau2
    ours["loo_REML"] = best_of(lambda: leave_one_out(es_loo, "REML"), 1)

    r = None
    if shutil.which("Rscript"):
        with tempfile.TemporaryDirectory() as tmp:
            small.to_csv(Path(tmp) / "small.csv", index=False)
            big.to_csv(Path(tmp) / "big.csv", index=False)
            loo.to_csv(Path(tmp) / "loo.csv", index=False)
            (Path(tmp) / "bench.R").write_text(R_SCRIPT)
            subprocess.run(["Rscript", str(Path(tmp) / "bench.R"), tmp, str(reps_small), str(reps_big)], check=True, capture_output=True)
            r = json.loads((Path(tmp) / "r.json").read_text())

    print(f"nelm meta benchmark ({'quick' if args.quick else 'full'}); reference: {r['versions'] if r else 'R not found'}")
    print(f"{'case':<34}{'nelm s':>12}{'R s':>12}{'R / nelm':>10}")
    labels = {"small": "k=8 PLO +HK, fit+predict", "big": f"k={k_big} PLO, fit", "loo": f"leave-one-out k={k_loo}"}
    for key, value in ours.items():
        kind, method = key.split("_", 1)
        theirs = r.get(key) if r else None
        ratio = f"{theirs / value:10.1f}" if theirs else f"{'-':>10}"
        print(f"{labels[kind] + ' ' + method:<34}{value:12.6f}{(theirs or float('nan')):12.6f}{ratio}")
    if r:
        worst_big = max(abs(tau2_big[m] - r[f"big_tau2_{m}"]) / r[f"big_tau2_{m}"] for m in METHODS if r[f"big_tau2_{m}"] > 0)
        print(f"k={k_big} tau² agreement with metafor (worst relative difference over methods): {worst_big:.2e}")
    print(f"stored metafor references (144 fits x 8 quantities): worst relative difference {worst_agreement():.2e}")

    from nelm.evidence import evidence_for

    t0 = time.perf_counter()
    evidence_for("liver_transplantation")
    first = time.perf_counter() - t0
    per_call = best_of(lambda: evidence_for("liver_transplantation"), 10000)
    print(f"evidence_for: first call (load + pool) {first * 1e3:.1f} ms, then {per_call * 1e6:.2f} µs per call")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
