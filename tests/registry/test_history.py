import pytest
from sqlalchemy import select

from nelm.engine import ENGINE_VERSION
from nelm.registry.models import AuditEntry
from nelm.services.assessment import BadInput
from nelm.services.registry import NotFound, add_history, get_patient, import_records, record_decision
from tests.registry.conftest import record


def test_added_events_are_checked_against_the_whole_history(registry):
    import_records(registry, [record("P1")])
    with pytest.raises(BadInput) as caught:
        add_history(registry, "P1", {"events": [{"kind": "death", "date": "2014-01-01"}]}, actor="nurse")
    assert "events: death (2014-01-01) is before diagnosis (2015-01-10)" in caught.value.problems
    after = add_history(registry, "P1", {"events": [{"kind": "recurrence", "date": "2019-01-01", "site": "bone"}]}, actor="nurse")
    assert [e["kind"] for e in after["events"]] == ["recurrence", "recurrence", "last_follow_up"]
    with registry.session("reader") as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.actor == "nurse")).one()
    assert entry.table_name == "outcome_events" and entry.action == "insert" and entry.after["site"] == "bone"


def test_a_board_decision_keeps_the_case_and_the_assessment_shown_with_versions(registry):
    import_records(registry, [record("P1", decisions=[])])
    case = {"age_years": 70, "pathology": {"ki67_percent": 2, "differentiation": "well"}, "liver": {"lesion_count": 1}}
    after = record_decision(registry, "P1", case, "ablation", "2016-05-01", reason="patient preference", actor="board")
    (decision,) = after["decisions"]
    assert decision["engine_version"] == ENGINE_VERSION and decision["reason"] == "patient preference"
    assert after["cases"][decision["case_index"]]["case"] == case
    assert {o["modality"] for o in decision["assessment"]["options"]} >= {"ablation", "curative_resection"}


def test_unknown_patients_and_fields_are_reported(registry):
    with pytest.raises(NotFound):
        get_patient(registry, "nobody")
    import_records(registry, [record("P1")])
    with pytest.raises(BadInput, match="identifiers: cannot be added"):
        add_history(registry, "P1", {"identifiers": {"name": "x"}})
