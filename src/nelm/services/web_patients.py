"""Registry reads for the web pages: the patient list (search, filters, pages), one patient's timeline, one
decision, and the audit of every view of identified data. Plain inputs and outputs; no HTML here.

`identified=False` is the researcher's view: no identifiers, no exact dates (years only), nothing a reader
could link back to a person except the registry pseudonym.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from nelm.registry.audit import audit_row
from nelm.registry.models import AuditEntry, BoardDecision, CaseSnapshot, Identifier, OutcomeEvent, Patient, Treatment
from nelm.services.assessment import BadInput

VITAL_FILTERS = ("alive", "dead")


class PatientNotFound(BadInput):
    pass


# ----------------------------------------------------------------------------- audit of views
_AUDIT_LOCK = threading.Lock()


def record_view(session: Session, actor: str, patient_ids: list[int], what: str, *, path: str | None = None) -> None:
    """One audit row per view of identified data (action 'view'); a list view names every patient shown.

    Written at once in a short transaction of its own (the reads before it are committed first, so SQLite never
    has to upgrade an old read snapshot), serialised within the process so concurrent requests queue on a lock
    instead of in SQLite's sleeping busy handler. If it fails, the page fails: no unaudited view."""
    if not patient_ids:
        return
    detail = {"view": what, "path": path}
    if len(patient_ids) == 1:
        rows = [audit_row(actor, "patients", patient_ids[0], "view", None, detail)]
    else:
        rows = [audit_row(actor, "patients", None, "view", None, detail | {"patient_ids": patient_ids})]
    session.commit()
    with _AUDIT_LOCK:
        session.execute(insert(AuditEntry), rows)
        session.commit()


# ----------------------------------------------------------------------------- patient list
@dataclass
class PatientFilters:
    q: str = ""
    modality: str = ""
    vital: str = ""
    sex: str = ""
    synthetic: str = ""  # "", "yes", "no"

    def active(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass
class PatientPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    page_size: int
    filters: PatientFilters
    ids: list[int] = field(default_factory=list)


SEARCHED_IDENTIFIERS = ("name", "mrn")
MAX_LISTED_MATCHES = 5000  # beyond this, the identifier search stays a subquery instead of a list of ids


def _contains(session: Session, column, text: str):
    """Case-insensitive substring match: SQLite's LIKE already ignores ASCII case (no lower(): that costs a scan
    twice as long); PostgreSQL needs ILIKE. % and _ typed by the user are matched literally."""
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    if session.get_bind().dialect.name == "sqlite":
        return column.like(pattern, escape="\\")
    return column.ilike(pattern, escape="\\")


def _conditions(session: Session, filters: PatientFilters, identified: bool) -> list[Any]:
    # IN (subquery) rather than correlated EXISTS: SQLite then scans the child table once, not once per patient
    where: list[Any] = []
    text = filters.q.strip()
    if text:
        match = _contains(session, Patient.pseudonym, text)
        if identified:  # researchers cannot search by name or record number: that would reveal identity
            found = select(Identifier.patient_id).where(Identifier.kind.in_(SEARCHED_IDENTIFIERS), _contains(session, Identifier.value, text))
            ids = list(session.scalars(found.limit(MAX_LISTED_MATCHES + 1)))  # searched once, not again for the count and the page
            match = or_(match, Patient.id.in_(ids if len(ids) <= MAX_LISTED_MATCHES else found))
        where.append(match)
    if filters.modality:
        where.append(Patient.id.in_(select(Treatment.patient_id).where(Treatment.modality == filters.modality)))
    dead = Patient.id.in_(select(OutcomeEvent.patient_id).where(OutcomeEvent.kind == "death"))
    if filters.vital == "dead":
        where.append(dead)
    elif filters.vital == "alive":
        where.append(~dead)
    if filters.sex:
        where.append(Patient.sex == filters.sex)
    if filters.synthetic in {"yes", "no"}:
        where.append(Patient.synthetic.is_(filters.synthetic == "yes"))
    return where


def patient_list(session: Session, filters: PatientFilters, *, page: int = 1, page_size: int = 50, identified: bool) -> PatientPage:
    where = _conditions(session, filters, identified)
    total = session.scalar(select(func.count()).select_from(Patient).where(*where)) or 0
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, page), pages)
    rows = []
    for r in session.execute(_page_query(where, page, page_size, identified)):
        row = {"pseudonym": r.pseudonym, "sex": r.sex, "synthetic": bool(r.synthetic), "first_treatment": r.first_treatment,
               "vital": "dead" if r.dead else "alive", "recurrence": bool(r.recurrence), "last_decision": r.last_decision,
               "grade": pathology_grade(r.pathology), "id": r.id}
        if identified:
            row.update(name=r.name, mrn=r.mrn, diagnosis_date=r.diagnosis_date.isoformat())
        else:
            row["diagnosis_year"] = r.diagnosis_date.year
        rows.append(row)
    ids = [row.pop("id") for row in rows]
    return PatientPage(rows, total, page, pages, page_size, filters, ids)


