"""Robustness: which statuses would change if an input near a cut-off were off by the protocol margin."""

from nelm.engine import assess
from nelm.knowledge.protocol import Protocol
from tests.engine.conftest import DELETE, case

LT = {"age_years": 45, "primary.status": "resected", "liver.lesions": DELETE, "liver.lesion_count": 20, "liver.largest_lesion_mm": 30,
      "liver.distribution": "bilobar", "liver.pattern": "III", "liver.tumour_burden_percent": 30, "liver.r0_achievable": False,
      "liver.resectable_fraction_percent": 40}


def flag_for(result, field):
    return next(f for f in result.robustness if f.field == field)


def test_ki67_just_below_ten_flags_the_transplant_and_ssa_statuses_that_would_change():
    result = assess(case({**LT, "pathology.ki67_percent": 9.5}))
    flag = flag_for(result, "pathology.ki67_percent")
    assert 10 in flag.cutoffs_near
    changed = {(c.modality, c.status_now, c.status_at) for c in flag.changes}
    assert ("liver_transplantation", "consider", "not_recommended") in changed
    assert ("somatostatin_analogue", "recommended", "not_recommended") in changed


def test_burden_near_the_mayo_cut_off_flags_resection_and_iat():
    result = assess(case({"liver.tumour_burden_percent": 24}))
    changed = {c.modality for c in flag_for(result, "liver.tumour_burden_percent").changes}
    assert {"curative_resection", "intra_arterial_therapy"} <= changed


def test_flr_near_its_threshold_flags_resection():
    result = assess(case({"liver.future_liver_remnant_percent": 22}))
    changed = {c.modality for c in flag_for(result, "liver.future_liver_remnant_percent").changes}
    assert "curative_resection" in changed


def test_a_value_far_from_every_cut_off_raises_no_flag():
    result = assess(case({"pathology.ki67_percent": 6.5, "liver.tumour_burden_percent": 40, "symptomatic": True}))
    assert [f.field for f in result.robustness if f.field == "pathology.ki67_percent"] == []


def test_near_a_cut_off_without_consequence_is_reported_as_robust():
    result = assess(case({"pathology.ki67_percent": 2.5}))
    flag = flag_for(result, "pathology.ki67_percent")
    assert flag.changes == () and flag.to_dict()["robust"] is True


def test_a_zero_margin_protocol_switches_the_check_off():
    result = assess(case({**LT, "pathology.ki67_percent": 9.5}), Protocol(ki67_margin_points=0))
    assert all(f.field != "pathology.ki67_percent" for f in result.robustness)
