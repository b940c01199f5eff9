"""Registry tables: patients, identifiers, case snapshots, treatments, outcome events, board decisions, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _version() -> sa.Column:
    return sa.Column("version", sa.Integer(), nullable=False)


def _patient_fk() -> sa.Column:
    return sa.Column("patient_id", sa.Integer(), sa.ForeignKey("patients.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("table_name", sa.String(40), nullable=False),
        sa.Column("row_id", sa.Integer()),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("before", _json()),
        sa.Column("after", _json()),
    )
    op.create_index("ix_audit_log_row", "audit_log", ["table_name", "row_id"])
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pseudonym", sa.String(64), nullable=False, unique=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("sex", sa.String(16)),
        sa.Column("diagnosis_date", sa.Date(), nullable=False),
        _version(),
    )
    op.create_table(
        "identifiers",
        sa.Column("id", sa.Integer(), primary_key=True),
        _patient_fk(),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        _version(),
        sa.UniqueConstraint("patient_id", "kind"),
    )
    op.create_table(
        "case_snapshots",
        sa.Column("id", sa.Integer(), primary_key=True),
        _patient_fk(),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("case", _json(), nullable=False),
        _version(),
    )
    op.create_index("ix_case_snapshots_patient", "case_snapshots", ["patient_id"])
    op.create_table(
        "treatments",
        sa.Column("id", sa.Integer(), primary_key=True),
        _patient_fk(),
        sa.Column("modality", sa.String(40), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("intent", sa.String(16)),
        sa.Column("extent", sa.String(2)),
        sa.Column("resected_fraction_percent", sa.Float()),
        _version(),
    )
    op.create_index("ix_treatments_patient", "treatments", ["patient_id"])
    op.create_table(
        "outcome_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        _patient_fk(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("site", sa.String(32)),
        _version(),
    )
    op.create_index("ix_outcome_events_patient", "outcome_events", ["patient_id"])
    op.create_table(
        "board_decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        _patient_fk(),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("case_snapshot_id", sa.Integer(), sa.ForeignKey("case_snapshots.id", ondelete="SET NULL")),
        sa.Column("assessment", _json()),
        sa.Column("engine_version", sa.String(32)),
        sa.Column("knowledge_base_version", sa.String(32)),
        sa.Column("chosen_option", sa.String(40), nullable=False),
        sa.Column("deviation_reason", sa.Text()),
        _version(),
    )
    op.create_index("ix_board_decisions_patient", "board_decisions", ["patient_id"])


def downgrade() -> None:
    for table in ("board_decisions", "outcome_events", "treatments", "case_snapshots", "identifiers", "patients", "audit_log"):
        op.drop_table(table)
