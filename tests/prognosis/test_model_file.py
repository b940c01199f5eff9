"""Model file v1: a hand-entered model is accepted; every inconsistency is named."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from nelm.prognosis.model_file import ModelFileError, parse_model

DEMO = Path(__file__).resolve().parents[2] / "examples" / "models" / "demo-ruzzenente-variables.json"

HAND_ENTERED = {
    "format": "nelm-prognostic-model", "format_version": 1, "name": "hand-entered test model",
    "intended_use": "software test only",
    "covariates": [
        {"name": "lesion_count"},
        {"name": "largest_lesion_mm", "transform": "log"},
        {"name": "ki67_percent", "transform": "rcs", "knots": [1, 3, 5, 14]},
        {"name": "primary_site", "transform": "categorical", "levels": ["small_intestine", "pancreas"],
         "reference": "small_intestine", "case_field": "primary.site"},
    ],
    "coefficients": {"lesion_count": 0.1, "largest_lesion_mm": 0.2, "ki67_percent": 0.05, "ki67_percent'": -0.1,
                     "ki67_percent''": 0.2, "primary_site=pancreas": 0.3},
    "baseline": [{"time": 60, "survival": 0.7}, {"time": 120, "survival": 0.45}],
}


def problems(data) -> list[str]:
    with pytest.raises(ModelFileError) as err:
        parse_model(data)
    return err.value.problems


def test_hand_entered_model_without_fit_details_is_accepted_with_baseline_at_zero():
    model = parse_model(HAND_ENTERED)
    assert model.terms() == ["lesion_count", "largest_lesion_mm", "ki67_percent", "ki67_percent'", "ki67_percent''",
                             "primary_site=pancreas"]
    assert list(model.centre_vector()) == [0.0] * 6
    assert not model.has_variance() and not model.is_demonstration


def test_missing_coefficient_is_named_with_its_covariate():
    data = copy.deepcopy(HAND_ENTERED)
    del data["coefficients"]["ki67_percent''"]
    assert problems(data) == ["coefficients: missing 'ki67_percent''' (term of covariate 'ki67_percent')"]


def test_coefficient_for_an_unknown_covariate_is_named():
    data = copy.deepcopy(HAND_ENTERED)
    data["coefficients"]["age_years"] = 0.02
    assert problems(data) == ["coefficients: 'age_years' is not a term of any covariate (unknown covariate?)"]


def test_every_structural_problem_is_reported_with_its_location():
    data = copy.deepcopy(HAND_ENTERED)
    data["covariates"][2]["knots"] = [5, 3, 1]
    data["covariates"][3]["reference"] = "colon"
    found = problems(data)
    assert "covariates[2] (ki67_percent): knots must be strictly increasing" in found
    assert any(p.startswith("covariates[3] (primary_site): reference 'colon' is not one of the levels") for p in found)


def test_unknown_transform_and_bad_survival_are_pydantic_errors_with_paths():
    data = copy.deepcopy(HAND_ENTERED)
    data["covariates"][0]["transform"] = "sqrt"
    data["baseline"][1]["survival"] = 1.5
    found = problems(data)
    assert any(p.startswith("covariates[0].transform:") for p in found)
    assert any(p.startswith("baseline[1].survival:") for p in found)


def test_increasing_baseline_survival_is_refused():
    data = copy.deepcopy(HAND_ENTERED)
    data["baseline"][1]["survival"] = 0.9
    assert problems(data) == ["baseline: survival must not increase with time"]


def test_unknown_top_level_field_is_refused():
    data = copy.deepcopy(HAND_ENTERED)
    data["coeficients"] = {}
    assert any(p.startswith("coeficients:") for p in problems(data))


def test_intended_use_wording_makes_a_model_demonstration_only_even_if_the_flag_says_otherwise():
    data = copy.deepcopy(HAND_ENTERED)
    data["intended_use"] = "demonstration only: fit on synthetic data"
    data["demonstration_only"] = False
    model = parse_model(data)
    assert model.is_demonstration and model.to_json_dict()["demonstration_only"] is True


def test_bundled_demo_model_round_trips_and_is_demonstration_only():
    data = json.loads(DEMO.read_text())
    model = parse_model(data)
    assert model.is_demonstration and model.has_variance()
    assert parse_model(model.to_json_dict()) == model
    assert data["intended_use"] == "demonstration only: fit on synthetic data, not for clinical use"
