"""Registry use cases: create the database, import (all or nothing), export (optionally de-identified), read and
change one patient with optimistic concurrency. Plain inputs and outputs; no printing; shared by every door.
"""

from __future__ import annotations

import csv
import io
import gc
import secrets
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO

import orjson
from alembic.util import CommandError
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from nelm.case.model import CASE_SCHEMA_VERSION
from nelm.registry import bulk, migrate
from nelm.registry.audit import default_actor, row_dict
from nelm.registry.csv_format import csv_path, header_for, record_to_row, row_to_record
from nelm.registry.database import DatabaseUrlError, Registry, make_engine, resolve_url, shown_url
from nelm.registry.deidentify import deidentify_record
from nelm.registry.models import BoardDecision, CaseSnapshot, Identifier, OutcomeEvent, Patient, Treatment
from nelm.registry.records import PatientRecord, parse_record
from nelm.services.assessment import BadInput

Progress = Callable[[int], None]


class ImportRejected(BadInput):
    """At least one row is invalid: nothing was written. `problems` has one line per problem, each naming its row."""

    def __init__(self, problems: list[str], bad_rows: int, total_rows: int):
        self.bad_rows = bad_rows
        self.total_rows = total_rows
        super().__init__(problems)


class ConcurrentUpdate(Exception):
    """Someone else changed the row since it was read; the write was refused (nothing lost)."""


class NotFound(BadInput):
    pass


@contextmanager
def paused_gc() -> Iterator[None]:
    """Bulk work builds millions of small dicts that hold no cycles; the cyclic collector would rescan them
    again and again (measured: 60-70 % of JSON parsing time). Reference counting still frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# ----------------------------------------------------------------------------- opening
def open_registry(url: str | None = None) -> Registry:
    """Engine for the URL (--db, NELM_DATABASE_URL or ./nelm.sqlite), schema brought to the newest revision."""
    engine, _, _ = _upgraded(url, "cannot open or migrate: ")
    return Registry(engine)


def _upgraded(url: str | None, what: str) -> tuple[Engine, str | None, str | None]:
    """Engine and (revision before, revision after) the schema upgrade; every failure is one BadInput line."""
    try:
        engine = make_engine(url)
    except DatabaseUrlError as exc:  # also the SQLite file's directory that cannot be created
        raise BadInput([str(exc)]) from None
    try:
        before, after = migrate.upgrade(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise BadInput([database_problem(url, exc, what)]) from None
    except CommandError as exc:
        engine.dispose()
        raise BadInput([unknown_revision(url, exc)]) from None
    return engine, before, after


def unknown_revision(url: str | None, exc: CommandError) -> str:
    """Alembic cannot place the database's schema revision: most often a database written by a newer nelm."""
    reason = " ".join(str(exc).split())
    return (f"database {shown_url(resolve_url(url))}: its schema is not one this nelm version knows ({reason}); "
            "was it created by a newer nelm? Use that version, or a database of this one")


def database_problem(url: str | None, exc: SQLAlchemyError, what: str = "") -> str:
    """One line for a failed open or migration: password hidden, the driver's multi-line message (psycopg) joined."""
    reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
    return f"database {shown_url(resolve_url(url))}: {what}{exc.__class__.__name__}: {reason}"


def init_database(url: str | None = None) -> dict[str, Any]:
    engine, before, after = _upgraded(url, "")
    engine.dispose()
    return {"url": engine.url.render_as_string(hide_password=True), "revision_before": before, "revision": after,
            "created": before is None}


# ----------------------------------------------------------------------------- reading import files
@dataclass
class SourceRow:
    label: str  # "row 3"
    data: Any
    problems: list[str] = field(default_factory=list)
    csv: bool = False


def read_import_file(path: Path) -> list[SourceRow]:
    """Rows of a .jsonl (one record per line) or .csv (one patient per row) file; unreadable rows carry problems."""
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".jsonl", ".ndjson"}:
        raise BadInput([f"{path}: expected a .csv or .jsonl file"])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise BadInput([f"{path}: {exc.strerror}"]) from None
    except UnicodeDecodeError:
        raise BadInput([f"{path}: not UTF-8 text"]) from None
    with paused_gc():
        return parse_csv(text) if suffix == ".csv" else parse_jsonl(text)


def parse_jsonl(text: str) -> list[SourceRow]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rows.append(SourceRow(f"row {number}", orjson.loads(line)))
        except orjson.JSONDecodeError as exc:
            rows.append(SourceRow(f"row {number}", None, [f"not valid JSON: {exc.msg} at column {exc.colno}"]))
    return rows


