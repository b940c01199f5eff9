"""Recording the board's decision, the patient timeline and the printable note."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
from datetime import date

import pytest
from sqlalchemy import select

from nelm.registry.models import BoardDecision, Patient
from nelm.services.assessment import assess_data
from nelm.services.registry import get_patient
from tests.web.cases import RESECTABLE
from tests.web.conftest import page_csrf


_numbers = itertools.count(1)


@pytest.fixture()
def new_patient(clinician, request):
    pseudonym = f"DEC-{next(_numbers)}"
    response = clinician.post("/patients", data={"csrf_token": page_csrf(clinician), "pseudonym": pseudonym, "diagnosis_date": "2023-03-01",
                                                 "sex": "female", "name": "Ada Example", "mrn": f"MRN-{pseudonym}", "birth_date": "1960-02-03"})
    assert response.status_code == 303 and response.headers["location"] == f"/patients/{pseudonym}/case"
    return pseudonym


def _decide(client, pseudonym, option, reason="", when="2024-04-30"):
    return client.post(f"/patients/{pseudonym}/decisions", data={"csrf_token": page_csrf(client), "case_json": json.dumps(RESECTABLE),
                                                                 "chosen_option": option, "decided_on": when, "reason": reason})


def test_recorded_decision_keeps_the_case_the_assessment_and_the_versions(app, clinician, new_patient):
    response = _decide(clinician, new_patient, "curative_resection")
    assert response.status_code == 303
    record = get_patient(app.state.registry, new_patient)
    (decision,) = record["decisions"]
    assert decision["chosen_option"] == "curative_resection" and decision["date"] == "2024-04-30"
    assert record["cases"][decision["case_index"]]["case"] == RESECTABLE
    expected = assess_data(RESECTABLE, robustness=False, evidence=False).to_dict()
    assert decision["assessment"]["options"] == expected["options"]
    assert decision["engine_version"] == expected["engine_version"]
    with app.state.registry.session("test") as s:
        decision_id = s.scalar(select(BoardDecision.id).join(Patient).where(Patient.pseudonym == new_patient))
    assert response.headers["location"] == f"/patients/{new_patient}?decision={decision_id}#decision-{decision_id}"


def test_choosing_an_option_the_engine_does_not_support_needs_a_reason(app, clinician, new_patient):
    status = assess_data(RESECTABLE).option("liver_transplantation").status
    assert status not in {"recommended", "consider"}
    refused = _decide(clinician, new_patient, "liver_transplantation")
    assert refused.status_code == 422 and "say why the board chose it" in refused.text
    assert get_patient(app.state.registry, new_patient)["decisions"] == []
    accepted = _decide(clinician, new_patient, "liver_transplantation", reason="Patient preference after counselling")
    assert accepted.status_code == 303
    assert get_patient(app.state.registry, new_patient)["decisions"][0]["reason"] == "Patient preference after counselling"


@pytest.mark.parametrize("option, when, message", [("", "2024-01-01", "chosen_option"), ("curative_resection", "31/12/2024", "decided_on"),
                                                   ("curative_resection", "2999-01-01", "in the future")])
def test_a_bad_decision_form_names_the_field_and_writes_nothing(app, clinician, new_patient, option, when, message):
    response = _decide(clinician, new_patient, option, when=when)
    assert response.status_code == 422 and message in response.text
    assert get_patient(app.state.registry, new_patient)["decisions"] == []


def test_timeline_shows_case_decision_treatment_and_events_in_date_order(clinician, cohort):
    record = cohort[3]
    html = clinician.get(f"/patients/{record['patient_id']}").text
    kinds = re.findall(r'<span class="kind">([^<]+)</span>', html)
    expected = ["Case", "Board decision", "Treatment"] + [{"recurrence": "Recurrence", "death": "Died", "last_follow_up": "Last follow-up"}[e["kind"]]
                                                           for e in record["events"]]
    assert kinds == expected
    dates = [date.fromisoformat(d) for d in [record["cases"][0]["date"], record["decisions"][0]["date"], record["treatments"][0]["date"]]
             + [e["date"] for e in record["events"]]]
    assert dates == sorted(dates)


def test_new_patient_form_names_every_bad_field(clinician):
    response = clinician.post("/patients", data={"csrf_token": page_csrf(clinician), "pseudonym": "", "diagnosis_date": "yesterday"})
    assert response.status_code == 422
    assert "patient_id: is required" in response.text and "diagnosis_date: is not a valid date" in response.text


def test_registry_id_must_be_usable_in_a_web_address(clinician):
    response = clinician.post("/patients", data={"csrf_token": page_csrf(clinician), "pseudonym": "A/B 1", "diagnosis_date": "2020-01-01"})
    assert response.status_code == 422 and "patient_id: letters, digits" in response.text


def test_duplicate_registry_id_is_refused(clinician, cohort):
    response = clinician.post("/patients", data={"csrf_token": page_csrf(clinician), "pseudonym": cohort[0]["patient_id"], "diagnosis_date": "2020-01-01"})
    assert response.status_code == 422 and "duplicate id" in response.text


def test_note_is_a_pdf_named_after_patient_and_date(clinician, new_patient):
    location = _decide(clinician, new_patient, "curative_resection").headers["location"]
    decision_id = location.split("decision=")[1].split("#")[0]
    assert f"/decisions/{decision_id}/note.pdf" in clinician.get(location).text  # the download link after recording
    response = clinician.get(f"/patients/{new_patient}/decisions/{decision_id}/note.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert f'filename="nelm-note-{new_patient}-2024-04-30.pdf"' in response.headers["content-disposition"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_note_text_has_the_patient_the_options_the_sources_the_decision_and_its_date(clinician, new_patient, tmp_path):
    location = _decide(clinician, new_patient, "curative_resection").headers["location"]
    decision_id = location.split("decision=")[1].split("#")[0]
    pdf = tmp_path / "note.pdf"
    pdf.write_bytes(clinician.get(f"/patients/{new_patient}/decisions/{decision_id}/note.pdf").content)
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split())
    assessment = assess_data(RESECTABLE).to_dict()
    assert "Ada Example" in text and f"MRN-{new_patient}" in text and "30 Apr 2024" in text
    assert "Liver resection with curative intent" in text and "Recommended" in text
    for option in assessment["options"]:
        assert option["label"] in text
    for short in {c["short"] for o in assessment["options"] for r in o["reasons"] if r["decisive"] for c in r["citations"]}:
        assert short in text


def test_note_html_names_what_the_board_saw(app, new_patient, clinician):
    from nelm.web.pdf import note_context

    _decide(clinician, new_patient, "curative_resection")
    with app.state.registry.session("test") as s:
        patient = s.scalar(select(Patient).where(Patient.pseudonym == new_patient))
        decision = patient.decisions[0]
        context = note_context(patient, decision, decision.case_snapshot.case, app.state.protocol, "doc")
        html = app.state.templates.env.get_template("note.html").render(context)
    assert context["reassessed"] is False and context["status_then"] == "recommended"
    assert "Ada Example" in html and "rated this option <b>Recommended</b>" in html
