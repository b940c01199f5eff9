"""Registry analyses as pictures and tables, the evidence page and its forest plot."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from nelm.evidence import evidence_for
from nelm.services import analyses
from tests.web.conftest import page_csrf

PNG = b"\x89PNG\r\n\x1a\n"


def test_survival_table_shows_the_services_numbers(app, researcher):
    expected = analyses.survival(app.state.registry, endpoint="os", by="modality")["result"]["groups"]
    html = researcher.get("/analyses").text
    rows = re.findall(r'<tr><td><b>([^<]+)</b></td><td class="num">(\d+)</td><td class="num">(\d+)</td>', html)
    from nelm.engine.labels import MODALITY_LABELS

    assert {label: (int(n), int(e)) for label, n, e in rows} == {MODALITY_LABELS[m]: (g["n"], g["events"]) for m, g in expected.items()}
    for group in expected.values():
        at_risk = " / ".join(str(group["at_risk"][y]) for y in ("0", "2", "5", "10"))
        assert at_risk in html


@pytest.mark.parametrize("path", ["/analyses/survival.png", "/analyses/survival.png?endpoint=pfs", "/analyses/recurrence.png",
                                  "/analyses/after-recurrence.png", "/evidence/forest/lt-os5.png"])
def test_pictures_are_png_images(researcher, path):
    response = researcher.get(path)
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert response.content.startswith(PNG) and len(response.content) > 10_000


def test_recurrence_page_shows_the_services_counts(app, clinician):
    result = analyses.recurrence(app.state.registry, modality="curative_resection")["result"]
    html = clinician.get("/analyses/recurrence").text
    assert f"<b>Patients</b>{result['patients']}<" in html
    assert f"<b>Early (≤ 3 years)</b>{result['early_within_3_years']['n']}<" in html


def test_concordance_page_shows_discordant_decisions_with_dates_for_clinicians_and_years_for_researchers(app, clinician, researcher):
    result = analyses.concordance_audit(app.state.registry)["result"]
    assert result["discordant"], "the synthetic cohort includes discordant decisions"
    first = result["discordant"][0]
    clinician_html, researcher_html = clinician.get("/analyses/concordance").text, researcher.get("/analyses/concordance").text
    assert f'<a href="/patients/{first["patient"]}">' in clinician_html
    assert '<a href="/patients/' not in researcher_html
    assert f"<td class=\"nowrap\">{first['date'][:4]}</td>" in researcher_html
    assert f"<b>Decisions assessed</b>{result['decisions_assessed']}<" in researcher_html


def test_analyses_follow_a_change_in_the_registry(app, clinician):
    before = re.search(r"<b>Decisions assessed</b>(\d+)<", clinician.get("/analyses/concordance").text).group(1)
    clinician.post("/patients", data={"csrf_token": page_csrf(clinician), "pseudonym": "CACHE-1", "diagnosis_date": "2022-01-01"})
    import json

    from tests.web.cases import RESECTABLE

    clinician.post("/patients/CACHE-1/decisions", data={"csrf_token": page_csrf(clinician), "case_json": json.dumps(RESECTABLE),
                                                       "chosen_option": "curative_resection", "decided_on": "2022-02-01"})
    after = re.search(r"<b>Decisions assessed</b>(\d+)<", clinician.get("/analyses/concordance").text).group(1)
    assert int(after) == int(before) + 1


def test_evidence_overview_lists_every_option_and_each_page_every_item_with_its_source(clinician):
    from nelm.evidence import MODALITIES

    overview = clinician.get("/evidence").text
    assert all(f'href="/evidence?modality={m}"' in overview for m in MODALITIES)
    html = clinician.get("/evidence", params={"modality": "liver_transplantation"}).text
    for item in evidence_for("liver_transplantation"):
        assert str(escape(item.locator)) in html
        assert str(escape(item.value_text)) in html
    assert 'src="/evidence/forest/lt-os5.png"' in html