def parse_csv(text: str) -> list[SourceRow]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "patient_id" not in reader.fieldnames:
        raise BadInput(["CSV header: needs at least the columns patient_id and diagnosis_date"])
    rows = []
    for number, row in enumerate(reader, start=1):
        record, problems = row_to_record(row)
        rows.append(SourceRow(f"row {number}", record, problems, csv=True))
    return rows


# ----------------------------------------------------------------------------- import
def validate_rows(rows: Iterable[SourceRow], progress: Progress | None = None) -> tuple[list[PatientRecord], list[str], int, int]:
    """(valid records, problems, bad row count, total rows); duplicates within the file are problems too."""
    records: list[PatientRecord] = []
    problems: list[str] = []
    first_seen: dict[str, str] = {}
    bad = total = 0
    for row in rows:
        total += 1
        found = list(row.problems)
        record = None
        if row.data is not None:
            record, record_problems = parse_record(row.data, normalise=row.csv)
            found += [csv_path(p) for p in record_problems] if row.csv else record_problems
            pid = row.data.get("patient_id") if isinstance(row.data, dict) else None
            if isinstance(pid, str | int) and str(pid).strip():
                pid = str(pid)
                if pid in first_seen:
                    found.append(f"patient_id: duplicate id {pid!r} (first at {first_seen[pid]})")
                else:
                    first_seen[pid] = row.label
        if found:
            bad += 1
            problems.extend(f"{row.label}: {p}" for p in found)
        elif record is not None:
            records.append(record)
        if progress and total % 1000 == 0:
            progress(1000)
    if progress and total % 1000:
        progress(total % 1000)
    return records, problems, bad, total


@dataclass
class ImportSummary:
    patients: int
    rows: dict[str, int]
    synthetic: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {"patients": self.patients, "rows": self.rows, "synthetic_patients": self.synthetic,
                "seconds": round(self.seconds, 3), "patients_per_second": round(self.patients / self.seconds, 1) if self.seconds else None}


def import_rows(registry: Registry, rows: Iterable[SourceRow], *, actor: str | None = None,
                validate_progress: Progress | None = None, write_progress: Progress | None = None) -> ImportSummary:
    """Validate every row, then write all of them in one transaction, or nothing (ImportRejected)."""
    with paused_gc():
        return _import_rows(registry, rows, actor, validate_progress, write_progress)


def _import_rows(registry: Registry, rows: Iterable[SourceRow], actor: str | None, validate_progress: Progress | None,
                 write_progress: Progress | None) -> ImportSummary:
    started = time.perf_counter()
    actor = actor or default_actor()
    rows = list(rows)
    records, problems, bad, total = validate_rows(rows, validate_progress)
    labels = {str(r.data.get("patient_id")) if isinstance(r.data, dict) else None: r.label for r in rows}
    with registry.engine.begin() as conn:
        taken = bulk.existing_pseudonyms(conn, [r.patient_id for r in records])
        if taken:
            bad += len(taken)
            problems.extend(f"{labels.get(pid, '?')}: patient_id: duplicate id {pid!r} (already in the registry)" for pid in sorted(taken))
        if problems:
            raise ImportRejected(problems, bad, total)
        if not records:
            raise ImportRejected(["the file holds no records"], 0, 0)
        counts = bulk.insert_records(conn, records, actor, write_progress)
    return ImportSummary(len(records), counts, sum(r.synthetic for r in records), time.perf_counter() - started)


def import_file(path: Path, url: str | None = None, *, actor: str | None = None, **progress: Progress | None) -> ImportSummary:
    rows = read_import_file(path)
    registry = open_registry(url)
    try:
        return import_rows(registry, rows, actor=actor, **progress)
    finally:
        registry.dispose()


def import_records(registry: Registry, records: Iterable[dict[str, Any]], *, actor: str | None = None,
                   **progress: Progress | None) -> ImportSummary:
    """Import records given as dicts (e.g. from nelm.services.demo_data)."""
    return import_rows(registry, (SourceRow(f"record {i}", r) for i, r in enumerate(records, start=1)), actor=actor, **progress)


