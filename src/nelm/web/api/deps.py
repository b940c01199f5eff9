"""Shared FastAPI dependencies: the signed-in user, the database session, roles, CSRF.

HTML pages and the JSON API use the same dependencies; the exception handlers in nelm.web.app answer
HTML requests with a page (or a redirect to the login) and /api requests with JSON.

The dependencies are async on purpose: each sync dependency costs a hop to the thread pool (two for
generators), and under load those hops, waiting for the GIL, cost more than the work. Creating a session does
no I/O and closing one only hands its connection back. Anything that may wait for a pooled connection runs in
the thread pool (the user lookup on a cache miss, the page handlers): blocking the event loop on an exhausted
pool would stall the very requests that would give connections back.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
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


@dataclass(frozen=True)
class SignedInUser:
    """What a request needs to know about its user (not the ORM row: it outlives the lookup session)."""

    id: int
    username: str
    role: str
    active: bool
    session_epoch: int


class UserCache:
    """Recently checked users, so most requests skip the database (and the thread-pool hop it needs).

    An entry is trusted for `ttl` seconds: a password or role change or a deactivation made in another server
    process takes effect within that time; in this process the admin pages clear the cache at once. A cookie
    whose epoch differs from the cached one is always checked against the database."""

    def __init__(self, ttl: float):
        self.ttl = ttl
        self._entries: dict[int, tuple[float, SignedInUser | None]] = {}

    def get(self, user_id: int, epoch: int) -> tuple[bool, SignedInUser | None]:
        hit = self._entries.get(user_id)
        if hit is None or time.monotonic() - hit[0] > self.ttl or (hit[1] is not None and hit[1].session_epoch != epoch):
            return False, None
        return True, hit[1]

    def put(self, user_id: int, user: SignedInUser | None) -> None:
        self._entries[user_id] = (time.monotonic(), user)

    def clear(self) -> None:
        self._entries.clear()


def _load_user(registry, user_id: int) -> SignedInUser | None:
    with registry.session("auth") as session:
        row = session.get(User, user_id)
        return None if row is None else SignedInUser(row.id, row.username, row.role, row.active, row.session_epoch)


async def optional_user(request: Request) -> SignedInUser | None:
    data = session_data(request)
    if data.user_id is None:
        return None
    cache: UserCache = request.app.state.user_cache
    found, user = cache.get(data.user_id, data.epoch)
    if not found:
        user = await run_in_threadpool(_load_user, request.app.state.registry, data.user_id)
        cache.put(data.user_id, user)
    if user is None or not user.active or user.session_epoch != data.epoch:
        return None  # deactivated, or the password/role changed since this cookie was issued
    request.scope["state"]["nelm_user"] = user
    return user


OptionalUser = Annotated[SignedInUser | None, Depends(optional_user)]


async def get_db(request: Request, user: OptionalUser) -> AsyncIterator[Session]:
    session = request.app.state.registry.session(actor=user.username if user else "web")  # the audit log names the actor
    try:
        yield session
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_db)]


async def current_user(user: OptionalUser) -> SignedInUser:
    if user is None:
        raise NotAuthenticated()
    return user


CurrentUser = Annotated[SignedInUser, Depends(current_user)]


def require_role(*roles: str) -> Callable[..., Awaitable[SignedInUser]]:
    """Dependency: the signed-in user, if their role is one of `roles`; else 403."""
    allowed = frozenset(roles)

    async def check(user: CurrentUser) -> SignedInUser:
        if user.role not in allowed:
            raise Forbidden(f"this needs the role {' or '.join(sorted(allowed))}; you are signed in as {user.role}")
        return user

    return check


Clinician = Annotated[SignedInUser, Depends(require_role("clinician"))]
Analyst = Annotated[SignedInUser, Depends(require_role("clinician", "researcher"))]
Admin = Annotated[SignedInUser, Depends(require_role("admin"))]


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
