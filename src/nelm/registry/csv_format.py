"""The flat CSV form of a record: one patient per row, with at most one case, treatment and decision.

Columns: patient_id, synthetic, sex, diagnosis_date, identifier.<kind>..., case_date, case.<dotted case field>...
(list fields as JSON, e.g. case.liver.lesions), treatment_modality, treatment_date, treatment_intent,
treatment_extent, treatment_resected_fraction_percent, recurrence_date, recurrence_site, death_date,
last_follow_up_date, decision_date, decision_chosen_option, decision_reason.
An empty case_date means the decision date, else the diagnosis date.
JSON lines keep full histories; CSV is for spreadsheets and simple extracts.
"""

from __future__ import annotations

import json
import re
from typing import Any

from nelm.registry.records import PatientRecord

BASE_COLUMNS = ["patient_id", "synthetic", "sex", "diagnosis_date"]
TREATMENT_COLUMNS = ["treatment_modality", "treatment_date", "treatment_intent", "treatment_extent", "treatment_resected_fraction_percent"]
EVENT_COLUMNS = ["recurrence_date", "recurrence_site", "death_date", "last_follow_up_date"]
DECISION_COLUMNS = ["decision_date", "decision_chosen_option", "decision_reason"]
KNOWN = set(BASE_COLUMNS + TREATMENT_COLUMNS + EVENT_COLUMNS + DECISION_COLUMNS + ["case_date"])

# record paths -> CSV column names, so problems name the column the user sees
_RENAMES = [
    (re.compile(r"^cases\[0\]\.case\."), "case."),
    (re.compile(r"^cases\[0\]\.date"), "case_date"),
    (re.compile(r"^treatments\[0\]\.(modality|date|intent|extent|resected_fraction_percent)"), r"treatment_\1"),
    (re.compile(r"^decisions\[0\]\.(date|chosen_option|reason)"), r"decision_\1"),
    (re.compile(r"^identifiers\."), "identifier."),
]


def csv_path(path: str) -> str:
    for pattern, replacement in _RENAMES:
        path = pattern.sub(replacement, path)
    return path


def _cell(value: str) -> Any:
    value = value.strip()
    if value.startswith("[") or value.startswith("{"):
        return json.loads(value)
    lowered = value.lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    return value


def _number(value: str) -> Any:
    try:
        return float(value)
    except ValueError:
        return value  # reported by the record check with the column name


def row_to_record(row: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """A CSV row (column -> text) as a record dict; problems for cells that cannot be read."""
    problems: list[str] = []
    get = lambda key: (row.get(key) or "").strip()  # noqa: E731
    record: dict[str, Any] = {"patient_id": get("patient_id"), "diagnosis_date": get("diagnosis_date") or None}
    if get("synthetic"):
        flag = get("synthetic").lower()
        record["synthetic"] = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}.get(flag, flag)
    if get("sex"):
        record["sex"] = get("sex")
    identifiers = {k.split(".", 1)[1]: v.strip() for k, v in row.items() if k and k.startswith("identifier.") and v and v.strip()}
    if identifiers:
        record["identifiers"] = identifiers
    case: dict[str, Any] = {}
    for column, text in row.items():
        if not column or not column.startswith("case.") or text is None or not text.strip():
            continue
        try:
            value = _cell(text)
        except json.JSONDecodeError as exc:
            problems.append(f"{column}: not valid JSON ({exc.msg})")
            continue
        node = case
        *parents, leaf = column.split(".")[1:]
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    if case or get("case_date"):
        # without case_date the case is taken as it stood at the board decision, else at diagnosis
        record["cases"] = [{"date": get("case_date") or get("decision_date") or get("diagnosis_date") or None, "case": case}]
    if get("treatment_modality") or get("treatment_date"):
        treatment = {"modality": get("treatment_modality") or None, "date": get("treatment_date") or None}
        for key in ("intent", "extent"):
            if get(f"treatment_{key}"):
                treatment[key] = get(f"treatment_{key}")
        if get("treatment_resected_fraction_percent"):
            treatment["resected_fraction_percent"] = _number(get("treatment_resected_fraction_percent"))
        record["treatments"] = [treatment]
    events = []
    if get("recurrence_date"):
        events.append({"kind": "recurrence", "date": get("recurrence_date"), **({"site": get("recurrence_site")} if get("recurrence_site") else {})})
    elif get("recurrence_site"):
        problems.append("recurrence_site: given without recurrence_date")
    if get("death_date"):
        events.append({"kind": "death", "date": get("death_date")})
    if get("last_follow_up_date"):
        events.append({"kind": "last_follow_up", "date": get("last_follow_up_date")})
    if events:
        record["events"] = events
    if get("decision_date") or get("decision_chosen_option"):
        decision = {"date": get("decision_date") or None, "chosen_option": get("decision_chosen_option") or None}
        if get("decision_reason"):
            decision["reason"] = get("decision_reason")
        if "cases" in record:
            decision["case_index"] = 0
        record["decisions"] = [decision]
    unknown = [c for c in row if c and c not in KNOWN and not c.startswith(("case.", "identifier."))]
    problems.extend(f"{c}: unknown column" for c in unknown)
    return record, problems


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _flatten(f"{prefix}.{key}", item, out)
    elif isinstance(value, list | dict):
        out[prefix] = json.dumps(value)
    elif isinstance(value, bool):
        out[prefix] = "true" if value else "false"
    elif value is not None:
        out[prefix] = value


def record_to_row(record: PatientRecord | dict[str, Any]) -> dict[str, Any]:
    """The CSV row of a record (first case, first treatment, first recurrence, latest decision)."""
    data = record.to_json() if isinstance(record, PatientRecord) else record
    row: dict[str, Any] = {"patient_id": data["patient_id"], "synthetic": "true" if data.get("synthetic") else "false",
                           "sex": data.get("sex") or "", "diagnosis_date": data["diagnosis_date"]}
    for kind, value in (data.get("identifiers") or {}).items():
        row[f"identifier.{kind}"] = value
    if data.get("cases"):
        row["case_date"] = data["cases"][0]["date"]
        _flatten("case", data["cases"][0]["case"], row)
    if data.get("treatments"):
        t = data["treatments"][0]
        row.update({"treatment_modality": t["modality"], "treatment_date": t["date"], "treatment_intent": t.get("intent"),
                    "treatment_extent": t.get("extent"), "treatment_resected_fraction_percent": t.get("resected_fraction_percent")})
    for event in data.get("events") or []:
        if event["kind"] == "recurrence" and "recurrence_date" not in row:
            row["recurrence_date"], row["recurrence_site"] = event["date"], event.get("site")
        elif event["kind"] in {"death", "last_follow_up"}:
            row[f"{event['kind']}_date"] = event["date"]
    if data.get("decisions"):
        d = data["decisions"][-1]
        row.update({"decision_date": d["date"], "decision_chosen_option": d["chosen_option"], "decision_reason": d.get("reason")})
    return {k: ("" if v is None else v) for k, v in row.items()}


def header_for(rows: list[dict[str, Any]]) -> list[str]:
    """Stable column order: fixed columns first, then identifier.* and case.* as they first appear."""
    extra: list[str] = []
    seen = set()
    for row in rows:
        for key in row:
            if key not in KNOWN and key not in seen:
                seen.add(key)
                extra.append(key)
    identifiers = [c for c in extra if c.startswith("identifier.")]
    cases = [c for c in extra if c.startswith("case.")]
    return BASE_COLUMNS + identifiers + ["case_date"] + cases + TREATMENT_COLUMNS + EVENT_COLUMNS + DECISION_COLUMNS
