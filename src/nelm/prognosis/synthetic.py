"""A synthetic cohort with the Ruzzenente variables, for demonstrations, tests and benchmarks. NOT real patients.

Only the baseline is tied to published figures: a patient with the reference covariates (3 lesions, 30 mm,
Ki-67 4 %) has 5- and 10-year survival 70.5 % and 42 % (Saxena systematic review medians after resection,
clinical brief section 3), via a Weibull hazard through those two points. Every other number here (covariate
distributions, effect sizes, censoring) is a design choice for a plausible-looking demo, not an estimate from
any study, and NOT the Ruzzenente coefficients (which are not public).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

OS5, OS10 = 0.705, 0.42  # Saxena et al. via the review (clinical brief section 3)
WEIBULL_SHAPE = float(np.log(np.log(OS10) / np.log(OS5)) / np.log(2.0))  # S(120)/S(60) on the log-log scale
WEIBULL_SCALE = float(60.0 / (-np.log(OS5)) ** (1.0 / WEIBULL_SHAPE))  # months
# design choices (log hazard ratios), not estimates:
EFFECTS = {"lesion_count": 0.10, "log_size_per_log_mm": 0.35, "ki67_percent": 0.045, "pancreas": 0.30, "other": 0.15}
REFERENCE = {"lesion_count": 3, "largest_lesion_mm": 30.0, "ki67_percent": 4.0}
SITES = ("small_intestine", "pancreas", "other")


def synthetic_cohort(n: int, seed: int, *, with_site: bool = False, time_step: float = 0.5) -> pd.DataFrame:
    """n synthetic patients: covariates, time in months (rounded to time_step, so ties occur) and death 0/1."""
    rng = np.random.default_rng(seed)
    count = 1 + rng.poisson(2.0, n)
    size = np.clip(np.round(np.exp(rng.normal(np.log(30.0), 0.55, n))), 5, 250)
    ki67 = np.clip(np.round(np.exp(rng.normal(np.log(4.0), 0.8, n)) * 2) / 2, 0.5, 60.0)
    lp = (EFFECTS["lesion_count"] * (count - REFERENCE["lesion_count"])
          + EFFECTS["log_size_per_log_mm"] * np.log(size / REFERENCE["largest_lesion_mm"])
          + EFFECTS["ki67_percent"] * (ki67 - REFERENCE["ki67_percent"]))
    frame = {"patient_id": [f"SYN-{i + 1:05d}" for i in range(n)], "lesion_count": count,
             "largest_lesion_mm": size, "ki67_percent": ki67}
    if with_site:
        site = rng.choice(len(SITES), n, p=[0.5, 0.35, 0.15])
        lp = lp + np.where(site == 1, EFFECTS["pancreas"], 0.0) + np.where(site == 2, EFFECTS["other"], 0.0)
        frame["primary_site"] = np.asarray(SITES)[site]
    # Weibull event time with hazard multiplied by exp(lp): inverse transform of S(t) = exp(-(t/scale)^k e^lp)
    death_time = WEIBULL_SCALE * (rng.exponential(1.0, n) / np.exp(lp)) ** (1.0 / WEIBULL_SHAPE)
    follow_up = rng.uniform(24.0, 180.0, n)  # staggered entry, administrative censoring
    lost = rng.exponential(400.0, n)  # loss to follow-up
    censor = np.minimum(follow_up, lost)
    time = np.minimum(death_time, censor)
    time = np.maximum(np.round(time / time_step) * time_step, time_step)
    frame["time_months"] = time
    frame["death"] = (death_time <= censor).astype(int)
    return pd.DataFrame(frame)
