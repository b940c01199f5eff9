"""Case builders for the engine tests: a complete baseline case and dotted-path overrides."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from nelm.case.model import Case

# A complete case: single G1 ileal metastasis, resectable, fit patient. Each vignette changes a few facts.
BASELINE: dict[str, Any] = {
    "id": "baseline",
    "age_years": 50,
    "ecog": 0,
    "fit_for_major_surgery": True,
    "primary": {"site": "small_intestine", "status": "in_situ", "resectable": True, "complications": []},
    "prior_pancreaticoduodenectomy": False,
    "pathology": {"ki67_percent": 1, "mitoses_per_2mm2": 1, "differentiation": "well"},
    "functional_syndrome": "none",
    "symptomatic": False,
    "carcinoid_heart_disease": False,
    "sstr_imaging": "positive",
    "liver": {
        "lesions": [{"size_mm": 35, "segment": 6}],
        "distribution": "unilobar",
        "tumour_burden_percent": 5,
        "resectable_fraction_percent": 100,
        "r0_achievable": True,
        "future_liver_remnant_percent": 60,
        "parenchyma": "normal",
    },
    "extrahepatic_disease": {"present": False},
    "disease_course": {"stable_months": 12, "progressing": False},
    "recurrent_after_resection": False,
    "prior_liver_resections": 0,
}

_DELETE = object()


def build(overrides: dict[str, Any] | None = None, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """Baseline case data with dotted-path overrides; a value of DELETE removes the field."""
    data = copy.deepcopy(BASELINE if base is None else base)
    for path, value in (overrides or {}).items():
        *parents, leaf = path.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        if value is _DELETE:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return data


def case(overrides: dict[str, Any] | None = None) -> Case:
    return Case.model_validate(build(overrides))


DELETE = _DELETE


@pytest.fixture
def baseline_data() -> dict[str, Any]:
    return build()
