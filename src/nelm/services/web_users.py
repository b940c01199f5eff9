"""Accounts for the web app: create, authenticate, change. Shared by the web admin pages and `nelm user add`.

Every change is written to the registry's audit log (without the password hash).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from nelm.registry.audit import audit_row
from nelm.registry.database import Registry
from nelm.registry.models import AuditEntry
from nelm.registry.users import User
from nelm.services.assessment import BadInput
from nelm.web.security import ROLES, hash_password, needs_rehash, password_problems, random_password, username_problems, verify_password


def _audit(session: Session, actor: str, user: User, action: str, before: dict[str, Any] | None) -> None:
    session.flush()
    session.execute(insert(AuditEntry), [audit_row(actor, "users", user.id, action, before, user.public())])


def _role_problems(role: str) -> list[str]:
    return [] if role in ROLES else [f"role: {role!r} is not one of {', '.join(ROLES)}"]


def get_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def create_user(registry: Registry, username: str, password: str, role: str, *, actor: str) -> dict[str, Any]:
    username = username.strip().lower()
    problems = username_problems(username) + _role_problems(role) + password_problems(password, username)
    with registry.session(actor) as session:
        if not problems and get_user(session, username) is not None:
            problems.append(f"username: {username!r} already exists")
        if problems:
            raise BadInput(problems)
        user = User(username=username, password_hash=hash_password(password), role=role, active=True, session_epoch=0,
                    created_at=datetime.now(timezone.utc))
        session.add(user)
        _audit(session, actor, user, "insert", None)
        session.commit()
        return user.public()


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, else None (same work either way: no user-name probing)."""
    user = get_user(session, username.strip().lower())
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = datetime.now(timezone.utc)
    session.commit()
    return user


def list_users(session: Session) -> list[dict[str, Any]]:
    return [u.public() for u in session.scalars(select(User).order_by(User.username))]


def update_user(registry: Registry, username: str, *, actor: str, role: str | None = None, active: bool | None = None,
                password: str | None = None) -> dict[str, Any]:
    """Change role, active flag or password; each change ends the user's current sessions."""
    problems = (_role_problems(role) if role is not None else []) + (password_problems(password, username) if password is not None else [])
    with registry.session(actor) as session:
        user = get_user(session, username)
        if user is None:
            problems.insert(0, f"username: no user {username!r}")
        elif user.username == actor and (active is False or (role is not None and role != user.role)):
            problems.append("you cannot demote or deactivate your own account (another admin must)")
        elif user.role == "admin" and (active is False or (role not in (None, "admin"))) and _active_admins(session) <= 1:
            problems.append("this is the last active admin: create another admin first")
        if problems:
            raise BadInput(problems)
        assert user is not None
        before = user.public()
        if role is not None:
            user.role = role
        if active is not None:
            user.active = active
        if password is not None:
            user.password_hash = hash_password(password)
        user.session_epoch += 1
        _audit(session, actor, user, "update", before)
        session.commit()
        return user.public()


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True))) or 0


def ensure_user_with_new_password(registry: Registry, username: str, role: str, *, actor: str) -> str:
    """Demo logins: create the user or give it a fresh random password; returns the password (printed once)."""
    password = random_password()
    with registry.session(actor) as session:
        exists = get_user(session, username) is not None
    if exists:
        update_user(registry, username, actor=actor, password=password, role=role, active=True)
    else:
        create_user(registry, username, password, role, actor=actor)
    return password