# ----------------------------------------------------------------------------- export
def iter_records(session: Session, patient_ids: list[int] | None = None) -> Iterator[dict[str, Any]]:
    """Every patient as a record dict (JSON-lines form), in pseudonym order. Core rows, not ORM objects: 10x faster."""
    from nelm.registry.records import CaseEntry, DecisionEntry, EventEntry, TreatmentEntry

    def grouped(model, order):
        table = model.__table__
        query = select(table).order_by(table.c.patient_id, table.c[order], table.c.id)
        if patient_ids is not None:
            query = query.where(table.c.patient_id.in_(patient_ids))
        out = defaultdict(list)
        for row in session.execute(query):
            out[row.patient_id].append(row)
        return out

    identifiers = grouped(Identifier, "kind")
    cases = grouped(CaseSnapshot, "taken_on")
    treatments = grouped(Treatment, "started_on")
    events = grouped(OutcomeEvent, "occurred_on")
    decisions = grouped(BoardDecision, "decided_on")
    table = Patient.__table__
    query = select(table).order_by(table.c.pseudonym)
    if patient_ids is not None:
        query = query.where(table.c.id.in_(patient_ids))
    for p in session.execute(query):
        snapshot_index = {c.id: i for i, c in enumerate(cases[p.id])}
        record = PatientRecord(
            p.pseudonym, p.diagnosis_date, p.synthetic, p.sex, {i.kind: i.value for i in identifiers[p.id]},
            [CaseEntry(c.taken_on, c.case) for c in cases[p.id]],
            [TreatmentEntry(t.modality, t.started_on, t.intent, t.extent, t.resected_fraction_percent) for t in treatments[p.id]],
            [EventEntry(e.kind, e.occurred_on, e.site) for e in events[p.id]],
            [DecisionEntry(d.decided_on, d.chosen_option, d.assessment, d.engine_version, d.knowledge_base_version,
                           d.deviation_reason, snapshot_index.get(d.case_snapshot_id) if d.case_snapshot_id else None)
             for d in decisions[p.id]],
        )
        yield record.to_json()


def export_records(registry: Registry, *, deidentified: bool = False, key: bytes | None = None) -> Iterator[dict[str, Any]]:
    """All records; de-identified: no identifiers, dates shifted per patient by a keyed offset, ages over 89 as "90+".

    The key is random per export unless given (a given key makes the shift repeatable; keep it secret)."""
    key = key or secrets.token_bytes(32)
    with registry.session(actor="export") as session, paused_gc():
        for record in iter_records(session):
            yield deidentify_record(record, key) if deidentified else record


