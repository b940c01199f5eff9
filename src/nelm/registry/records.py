"""The import/export record: one patient with full history, validated against the case schema and event rules.

Pure: dicts in, a parsed record or a list of problems out. JSON lines carry one record per line; CSV carries
one patient per row with one treatment, event set and decision (see csv_format.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from nelm.case.model import CASE_SCHEMA_VERSION, Case
from nelm.case.validation import _describe, cross_field_problems, format_loc
from nelm.knowledge.rulebook import SURGICAL, Modality

MODALITIES = frozenset(m.value for m in Modality)
SURGICAL_MODALITIES = frozenset(m.value for m in SURGICAL) | {Modality.primary_tumour_resection.value}
SEXES = frozenset({"female", "male", "other", "unknown"})
INTENTS = frozenset({"curative", "palliative"})
EXTENTS = frozenset({"R0", "R1", "R2"})
EVENT_KINDS = frozenset({"recurrence", "death", "last_follow_up"})
RECORD_KEYS = frozenset({"patient_id", "synthetic", "sex", "diagnosis_date", "identifiers", "cases", "treatments", "events", "decisions"})
MAX_PSEUDONYM = 64


@dataclass
class CaseEntry:
    taken_on: date
    case: dict[str, Any]  # as given, minus nothing: stored in the case schema


@dataclass
class TreatmentEntry:
    modality: str
    started_on: date
    intent: str | None = None
    extent: str | None = None
    resected_fraction_percent: float | None = None


@dataclass
class EventEntry:
    kind: str
    occurred_on: date
    site: str | None = None


@dataclass
class DecisionEntry:
    decided_on: date
    chosen_option: str
    assessment: dict[str, Any] | None = None
    engine_version: str | None = None
    knowledge_base_version: str | None = None
    reason: str | None = None
    case_index: int | None = None  # which entry of `cases` the board saw


@dataclass
class PatientRecord:
    patient_id: str
    diagnosis_date: date
    synthetic: bool = False
    sex: str | None = None
    identifiers: dict[str, str] = field(default_factory=dict)
    cases: list[CaseEntry] = field(default_factory=list)
    treatments: list[TreatmentEntry] = field(default_factory=list)
    events: list[EventEntry] = field(default_factory=list)
    decisions: list[DecisionEntry] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The JSON-lines form; parse_record(to_json()) gives the record back."""
        return {
            "patient_id": self.patient_id,
            "synthetic": self.synthetic,
            "sex": self.sex,
            "diagnosis_date": self.diagnosis_date.isoformat(),
            "identifiers": dict(self.identifiers),
            "cases": [{"date": c.taken_on.isoformat(), "case": c.case} for c in self.cases],
            "treatments": [
                _drop_none({"modality": t.modality, "date": t.started_on.isoformat(), "intent": t.intent, "extent": t.extent,
                            "resected_fraction_percent": t.resected_fraction_percent})
                for t in self.treatments
            ],
            "events": [_drop_none({"kind": e.kind, "date": e.occurred_on.isoformat(), "site": e.site}) for e in self.events],
            "decisions": [
                _drop_none({"date": d.decided_on.isoformat(), "chosen_option": d.chosen_option, "case_index": d.case_index,
                            "assessment": d.assessment, "engine_version": d.engine_version,
                            "knowledge_base_version": d.knowledge_base_version, "reason": d.reason})
                for d in self.decisions
            ],
        }


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


