"""Registry fixtures: every database test runs on SQLite, and on PostgreSQL when NELM_TEST_POSTGRES_URL is set
(scripts/ci-postgres.sh prints such a URL). Each PostgreSQL test gets its own schema, so parallel runs do not meet."""

from __future__ import annotations

import os
import uuid
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from nelm.services.registry import open_registry

PG_URL = os.environ.get("NELM_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.skipif(not PG_URL, reason="NELM_TEST_POSTGRES_URL not set")])]


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.sqlite'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def registry(db_url):
    reg = open_registry(db_url)
    yield reg
    reg.dispose()


def record(pid: str = "P1", **changes):
    """A small valid record: resection in 2015, recurrence in 2017, alive at last follow-up in 2020."""
    base = {
        "patient_id": pid,
        "sex": "female",
        "diagnosis_date": "2015-01-10",
        "identifiers": {"name": "Ada Example", "mrn": f"MRN-{pid}", "birth_date": "1950-03-02"},
        "cases": [{"date": "2015-02-01", "case": {"age_years": 64, "pathology": {"ki67_percent": 4, "differentiation": "well"},
                                                 "liver": {"lesion_count": 1, "tumour_burden_percent": 10, "r0_achievable": True},
                                                 "symptomatic": False}}],
        "treatments": [{"modality": "curative_resection", "date": "2015-03-01", "intent": "curative", "extent": "R0"}],
        "events": [{"kind": "recurrence", "date": "2017-03-01", "site": "liver"}, {"kind": "last_follow_up", "date": "2020-03-01"}],
        "decisions": [{"date": "2015-02-01", "chosen_option": "curative_resection", "case_index": 0}],
    }
    base.update(changes)
    return base
