"""Card feedback in the registry database (table cds_feedback): every server process writes to and reads the same rows."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select

from nelm.cdshooks.feedback import StoredFeedback
from nelm.registry.models import CdsFeedback


def _utc(moment: datetime) -> datetime:
    # SQLite keeps no time zone and a client may send a local time without one: stored and read back as UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class DatabaseFeedbackStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    def add(self, items: list[StoredFeedback]) -> None:
        """One transaction: all items or none. Core insert: feedback names a card, not a patient, so it is not audited."""
        if not items:
            return
        rows = [{"service_id": i.service_id, "card_uuid": i.card, "outcome": i.outcome, "accepted_suggestions": list(i.accepted_suggestions),
                 "override_reason": i.override_reason, "outcome_timestamp": _utc(i.outcome_timestamp), "received_at": _utc(i.received_at),
                 "client_iss": i.client_iss} for i in items]
        with self.engine.begin() as conn:
            conn.execute(insert(CdsFeedback), rows)

    def recent(self, limit: int = 100) -> list[StoredFeedback]:
        """The latest `limit` items, oldest first (as the in-memory store)."""
        query = select(CdsFeedback.__table__).order_by(CdsFeedback.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [StoredFeedback(r.service_id, r.card_uuid, r.outcome, tuple(r.accepted_suggestions), r.override_reason,
                               _utc(r.outcome_timestamp), _utc(r.received_at), r.client_iss) for r in reversed(rows)]

