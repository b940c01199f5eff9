"""Benchmark: bootstrap optimism correction (200 refits with validation) on a 10,000-patient synthetic cohort with
the 3 Ruzzenente variables, nelm against R rms::validate(cph, B=200) on the same data, in the same run.

Run from the repository root:  .venv/bin/python benchmarks/bench_prognosis.py [--patients 10000] [--resamples 200]
Prints wall times, the R/nelm ratio and both optimism-corrected C indexes (different resamples, so close but
not equal; exact agreement on shared resamples is tested in tests/prognosis/test_bootstrap_reference.py).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from nelm.prognosis.bootstrap import bootstrap_validate
from nelm.prognosis.covariate_spec import parse_specs
from nelm.prognosis.fit import fit_model
from nelm.prognosis.synthetic import synthetic_cohort

R_SCRIPT = r"""
suppressPackageStartupMessages(library(rms))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
B <- as.integer(args[2])
f <- cph(Surv(time_months, death) ~ lesion_count + largest_lesion_mm + ki67_percent, data = d, x = TRUE, y = TRUE,
         eps = 1e-9, tol = 1e-11, iter.max = 30)
set.seed(1)
elapsed <- system.time(v <- rms::validate(f, B = B))[["elapsed"]]
cat(sprintf('{"seconds": %.6f, "dxy_corrected": %.10f, "slope_corrected": %.10f, "versions": "%s; rms %s"}\n',
            elapsed, v["Dxy", "index.corrected"], v["Slope", "index.corrected"], R.version.string,
            packageVersion("rms")))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--resamples", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="a smaller run (patients=2,000, resamples=20)")
    args = parser.parse_args()
    if args.quick:
        args.patients = 2000
        args.resamples = 20

    cohort = synthetic_cohort(args.patients, seed=7)
    fitted = fit_model(cohort, time="time_months", event="death", specs=parse_specs(["lesion_count,largest_lesion_mm,ki67_percent"]),
                       name="bench", intended_use="benchmark")
    run = lambda b: bootstrap_validate(fitted.design, fitted.time, fitted.event, coef=fitted.cox.coef_,  # noqa: E731
                                       loglik=fitted.cox.loglik_, resamples=b, seed=1)
    run(1)  # warm-up: numba's cached concordance walk is loaded on first use
    start = time.perf_counter()
    ours = run(args.resamples).to_dict()
    nelm_seconds = time.perf_counter() - start

    print(f"bootstrap validation, {args.patients} patients x 3 covariates, {args.resamples} resamples "
          f"({int(cohort.death.sum())} deaths)")
    print(f"  nelm      {nelm_seconds:8.2f} s   corrected C {ours['c_index']['corrected']:.4f}, "
          f"slope {ours['calibration_slope']['corrected']:.4f}")
    if shutil.which("Rscript") is None:
        print("  R rms     not run: Rscript not found")
        return
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "cohort.csv"
        script = Path(tmp) / "validate.R"
        cohort.to_csv(data, index=False)
        script.write_text(R_SCRIPT, encoding="utf-8")
        start = time.perf_counter()
        done = subprocess.run(["Rscript", str(script), str(data), str(args.resamples)], capture_output=True, text=True)
        r_wall = time.perf_counter() - start
    if done.returncode != 0:
        print(f"  R rms     failed: {done.stderr.strip()[-300:]}")
        return
    r = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  R rms     {r['seconds']:8.2f} s   corrected C {(r['dxy_corrected'] + 1) / 2:.4f}, "
          f"slope {r['slope_corrected']:.4f}   (validate() only; {r_wall:.1f} s with R start-up) [{r['versions']}]")
    print(f"  ratio R / nelm: {r['seconds'] / nelm_seconds:.2f}x")


if __name__ == "__main__":
    main()
