"""Benchmark: propensity-score matching of 100,000 patients, nelm vs R MatchIt side by side in one run.

    .venv/bin/python benchmarks/bench_matching.py [--n 100000] [--repeats 3]

Times the whole job each tool does for a user (PS model + 1:1 greedy matching with a 0.2 SD caliper on the
logit + balance table), best of --repeats, and prints the ratio nelm / R. Also checks that nelm's
compat="matchit-4.5.1" run gives MatchIt's exact pairs on the same data. R is skipped when Rscript is absent.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from nelm.stats.ps_match import propensity_score_match

COVARIATES = ["age", "ki67", "burden", "symptomatic"]

R_SCRIPT = r"""
suppressPackageStartupMessages({library(MatchIt); library(jsonlite)})
args <- commandArgs(TRUE); d <- read.csv(args[1]); repeats <- as.integer(args[3])
f <- surgery ~ age + ki67 + burden + symptomatic
best <- best_match <- Inf
for (i in seq_len(repeats)) {
  t0 <- proc.time()[["elapsed"]]
  m <- matchit(f, data = d, method = "nearest", link = "linear.logit", caliper = 0.2)
  t1 <- proc.time()[["elapsed"]]
  s <- summary(m, pair.dist = FALSE)
  best <- min(best, proc.time()[["elapsed"]] - t0); best_match <- min(best_match, t1 - t0)
}
mm <- m$match.matrix
ok <- !is.na(mm[, 1])
write_json(list(seconds = best, match_seconds = best_match, version = as.character(packageVersion("MatchIt")), r = R.version.string,
                treated = as.integer(rownames(mm)[ok]) - 1L, control = as.integer(mm[ok, 1]) - 1L),
           args[2], digits = NA, auto_unbox = TRUE)
"""


def generate(n: int, seed: int = 1) -> pd.DataFrame:
    # Synthetic NELM-like cohort (surgery vs intra-arterial therapy); not clinical figures.
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "age": np.round(rng.normal(61, 11, n), 1),
        "ki67": np.round(np.minimum(60, np.exp(rng.normal(1.3, 0.8, n))), 1),
        "burden": np.round(100 * rng.beta(2, 5, n), 1),
        "symptomatic": rng.binomial(1, 0.45, n),
    })
    lp = 1.0 - 0.045 * (frame.age - 61) - 0.06 * frame.ki67 - 0.05 * frame.burden - 0.5 * frame.symptomatic
    frame.insert(0, "surgery", rng.binomial(1, 1 / (1 + np.exp(-lp))))
    return frame


def time_nelm(frame: pd.DataFrame, repeats: int, **options) -> tuple[float, object]:
    best, run = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        run = propensity_score_match(frame, "surgery", COVARIATES, caliper=0.2, **options)
        best = min(best, time.perf_counter() - start)
    return best, run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a smaller run (n=20,000, repeats=1)")
    args = parser.parse_args()
    if args.quick:
        args.n = 20000
        args.repeats = 1

    frame = generate(args.n)
    print(f"n = {args.n:,} patients, {int(frame.surgery.sum()):,} treated; 1:1, caliper 0.2 SD of the logit")
    nelm_s, run = time_nelm(frame, args.repeats)
    compat_s, compat = time_nelm(frame, 1, compat="matchit-4.5.1")
    print(f"nelm (nearest neighbour)       {nelm_s:8.3f} s   {run.result.n_treated_matched:,} pairs")
    print(f"nelm (compat matchit-4.5.1)    {compat_s:8.3f} s   {compat.result.n_treated_matched:,} pairs")

    if shutil.which("Rscript") is None:
        print("R: Rscript not found, skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        data, out, script = Path(tmp, "d.csv"), Path(tmp, "out.json"), Path(tmp, "bench.R")
        frame.to_csv(data, index=False)
        script.write_text(R_SCRIPT)
        subprocess.run(["Rscript", str(script), str(data), str(out), str(args.repeats)], check=True)
        r = json.loads(out.read_text())
    r_pairs = sorted(zip(r["treated"], r["control"]))
    ours = sorted((t, cs[0]) for t, cs in compat.result.pairs())
    print(f"R MatchIt {r['version']} ({r['r']})  {r['seconds']:8.3f} s   {len(r_pairs):,} pairs"
          f"  (matchit() alone {r['match_seconds']:.3f} s)")
    print(f"ratio nelm / R: {nelm_s / r['seconds']:.2f} (nearest), {compat_s / r['seconds']:.2f} (compat)")
    print(f"compat pairs identical to MatchIt's: {ours == r_pairs}")


if __name__ == "__main__":
    main()
