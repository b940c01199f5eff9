"""The assessment service every door shares: bad input, consistency warnings, protocol files, evidence."""

import json

import pytest

from nelm.services.assessment import BadInput, assess_data, read_protocol
from tests.engine.conftest import build


def test_bad_input_raises_one_message_per_field():
    with pytest.raises(BadInput) as bad:
        assess_data(build({"pathology.ki67_percent": -1, "liver.tumour_burden_percent": 140}))
    assert len(bad.value.problems) == 2
    assert any(p.startswith("pathology.ki67_percent") for p in bad.value.problems)


def test_a_consistency_problem_is_a_case_warning_in_the_assessment():
    result = assess_data(build({"pathology.differentiation": "poor", "pathology.category": "NET", "pathology.ki67_percent": 60}))
    warning = next(w for w in result.warnings if w.rule_id == "CASE-CONSISTENCY")
    assert warning.field == "pathology.category"
    assert result.derived["category"] == "NEC"


def test_every_option_carries_the_evidence_that_applies_to_it():
    result = assess_data(build())
    transplant = result.option("liver_transplantation")
    pooled = [e for e in transplant.evidence if e.get("pooled")]
    assert pooled and pooled[0]["pooled"]["k"] == 8
    assert all(o.evidence for o in result.options if o.modality in {"curative_resection", "ablation", "liver_transplantation"})


def test_evidence_by_reference_keeps_only_ids():
    result = assess_data(build(), evidence="ids")
    assert all(set(e) == {"source_id"} for o in result.options for e in o.evidence)


def test_a_json_protocol_file_is_read_and_named_after_the_file(tmp_path):
    path = tmp_path / "our-centre.json"
    path.write_text(json.dumps({"ablation_max_lesions": 3}))
    protocol = read_protocol(path)
    assert protocol.name == "our-centre" and protocol.ablation_max_lesions == 3


def test_a_protocol_with_ablation_limits_in_the_wrong_order_is_refused(tmp_path):
    path = tmp_path / "odd.toml"
    path.write_text("ablation_complete_max_mm = 60\nablation_unsuitable_above_mm = 50\n")
    with pytest.raises(BadInput) as bad:
        read_protocol(path)
    assert "ablation_complete_max_mm" in bad.value.problems[0]
