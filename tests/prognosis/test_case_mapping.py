"""A v1 case -> the model's covariates (Ruzzenente variables by default), naming what is missing."""

from __future__ import annotations

import copy

import pytest

from nelm.case.model import Case
from nelm.prognosis.case_mapping import case_values
from nelm.prognosis.model_file import parse_model
from tests.prognosis.test_model_file import HAND_ENTERED

RUZZENENTE = copy.deepcopy(HAND_ENTERED)
RUZZENENTE["covariates"] = RUZZENENTE["covariates"][:3]
for key in ("primary_site=pancreas",):
    del RUZZENENTE["coefficients"][key]


def test_lesion_count_and_largest_size_are_derived_from_listed_lesions():
    case = Case.model_validate({"pathology": {"ki67_percent": 4},
                                "liver": {"lesions": [{"size_mm": 22, "segment": 2}, {"size_mm": 41, "segment": 7}]}})
    values, problems = case_values(parse_model(RUZZENENTE), case)
    assert problems == []
    assert values == {"lesion_count": 2, "largest_lesion_mm": 41, "ki67_percent": 4}


def test_stated_count_and_size_win_over_the_lesion_list():
    case = Case.model_validate({"pathology": {"ki67_percent": 4},
                                "liver": {"lesion_count": 5, "largest_lesion_mm": 60,
                                          "lesions": [{"size_mm": 60, "segment": 2}]}})
    values, _ = case_values(parse_model(RUZZENENTE), case)
    assert values["lesion_count"] == 5 and values["largest_lesion_mm"] == 60


def test_each_missing_field_is_named_with_the_covariate_that_needs_it():
    case = Case.model_validate({"liver": {"lesion_count": 3}})
    _, problems = case_values(parse_model(RUZZENENTE), case)
    assert problems == [
        "case lacks liver.largest_lesion_mm (or every lesion's size in liver.lesions), needed by model covariate 'largest_lesion_mm'",
        "case lacks pathology.ki67_percent, needed by model covariate 'ki67_percent'",
    ]


def test_categorical_covariate_reads_a_case_path_and_rejects_an_unknown_level():
    model = parse_model(HAND_ENTERED)
    base = {"pathology": {"ki67_percent": 4}, "liver": {"lesion_count": 1, "largest_lesion_mm": 20}}
    values, problems = case_values(model, Case.model_validate({**base, "primary": {"site": "pancreas"}}))
    assert problems == [] and values["primary_site"] == "pancreas"
    _, problems = case_values(model, Case.model_validate({**base, "primary": {"site": "lung"}}))
    assert problems == ["primary.site = 'lung' is not a level of model covariate 'primary_site' (small_intestine, pancreas)"]


@pytest.mark.parametrize("covariate,message", [
    ({"name": "tumour_volume"}, "model covariate 'tumour_volume' is not a known case variable and has no case_field"),
    ({"name": "x", "case_field": "liver.volume"}, "model covariate 'x': case_field 'liver.volume' is not a field of the v1 case"),
])
def test_a_covariate_the_case_cannot_supply_is_named(covariate, message):
    data = copy.deepcopy(RUZZENENTE)
    data["covariates"].append(covariate)
    data["coefficients"][covariate["name"]] = 0.1
    _, problems = case_values(parse_model(data), Case.model_validate({}))
    assert any(p.startswith(message) for p in problems)