def _page_query(where: list[Any], page: int, page_size: int, identified: bool):
    """One statement for the whole page: the page's ids first (cheap, by the pseudonym index), then one
    correlated lookup per shown patient for each column, instead of one round trip per table."""
    ids = select(Patient.id).where(*where).order_by(Patient.pseudonym).limit(page_size).offset((page - 1) * page_size).subquery()
    p = Patient.__table__

    def first(column, table, order, **match):
        condition = [table.c.patient_id == p.c.id] + [table.c[k] == v for k, v in match.items()]
        return select(column).where(*condition).order_by(*order).limit(1).scalar_subquery()

    def has(table, **match):
        return select(table.c.id).where(table.c.patient_id == p.c.id, *[table.c[k] == v for k, v in match.items()]).exists()

    t, e, d, c, i = Treatment.__table__, OutcomeEvent.__table__, BoardDecision.__table__, CaseSnapshot.__table__, Identifier.__table__
    columns = [p.c.id, p.c.pseudonym, p.c.sex, p.c.diagnosis_date, p.c.synthetic,
               first(t.c.modality, t, (t.c.started_on, t.c.id)).label("first_treatment"),
               has(e, kind="death").label("dead"), has(e, kind="recurrence").label("recurrence"),
               first(d.c.chosen_option, d, (d.c.decided_on.desc(), d.c.id.desc())).label("last_decision"),
               first(c.c.case["pathology"], c, (c.c.taken_on.desc(), c.c.id.desc())).label("pathology")]
    if identified:
        columns += [first(i.c.value, i, (), kind="name").label("name"), first(i.c.value, i, (), kind="mrn").label("mrn")]
    return select(*columns).join(ids, ids.c.id == p.c.id).order_by(p.c.pseudonym)


def case_grade(case: dict[str, Any]) -> str | None:
    """'NET G2' style label from a stored case (WHO grading); None when the pathology does not say."""
    return pathology_grade(case.get("pathology"))


def pathology_grade(pathology: Any) -> str | None:
    if not isinstance(pathology, dict):
        return None
    key = tuple(pathology.get(k) for k in ("ki67_percent", "mitoses_per_2mm2", "differentiation", "category"))
    try:
        return _grade_label(key)
    except (TypeError, ValueError):
        return None


@lru_cache(maxsize=4096)
def _grade_label(key: tuple[Any, ...]) -> str | None:
    # Cached: a page of 50 patients shares few distinct pathology values, and grading is pure.
    from nelm.case.grading import grade
    from nelm.case.model import Pathology

    ki67, mitoses, differentiation, category = key
    grading = grade(Pathology.model_validate({"ki67_percent": ki67, "mitoses_per_2mm2": mitoses, "differentiation": differentiation,
                                              "category": category}))
    if grading.grade is None:
        return None
    return f"{grading.category or ''} {grading.grade}".strip() if grading.category != "NEC" else "NEC"


