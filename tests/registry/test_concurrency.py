from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from nelm.registry.models import AuditEntry, Patient
from nelm.services.registry import ConcurrentUpdate, get_patient, import_records, modify_patient, update_patient
from tests.registry.conftest import record


def _load(session, pid="P1") -> Patient:
    return session.scalar(select(Patient).where(Patient.pseudonym == pid))


def test_a_write_based_on_a_stale_read_in_a_second_session_fails_instead_of_overwriting(registry):
    import_records(registry, [record("P1")])
    alice, bob = registry.session("alice"), registry.session("bob")
    seen_by_alice, seen_by_bob = _load(alice), _load(bob)
    assert seen_by_alice.version == seen_by_bob.version == 1
    seen_by_alice.sex = "male"
    alice.commit()
    seen_by_bob.sex = "other"
    with pytest.raises(StaleDataError):
        bob.commit()
    bob.rollback()
    alice.close(), bob.close()
    current = get_patient(registry, "P1")
    assert current["sex"] == "male" and current["version"] == 2


def test_an_update_quoting_an_old_version_is_refused_with_a_clear_message(registry):
    import_records(registry, [record("P1")])
    update_patient(registry, "P1", {"sex": "male"}, actor="alice", expected_version=1)
    with pytest.raises(ConcurrentUpdate, match="changed by someone else since you read it \\(version 2, you had 1\\)"):
        update_patient(registry, "P1", {"sex": "other"}, actor="bob", expected_version=1)
    assert get_patient(registry, "P1")["sex"] == "male"


def test_read_modify_write_is_retried_so_concurrent_increments_are_both_kept(registry):
    import_records(registry, [record("P1")])
    start = date(2015, 1, 10)
    calls = []

    def shift_one_day(patient: Patient) -> None:
        if not calls:  # another writer commits between our read and our write
            modify_patient(registry, "P1", lambda p: setattr(p, "diagnosis_date", p.diagnosis_date + timedelta(days=1)), actor="bob")
        calls.append(patient.version)
        patient.diagnosis_date = patient.diagnosis_date + timedelta(days=1)

    modify_patient(registry, "P1", shift_one_day, actor="alice")
    current = get_patient(registry, "P1")
    assert current["diagnosis_date"] == (start + timedelta(days=2)).isoformat()
    assert calls == [1, 2]  # first attempt was stale, the retry saw bob's version
    assert current["version"] == 3


def test_a_stale_write_with_retries_exhausted_is_refused(registry):
    import_records(registry, [record("P1")])

    def always_overtaken(patient: Patient) -> None:
        modify_patient(registry, "P1", lambda p: setattr(p, "sex", "male" if p.sex != "male" else "female"), actor="bob")
        patient.sex = "other"

    with pytest.raises(ConcurrentUpdate, match="nothing was written"):
        modify_patient(registry, "P1", always_overtaken, actor="alice", retries=1)
    assert get_patient(registry, "P1")["sex"] != "other"


def test_updates_are_audited_with_actor_and_before_and_after_values(registry):
    import_records(registry, [record("P1")])
    update_patient(registry, "P1", {"sex": "male"}, actor="dr-jones")
    with registry.session("reader") as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "update")).one()
    assert entry.actor == "dr-jones" and entry.table_name == "patients"
    assert (entry.before["sex"], entry.before["version"]) == ("female", 1)
    assert (entry.after["sex"], entry.after["version"]) == ("male", 2)
