"""The case form covers the whole case schema, validates live with the engine's own messages next to each field,
and shows derived values as the case is typed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nelm.case.model import Case
from nelm.case.validation import check_case_data
from nelm.engine.evaluate import derived_values
from nelm.engine.facts import Facts
from nelm.knowledge.protocol import DEFAULT_PROTOCOL
from nelm.web.case_form import all_fields, case_to_form_values, form_to_case_data
from tests.web.cases import RESECTABLE
from tests.web.conftest import page_csrf


def _leaf_paths(schema: dict[str, Any], defs: dict[str, Any], prefix: str = "") -> set[str]:
    paths = set()
    for name, prop in schema.get("properties", {}).items():
        ref = prop.get("$ref") or next((a.get("$ref") for a in prop.get("anyOf", []) if "$ref" in a), None)
        target = defs.get(ref.split("/")[-1]) if ref else None
        if target is not None and target.get("type") == "object" and "properties" in target:
            paths |= _leaf_paths(target, defs, f"{prefix}{name}.")
        else:
            paths.add(f"{prefix}{name}")
    return paths


def test_form_has_one_input_for_every_field_of_the_case_schema(clinician):
    schema = Case.model_json_schema()
    leaves = _leaf_paths(schema, schema["$defs"])
    assert leaves == set(all_fields())
    html = clinician.get("/cases/new").text
    names = set(re.findall(r'name="([^"]+)"', html))
    missing = {p for p in leaves if p not in names and f"{p}.size_mm" not in names}
    assert missing == set()


def _form(data: dict[str, Any]) -> dict[str, list[str]]:
    """What a browser would submit for a case: the form values the page pre-fills, as lists."""
    out: dict[str, list[str]] = {}
    for path, value in case_to_form_values(data).items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            out[f"{path}.size_mm"] = [str(v["size_mm"]) for v in value]
            out[f"{path}.segment"] = [str(v["segment"]) for v in value]
        elif isinstance(value, list):
            out[path] = value
        else:
            out[path] = [value]
    return out


def test_a_case_survives_the_round_trip_through_the_form():
    back = form_to_case_data(_form(RESECTABLE))
    assert Case.model_validate(back) == Case.model_validate(RESECTABLE)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ki67=st.one_of(st.none(), st.floats(0, 100, allow_nan=False).map(lambda x: round(x, 1))),
       count=st.one_of(st.none(), st.integers(1, 40)), complications=st.one_of(st.none(), st.just([]), st.just(["bleeding"])),
       sites=st.one_of(st.none(), st.just(["lung", "bone"])), progressing=st.one_of(st.none(), st.booleans()))
def test_any_valid_case_survives_the_round_trip_through_the_form(ki67, count, complications, sites, progressing):
    data: dict[str, Any] = {"pathology": {"ki67_percent": ki67}, "liver": {"lesion_count": count},
                            "primary": {"complications": complications}, "extrahepatic_disease": {"present": True, "sites": sites},
                            "disease_course": {"progressing": progressing}}
    expected = Case.model_validate(data)
    assert Case.model_validate(form_to_case_data(_form(data))) == expected


def test_blank_fields_stay_unknown_rather_than_becoming_defaults():
    data = form_to_case_data({"age_years": [""], "liver.r0_achievable": [""], "primary.complications": [], "pathology.ki67_percent": ["7,5"]})
    assert data == {"pathology": {"ki67_percent": 7.5}}


def _check(client, form: dict[str, Any]):
    return client.post("/cases/check", data=form, headers={"X-CSRF-Token": page_csrf(client), "HX-Request": "true"})


def _slot(html: str, path: str) -> str:
    slot = path.replace(".", "-")
    match = re.search(rf'<div class="field-msgs" id="msg-{re.escape(slot)}"[^>]*>(.*?)</div>', html, re.S)
    assert match, f"no message slot for {path}"
    return match.group(1)


def test_live_check_puts_the_engines_message_next_to_the_bad_field(clinician):
    html = _check(clinician, {"pathology.ki67_percent": "150", "liver.lesion_count": "3"}).text
    engine = check_case_data({"pathology": {"ki67_percent": 150}, "liver": {"lesion_count": 3}}).errors
    assert [p.path for p in engine] == ["pathology.ki67_percent"]
    assert engine[0].message in _slot(html, "pathology.ki67_percent")
    assert _slot(html, "liver.lesion_count").strip() == ""
    assert 'hx-swap-oob="true"' in html


def test_live_check_names_a_bad_lesion_row(clinician):
    html = _check(clinician, {"liver.lesions.size_mm": ["20", "-3"], "liver.lesions.segment": ["2", "9"]}).text
    messages = _slot(html, "liver.lesions")
    assert "[1].size_mm" in messages and "[1].segment" in messages and "[0]" not in messages


def test_live_check_shows_cross_field_errors_and_warnings_at_their_fields(clinician):
    html = _check(clinician, {"liver.lesion_count": "1", "liver.distribution": "bilobar", "pathology.differentiation": "poor",
                              "pathology.category": "NET", "pathology.ki67_percent": "30"}).text
    assert "a single lesion cannot be bilobar" in _slot(html, "liver.distribution")
    assert 'class="warning"' in _slot(html, "pathology.category")


@pytest.mark.parametrize("parenchyma", ["normal", "steatosis", "cirrhosis"])
def test_derived_grade_pattern_and_flr_threshold_match_the_engine(clinician, parenchyma):
    form = {"pathology.ki67_percent": "12", "pathology.differentiation": "well", "liver.lesion_count": "1", "liver.parenchyma": parenchyma}
    html = _check(clinician, form).text
    case = Case.model_validate(form_to_case_data({k: [v] for k, v in form.items()}))
    derived = derived_values(Facts(case, DEFAULT_PROTOCOL))
    assert re.search(rf'id="derived-grade">\s*{derived["category"]} {derived["grade"]}', html)
    assert f'id="derived-pattern">Type {derived["pattern"]}<' in html
    assert f'id="derived-flr">≥ {derived["flr_threshold_percent"]:g} %<' in html


def test_derived_values_stay_visible_while_another_field_is_invalid(clinician):
    html = _check(clinician, {"pathology.ki67_percent": "25", "pathology.differentiation": "well", "age_years": "-4"}).text
    assert "1 problem to fix" in html
    assert re.search(r'id="derived-grade">\s*NET G3', html)
    assert "Computed without the values that have problems" in html


def test_submitting_an_invalid_case_shows_the_form_again_with_the_typed_value_and_message(clinician):
    response = clinician.post("/cases/assess", data={"csrf_token": page_csrf(clinician), "pathology.ki67_percent": "abc",
                                                     "liver.lesion_count": "4"})
    assert response.status_code == 422
    assert 'value="abc"' in response.text and 'value="4"' in response.text
    assert "Input should be a valid number" in _slot(response.text, "pathology.ki67_percent")


def test_form_of_a_patient_is_prefilled_from_the_latest_case(clinician, cohort):
    record = cohort[2]
    html = clinician.get(f"/patients/{record['patient_id']}/case").text
    ki67 = record["cases"][-1]["case"]["pathology"]["ki67_percent"]
    assert re.search(rf'name="pathology.ki67_percent" value="{ki67:g}"', html)
    assert f'name="patient" value="{record["patient_id"]}"' in html
