"""The new-patient form records the patient's FHIR Patient.id (identifier kind "fhir"): prefilled from ?fhir_id= when the
clinician comes from an EHR card link that found nobody, checked like a FHIR id and refused when another patient has it,
and afterwards the card link (/fhir/Patient/{id}) opens the new patient."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from nelm.registry.models import Identifier, Patient
from nelm.services.registry import import_records
from tests.registry.conftest import record
from tests.web.conftest import page_csrf

FHIR_FIELD = re.compile(r'<input type="text" id="fhir_id" name="fhir_id" value="([^"]*)"')


def identifiers_of(app, pseudonym: str) -> dict[str, str] | None:
    with app.state.registry.session("test") as session:
        patient = session.scalar(select(Patient).where(Patient.pseudonym == pseudonym))
        if patient is None:
            return None
        return {i.kind: i.value for i in session.scalars(select(Identifier).where(Identifier.patient_id == patient.id))}


def create(client, pseudonym: str, fhir_id: str, **fields):
    data = {"csrf_token": page_csrf(client), "pseudonym": pseudonym, "diagnosis_date": "2023-05-02", "fhir_id": fhir_id, **fields}
    return client.post("/patients", data=data)


def test_a_card_link_that_finds_nobody_leads_to_a_prefilled_form_and_then_to_the_new_patient(app, clinician):
    not_found = clinician.get("/fhir/Patient/ehr-new-77")
    assert not_found.status_code == 404
    link = re.search(r'href="(/patients/new\?fhir_id=[^"]+)"', not_found.text).group(1)
    form = clinician.get(link)
    assert form.status_code == 200 and FHIR_FIELD.search(form.text).group(1) == "ehr-new-77"
    created = create(clinician, "FHIR-NEW-1", "ehr-new-77", name="Ada Fhir")
    assert created.status_code == 303 and created.headers["location"] == "/patients/FHIR-NEW-1/case"
    assert identifiers_of(app, "FHIR-NEW-1") == {"fhir": "ehr-new-77", "name": "Ada Fhir"}
    followed = clinician.get("/fhir/Patient/ehr-new-77")
    assert followed.status_code == 303 and followed.headers["location"] == "/patients/FHIR-NEW-1"


def test_the_new_patient_form_is_empty_without_a_fhir_id_and_escapes_what_the_address_carries(clinician):
    assert FHIR_FIELD.search(clinician.get("/patients/new").text).group(1) == ""
    page = clinician.get("/patients/new", params={"fhir_id": '"><script>alert(1)</script>'})
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;" in page.text


def test_spaces_around_the_fhir_id_are_dropped_and_an_empty_one_stores_nothing(app, clinician):
    assert create(clinician, "FHIR-TRIM-1", "  ehr-trim.5 ").status_code == 303
    assert identifiers_of(app, "FHIR-TRIM-1") == {"fhir": "ehr-trim.5"}
    assert create(clinician, "FHIR-NONE-1", "   ").status_code == 303
    assert identifiers_of(app, "FHIR-NONE-1") == {}


@pytest.mark.parametrize(("number", "bad"), list(enumerate(["has space", "a/b", "x" * 65, "ümlaut", "id_with_underscore"])))
def test_a_value_that_is_not_a_fhir_id_is_refused_with_the_field_named_and_nothing_written(app, clinician, number, bad):
    pseudonym = f"FHIR-BAD-{number}"
    response = create(clinician, pseudonym, bad)
    assert response.status_code == 422
    assert "identifiers.fhir:" in response.text and "is not a FHIR Patient id" in response.text
    assert FHIR_FIELD.search(response.text) is not None  # the form comes back to be corrected
    assert identifiers_of(app, pseudonym) is None


def test_a_fhir_id_another_patient_already_has_is_refused_naming_that_patient(app, clinician):
    import_records(app.state.registry, [record("FHIR-HOLDER-1", identifiers={"fhir": "ehr-taken-3"})], actor="test-setup")
    response = create(clinician, "FHIR-SECOND-1", "ehr-taken-3")
    assert response.status_code == 422
    assert "identifiers.fhir: FHIR Patient id &#39;ehr-taken-3&#39; is already recorded for registry patient FHIR-HOLDER-1" in response.text
    assert identifiers_of(app, "FHIR-SECOND-1") is None
    assert clinician.get("/fhir/Patient/ehr-taken-3").headers["location"] == "/patients/FHIR-HOLDER-1"  # still one patient


def test_every_problem_of_the_form_shows_at_once(app, clinician):
    response = clinician.post("/patients", data={"csrf_token": page_csrf(clinician), "pseudonym": "FHIR-MANY-1",
                                                 "diagnosis_date": "last week", "fhir_id": "not valid"})
    assert response.status_code == 422
    assert "is not a FHIR Patient id" in response.text and "diagnosis_date: is not a valid date" in response.text
    assert identifiers_of(app, "FHIR-MANY-1") is None


def test_only_clinicians_open_the_new_patient_form_with_a_fhir_id(researcher, admin):
    for client in (researcher, admin):
        assert client.get("/patients/new?fhir_id=ehr-1").status_code == 403
