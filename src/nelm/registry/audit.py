"""Every write is recorded: a session listener audits each ORM insert, update and delete in the same transaction.

Bulk imports bypass the ORM for speed and write one audit entry per imported patient (action "import"), holding
every row written for that patient with its id and values (see registry.bulk).
"""

from __future__ import annotations

import getpass
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from nelm.registry.models import AuditEntry, Base


def default_actor() -> str:
    try:
        return getpass.getuser() or "cli"
    except (KeyError, OSError):  # no user name in a container
        return "cli"


def json_value(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def row_dict(obj: Base) -> dict[str, Any]:
    return {c.key: json_value(getattr(obj, c.key)) for c in obj.__mapper__.column_attrs}


def before_dict(obj: Base) -> dict[str, Any]:
    """The row as it was loaded, from each attribute's history."""
    state = inspect(obj)
    out = {}
    for attr in obj.__mapper__.column_attrs:
        history = state.attrs[attr.key].history
        value = history.deleted[0] if history.deleted else getattr(obj, attr.key)
        out[attr.key] = json_value(value)
    return out


def audit_row(actor: str, table: str, row_id: int | None, action: str, before: dict | None, after: dict | None,
              at: datetime | None = None) -> dict[str, Any]:
    return {"at": at or datetime.now(timezone.utc), "actor": actor, "table_name": table, "row_id": row_id,
            "action": action, "before": before, "after": after}


def _before_flush(session: Session, _context, _instances) -> None:
    # before-images now: during the flush the mapper bumps `version` without leaving attribute history
    images = session.info.setdefault("audit_before", {})
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, Base) and not isinstance(obj, AuditEntry):
            images[id(obj)] = before_dict(obj)


def _after_flush(session: Session, _context) -> None:
    actor = session.info.get("actor") or default_actor()
    now = datetime.now(timezone.utc)
    images = session.info.pop("audit_before", {})
    rows = []
    for obj in session.new:
        if isinstance(obj, Base) and not isinstance(obj, AuditEntry):
            rows.append(audit_row(actor, obj.__tablename__, obj.id, "insert", None, row_dict(obj), now))
    for obj in session.dirty:
        if isinstance(obj, Base) and not isinstance(obj, AuditEntry) and session.is_modified(obj, include_collections=False):
            rows.append(audit_row(actor, obj.__tablename__, obj.id, "update", images.get(id(obj)) or before_dict(obj), row_dict(obj), now))
    for obj in session.deleted:
        if isinstance(obj, Base) and not isinstance(obj, AuditEntry):
            rows.append(audit_row(actor, obj.__tablename__, obj.id, "delete", images.get(id(obj)) or before_dict(obj), None, now))
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


def install_audit(session: Session) -> None:
    if not session.info.get("audit_installed"):
        event.listen(session, "before_flush", _before_flush)
        event.listen(session, "after_flush", _after_flush)
        session.info["audit_installed"] = True
