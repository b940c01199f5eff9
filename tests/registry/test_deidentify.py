from datetime import date

from nelm.registry.deidentify import AGE_GROUP, MAX_SHIFT_DAYS, deidentify_record, shift_days
from nelm.services.registry import export_records, import_records
from tests.registry.conftest import record


def _dates(r):
    yield r["diagnosis_date"]
    for key in ("cases", "treatments", "events", "decisions"):
        for entry in r[key]:
            yield entry["date"]


def test_deidentified_export_drops_identifiers_and_shifts_every_date_of_a_patient_by_one_offset(registry):
    originals = [record(f"P{i}") for i in range(20)]
    import_records(registry, originals)
    out = list(export_records(registry, deidentified=True, key=b"k" * 32))
    assert all("identifiers" not in r and r["deidentified"] is True for r in out)
    text = repr(out)
    assert "Ada Example" not in text and "MRN-" not in text and "1950-03-02" not in text
    by_id = {r["patient_id"]: r for r in originals}
    offsets = set()
    for r in out:
        shifts = {(date.fromisoformat(a) - date.fromisoformat(b)).days for a, b in zip(_dates(r), _dates(by_id[r["patient_id"]]), strict=True)}
        assert len(shifts) == 1  # intervals (survival times) unchanged
        offsets |= shifts
    assert len(offsets) > 1 and all(abs(o) <= MAX_SHIFT_DAYS for o in offsets)


def test_the_shift_is_keyed_so_another_export_shifts_differently():
    assert shift_days(b"a" * 32, "P1") == shift_days(b"a" * 32, "P1")
    assert len({shift_days(bytes([i]) * 32, "P1") for i in range(10)}) > 1


def test_ages_over_89_are_grouped_and_the_case_id_is_replaced():
    r = record("P1")
    r["cases"][0]["case"].update(age_years=93, id="HOSPITAL-4711")
    young = record("P2")
    out, kept = deidentify_record(r, b"k"), deidentify_record(young, b"k")
    assert out["cases"][0]["case"]["age_years"] == AGE_GROUP
    assert out["cases"][0]["case"]["id"] == "P1"
    assert kept["cases"][0]["case"]["age_years"] == 64


def test_assessments_keep_only_option_statuses_when_deidentified():
    r = record("P1")
    r["decisions"][0]["assessment"] = {"case_id": "HOSPITAL-4711", "options": [
        {"modality": "curative_resection", "status": "recommended", "reasons": [{"text": "age 93"}]}]}
    out = deidentify_record(r, b"k")
    assert out["decisions"][0]["assessment"] == {"statuses": {"curative_resection": "recommended"}}