class _Problems:
    """Collects "field: message" strings for one record."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}" if path else message)


def _date(value: Any, path: str, problems: _Problems, *, required: bool = True) -> date | None:
    if value is None or value == "":
        if required:
            problems.add(path, "is required (a date, YYYY-MM-DD)")
        return None
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        problems.add(path, f"must be a date YYYY-MM-DD (got {value!r})")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.add(path, f"is not a valid date YYYY-MM-DD (got {value!r})")
        return None


def _choice(value: Any, allowed: frozenset[str], path: str, problems: _Problems, what: str) -> str | None:
    if value is None or value == "":
        return None
    if value not in allowed:
        problems.add(path, f"unknown {what} {value!r} (expected one of: {', '.join(sorted(allowed))})")
        return None
    return value


def _list(data: dict, key: str, problems: _Problems) -> list:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(key, f"must be a list (got {type(value).__name__})")
        return []
    return value


def check_case(case: Any, path: str, problems: _Problems, *, normalise: bool = False) -> dict[str, Any] | None:
    """Validate against case model v1 (fields and cross-field rules); one problem per bad field.

    normalise: return the values as the model typed them (CSV cells arrive as text: "41" becomes 41.0);
    JSON already carries types, and skipping the re-dump saves ~20 us per case on bulk imports."""
    if not isinstance(case, dict):
        problems.add(path, "must be a case object (see `nelm schema`)")
        return None
    try:
        model = Case.model_validate(case)
    except ValidationError as exc:
        for error in exc.errors():
            problems.add(f"{path}.{format_loc(tuple(error['loc']))}", _describe(error))
        return None
    errors, _warnings = cross_field_problems(model)
    for error in errors:
        problems.add(f"{path}.{error.path}", error.message)
    if errors:
        return None
    return model.model_dump(mode="json", exclude_unset=True) if normalise else case


def parse_record(data: Any, *, normalise: bool = False) -> tuple[PatientRecord | None, list[str]]:
    """Validate one record; returns (record, []) or (None, problems naming each bad field).
    normalise: store case values as typed by the case model (for text sources such as CSV)."""
    problems = _Problems()
    if not isinstance(data, dict):
        return None, [f"must be a JSON object with patient_id, diagnosis_date, ... (got {type(data).__name__})"]
    for key in data.keys() - RECORD_KEYS:
        problems.add(key, "unknown field")

    pid = data.get("patient_id")
    if isinstance(pid, int) and not isinstance(pid, bool):
        pid = str(pid)
    if not isinstance(pid, str) or not pid.strip():
        problems.add("patient_id", "is required (the pseudonymous id)")
        pid = None
    elif len(pid) > MAX_PSEUDONYM:
        problems.add("patient_id", f"is longer than {MAX_PSEUDONYM} characters")
    diagnosis = _date(data.get("diagnosis_date"), "diagnosis_date", problems)
    synthetic = data.get("synthetic", False)
    if synthetic is None:
        synthetic = False
    if not isinstance(synthetic, bool):
        problems.add("synthetic", f"must be true or false (got {synthetic!r})")
    sex = _choice(data.get("sex"), SEXES, "sex", problems, "sex")

    identifiers = data.get("identifiers") or {}
    if not isinstance(identifiers, dict):
        problems.add("identifiers", "must be an object of kind: value")
        identifiers = {}
    for kind, value in identifiers.items():
        if len(kind) > 32 or not isinstance(value, str | int):
            problems.add(f"identifiers.{kind}", "must be a text value (kind at most 32 characters)")
    identifiers = {k: str(v) for k, v in identifiers.items() if v not in (None, "")}

    cases = []
    for i, entry in enumerate(_list(data, "cases", problems)):
        path = f"cases[{i}]"
        if not isinstance(entry, dict):
            problems.add(path, "must be an object {date, case}")
            continue
        taken = _date(entry.get("date"), f"{path}.date", problems)
        case = check_case(entry.get("case"), f"{path}.case", problems, normalise=normalise)
        if taken and diagnosis and taken < diagnosis:
            problems.add(f"{path}.date", f"case date ({taken}) is before diagnosis ({diagnosis})")
        if taken and case is not None:
            cases.append(CaseEntry(taken, case))

    treatments = []
    for i, entry in enumerate(_list(data, "treatments", problems)):
        path = f"treatments[{i}]"
        if not isinstance(entry, dict):
            problems.add(path, "must be an object {modality, date, ...}")
            continue
        modality = entry.get("modality")
        if modality not in MODALITIES:
            problems.add(f"{path}.modality", f"unknown modality {modality!r} (see nelm.knowledge.rulebook.Modality)")
        started = _date(entry.get("date"), f"{path}.date", problems)
        intent = _choice(entry.get("intent"), INTENTS, f"{path}.intent", problems, "intent")
        extent = _choice(entry.get("extent"), EXTENTS, f"{path}.extent", problems, "extent")
        if extent and modality in MODALITIES and modality not in SURGICAL_MODALITIES:
            problems.add(f"{path}.extent", f"resection extent {extent} given for a non-surgical modality ({modality})")
        fraction = entry.get("resected_fraction_percent")
        if fraction is not None and (isinstance(fraction, bool) or not isinstance(fraction, int | float) or not 0 <= fraction <= 100):
            problems.add(f"{path}.resected_fraction_percent", f"must be a number from 0 to 100 (got {fraction!r})")
            fraction = None
        if started and diagnosis and started < diagnosis:
            problems.add(f"{path}.date", f"treatment ({started}) is before diagnosis ({diagnosis})")
        if started and modality in MODALITIES:
            treatments.append(TreatmentEntry(modality, started, intent, extent, None if fraction is None else float(fraction)))

    events = []
    for i, entry in enumerate(_list(data, "events", problems)):
        path = f"events[{i}]"
        if not isinstance(entry, dict):
            problems.add(path, "must be an object {kind, date, site}")
            continue
        kind = entry.get("kind")
        if kind not in EVENT_KINDS:
            problems.add(f"{path}.kind", f"unknown event {kind!r} (expected one of: {', '.join(sorted(EVENT_KINDS))})")
        when = _date(entry.get("date"), f"{path}.date", problems)
        site = entry.get("site")
        if site is not None and (not isinstance(site, str) or len(site) > 32):
            problems.add(f"{path}.site", "must be a short text (at most 32 characters)")
            site = None
        if site and kind != "recurrence":
            problems.add(f"{path}.site", f"a site is recorded for recurrences only, not for {kind}")
        if when and kind in EVENT_KINDS:
            events.append(EventEntry(kind, when, site))

    decisions = []
    n_cases = len(data.get("cases") or []) if isinstance(data.get("cases"), list) else 0
    for i, entry in enumerate(_list(data, "decisions", problems)):
        path = f"decisions[{i}]"
        if not isinstance(entry, dict):
            problems.add(path, "must be an object {date, chosen_option, ...}")
            continue
        decided = _date(entry.get("date"), f"{path}.date", problems)
        chosen = entry.get("chosen_option")
        if chosen not in MODALITIES:
            problems.add(f"{path}.chosen_option", f"unknown modality {chosen!r} (see nelm.knowledge.rulebook.Modality)")
        assessment = entry.get("assessment")
        if assessment is not None and not isinstance(assessment, dict):
            problems.add(f"{path}.assessment", "must be the assessment object shown to the board")
        case_index = entry.get("case_index")
        if case_index is not None and (not isinstance(case_index, int) or not 0 <= case_index < n_cases):
            problems.add(f"{path}.case_index", f"points to no entry of cases (got {case_index!r})")
        if decided and diagnosis and decided < diagnosis:
            problems.add(f"{path}.date", f"decision ({decided}) is before diagnosis ({diagnosis})")
        reason = entry.get("reason")
        versions = [entry.get("engine_version"), entry.get("knowledge_base_version")]
        if decided and chosen in MODALITIES:
            decisions.append(DecisionEntry(decided, chosen, assessment, *[None if v is None else str(v) for v in versions],
                                           None if reason in (None, "") else str(reason), case_index))

    _event_rules(diagnosis, treatments, events, problems)
    if problems.items or pid is None or diagnosis is None:
        return None, problems.items
    return PatientRecord(pid, diagnosis, synthetic, sex, identifiers, cases, treatments, events, decisions), []


def _event_rules(diagnosis: date | None, treatments: list[TreatmentEntry], events: list[EventEntry], problems: _Problems) -> None:
    """Impossible histories: death before diagnosis, follow-up before treatment, anything after death."""
    deaths = [e.occurred_on for e in events if e.kind == "death"]
    follow_ups = [e.occurred_on for e in events if e.kind == "last_follow_up"]
    if len(deaths) > 1:
        problems.add("events", f"{len(deaths)} deaths recorded; at most one")
    if len(follow_ups) > 1:
        problems.add("events", f"{len(follow_ups)} last follow-up dates recorded; at most one")
    death = min(deaths) if deaths else None
    if death and diagnosis and death < diagnosis:
        problems.add("events", f"death ({death}) is before diagnosis ({diagnosis})")
    for e in events:
        if e.kind == "recurrence" and diagnosis and e.occurred_on < diagnosis:
            problems.add("events", f"recurrence ({e.occurred_on}) is before diagnosis ({diagnosis})")
        if e.kind == "recurrence" and death and e.occurred_on > death:
            problems.add("events", f"recurrence ({e.occurred_on}) is after death ({death})")
    last_treatment = max((t.started_on for t in treatments), default=None)
    for follow_up in follow_ups:
        if last_treatment and follow_up < last_treatment:
            problems.add("events", f"last follow-up ({follow_up}) is before a treatment ({last_treatment})")
        if death and follow_up > death:
            problems.add("events", f"last follow-up ({follow_up}) is after death ({death})")
        if diagnosis and follow_up < diagnosis:
            problems.add("events", f"last follow-up ({follow_up}) is before diagnosis ({diagnosis})")
    for t in treatments:
        if death and t.started_on > death:
            problems.add("events", f"treatment {t.modality} ({t.started_on}) is after death ({death})")


def case_schema_version() -> int:
    return CASE_SCHEMA_VERSION