def write_records(records: Iterable[dict[str, Any]], stream: TextIO, fmt: str) -> int:
    """Write JSON lines or CSV (one row per patient) to an open text stream; returns the number written."""
    n = 0
    if fmt == "jsonl":
        for record in records:
            stream.write(orjson.dumps(record).decode() + "\n")
            n += 1
        return n
    if fmt != "csv":
        raise BadInput([f"format {fmt!r}: expected jsonl or csv"])
    rows = [record_to_row(r) | ({"deidentified": "true"} if r.get("deidentified") else {}) for r in records]
    header = header_for(rows) + (["deidentified"] if any("deidentified" in r for r in rows) else [])
    writer = csv.DictWriter(stream, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return len(rows)


# ----------------------------------------------------------------------------- one patient
def _patient(session: Session, pseudonym: str) -> Patient:
    patient = session.scalar(select(Patient).where(Patient.pseudonym == pseudonym))
    if patient is None:
        raise NotFound([f"patient {pseudonym!r}: not in the registry"])
    return patient


def get_patient(registry: Registry, pseudonym: str) -> dict[str, Any]:
    """The patient's record plus the row versions a later update must quote."""
    with registry.session(actor="read") as session:
        patient = _patient(session, pseudonym)
        record = next(iter_records(session, [patient.id]))
        record["version"] = patient.version
        return record


PATIENT_FIELDS = {"sex", "diagnosis_date", "synthetic"}


def update_patient(registry: Registry, pseudonym: str, changes: dict[str, Any], *, actor: str | None = None,
                   expected_version: int | None = None, retries: int = 3) -> dict[str, Any]:
    """Change patient fields. With expected_version (what the user saw) a stale write is refused with
    ConcurrentUpdate; without it the change is re-applied to the newest row, retried up to `retries` times."""
    unknown = set(changes) - PATIENT_FIELDS
    if unknown:
        raise BadInput([f"{k}: cannot be changed here (allowed: {', '.join(sorted(PATIENT_FIELDS))})" for k in sorted(unknown)])
    values = dict(changes)
    if isinstance(values.get("diagnosis_date"), str):
        values["diagnosis_date"] = date.fromisoformat(values["diagnosis_date"])

    def apply(patient: Patient) -> None:
        for key, value in values.items():
            setattr(patient, key, value)

    return modify_patient(registry, pseudonym, apply, actor=actor, expected_version=expected_version, retries=retries)


def modify_patient(registry: Registry, pseudonym: str, change: Callable[[Patient], None], *, actor: str | None = None,
                   expected_version: int | None = None, retries: int = 3) -> dict[str, Any]:
    """Apply `change` to the current row and commit; the version column guards against lost updates."""
    actor = actor or default_actor()
    for attempt in range(retries + 1):
        with registry.session(actor) as session:
            patient = _patient(session, pseudonym)
            if expected_version is not None and patient.version != expected_version:
                raise ConcurrentUpdate(
                    f"patient {pseudonym}: changed by someone else since you read it (version {patient.version}, "
                    f"you had {expected_version}); reload and apply your change again")
            change(patient)
            try:
                session.commit()
            except OperationalError as exc:  # SQLite: another writer (an import) held the lock past busy_timeout
                session.rollback()
                raise ConcurrentUpdate(f"patient {pseudonym}: the registry is busy with another write; nothing was written, "
                                       f"try again ({exc.orig})") from None
            except StaleDataError:
                session.rollback()
                if expected_version is not None or attempt == retries:
                    raise ConcurrentUpdate(
                        f"patient {pseudonym}: changed by someone else while saving; nothing was written, reload and retry"
                    ) from None
                continue  # re-read the newest row and apply the change again
            return row_dict(patient)
    raise AssertionError("unreachable")


def add_history(registry: Registry, pseudonym: str, additions: dict[str, Any], *, actor: str | None = None) -> dict[str, Any]:
    """Append cases, treatments, events or decisions to a patient, validated with the whole history (event rules)."""
    actor = actor or default_actor()
    allowed = {"cases", "treatments", "events", "decisions"}
    if set(additions) - allowed:
        raise BadInput([f"{k}: cannot be added (allowed: {', '.join(sorted(allowed))})" for k in sorted(set(additions) - allowed)])
    with registry.session(actor) as session:
        patient = _patient(session, pseudonym)
        current = next(iter_records(session, [patient.id]))
        merged = {**current, **{k: current.get(k, []) + list(additions.get(k, [])) for k in allowed}}
        record, problems = parse_record(merged)
        if problems:
            raise BadInput(problems)
        assert record is not None
        existing = list(patient.case_snapshots)
        snapshots = [CaseSnapshot(patient=patient, taken_on=c.taken_on, schema_version=CASE_SCHEMA_VERSION, case=c.case)
                     for c in record.cases[len(current["cases"]):]]
        session.add_all(snapshots)
        all_snapshots = existing + snapshots
        for t in record.treatments[len(current["treatments"]):]:
            session.add(Treatment(patient=patient, modality=t.modality, started_on=t.started_on, intent=t.intent,
                                  extent=t.extent, resected_fraction_percent=t.resected_fraction_percent))
        for e in record.events[len(current["events"]):]:
            session.add(OutcomeEvent(patient=patient, kind=e.kind, occurred_on=e.occurred_on, site=e.site))
        for d in record.decisions[len(current["decisions"]):]:
            snapshot = all_snapshots[d.case_index] if d.case_index is not None else None
            session.add(BoardDecision(patient=patient, decided_on=d.decided_on, case_snapshot=snapshot, assessment=d.assessment,
                                      engine_version=d.engine_version, knowledge_base_version=d.knowledge_base_version,
                                      chosen_option=d.chosen_option, deviation_reason=d.reason))
        session.commit()
        return next(iter_records(session, [patient.id]))


def record_decision(registry: Registry, pseudonym: str, case: dict[str, Any], chosen_option: str, decided_on: str, *,
                    reason: str | None = None, actor: str | None = None) -> dict[str, Any]:
    """A tumour-board decision with what the board saw: the case, the current engine's assessment and its versions."""
    from nelm.engine import ENGINE_VERSION
    from nelm.knowledge import KNOWLEDGE_BASE_VERSION
    from nelm.services.assessment import assess_data

    assessment = assess_data(case, robustness=False, evidence=False).to_dict()
    current = get_patient(registry, pseudonym)
    decision = {"date": decided_on, "chosen_option": chosen_option, "case_index": len(current["cases"]),
                "assessment": assessment, "engine_version": ENGINE_VERSION, "knowledge_base_version": KNOWLEDGE_BASE_VERSION}
    if reason:
        decision["reason"] = reason
    return add_history(registry, pseudonym, {"cases": [{"date": decided_on, "case": case}], "decisions": [decision]}, actor=actor)