# ----------------------------------------------------------------------------- one patient
def patient_row(session: Session, pseudonym: str) -> Patient:
    patient = session.scalar(select(Patient).where(Patient.pseudonym == pseudonym))
    if patient is None:
        raise PatientNotFound([f"patient {pseudonym!r}: not in the registry"])
    return patient


def patient_detail(session: Session, pseudonym: str) -> dict[str, Any]:
    """Identified view: identifiers, case snapshots, treatments, events and decisions, and one dated timeline."""
    p = patient_row(session, pseudonym)
    snapshots = list(session.scalars(select(CaseSnapshot).where(CaseSnapshot.patient_id == p.id).order_by(CaseSnapshot.taken_on, CaseSnapshot.id)))
    treatments = list(session.scalars(select(Treatment).where(Treatment.patient_id == p.id).order_by(Treatment.started_on, Treatment.id)))
    events = list(session.scalars(select(OutcomeEvent).where(OutcomeEvent.patient_id == p.id).order_by(OutcomeEvent.occurred_on, OutcomeEvent.id)))
    decisions = list(session.scalars(select(BoardDecision).where(BoardDecision.patient_id == p.id).order_by(BoardDecision.decided_on, BoardDecision.id)))
    identifiers = {i.kind: i.value for i in session.scalars(select(Identifier).where(Identifier.patient_id == p.id).order_by(Identifier.kind))}
    timeline: list[dict[str, Any]] = []
    for s in snapshots:
        timeline.append({"date": s.taken_on, "kind": "case", "id": s.id, "grade": case_grade(s.case), "case": s.case})
    for t in treatments:
        timeline.append({"date": t.started_on, "kind": "treatment", "id": t.id, "modality": t.modality, "intent": t.intent,
                         "extent": t.extent, "resected_fraction_percent": t.resected_fraction_percent})
    for e in events:
        timeline.append({"date": e.occurred_on, "kind": e.kind, "id": e.id, "site": e.site})
    for d in decisions:
        timeline.append({"date": d.decided_on, "kind": "decision", "id": d.id, **decision_summary(d)})
    order = {"case": 0, "decision": 1, "treatment": 2, "recurrence": 3, "last_follow_up": 4, "death": 5}
    timeline.sort(key=lambda e: (e["date"], order.get(e["kind"], 9), e["id"]))
    return {
        "id": p.id,
        "pseudonym": p.pseudonym,
        "synthetic": p.synthetic,
        "sex": p.sex,
        "diagnosis_date": p.diagnosis_date,
        "identifiers": identifiers,
        "latest_case": snapshots[-1].case if snapshots else None,
        "latest_case_date": snapshots[-1].taken_on if snapshots else None,
        "timeline": timeline,
        "decisions": [{"id": d.id, "date": d.decided_on, **decision_summary(d)} for d in decisions],
    }


def decision_summary(d: BoardDecision) -> dict[str, Any]:
    shown = None
    for option in (d.assessment or {}).get("options") or []:
        if isinstance(option, dict) and option.get("modality") == d.chosen_option:
            shown = option.get("status")
    return {"chosen_option": d.chosen_option, "reason": d.deviation_reason, "status_shown": shown,
            "engine_version": d.engine_version, "knowledge_base_version": d.knowledge_base_version,
            "case_snapshot_id": d.case_snapshot_id}


def latest_case(session: Session, pseudonym: str) -> tuple[Patient, CaseSnapshot | None]:
    p = patient_row(session, pseudonym)
    snapshot = session.scalar(select(CaseSnapshot).where(CaseSnapshot.patient_id == p.id)
                              .order_by(CaseSnapshot.taken_on.desc(), CaseSnapshot.id.desc()).limit(1))
    return p, snapshot


