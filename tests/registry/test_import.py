import copy
import json

import pytest
from sqlalchemy import func, select

from nelm.registry.bulk import audited_rows
from nelm.registry.models import AuditEntry, BoardDecision, CaseSnapshot, Patient
from nelm.services.registry import ImportRejected, SourceRow, export_records, import_records, import_rows, parse_csv, parse_jsonl
from tests.registry.conftest import record


def _count(registry, model) -> int:
    with registry.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_imported_records_come_back_unchanged_from_export(registry):
    records = [record("P1"), record("P2", sex="male", decisions=[])]
    summary = import_records(registry, records, actor="tester")
    assert summary.patients == 2
    exported = list(export_records(registry))
    assert [r["patient_id"] for r in exported] == ["P1", "P2"]
    expected = copy.deepcopy(records[0])
    expected["synthetic"] = False
    assert exported[0] == expected
    assert exported[1]["decisions"] == []


def test_every_bad_row_is_reported_with_its_reasons_and_nothing_is_written(registry):
    rows = [
        record("OK1"),
        record("DEAD", events=[{"kind": "death", "date": "2014-12-01"}]),
        record("FU", events=[{"kind": "last_follow_up", "date": "2015-02-15"}]),
        record("OK1"),
        record("MOD", treatments=[{"modality": "radiotherapy", "date": "2015-03-01"}]),
        record("CASE", cases=[{"date": "2015-02-01", "case": {"liver": {"tumour_burden_percent": 140}, "ecgo": 1}}]),
    ]
    with pytest.raises(ImportRejected) as caught:
        import_records(registry, rows, actor="tester")
    text = "\n".join(caught.value.problems)
    assert "record 2: events: death (2014-12-01) is before diagnosis (2015-01-10)" in text
    assert "record 3: events: last follow-up (2015-02-15) is before a treatment (2015-03-01)" in text
    assert "record 4: patient_id: duplicate id 'OK1' (first at record 1)" in text
    assert "record 5: treatments[0].modality: unknown modality 'radiotherapy'" in text
    assert "record 6: cases[0].case.liver.tumour_burden_percent" in text
    assert "record 6: cases[0].case.ecgo: unknown field" in text
    assert "record 1:" not in text
    assert caught.value.bad_rows == 5 and caught.value.total_rows == 6
    assert _count(registry, Patient) == 0 and _count(registry, AuditEntry) == 0


def test_a_patient_already_in_the_registry_cannot_be_imported_twice(registry):
    import_records(registry, [record("P1")])
    with pytest.raises(ImportRejected) as caught:
        import_records(registry, [record("P9"), record("P1")])
    assert caught.value.problems == ["record 2: patient_id: duplicate id 'P1' (already in the registry)"]
    assert _count(registry, Patient) == 1


def test_every_imported_row_is_in_the_audit_log_with_its_id_actor_and_values(registry):
    summary = import_records(registry, [record("P1"), record("P2")], actor="importer")
    assert summary.rows["audit_log"] == 2 == _count(registry, AuditEntry)  # one "import" entry per patient
    tables = ["patients", "identifiers", "case_snapshots", "treatments", "outcome_events", "board_decisions"]
    with registry.engine.connect() as conn:
        stored = {(t, row._mapping["id"]): dict(row._mapping) for t in tables for row in conn.exec_driver_sql(f"SELECT * FROM {t}")}
    with registry.session("reader") as session:
        entries = session.scalars(select(AuditEntry)).all()
        audited = {(t, row["id"]): row for e in entries for t, rows in audited_rows(e.after).items() for row in rows}
        assert {(e.actor, e.action, e.table_name, e.before) for e in entries} == {("importer", "import", "patients", None)}
        assert set(audited) == set(stored)  # nothing written without an audit record
        snapshot = session.scalars(select(CaseSnapshot)).first()
        assert audited[("case_snapshots", snapshot.id)]["case"] == snapshot.case
        decision = session.scalars(select(BoardDecision)).first()
        assert decision.case_snapshot_id is not None  # case_index links the decision to what the board saw


def test_csv_problems_name_the_row_and_the_column():
    text = ("patient_id,diagnosis_date,case.liver.tumour_burden_percent,case.pathology.ki67_percent,treatment_modality,treatment_date,death_date\n"
            "A,2015-01-01,20,5,curative_resection,2015-02-01,\n"
            "B,2015-01-01,abc,5,ablation,2015-02-01,2014-01-01\n")
    rows = parse_csv(text)
    from nelm.services.registry import validate_rows

    records, problems, bad, total = validate_rows(rows)
    assert [r.patient_id for r in records] == ["A"] and (bad, total) == (1, 2)
    assert any(p.startswith("row 2: case.liver.tumour_burden_percent:") for p in problems)
    assert "row 2: events: death (2014-01-01) is before diagnosis (2015-01-01)" in problems


def test_unreadable_json_lines_are_reported_by_row():
    rows = parse_jsonl(json.dumps(record("A")) + "\n{not json\n\n" + json.dumps(record("B")) + "\n")
    assert [r.label for r in rows] == ["row 1", "row 2", "row 4"]
    assert rows[1].problems and rows[1].problems[0].startswith("not valid JSON")


def test_import_rows_rejects_an_empty_file(registry):
    with pytest.raises(ImportRejected):
        import_rows(registry, [], actor="x")


def test_events_after_death_and_extent_on_non_surgical_treatment_are_rejected():
    from nelm.registry.records import parse_record

    _, problems = parse_record(record("X", treatments=[{"modality": "ablation", "date": "2015-03-01", "extent": "R0"}],
                                      events=[{"kind": "death", "date": "2016-01-01"}, {"kind": "recurrence", "date": "2016-06-01"}]))
    assert "treatments[0].extent: resection extent R0 given for a non-surgical modality (ablation)" in problems
    assert "events: recurrence (2016-06-01) is after death (2016-01-01)" in problems
    assert SourceRow  # imported name is the public row type


def test_csv_case_cells_are_stored_with_the_case_models_types(registry):
    from nelm.services.registry import import_rows

    text = ("patient_id,diagnosis_date,case.age_years,case.symptomatic,case.liver.lesions,case.id,treatment_modality,treatment_date\n"
            'A,2015-01-01,41,true,"[{""size_mm"": 20, ""segment"": 6}]",0042,ablation,2015-02-01\n')
    import_rows(registry, parse_csv(text))
    (exported,) = export_records(registry)
    assert exported["cases"][0]["case"] == {"age_years": 41.0, "symptomatic": True, "id": "0042",
                                            "liver": {"lesions": [{"size_mm": 20.0, "segment": 6}]}}
    assert exported["cases"][0]["date"] == "2015-01-01"  # no case_date: the diagnosis date
