"""Engines and sessions from a URL. Nothing is created at import time."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

ENV_VAR = "NELM_DATABASE_URL"
DEFAULT_URL = "sqlite:///nelm.sqlite"


class DatabaseUrlError(ValueError):
    pass


class DatabasePathError(DatabaseUrlError):
    """The SQLite file's directory cannot be created (no such parent, no permission, a file in the way)."""


def shown_url(url: str) -> str:
    """The URL as messages may print it: the password replaced by ***, even when the URL does not parse."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", url)


def resolve_url(url: str | None = None) -> str:
    """--db, else NELM_DATABASE_URL, else ./nelm.sqlite. A bare path means a SQLite file."""
    url = url or os.environ.get(ENV_VAR) or DEFAULT_URL
    if "://" not in url:
        url = f"sqlite:///{Path(url)}"
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUrlError(f"database URL {shown_url(url)!r} is not valid: {exc}") from None
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    elif parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise DatabaseUrlError(f"database URL {shown_url(url)!r}: nelm supports sqlite and postgresql")
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")  # a second writer waits instead of failing at once
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; fsync per checkpoint, not per commit
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    url = resolve_url(url)
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)  # "created on first use"
            except OSError as exc:
                raise DatabasePathError(f"database {path}: cannot create the database file ({exc.strerror}: {exc.filename})") from None
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


@dataclass
class Registry:
    """An engine and its session factory; sessions carry the actor for the audit log."""

    engine: Engine

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def session(self, actor: str) -> Session:
        from nelm.registry.audit import install_audit

        session = self._sessions()
        session.info["actor"] = actor
        install_audit(session)
        return session

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.engine.dispose()
