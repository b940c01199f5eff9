"""Web app accounts (table `users`, migration 0002_web_users).

Mapped on its own declarative base on purpose: the registry's audit listener copies every row of its Base
into the audit log, and a password hash has no place there. User changes are audited explicitly instead,
without the hash (see nelm.services.web_users).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Role(StrEnum):
    clinician = "clinician"  # identified patient data, cases, decisions
    researcher = "researcher"  # de-identified data and analyses only
    admin = "admin"  # user accounts


class UsersBase(DeclarativeBase):
    pass


class User(UsersBase):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Bumped on password change, role change or deactivation: every cookie issued before stops working.
    session_epoch: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def public(self) -> dict[str, object]:
        return {"id": self.id, "username": self.username, "role": self.role, "active": self.active,
                "created_at": self.created_at.isoformat() if self.created_at else None,
                "last_login_at": self.last_login_at.isoformat() if self.last_login_at else None}
