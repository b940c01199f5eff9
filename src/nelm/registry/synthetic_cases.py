"""Case snapshots (case model v1) for the synthetic cohort, shaped so each modality is a plausible choice.

The value ranges follow the decision criteria of the clinical brief (e.g. G1/G2 and R0 for resection, bilobar
disseminated disease for IAT, Milan-NET-like profiles for transplantation); they are not prevalence figures.
"""

from __future__ import annotations

from typing import Any

import numpy as np

PORTAL_SITES = ["small_intestine", "pancreas", "small_intestine", "colon", "stomach", "duodenum", "rectum", "appendix"]
SEGMENTS = {"right": [5, 6, 7, 8], "left": [2, 3, 4]}


def _pick(rng: np.random.Generator, items: list[Any]) -> Any:
    return items[int(rng.integers(len(items)))]


def _round(value: float, digits: int = 1) -> float:
    return float(round(value, digits))


def _common(rng: np.random.Generator, age: float, ki67: float, symptomatic: bool, *, site: str | None = None) -> dict[str, Any]:
    syndrome = "carcinoid" if symptomatic and rng.random() < 0.7 else "none"
    return {
        "age_years": _round(age, 0),
        "ecog": int(rng.integers(0, 2)),
        "fit_for_major_surgery": True,
        "primary": {"site": site or _pick(rng, PORTAL_SITES), "status": "resected", "resectable": True, "complications": []},
        "prior_pancreaticoduodenectomy": False,
        "pathology": {"ki67_percent": _round(ki67), "differentiation": "well"},
        "functional_syndrome": syndrome,
        "symptomatic": symptomatic,
        "carcinoid_heart_disease": False,
        "sstr_imaging": "positive",
        "extrahepatic_disease": {"present": False},
        "recurrent_after_resection": False,
        "prior_liver_resections": 0,
    }


def _lesions(rng: np.random.Generator, count: int, lobes: list[str], max_mm: float) -> list[dict[str, Any]]:
    return [{"size_mm": _round(rng.uniform(8, max_mm), 0), "segment": _pick(rng, SEGMENTS[_pick(rng, lobes)])} for _ in range(count)]


def curative_resection(rng: np.random.Generator, mayo_subgroup: bool) -> dict[str, Any]:
    symptomatic = False if mayo_subgroup else bool(rng.random() < 0.35)
    case = _common(rng, rng.uniform(35, 80), rng.uniform(0.5, 15), symptomatic)
    single = rng.random() < 0.7
    lobe = _pick(rng, ["right", "left"])
    lesions = _lesions(rng, 1 if single else int(rng.integers(2, 4)), [lobe], 60)
    if mayo_subgroup:
        lesions[0]["size_mm"] = _round(rng.uniform(90, 140), 0)
    case["liver"] = {
        "lesions": lesions, "distribution": "unilobar",
        "tumour_burden_percent": _round(rng.uniform(26, 45) if mayo_subgroup else rng.uniform(2, 20)),
        "resectable_fraction_percent": 100.0, "r0_achievable": True,
        "future_liver_remnant_percent": _round(rng.uniform(35, 70)), "parenchyma": "normal",
    }
    if rng.random() < 0.1:  # resectable regional nodes do not rule out curative resection (ESMO 2020)
        case["extrahepatic_disease"] = {"present": True, "sites": ["lymph_nodes"], "resectable": True, "extra_abdominal": False}
    case["disease_course"] = {"stable_months": _round(rng.uniform(2, 12)), "progressing": False}
    return case


def resection_plus_ablation(rng: np.random.Generator, mayo_subgroup: bool) -> dict[str, Any]:
    case = _common(rng, rng.uniform(35, 78), rng.uniform(0.5, 15), bool(rng.random() < 0.35))
    lesions = _lesions(rng, int(rng.integers(3, 6)), ["right", "left"], 28)
    lesions[0]["size_mm"] = _round(rng.uniform(35, 70), 0)
    case["liver"] = {
        "lesions": lesions, "distribution": "bilobar", "pattern": "II",
        "tumour_burden_percent": _round(rng.uniform(5, 25)), "resectable_fraction_percent": _round(rng.uniform(75, 95)),
        "r0_achievable": False, "future_liver_remnant_percent": _round(rng.uniform(30, 60)), "parenchyma": "normal",
    }
    case["disease_course"] = {"stable_months": _round(rng.uniform(2, 12)), "progressing": False}
    return case


def ablation(rng: np.random.Generator, mayo_subgroup: bool) -> dict[str, Any]:
    case = _common(rng, rng.uniform(45, 85), rng.uniform(0.5, 15), bool(rng.random() < 0.3))
    case["fit_for_major_surgery"] = False
    case["ecog"] = int(rng.integers(1, 3))
    case["liver"] = {
        "lesions": _lesions(rng, int(rng.integers(1, 4)), ["right", "left"], 29), "tumour_burden_percent": _round(rng.uniform(1, 8)),
        "r0_achievable": False, "parenchyma": "normal",
    }
    case["disease_course"] = {"stable_months": _round(rng.uniform(2, 12)), "progressing": False}
    return case


def liver_transplantation(rng: np.random.Generator, mayo_subgroup: bool) -> dict[str, Any]:
    case = _common(rng, rng.uniform(30, 62), rng.uniform(0.5, 9.5), bool(rng.random() < 0.3),
                   site=_pick(rng, ["small_intestine", "pancreas", "small_intestine"]))
    case["liver"] = {
        "lesion_count": int(rng.integers(10, 30)), "largest_lesion_mm": _round(rng.uniform(20, 60), 0), "distribution": "bilobar",
        "pattern": "III", "tumour_burden_percent": _round(rng.uniform(15, 45)), "resectable_fraction_percent": _round(rng.uniform(20, 60)),
        "r0_achievable": False, "parenchyma": "normal",
    }
    case["disease_course"] = {"stable_months": _round(rng.uniform(6, 24)), "progressing": False}
    return case


def intra_arterial_therapy(rng: np.random.Generator, mayo_subgroup: bool) -> dict[str, Any]:
    symptomatic = False if mayo_subgroup else bool(rng.random() < 0.5)
    case = _common(rng, rng.uniform(40, 85), rng.uniform(1, 18), symptomatic)
    burden = rng.uniform(26, 60) if mayo_subgroup else rng.uniform(10, 25) if not symptomatic else rng.uniform(10, 60)
    case["liver"] = {
        "lesion_count": int(rng.integers(8, 40)), "largest_lesion_mm": _round(rng.uniform(20, 90), 0), "distribution": "bilobar",
        "pattern": "III", "tumour_burden_percent": _round(burden), "resectable_fraction_percent": _round(rng.uniform(10, 60)),
        "r0_achievable": False, "parenchyma": "normal",
    }
    if rng.random() < 0.2:
        case["extrahepatic_disease"] = {"present": True, "sites": ["lymph_nodes"], "resectable": False, "extra_abdominal": False}
    case["disease_course"] = {"stable_months": _round(rng.uniform(0, 12)), "progressing": bool(rng.random() < 0.5)}
    return case


BUILDERS = {
    "curative_resection": curative_resection,
    "resection_plus_ablation": resection_plus_ablation,
    "ablation": ablation,
    "liver_transplantation": liver_transplantation,
    "intra_arterial_therapy": intra_arterial_therapy,
}
