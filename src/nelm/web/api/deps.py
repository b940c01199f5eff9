"""Shared FastAPI dependencies: the database session, the signed-in user, roles, CSRF.

HTML pages and the JSON API use the same dependencies; the exception handlers in nelm.web.app answer
HTML requests with a page (or a redirect to the login) and /api requests with JSON.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from nelm.registry.users import User
from nelm.web.security import CSRF_FIELD, CSRF_HEADER, UNSAFE_METHODS, SessionData, csrf_matches


class NotAuthenticated(Exception):
    """No valid session: pages redirect to the login, the API answers 401."""


class Forbidden(Exception):
    """Signed in, but the role does not allow this (403)."""

    def __init__(self, message: str = "your role does not allow this page"):
        self.message = message
        super().__init__(message)


class CsrfRejected(Exception):
    """A state-changing request without the session's CSRF token (403)."""


def session_data(request: Request) -> SessionData:
    """The session carried by the signed cookie (set up by SessionCookieMiddleware)."""
    return request.scope["state"]["nelm_session"]


# Cheap dependencies are async on purpose: each sync dependency costs a hop to the thread pool (two for
# generators), and under load those hops, waiting for the GIL, cost more than the work. Creating a session does
# no I/O and closing one only hands its connection back. Anything that may wait for a pooled connection runs
# in the thread pool (optional_user, the handlers): blocking the event loop on an exhausted pool would stall
# the very requests that would give connections back.
async def get_db(request: Request) -> AsyncIterator[Session]:
    registry = request.app.state.registry
    session = registry.session(actor=request.scope["state"].get("nelm_actor", "web"))
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_db)]


def optional_user(request: Request, db: SessionDep) -> User | None:
    data = session_data(request)
    if data.user_id is None:
        return None
    user = db.get(User, data.user_id)
    if user is None or not user.active or user.session_epoch != data.epoch:
        return None  # deactivated, or the password/role changed since this cookie was issued
    request.scope["state"]["nelm_actor"] = user.username
    request.scope["state"]["nelm_user"] = user
    db.info["actor"] = user.username
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]


async def current_user(user: OptionalUser) -> User:
    if user is None:
        raise NotAuthenticated()
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(*roles: str) -> Callable[..., Awaitable[User]]:
    """Dependency: the signed-in user, if their role is one of `roles`; else 403."""
    allowed = frozenset(roles)

    async def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise Forbidden(f"this needs the role {' or '.join(sorted(allowed))}; you are signed in as {user.role}")
        return user

    return check


Clinician = Annotated[User, Depends(require_role("clinician"))]
Analyst = Annotated[User, Depends(require_role("clinician", "researcher"))]
Admin = Annotated[User, Depends(require_role("admin"))]
AnyRole = CurrentUser


async def csrf_protect(request: Request) -> None:
    """Router-level guard: every POST/PUT/PATCH/DELETE must quote the session's CSRF token, in the form
    field csrf_token or the X-CSRF-Token header (htmx and API clients)."""
    if request.method not in UNSAFE_METHODS:
        return
    expected = session_data(request).csrf
    given = request.headers.get(CSRF_HEADER)
    if not given and request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()  # parsed once; FastAPI's Form() parameters reuse it
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not csrf_matches(expected, given):
        raise CsrfRejected()
