"""The patient list: search, filters and pages agree with the registry."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import COHORT_SIZE


def _ids(client, **params) -> list[str]:
    body = client.get("/api/patients", params={"page_size": 500, **params}).json()
    return [p["pseudonym"] for p in body["patients"]]


def _cohort_ids(cohort, keep) -> list[str]:
    return sorted(r["patient_id"] for r in cohort if keep(r))


def test_search_by_name_mrn_or_registry_id_finds_the_patient(clinician, cohort):
    record = cohort[7]
    for text in (record["identifiers"]["name"], record["identifiers"]["mrn"].lower(), record["patient_id"]):
        assert _ids(clinician, q=text) == [record["patient_id"]]


@pytest.mark.parametrize("modality", ["curative_resection", "intra_arterial_therapy", "liver_transplantation"])
def test_first_treatment_filter_matches_the_registry(clinician, cohort, modality):
    expected = _cohort_ids(cohort, lambda r: any(t["modality"] == modality for t in r["treatments"]))
    found = [p for p in _ids(clinician, modality=modality) if p.startswith("SYN")]
    assert found == expected


@pytest.mark.parametrize("vital", ["alive", "dead"])
def test_vital_status_filter_matches_the_registry(clinician, cohort, vital):
    expected = _cohort_ids(cohort, lambda r: any(e["kind"] == "death" for e in r["events"]) == (vital == "dead"))
    found = [p for p in _ids(clinician, vital=vital, synthetic="yes")]
    assert found == expected


def test_filters_combine(clinician, cohort):
    expected = _cohort_ids(cohort, lambda r: r["sex"] == "female" and any(e["kind"] == "death" for e in r["events"]))
    assert _ids(clinician, sex="female", vital="dead", synthetic="yes") == expected


def test_pages_cover_every_patient_once(clinician):
    everyone = _ids(clinician)
    pages, page = [], 1
    while True:
        body = clinician.get("/api/patients", params={"page": page, "page_size": 15}).json()
        pages += [p["pseudonym"] for p in body["patients"]]
        if page >= body["pages"]:
            break
        page += 1
    assert pages == everyone and len(everyone) >= COHORT_SIZE


def test_bad_filter_values_are_named(clinician):
    response = clinician.get("/api/patients", params={"modality": "surgery", "vital": "maybe"})
    assert response.status_code == 400
    assert response.json()["problems"] == ["modality: unknown 'surgery'", "vital: must be alive or dead (got 'maybe')"]


def test_html_list_shows_the_count_and_links_to_each_patient(clinician, cohort):
    html = clinician.get("/patients", params={"synthetic": "yes"}).text
    assert re.search(rf"<b>{COHORT_SIZE}</b> patients", html)
    links = re.findall(r'<a href="/patients/(SYN[^"]+)">', html)
    assert links == sorted(r["patient_id"] for r in cohort)[: len(links)] and len(links) == min(25, COHORT_SIZE)


def test_htmx_search_returns_only_the_results_panel(clinician, cohort):
    response = clinician.get("/patients", params={"q": cohort[0]["patient_id"]}, headers={"HX-Request": "true", "HX-Target": "patient-results"})
    assert response.text.lstrip().startswith('<section class="panel" id="patient-results"')
    assert "<html" not in response.text


def test_unknown_patient_is_a_404_page(clinician):
    response = clinician.get("/patients/NOBODY-1")
    assert response.status_code == 404 and "not in the registry" in response.text
