"""Outcome model of the synthetic (demo) cohort: times in years from treatment, by modality.

Every target is a published figure (clinical brief, shared/knowledge/clinical-brief.md); the model parameters
are fitted to those targets by scripts/calibrate_demo_data.py and are not clinical figures themselves.
Modalities without a published outcome figure in the brief are not simulated (never invent a number).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

YEAR_DAYS = 365.25

# Targets (what tests/registry/test_demo_data.py re-measures from generated data).
TARGETS = {
    # Saxena systematic review (brief §3): 5-year median OS 70.5 %, 10-year 42 %, 5-year median PFS 29 %.
    "resection_os5": 0.705,
    "resection_os10": 0.42,
    "resection_pfs5": 0.29,
    # Zhang et al. (brief §3): 223/481 (46.4 %) recurred within 5 years; 158/223 (70.9 %) within 3 years.
    # Crude shares, as reported, so they are re-measured as crude shares of the registry's patients.
    "resection_recurred_5y": 223 / 481,
    "resection_early_share": 158 / 223,
    # Review Table 1: IAT 5-year survival 29-50 %; issue 6 and Chen et al. (29 %): about 30 %; Mayo: median 38.9 months.
    "iat_os5": 0.30,
    "iat_median_years": 38.9 / 12,
    # Mayo et al. subgroup (burden > 25 % and asymptomatic): median 16.7 (surgery) vs 18.5 months (IAT).
    "mayo_subgroup_resection_median_years": 16.7 / 12,
    "mayo_subgroup_iat_median_years": 18.5 / 12,
    # Taner et al. (resection combined with ablation): 5- and 10-year OS 80 % and 59 %.
    "resection_ablation_os5": 0.80,
    "resection_ablation_os10": 0.59,
    # Mazzaglia et al. (ablation): median survival 11 years.
    "ablation_median_years": 11.0,
    # Review: with selection criteria LT gives 5-year OS 70-90 % (midpoint used); Fan et al.: 5-year DFS 50 %.
    "transplant_os5": 0.80,
    "transplant_dfs5": 0.50,
}

# Shares of the synthetic cohort (a design choice for a useful demo, not an epidemiological figure).
MODALITY_MIX = {
    "curative_resection": 0.40,
    "intra_arterial_therapy": 0.30,
    "ablation": 0.12,
    "resection_plus_ablation": 0.10,
    "liver_transplantation": 0.08,
}
MAYO_SUBGROUP_SHARE = {"curative_resection": 0.08, "intra_arterial_therapy": 0.35}  # design choice


@dataclass(frozen=True)
class ResectionModel:
    """Recurrence ~ Weibull; death without recurrence ~ exponential; survival after recurrence ~ exponential;
    loss to follow-up ~ exponential (a registry loses patients, which is why the crude 5-year recurrence share
    (46 %) is lower than 1 - PFS)."""

    recurrence_shape: float
    recurrence_scale: float
    death_rate: float
    post_recurrence_rate: float
    loss_rate: float


# Fitted by scripts/calibrate_demo_data.py (targets above; seed 20261127; n = 400,000).
RESECTION = ResectionModel(recurrence_shape=1.3654, recurrence_scale=4.8472, death_rate=0.02433, post_recurrence_rate=0.1026,
                           loss_rate=0.0785)
IAT_WEIBULL = (1.6619, 5.3107)  # shape, scale (years) outside the Mayo subgroup; fitted to iat_os5 and iat_median_years
ACCRUAL_YEARS = (2005.0, 2023.0)  # treatment dates spread over these years
DATA_CUTOFF_YEAR = 2025.0  # follow-up ends here (administrative censoring)


def _weibull(rng: np.random.Generator, shape: float, scale: float, n: int) -> np.ndarray:
    return scale * rng.weibull(shape, n)


def _exp_median(rng: np.random.Generator, median: float, n: int) -> np.ndarray:
    return rng.exponential(median / np.log(2), n)


def taner_weibull() -> tuple[float, float]:
    """Weibull through 5- and 10-year survival (closed form)."""
    h5, h10 = -np.log(TARGETS["resection_ablation_os5"]), -np.log(TARGETS["resection_ablation_os10"])
    shape = np.log(h10 / h5) / np.log(2.0)
    return float(shape), float(5.0 / h5 ** (1 / shape))


@dataclass(frozen=True)
class SimulatedOutcomes:
    """Latent times (years from treatment); np.inf = never. Follow-up censoring is applied by the caller."""

    death: np.ndarray
    recurrence: np.ndarray
    loss: np.ndarray


def simulate(modality: str, mayo_subgroup: np.ndarray, rng: np.random.Generator,
             resection: ResectionModel = RESECTION, iat: tuple[float, float] = IAT_WEIBULL) -> SimulatedOutcomes:
    n = mayo_subgroup.size
    never = np.full(n, np.inf)
    if modality == "curative_resection":
        rec = _weibull(rng, resection.recurrence_shape, resection.recurrence_scale, n)
        death_free = rng.exponential(1 / resection.death_rate, n)
        after = rng.exponential(1 / resection.post_recurrence_rate, n)
        death = np.where(rec < death_free, np.minimum(death_free, rec + after), death_free)
        subgroup_death = _exp_median(rng, TARGETS["mayo_subgroup_resection_median_years"], n)
        death = np.where(mayo_subgroup, subgroup_death, death)
        loss = rng.exponential(1 / resection.loss_rate, n)
        return SimulatedOutcomes(death, np.where(rec < death, rec, np.inf), loss)
    if modality == "intra_arterial_therapy":
        death = np.where(mayo_subgroup, _exp_median(rng, TARGETS["mayo_subgroup_iat_median_years"], n), _weibull(rng, *iat, n))
        return SimulatedOutcomes(death, never, never)
    if modality == "resection_plus_ablation":
        return SimulatedOutcomes(_weibull(rng, *taner_weibull(), n), never, never)
    if modality == "ablation":
        return SimulatedOutcomes(_exp_median(rng, TARGETS["ablation_median_years"], n), never, never)
    if modality == "liver_transplantation":
        death_rate = -np.log(TARGETS["transplant_os5"]) / 5
        recurrence_rate = -np.log(TARGETS["transplant_dfs5"]) / 5 - death_rate  # DFS hazard = recurrence + death
        death = rng.exponential(1 / death_rate, n)
        rec = rng.exponential(1 / recurrence_rate, n)
        return SimulatedOutcomes(death, np.where(rec < death, rec, np.inf), never)
    raise ValueError(f"no outcome model for {modality!r}: the brief gives no figure for it")


def observe(sim: SimulatedOutcomes, follow_up_years: np.ndarray) -> dict[str, np.ndarray]:
    """What a registry sees: death if before censoring, recurrence if before censoring, last follow-up otherwise."""
    censor = np.minimum(follow_up_years, sim.loss)
    died = sim.death <= censor
    end = np.where(died, sim.death, censor)
    recurred = sim.recurrence <= end
    return {"end": end, "died": died, "recurred": recurred, "recurrence": np.where(recurred, sim.recurrence, np.nan)}
