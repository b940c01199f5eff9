"""The synthetic cohort re-measured through the registry and the analyses: its outcomes must follow the
clinical brief's figures (tolerances are stated per figure; n = 8,000 patients, seed 2026)."""

import json

import pytest

from nelm.case.validation import check_case_data
from nelm.registry.records import parse_record
from nelm.services import analyses
from nelm.services.demo_data import SYNTHETIC_BANNER, generate_cohort
from nelm.services.registry import export_records, import_records, open_registry, write_records


@pytest.fixture(scope="module")
def demo_registry(tmp_path_factory):
    registry = open_registry(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.sqlite'}")
    import_records(registry, generate_cohort(8000, 2026, assess=False), actor="test")
    yield registry
    registry.dispose()


@pytest.fixture(scope="module")
def os_by_modality(demo_registry):
    return analyses.survival(demo_registry, endpoint="os")["result"]["groups"]


def test_the_same_seed_gives_the_same_cohort_and_another_seed_another():
    assert generate_cohort(40, 1, assess=False) == generate_cohort(40, 1, assess=False)
    assert generate_cohort(40, 1, assess=False) != generate_cohort(40, 2, assess=False)


def test_curative_resection_has_about_70_percent_5_year_and_42_percent_10_year_survival(os_by_modality):
    group = os_by_modality["curative_resection"]
    # Saxena (brief §3): 5-year median OS 70.5 %, 10-year 42 %; tolerance 4 and 6 points (KM SE ~1 and ~2 points)
    assert group["landmarks"]["5y"]["survival"] == pytest.approx(0.705, abs=0.04)
    assert group["landmarks"]["10y"]["survival"] == pytest.approx(0.42, abs=0.06)


def test_curative_resection_has_about_29_percent_5_year_progression_free_survival(demo_registry):
    group = analyses.survival(demo_registry, endpoint="pfs")["result"]["groups"]["curative_resection"]
    assert group["landmarks"]["5y"]["survival"] == pytest.approx(0.29, abs=0.04)  # Saxena: 5-year median PFS 29 %


def test_46_percent_recur_within_5_years_and_71_percent_of_those_within_3_years(demo_registry):
    result = analyses.recurrence(demo_registry)["result"]
    # Zhang et al.: 223/481 (46.4 %) within 5 years, 158/223 (70.9 %) of them early; tolerance 4 and 5 points
    assert result["recurred_within_5_years"]["share"] == pytest.approx(223 / 481, abs=0.04)
    assert result["early_within_3_years"]["share_of_recurrences_within_5_years"] == pytest.approx(158 / 223, abs=0.05)


def test_intra_arterial_therapy_has_about_30_percent_5_year_survival_and_mayo_median(os_by_modality):
    group = os_by_modality["intra_arterial_therapy"]
    assert group["landmarks"]["5y"]["survival"] == pytest.approx(0.30, abs=0.04)
    assert group["median_months"] == pytest.approx(38.9, abs=5)  # Mayo et al.: 38.9 months


def test_transplant_survival_lies_in_the_reviews_range_and_other_groups_follow_their_sources(os_by_modality):
    assert 0.70 <= os_by_modality["liver_transplantation"]["landmarks"]["5y"]["survival"] <= 0.90  # review: 70-90 %
    taner = os_by_modality["resection_plus_ablation"]["landmarks"]
    assert taner["5y"]["survival"] == pytest.approx(0.80, abs=0.05)  # Taner et al.: 80 % and 59 %
    assert taner["10y"]["survival"] == pytest.approx(0.59, abs=0.08)
    assert os_by_modality["ablation"]["median_years"] == pytest.approx(11, abs=2.5)  # Mazzaglia et al.: 11 years


def test_demo_cases_are_valid_v1_cases_the_engine_assesses_with_a_board_decision_each():
    cohort = generate_cohort(150, 11)
    for r in cohort:
        parsed, problems = parse_record(r)
        assert problems == []
        assert check_case_data(r["cases"][0]["case"]).ok
        (decision,) = r["decisions"]
        statuses = {o["modality"]: o["status"] for o in decision["assessment"]["options"]}
        assert decision["chosen_option"] == r["treatments"][0]["modality"]
        if statuses[decision["chosen_option"]] not in {"recommended", "consider"}:
            assert decision["reason"]  # a board that departs from the guideline says why
    shares = [o["status"] for r in cohort for o in r["decisions"][0]["assessment"]["options"] if o["modality"] == r["decisions"][0]["chosen_option"]]
    assert sum(s in {"recommended", "consider"} for s in shares) / len(shares) > 0.8


def test_synthetic_patients_are_flagged_in_the_database_the_export_and_the_report(demo_registry):
    with demo_registry.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM patients WHERE synthetic").scalar() == 8000
    import io

    stream = io.StringIO()
    write_records(export_records(demo_registry, deidentified=True), stream, "csv")
    header, first = stream.getvalue().splitlines()[:2]
    assert header.split(",")[1] == "synthetic" and first.split(",")[1] == "true"
    report = analyses.recurrence(demo_registry)
    assert report["synthetic"]["banner"].startswith(SYNTHETIC_BANNER)
    html = analyses.render_html(report)
    assert html.count(f"<div class=\"banner\">{SYNTHETIC_BANNER}") == 2  # top and bottom of the page
    assert json.loads(json.dumps(report))["synthetic"]["patients"] == report["synthetic"]["of"]
