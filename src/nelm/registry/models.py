"""Registry tables (SQLAlchemy 2). Direct identifiers live apart from clinical data so they can be left out.

Every mutable row carries `version` (optimistic concurrency: a write based on a stale read fails instead of
silently overwriting someone else's change). The users table belongs to the web app and its own migration.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship

# JSONB on PostgreSQL (indexable, compact), plain JSON text elsewhere.
Json = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    pass


class Versioned:
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # the mapper adds "AND version = :seen" to every UPDATE/DELETE and raises StaleDataError when no row matches
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class Patient(Versioned, Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    synthetic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    sex: Mapped[str | None] = mapped_column(String(16))
    diagnosis_date: Mapped[date] = mapped_column(Date, nullable=False)

    identifiers: Mapped[list[Identifier]] = relationship(back_populates="patient", cascade="all, delete-orphan")
    case_snapshots: Mapped[list[CaseSnapshot]] = relationship(back_populates="patient", cascade="all, delete-orphan", order_by="(CaseSnapshot.taken_on, CaseSnapshot.id)")
    treatments: Mapped[list[Treatment]] = relationship(back_populates="patient", cascade="all, delete-orphan", order_by="(Treatment.started_on, Treatment.id)")
    events: Mapped[list[OutcomeEvent]] = relationship(back_populates="patient", cascade="all, delete-orphan", order_by="(OutcomeEvent.occurred_on, OutcomeEvent.id)")
    decisions: Mapped[list[BoardDecision]] = relationship(back_populates="patient", cascade="all, delete-orphan", order_by="(BoardDecision.decided_on, BoardDecision.id)")


class Identifier(Versioned, Base):
    """One direct identifier (name, medical record number, birth date, address...) of a patient."""

    __tablename__ = "identifiers"
    __table_args__ = (UniqueConstraint("patient_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    patient: Mapped[Patient] = relationship(back_populates="identifiers")


class CaseSnapshot(Versioned, Base):
    """The case (case schema) as it stood on a date: the inputs of every assessment are kept."""

    __tablename__ = "case_snapshots"
    __table_args__ = (Index("ix_case_snapshots_patient", "patient_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), nullable=False)
    taken_on: Mapped[date] = mapped_column(Date, nullable=False)
    schema_version: Mapped[int] = mapped_column(Integer, nullable=False)
    case: Mapped[dict[str, Any]] = mapped_column(Json, nullable=False)
    patient: Mapped[Patient] = relationship(back_populates="case_snapshots")


class Treatment(Versioned, Base):
    __tablename__ = "treatments"
    __table_args__ = (Index("ix_treatments_patient", "patient_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), nullable=False)
    modality: Mapped[str] = mapped_column(String(40), nullable=False)  # nelm.knowledge.rulebook.Modality value
    started_on: Mapped[date] = mapped_column(Date, nullable=False)
    intent: Mapped[str | None] = mapped_column(String(16))  # curative | palliative
    extent: Mapped[str | None] = mapped_column(String(2))  # R0 | R1 | R2 (surgery)
    resected_fraction_percent: Mapped[float | None] = mapped_column(Float)  # debulking
    patient: Mapped[Patient] = relationship(back_populates="treatments")


class OutcomeEvent(Versioned, Base):
    """recurrence (with site), death, or last_follow_up."""

    __tablename__ = "outcome_events"
    __table_args__ = (Index("ix_outcome_events_patient", "patient_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    occurred_on: Mapped[date] = mapped_column(Date, nullable=False)
    site: Mapped[str | None] = mapped_column(String(32))
    patient: Mapped[Patient] = relationship(back_populates="events")


class BoardDecision(Versioned, Base):
    """A tumour-board decision: what the board saw (assessment and versions) and what it chose, and why if it differed."""

    __tablename__ = "board_decisions"
    __table_args__ = (Index("ix_board_decisions_patient", "patient_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), nullable=False)
    decided_on: Mapped[date] = mapped_column(Date, nullable=False)
    case_snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("case_snapshots.id", ondelete="SET NULL"))
    assessment: Mapped[dict[str, Any] | None] = mapped_column(Json)
    engine_version: Mapped[str | None] = mapped_column(String(32))
    knowledge_base_version: Mapped[str | None] = mapped_column(String(32))
    chosen_option: Mapped[str] = mapped_column(String(40), nullable=False)
    deviation_reason: Mapped[str | None] = mapped_column(Text)
    patient: Mapped[Patient] = relationship(back_populates="decisions")
    case_snapshot: Mapped[CaseSnapshot | None] = relationship()


class AuditEntry(Base):
    """Append-only: who changed what, when, and the row before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_row", "table_name", "row_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    actor: Mapped[str] = mapped_column(String(128), nullable=False)
    table_name: Mapped[str] = mapped_column(String(40), nullable=False)
    row_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(8), nullable=False)  # insert | update | delete
    before: Mapped[dict[str, Any] | None] = mapped_column(Json)
    after: Mapped[dict[str, Any] | None] = mapped_column(Json)


class CdsFeedback(Base):
    """What a clinician did with a CDS Hooks card (accepted or overridden, and why), as the EHR reported it.
    Append-only; keyed by the card's uuid, it holds no patient data."""

    __tablename__ = "cds_feedback"
    __table_args__ = (Index("ix_cds_feedback_card_uuid", "card_uuid"), Index("ix_cds_feedback_received_at", "received_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64), nullable=False)
    card_uuid: Mapped[str] = mapped_column(String(200), nullable=False)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)  # accepted | overridden
    accepted_suggestions: Mapped[list[str]] = mapped_column(Json, nullable=False)  # suggestion ids
    override_reason: Mapped[dict[str, Any] | None] = mapped_column(Json)  # {reason: Coding, userComment}
    outcome_timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    client_iss: Mapped[str | None] = mapped_column(Text)  # issuer of the verified CDS client JWT, if one was required


VERSIONED_TABLES = (Patient, Identifier, CaseSnapshot, Treatment, OutcomeEvent, BoardDecision)
