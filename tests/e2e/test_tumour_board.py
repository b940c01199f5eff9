"""The tumour board in a real browser: sign in, enter a case with an invalid field and see the engine's message,
fix it, see the assessment, ask "what if", record the decision, download the note; a researcher sees no
identified data."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import shot, sign_in


def _field(page, path: str):
    return page.locator(f'[name="{path}"]')


def _messages(page, path: str):
    return page.locator(f'#msg-{path.replace(".", "-")}')


def test_clinician_enters_a_case_fixes_it_records_the_decision_and_downloads_the_note(page, server, tmp_path):
    sign_in(page, server, "clinician")
    shot(page, "01-home")

    # a new patient, then straight to the case form
    page.click("text=Patients")
    page.click("text=+ New patient")
    page.fill("#pseudonym", "E2E-0001")
    page.fill("#diagnosis_date", "2024-01-15")
    page.fill("#name", "Grace Browser")
    page.fill("#mrn", "MRN-E2E-1")
    page.click("text=Create and enter the case")
    page.wait_for_url(re.compile(r"/patients/E2E-0001/case$"))
    expect(page.locator(".patient-banner")).to_contain_text("Grace Browser")

    # an invalid value: the engine's own message appears next to the field while typing
    _field(page, "pathology.ki67_percent").fill("150")
    expect(_messages(page, "pathology.ki67_percent")).to_contain_text("less than or equal to 100 (got 150)")
    expect(page.locator("#derived")).to_contain_text("1 problem to fix")
    shot(page, "02-invalid-field")

    # fix it and complete the case: messages go, derived values appear
    _field(page, "pathology.ki67_percent").fill("1.5")
    expect(_messages(page, "pathology.ki67_percent")).to_be_empty()
    page.select_option('[name="pathology.differentiation"]', "well")
    for path, value in {"age_years": "58", "ecog": "0", "liver.future_liver_remnant_percent": "65", "liver.tumour_burden_percent": "6",
                        "liver.resectable_fraction_percent": "100", "disease_course.stable_months": "8", "prior_liver_resections": "0"}.items():
        _field(page, path).fill(value)
    page.locator('[name="liver.lesions.size_mm"]').first.fill("42")
    page.locator('[name="liver.lesions.segment"]').first.fill("6")
    for path, value in {"fit_for_major_surgery": "true", "primary.site": "small_intestine", "primary.status": "in_situ",
                        "primary.resectable": "true", "liver.r0_achievable": "true", "liver.parenchyma": "normal",
                        "liver.distribution": "unilobar", "extrahepatic_disease.present": "false", "disease_course.progressing": "false",
                        "functional_syndrome": "none", "symptomatic": "false", "carcinoid_heart_disease": "false", "sstr_imaging": "positive",
                        "prior_pancreaticoduodenectomy": "false", "recurrent_after_resection": "false"}.items():
        page.select_option(f'[name="{path}"]', value)
    page.check('[name="primary.complications"][value="__none__"]')
    expect(page.locator("#derived-grade")).to_have_text("NET G1")
    expect(page.locator("#derived-pattern")).to_have_text("Type I")
    expect(page.locator("#derived-flr")).to_have_text("≥ 20 %")
    expect(page.locator("#derived")).to_contain_text("The case is valid")
    shot(page, "03-valid-case")

    # the assessment
    page.click("text=Assess this case")
    expect(page.locator("h1")).to_contain_text("Assessment")
    recommended = page.locator("section.status-group.s-recommended")
    expect(recommended).to_contain_text("Liver resection with curative intent")
    expect(recommended.locator("h2")).to_contain_text("Recommended")
    expect(page.locator("#option-curative_resection .cite").first).to_be_visible()
    shot(page, "04-assessment")

    # what if the Ki-67 were 35 %?
    page.select_option("#wf-field", "pathology.ki67_percent")
    page.fill("#wf-value", "35")
    page.click("text=Compare")
    expect(page.locator("#whatif-result")).to_contain_text("→")
    expect(page.locator("#whatif-result li").first).to_be_visible()

    # record the decision, then download the note
    page.select_option("#chosen_option", "curative_resection")
    page.click("text=Record decision")
    expect(page.locator(".alert.ok")).to_contain_text("Decision recorded")
    expect(page.locator("li.recorded")).to_contain_text("Liver resection with curative intent")
    shot(page, "05-decision-recorded")
    with page.expect_download() as download_info:
        page.click("text=Download the tumour-board note (PDF)")
    download = download_info.value
    assert re.fullmatch(r"nelm-note-E2E-0001-\d{4}-\d{2}-\d{2}\.pdf", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")


def test_a_decision_against_the_engine_needs_a_reason_in_the_browser(page, server):
    sign_in(page, server, "clinician")
    patient = server.cohort[0]["patient_id"]
    page.goto(f"{server.url}/patients/{patient}/assessment")
    option = page.locator("#chosen_option option[data-concordant=no]").first
    page.select_option("#chosen_option", option.get_attribute("value"))
    expect(page.locator("#reason-hint")).to_be_visible()
    expect(page.locator("#decision-reason")).to_have_attribute("required", "")


def test_patient_search_updates_the_list_as_you_type(page, server):
    sign_in(page, server, "clinician")
    record = server.cohort[3]
    page.goto(server.url + "/patients")
    page.fill("#q", record["identifiers"]["mrn"])
    expect(page.locator("#patient-results")).to_contain_text("1 patient")
    expect(page.locator("#patient-results tbody tr")).to_have_count(1)
    expect(page.locator("#patient-results")).to_contain_text(record["identifiers"]["name"])
    assert "q=" in page.url  # the search is in the address, so back/forward and bookmarks work


def test_researcher_sees_no_identified_data(page, server):
    sign_in(page, server, "researcher")
    names = [r["identifiers"]["name"] for r in server.cohort] + ["Grace Browser"]
    mrns = [r["identifiers"]["mrn"] for r in server.cohort] + ["MRN-E2E-1"]
    for path in ("/", "/patients", "/analyses", "/analyses/concordance", "/analyses/recurrence"):
        page.goto(server.url + path)
        text = page.locator("body").inner_text()
        assert not [n for n in names + mrns if n in text], path
    shot(page, "06-researcher-patients")
    expect(page.locator("nav.nav")).not_to_contain_text("Users")
    response = page.goto(f"{server.url}/patients/{server.cohort[0]['patient_id']}")
    assert response.status == 403
    expect(page.locator("h1")).to_contain_text("Not allowed")
    page.goto(server.url + "/analyses")
    expect(page.locator("img.figure")).to_be_visible()
    assert page.evaluate("document.querySelector('img.figure').naturalWidth") > 500


def test_pages_load_without_console_errors_or_blocked_scripts(page, server):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, server, "clinician")
    for path in ("/", "/patients", "/cases/new", f"/patients/{server.cohort[1]['patient_id']}/assessment", "/analyses", "/evidence"):
        page.goto(server.url + path)
        page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof htmx") == "object"
    assert errors == []
