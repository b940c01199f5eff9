"""Researchers see no identified data; every view of identified data by a clinician is in the audit log."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from nelm.registry.models import AuditEntry, Patient


def _identifiers(cohort) -> list[str]:
    return [v for record in cohort for v in record["identifiers"].values()]


def _exact_dates(cohort) -> set[str]:
    return {record["diagnosis_date"] for record in cohort}


def _views(app, actor: str) -> list[AuditEntry]:
    with app.state.registry.session("test") as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == "view", AuditEntry.actor == actor).order_by(AuditEntry.id)))


@pytest.mark.parametrize("path", ["/patients", "/patients?page=2", "/patients?q=SYN11", "/api/patients", "/api/patients?page_size=500",
                                  "/analyses/concordance", "/api/analyses/concordance", "/"])
def test_researcher_pages_show_no_name_record_number_birth_date_or_exact_date(researcher, cohort, path):
    response = researcher.get(path)
    assert response.status_code == 200
    text = response.text
    shown = [value for value in _identifiers(cohort) if value in text]
    assert shown == []
    iso_dates = set(re.findall(r"\d{4}-\d{2}-\d{2}", text))
    assert iso_dates & _exact_dates(cohort) == set()
    assert not re.search(r"\b\d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b", text)


def test_researcher_list_shows_the_same_patients_as_the_clinician_list(researcher, clinician):
    r = researcher.get("/api/patients?page_size=500").json()
    c = clinician.get("/api/patients?page_size=500").json()
    assert [p["pseudonym"] for p in r["patients"]] == [p["pseudonym"] for p in c["patients"]]
    assert r["identified"] is False and c["identified"] is True
    assert all("name" not in p and "mrn" not in p and "diagnosis_date" not in p for p in r["patients"])
    assert all(p["diagnosis_year"] == int(q["diagnosis_date"][:4]) for p, q in zip(r["patients"], c["patients"]))


def test_researcher_cannot_find_a_patient_by_name(researcher, clinician, cohort):
    name = cohort[4]["identifiers"]["name"]
    assert clinician.get("/api/patients", params={"q": name}).json()["total"] == 1
    assert researcher.get("/api/patients", params={"q": name}).json()["total"] == 0


def test_researcher_views_write_no_identified_view_audit(app, researcher):
    before = len(_views(app, "res"))
    researcher.get("/patients")
    assert len(_views(app, "res")) == before


@pytest.mark.parametrize("suffix, what", [("", "timeline"), ("/case", "case form"), ("/assessment", "assessment")])
def test_clinician_view_of_a_patient_is_audited_with_who_what_and_which_patient(app, clinician, suffix, what):
    pseudonym = "SYN11-000005"
    with app.state.registry.session("test") as s:
        patient_id = s.scalar(select(Patient.id).where(Patient.pseudonym == pseudonym))
    before = len(_views(app, "doc"))
    assert clinician.get(f"/patients/{pseudonym}{suffix}").status_code == 200
    new = _views(app, "doc")[before:]
    assert [(e.table_name, e.row_id, e.after["view"]) for e in new] == [("patients", patient_id, what)]


def test_clinician_patient_list_is_audited_naming_every_patient_shown(app, clinician):
    before = len(_views(app, "doc"))
    body = clinician.get("/api/patients", params={"page_size": 7}).json()
    new = _views(app, "doc")[before:]
    with app.state.registry.session("test") as s:
        shown = set(s.scalars(select(Patient.id).where(Patient.pseudonym.in_([p["pseudonym"] for p in body["patients"]]))))
    assert len(new) == 1 and set(new[0].after["patient_ids"]) == shown and len(shown) == 7


def test_api_patient_record_and_pdf_note_are_audited(app, clinician):
    before = len(_views(app, "doc"))
    record = clinician.get("/api/patients/SYN11-000006").json()
    assert record["identifiers"]["name"].startswith("Synthetic Patient")
    html = clinician.get("/patients/SYN11-000006").text
    decision_id = re.search(r"/decisions/(\d+)/note.pdf", html).group(1)
    assert clinician.get(f"/patients/SYN11-000006/decisions/{decision_id}/note.pdf").status_code == 200
    kinds = [e.after["view"] for e in _views(app, "doc")[before:]]
    assert kinds == ["api patient record", "timeline", "tumour-board note (PDF)"]


def test_admin_sees_no_patient_data(admin, cohort):
    assert admin.get("/patients").status_code == 403
    assert admin.get("/api/patients").status_code == 403
    home = admin.get("/").text
    assert not any(value in home for value in _identifiers(cohort))
