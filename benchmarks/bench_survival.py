"""Speed of nelm's survival core next to R's survival package and lifelines, on the same generated data.

    .venv/bin/python benchmarks/bench_survival.py          # issue sizes: Cox 200,000 x 5, KM and C on 1,000,000
    .venv/bin/python benchmarks/bench_survival.py --quick  # a tenth of that

R is timed inside R with system.time (start-up and CSV reading excluded); R is skipped if Rscript is missing.
Each tool gets the best of --repeat runs (lifelines: one run, it is slow). numba code is compiled before timing
(it is cached on disk after the first ever call). Prints a table of seconds and ratios against R.
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

from nelm.stats import CoxPH, KaplanMeier, concordance_index

TARGETS = {"cox": 1.0, "cindex": 0.25, "km": 1.0}  # nelm / R, from issue 4

R_SCRIPT = r"""
suppressPackageStartupMessages({library(survival); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE); dir <- args[1]; reps <- as.integer(args[2])
best <- function(f) min(replicate(reps, system.time(f())[["elapsed"]]))
cx <- read.csv(file.path(dir, "cox.csv")); big <- read.csv(file.path(dir, "big.csv"))
t_cox <- best(function() fit <<- coxph(Surv(time, event) ~ x1 + x2 + x3 + x4 + x5, data = cx))
t_cc <- best(function() cc <<- concordance(Surv(time, event) ~ score, data = big, reverse = TRUE))
t_km <- best(function() km <<- survfit(Surv(time, event) ~ 1, data = big))
qs <- quantile(big$time, seq(0.02, 0.98, length.out = 25), names = FALSE)
out <- list(versions = sprintf("%s; survival %s", R.version.string, packageVersion("survival")),
            cox = t_cox, cindex = t_cc, km = t_km, coef = unname(coef(fit)), c_index = cc$concordance,
            c_std = sqrt(cc$var), km_times = qs, km_surv = summary(km, times = qs)$surv)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE), file.path(dir, "r.json"))
"""


def make_data(n_cox: int, n_big: int, seed: int = 20261127):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_cox, 5))
    beta = np.array([0.5, -0.5, 0.25, 0.0, 0.1])
    event_time = rng.exponential(size=n_cox) * np.exp(-X @ beta)
    censor_time = rng.exponential(scale=2.0, size=n_cox)
    cox = pd.DataFrame(X, columns=[f"x{i}" for i in range(1, 6)])
    cox["time"] = np.minimum(event_time, censor_time)  # continuous: distinct times
    cox["event"] = (event_time <= censor_time).astype(int)
    score = rng.normal(size=n_big)
    t_event = rng.exponential(size=n_big) * np.exp(-0.7 * score)
    t_cens = rng.exponential(scale=2.0, size=n_big)
    big = pd.DataFrame({"time": np.round(np.minimum(t_event, t_cens), 6), "event": (t_event <= t_cens).astype(int),
                        "score": np.round(score, 6)})  # rounded so R's CSV round trip gives the same numbers
    cox = cox.round(10)
    return cox, big


def best_of(repeats: int, fn):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def run_r(directory: Path, repeats: int) -> dict | None:
    if shutil.which("Rscript") is None:
        print("Rscript not found: R columns skipped")
        return None
    script = directory / "bench.R"
    script.write_text(R_SCRIPT)
    subprocess.run(["Rscript", str(script), str(directory), str(repeats)], check=True)
    return json.loads((directory / "r.json").read_text())


def run_lifelines(cox: pd.DataFrame, big: pd.DataFrame) -> dict:
    try:
        from lifelines import CoxPHFitter, KaplanMeierFitter
        from lifelines.utils import concordance_index as ll_cindex
    except ImportError:
        print("lifelines not installed: lifelines column skipped")
        return {}
    out = {}
    out["cox"], _ = best_of(1, lambda: CoxPHFitter().fit(cox, "time", "event"))
    out["cindex"], _ = best_of(1, lambda: ll_cindex(big.time, -big.score, big.event))
    out["km"], _ = best_of(1, lambda: KaplanMeierFitter().fit(big.time, big.event))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the issue's sizes")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-lifelines", action="store_true")
    args = parser.parse_args()
    n_cox, n_big = (20_000, 100_000) if args.quick else (200_000, 1_000_000)
    cox, big = make_data(n_cox, n_big)
    X = cox[[f"x{i}" for i in range(1, 6)]]

    # compile the numba walk once (cached on disk afterwards), outside the timings
    concordance_index(big.time[:50], big.event[:50], big.score[:50])

    nelm = {}
    nelm["cox_fit"], model = best_of(args.repeat, lambda: CoxPH().fit(X, cox.time, cox.event))
    nelm["cox"], _ = best_of(args.repeat, lambda: CoxPH().fit(X, cox.time, cox.event).concordance_)
    nelm["cindex"], cc = best_of(args.repeat, lambda: concordance_index(big.time, big.event, big.score))
    nelm["km"], km = best_of(args.repeat, lambda: KaplanMeier("log").fit(big.time, big.event))

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        r = None
        if shutil.which("Rscript"):
            cox.to_csv(directory / "cox.csv", index=False)
            big.to_csv(directory / "big.csv", index=False)
            r = run_r(directory, args.repeat)
    lifelines = {} if args.no_lifelines else run_lifelines(cox, big)

    print(f"\nnelm survival benchmark: Cox {n_cox:,} x 5 (distinct times, Efron), KM and Harrell's C on {n_big:,}")
    if r:
        print(f"R: {r['versions']}")
        coef_diff = np.max(np.abs(model.coef_ - np.array(r["coef"])) / np.abs(np.array(r["coef"])))
        print(f"agreement with R: Cox coef max rel diff {coef_diff:.1e}; C-index diff {abs(cc.c_index - r['c_index']):.1e}"
              f" (std {abs(cc.std - r['c_std']):.1e}); KM survival max diff "
              f"{np.max(np.abs(km.survival_at(r['km_times']).survival - np.array(r['km_surv']))):.1e}")
    header = f"{'task':<34}{'nelm s':>9}{'R s':>9}{'lifelines s':>13}{'nelm/R':>9}{'target':>8}{'nelm/lifelines':>16}"
    print(header)
    print("-" * len(header))
    rows = [("cox", f"Cox Efron {n_cox:,}x5 (+concordance)"), ("cindex", f"Harrell's C {n_big:,} (+std)"),
            ("km", f"Kaplan-Meier {n_big:,}")]
    for key, label in rows:
        r_s = r[key] if r else float("nan")
        l_s = lifelines.get(key, float("nan"))
        ratio = nelm[key] / r_s if r else float("nan")
        verdict = "" if not r else ("ok" if ratio <= TARGETS[key] else "MISSED")
        print(f"{label:<34}{nelm[key]:>9.3f}{r_s:>9.3f}{l_s:>13.3f}{ratio:>9.3f}{'<=' + str(TARGETS[key]):>8}"
              f"{nelm[key] / l_s if l_s == l_s else float('nan'):>16.3f}  {verdict}")
    print(f"(nelm Cox fit alone, without concordance: {nelm['cox_fit']:.3f} s)")


if __name__ == "__main__":
    sys.exit(main())
