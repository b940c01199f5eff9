"""The assessment page: options grouped by status (word and symbol, not colour alone), reasons with sources,
evidence with pooled outcomes, warnings, missing data, robustness, prognosis, and the "what if" panel."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from markupsafe import escape

from nelm.engine.evaluate import statuses
from nelm.case.model import Case
from nelm.engine.labels import STATUS_LABELS, STATUS_ORDER
from nelm.services.assessment import assess_data
from nelm.web.case_form import case_to_form_values
from tests.web.cases import RESECTABLE
from tests.web.conftest import page_csrf
from tests.web.test_case_form import _form

MODEL_FILE = Path(__file__).resolve().parents[2] / "examples" / "models" / "demo-ruzzenente-variables.json"


def _assess(client, data):
    form = {k: v for k, v in _form(data).items()} | {"csrf_token": [page_csrf(client)]}
    return client.post("/cases/assess", data=form)


@pytest.fixture(scope="module")
def page(clinician):
    response = _assess(clinician, RESECTABLE)
    assert response.status_code == 200
    return response.text


def test_options_are_grouped_in_status_order_each_with_its_word(page):
    expected = assess_data(RESECTABLE).to_dict()
    groups = re.findall(r'<section class="status-group s-(\w+)"', page)
    assert groups == [s for s in STATUS_ORDER if any(o["status"] == s for o in expected["options"])]
    for option in expected["options"]:
        article = page.split(f'id="option-{option["modality"]}"')[1].split("</article>")[0]
        assert f'class="pill s-{option["status"]}"' in article
        assert STATUS_LABELS[option["status"]] in article  # the word, not only the colour


def test_each_decisive_reason_shows_its_text_and_every_source(page):
    expected = assess_data(RESECTABLE).to_dict()
    for option in expected["options"]:
        article = page.split(f'id="option-{option["modality"]}"')[1].split("</article>")[0]
        for reason in (r for r in option["reasons"] if r["decisive"]):
            assert str(escape(reason["text"])) in article
            for citation in reason["citations"]:
                assert f'href="#src-{citation["source"]}"' in article
    for source in {c["source"] for o in expected["options"] for r in o["reasons"] for c in r["citations"]}:
        assert f'id="src-{source}"' in page


def test_evidence_and_the_pooled_outcome_are_shown_for_transplantation(clinician):
    data = json.loads(json.dumps(RESECTABLE))
    page = _assess(clinician, data).text
    article = page.split('id="option-liver_transplantation"')[1].split("</article>")[0]
    pooled = next(e for e in assess_data(data).option("liver_transplantation").evidence if e.get("pooled"))
    assert pooled["value_text"] in article and 'class="pooled"' in article


def test_input_and_engine_warnings_are_shown(clinician):
    data = json.loads(json.dumps(RESECTABLE))
    data["pathology"].update(differentiation="poor", category="NET", ki67_percent=19)
    expected = assess_data(data).to_dict()["warnings"]
    page = _assess(clinician, data).text
    assert len(expected) >= 2
    warnings = page.split('id="warnings-h"')[1].split("</section>")[0]
    assert all(str(escape(w["text"])) in warnings for w in expected)


def test_missing_data_and_what_would_change_near_a_cut_off_are_shown(clinician):
    data = json.loads(json.dumps(RESECTABLE))
    del data["liver"]["future_liver_remnant_percent"]
    data["pathology"]["ki67_percent"] = 9.5
    expected = assess_data(data).to_dict()
    page = _assess(clinician, data).text
    missing = page.split('id="missing-h"')[1].split("</section>")[0]
    assert expected["missing"] and all(f'<span class="rule-id">{m}</span>' in missing for m in expected["missing"])
    changes = [c for f in expected["robustness"] for c in f["changes"]]
    assert changes
    robust = page.split('id="robust-h"')[1].split("</section>")[0]
    for change in changes:
        assert f'{STATUS_LABELS[change["status_now"]]} → {STATUS_LABELS[change["status_at"]]} at {change["at_value"]:g}' in robust


def test_what_if_lists_exactly_the_options_whose_status_changes(clinician):
    response = clinician.post("/cases/what-if", data={"csrf_token": page_csrf(clinician), "case_json": json.dumps(RESECTABLE),
                                                      "field": "pathology.ki67_percent", "value": "35"})
    changed = dict(RESECTABLE, pathology={**RESECTABLE["pathology"], "ki67_percent": 35})
    before, after = statuses(Case.model_validate(RESECTABLE)), statuses(Case.model_validate(changed))
    expected = {m for m in before if before[m] != after[m]}
    assert expected
    shown = set(re.findall(r'<li class="change">([^:]+):', response.text))
    from nelm.engine.labels import MODALITY_LABELS

    assert shown == {MODALITY_LABELS[m] for m in expected}


def test_what_if_with_a_bad_value_names_the_problem(clinician):
    response = clinician.post("/cases/what-if", data={"csrf_token": page_csrf(clinician), "case_json": json.dumps(RESECTABLE),
                                                      "field": "ecog", "value": "9"})
    assert "less than or equal to 4" in response.text


def test_what_if_with_no_status_change_says_so(clinician):
    response = clinician.post("/cases/what-if", data={"csrf_token": page_csrf(clinician), "case_json": json.dumps(RESECTABLE),
                                                      "field": "age_years", "value": "59"})
    assert "No option changes status" in response.text


@pytest.mark.skipif(not MODEL_FILE.exists(), reason="the demonstration prognostic model is not in this checkout")
def test_prognosis_is_shown_with_intended_use_and_demonstration_label_when_a_model_is_configured(db_url):
    from nelm.services.prognosis import prognosis_for_case, read_model
    from nelm.web.app import create_app
    from nelm.web.settings import WebSettings
    from tests.web.conftest import SECRET, signed_in

    app = create_app(WebSettings(database_url=db_url, secret_key=SECRET, model_file=MODEL_FILE))
    client = signed_in(app, "doc")
    page = _assess(client, RESECTABLE).text
    expected = prognosis_for_case(read_model(MODEL_FILE), Case.model_validate(RESECTABLE))
    assert "Prognostic model" in page and expected["model_name"] in page
    assert expected["intended_use"] in page
    if expected.get("demonstration_only"):
        assert "DEMONSTRATION ONLY" in page
    for point in expected["predictions"]:
        assert f"{100 * point['survival']:.1f} %" in page


def test_no_prognosis_panel_without_a_model(page):
    assert "Prognostic model" not in page


def test_form_values_survive_into_the_hidden_case_of_the_assessment(page):
    hidden = re.search(r'name="case_json" value="([^"]+)"', page).group(1)
    data = json.loads(hidden.replace("&#34;", '"').replace("&quot;", '"'))
    assert Case.model_validate(data) == Case.model_validate(RESECTABLE)
    assert case_to_form_values(data) == case_to_form_values(RESECTABLE)
