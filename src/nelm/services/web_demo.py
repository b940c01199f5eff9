"""Demo set-up for `nelm serve --demo`: a synthetic cohort in an empty registry, and demo logins with fresh
random passwords (never a fixed default). Shared by the CLI, the browser tests and the web benchmark."""

from __future__ import annotations

from sqlalchemy import func, select

from nelm.registry.database import Registry
from nelm.registry.models import Patient
from nelm.services.demo_data import generate_cohort
from nelm.services.registry import import_records
from nelm.services.web_users import ensure_user_with_new_password

DEMO_SEED = 2026
DEMO_PATIENTS = 1000
DEMO_USERS = (("demo", "clinician"), ("demo-researcher", "researcher"), ("demo-admin", "admin"))


def patient_count(registry: Registry) -> int:
    with registry.session("demo") as session:
        return session.scalar(select(func.count()).select_from(Patient)) or 0


def seed_if_empty(registry: Registry, patients: int = DEMO_PATIENTS, seed: int = DEMO_SEED, *, actor: str = "nelm serve --demo") -> int:
    """Import a synthetic cohort when the registry holds no patient; returns how many were added (0 if not empty)."""
    if patient_count(registry):
        return 0
    summary = import_records(registry, generate_cohort(patients, seed), actor=actor)
    return summary.patients


def demo_logins(registry: Registry, *, actor: str = "nelm serve --demo") -> list[tuple[str, str, str]]:
    """(username, role, password) for each demo account, each password new and random."""
    return [(name, role, ensure_user_with_new_password(registry, name, role, actor=actor)) for name, role in DEMO_USERS]
