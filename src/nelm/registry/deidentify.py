"""De-identification of exported records (HIPAA Safe Harbor style): no direct identifiers, dates shifted by a
per-patient offset (intervals within a patient are kept, so survival times are unchanged), ages over 89 grouped.

Pure: the caller supplies the secret key (random per export unless it wants a repeatable export).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date, timedelta
from typing import Any

MAX_SHIFT_DAYS = 182  # up to ~6 months either way
AGE_CAP = 89  # Safe Harbor: ages over 89 are aggregated into one "90+" category
AGE_GROUP = "90+"


def shift_days(key: bytes, pseudonym: str) -> int:
    """A keyed, per-patient offset: the same for every date of one patient, unguessable without the key."""
    digest = hmac.new(key, pseudonym.encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") % (2 * MAX_SHIFT_DAYS + 1) - MAX_SHIFT_DAYS


def _shift(value: str | None, days: int) -> str | None:
    if not value:
        return value
    return (date.fromisoformat(value) + timedelta(days=days)).isoformat()


def group_age(age: Any) -> Any:
    if isinstance(age, int | float) and not isinstance(age, bool) and age > AGE_CAP:
        return AGE_GROUP
    return age


def summary_of_assessment(assessment: dict[str, Any] | None) -> dict[str, Any] | None:
    """Only option statuses survive: reasons quote facts (age, dates) that could re-identify."""
    if not assessment:
        return assessment
    options = assessment.get("options") or []
    return {"statuses": {o.get("modality"): o.get("status") for o in options if isinstance(o, dict)}} if options else {
        k: v for k, v in assessment.items() if k == "statuses"}


def deidentify_record(record: dict[str, Any], key: bytes) -> dict[str, Any]:
    """A de-identified copy of a record in the JSON-lines form (see records.PatientRecord.to_json)."""
    out = json.loads(json.dumps(record))  # a deep copy, several times faster than copy.deepcopy for JSON data
    days = shift_days(key, record["patient_id"])
    out.pop("identifiers", None)
    out["diagnosis_date"] = _shift(out.get("diagnosis_date"), days)
    for entry in out.get("cases") or []:
        entry["date"] = _shift(entry.get("date"), days)
        case = entry.get("case") or {}
        if "age_years" in case:
            case["age_years"] = group_age(case["age_years"])
        if "id" in case:
            case["id"] = record["patient_id"]  # a local case id may be a record number
    for key_name in ("treatments", "events", "decisions"):
        for entry in out.get(key_name) or []:
            entry["date"] = _shift(entry.get("date"), days)
    for decision in out.get("decisions") or []:
        if "assessment" in decision:
            decision["assessment"] = summary_of_assessment(decision["assessment"])
    out["deidentified"] = True
    return out