def decision_with_case(session: Session, pseudonym: str, decision_id: int) -> tuple[Patient, BoardDecision, dict[str, Any] | None]:
    p = patient_row(session, pseudonym)
    decision = session.scalar(select(BoardDecision).where(BoardDecision.id == decision_id, BoardDecision.patient_id == p.id))
    if decision is None:
        raise PatientNotFound([f"decision {decision_id} of patient {pseudonym!r}: not in the registry"])
    case = decision.case_snapshot.case if decision.case_snapshot is not None else None
    return p, decision, case


def latest_decision_id(session: Session, patient_id: int) -> int | None:
    return session.scalar(select(BoardDecision.id).where(BoardDecision.patient_id == patient_id)
                          .order_by(BoardDecision.decided_on.desc(), BoardDecision.id.desc()).limit(1))


# ----------------------------------------------------------------------------- new patient
def new_patient_record(pseudonym: str, diagnosis_date: str, sex: str | None, identifiers: dict[str, str]) -> dict[str, Any]:
    """A registry import record for a patient entered in the web form (validated by the registry's import)."""
    return {"patient_id": pseudonym.strip(), "diagnosis_date": diagnosis_date.strip() or None, "sex": sex or None,
            "synthetic": False, "identifiers": {k: v.strip() for k, v in identifiers.items() if v and v.strip()}}


# The identifier kind that holds a patient's FHIR Patient.id on the EHR's FHIR server (registry import:
# "identifiers": {"fhir": "<id>"}, CSV column identifier.fhir); EHR card links (/fhir/Patient/{id}) are resolved by it.
FHIR_IDENTIFIER_KIND = "fhir"
FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")  # FHIR R4 id datatype


def pseudonyms_for_fhir_id(session: Session, fhir_id: str, limit: int = 20) -> list[str]:
    query = (select(Patient.pseudonym).join(Identifier, Identifier.patient_id == Patient.id)
             .where(Identifier.kind == FHIR_IDENTIFIER_KIND, Identifier.value == fhir_id).order_by(Patient.pseudonym).limit(limit))
    return list(session.scalars(query))


def fhir_id_problems(session: Session, fhir_id: str) -> list[str]:
    """Why this FHIR Patient.id cannot be recorded for a new patient: not a FHIR id (a link could never carry it), or
    already another patient's (the link would find two patients and open neither)."""
    fhir_id = fhir_id.strip()
    if not fhir_id:
        return []
    field = f"identifiers.{FHIR_IDENTIFIER_KIND}"
    if not FHIR_ID.match(fhir_id):
        return [f"{field}: {fhir_id[:80]!r} is not a FHIR Patient id (1 to 64 letters, digits, '-' or '.')"]
    if taken := pseudonyms_for_fhir_id(session, fhir_id):
        return [f"{field}: FHIR Patient id {fhir_id!r} is already recorded for registry patient {', '.join(taken)}"]
    return []


def registry_counts(session: Session) -> dict[str, int]:
    return {
        "patients": session.scalar(select(func.count()).select_from(Patient)) or 0,
        "decisions": session.scalar(select(func.count()).select_from(BoardDecision)) or 0,
        "synthetic": session.scalar(select(func.count()).select_from(Patient).where(Patient.synthetic.is_(True))) or 0,
    }


def change_token(session: Session) -> tuple[Any, ...]:
    """Cheap fingerprint of the registry's clinical content: analyses are cached until it changes."""
    parts = [select(func.max(m.id)) for m in (Patient, CaseSnapshot, Treatment, OutcomeEvent, BoardDecision)]
    parts.append(select(func.count()).select_from(Patient))
    return tuple(session.scalar(q) for q in parts)


def today() -> date:
    return datetime.now(timezone.utc).date()


def patient_header(patient: Patient) -> dict[str, Any]:
    """What the patient banner shows (identified: clinicians only)."""
    names = {i.kind: i.value for i in patient.identifiers}
    return {"pseudonym": patient.pseudonym, "name": names.get("name"), "mrn": names.get("mrn"), "birth_date": names.get("birth_date"),
            "sex": patient.sex, "synthetic": patient.synthetic}
