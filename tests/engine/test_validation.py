"""Bad input: one clear problem per field path; contradictions as errors or warnings with the reason."""

import pytest

from nelm.case.validation import check_case_data, parse_case_text
from tests.engine.conftest import build


def paths(check):
    return [p.path for p in check.errors]


def test_a_complete_case_is_valid_without_warnings():
    check = check_case_data(build())
    assert check.ok and check.warnings == []


def test_invalid_json_is_reported_with_its_position():
    check = parse_case_text('{"id": "x",,}')
    assert not check.ok and "not valid JSON" in check.errors[0].message and "line 1" in check.errors[0].message


@pytest.mark.parametrize(("overrides", "path"), [
    ({"pathology.ki67_percent": 120}, "pathology.ki67_percent"),
    ({"liver.lesions": [{"size_mm": -1, "segment": 3}]}, "liver.lesions[0].size_mm"),
    ({"liver.tumour_burden_percent": 101}, "liver.tumour_burden_percent"),
    ({"liver.lesions": [{"size_mm": 10, "segment": 9}]}, "liver.lesions[0].segment"),
    ({"ecog": 5}, "ecog"),
    ({"primary.site": "liver"}, "primary.site"),
    ({"colour": "blue"}, "colour"),
    ({"liver.volume": 3}, "liver.volume"),
])
def test_impossible_values_and_unknown_fields_name_their_path(overrides, path):
    check = check_case_data(build(overrides))
    assert path in paths(check)


def test_every_problem_is_reported_not_just_the_first():
    check = check_case_data(build({"pathology.ki67_percent": 120, "ecog": 7, "age_years": -1}))
    assert set(paths(check)) == {"pathology.ki67_percent", "ecog", "age_years"}


def test_lesion_count_smaller_than_the_lesion_list_is_an_error():
    check = check_case_data(build({"liver.lesions": [{"size_mm": 10, "segment": 2}, {"size_mm": 12, "segment": 3}], "liver.lesion_count": 1}))
    assert paths(check) == ["liver.lesion_count"]


def test_pattern_i_with_five_lesions_is_an_error_with_the_reason():
    check = check_case_data(build({"liver.lesions": None, "liver.lesion_count": 5, "liver.pattern": "I"}))
    assert paths(check) == ["liver.pattern"] and "single metastasis" in check.errors[0].message


def test_largest_lesion_smaller_than_a_listed_lesion_is_an_error():
    check = check_case_data(build({"liver.largest_lesion_mm": 20}))
    assert paths(check) == ["liver.largest_lesion_mm"]


def test_poor_differentiation_reported_as_net_is_a_warning_and_nec_is_used():
    check = check_case_data(build({"pathology.differentiation": "poor", "pathology.category": "NET", "pathology.ki67_percent": 40}))
    assert check.ok and [w.path for w in check.warnings] == ["pathology.category"]
    assert "NEC" in check.warnings[0].message


def test_unilobar_distribution_with_lesions_in_both_lobes_is_a_warning():
    check = check_case_data(build({"liver.lesions": [{"size_mm": 10, "segment": 2}, {"size_mm": 12, "segment": 7}], "liver.pattern": "II"}))
    assert check.ok and [w.path for w in check.warnings] == ["liver.distribution"]


def test_extrahepatic_sites_without_extrahepatic_disease_is_an_error():
    assert paths(check_case_data(build({"extrahepatic_disease": {"present": False, "sites": ["bone"]}}))) == ["extrahepatic_disease.sites"]


def test_a_case_that_is_not_an_object_is_refused():
    assert not check_case_data([1, 2]).ok
