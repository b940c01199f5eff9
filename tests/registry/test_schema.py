from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from nelm.registry import migrate
from nelm.registry.database import make_engine, resolve_url
from nelm.registry.models import Base
from nelm.services.registry import init_database

REGISTRY_TABLES = {"patients", "identifiers", "case_snapshots", "treatments", "outcome_events", "board_decisions", "audit_log"}


def test_db_init_creates_every_registry_table_then_reports_up_to_date(db_url):
    first = init_database(db_url)
    second = init_database(db_url)
    engine = make_engine(db_url)
    assert REGISTRY_TABLES <= set(inspect(engine).get_table_names())
    engine.dispose()
    assert first["created"] is True and first["revision"] == migrate.head_revision()
    assert second["created"] is False and second["revision_before"] == second["revision"]


def test_packaged_migrations_build_exactly_the_models_tables(db_url):
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    engine.dispose()
    # tables owned by other migrations (the web app's users) are not in the registry's metadata
    assert [d for d in diff if not (d[0] == "remove_table" and d[1].name not in REGISTRY_TABLES)] == []


def test_a_bare_path_means_a_sqlite_file_and_postgresql_urls_get_psycopg(tmp_path, monkeypatch):
    monkeypatch.delenv("NELM_DATABASE_URL", raising=False)
    assert resolve_url(str(tmp_path / "x.sqlite")) == f"sqlite:///{tmp_path / 'x.sqlite'}"
    assert resolve_url("postgresql://u:p@h/db").startswith("postgresql+psycopg://")
    assert resolve_url(None) == "sqlite:///nelm.sqlite"
    monkeypatch.setenv("NELM_DATABASE_URL", "sqlite:///elsewhere.sqlite")
    assert resolve_url(None) == "sqlite:///elsewhere.sqlite"
