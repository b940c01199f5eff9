"""Outcomes analyses over the registry: survival by group, matched comparison, recurrence, decision concordance.

Each returns one JSON-ready envelope {analysis, parameters, synthetic, excluded, result, ...}; render_html()
turns it into a self-contained report. Plain inputs and outputs; shared by the CLI and the web app.
The statistics, matching (statsmodels) and plotting (matplotlib) modules are imported by the analysis that
needs them: each costs a second or more of start-up on a busy machine.
"""

from __future__ import annotations

import orjson
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pandas as pd

from nelm import __version__
from nelm.registry.analysis.frames import COVARIATES, covariate_frame, outcome_frame
from nelm.registry.database import Registry
from nelm.registry.records import MODALITIES
from nelm.services.assessment import BadInput
from nelm.services.demo_data import SYNTHETIC_BANNER

Progress = Callable[[int], None]
ENDPOINTS = ("os", "pfs")
GROUPINGS = ("modality", "intent", "synthetic", *[k for k, (_, kind) in COVARIATES.items() if kind != "number"])


def _json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str) else value  # SQLite hands back text, PostgreSQL objects


def _fetch(conn, sql: str) -> list[tuple]:
    """Plain tuples straight from the driver: SQLAlchemy's Row objects cost ~2x for 100k-row reads."""
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def load_outcomes(registry: Registry, *, covariates: bool = False) -> tuple[pd.DataFrame, dict[str, int]]:
    from nelm.services.registry import paused_gc

    with registry.engine.connect() as conn, paused_gc():
        patients = _fetch(conn, "SELECT id, pseudonym, synthetic FROM patients")
        treatments = _fetch(conn, "SELECT patient_id, modality, started_on, intent FROM treatments")
        events = _fetch(conn, "SELECT patient_id, kind, occurred_on, site FROM outcome_events")
        frame, excluded = outcome_frame(patients, treatments, events)
        excluded["patients_in_registry"] = len(patients)
        if covariates:
            rows = _fetch(conn, 'SELECT patient_id, taken_on, "case" FROM case_snapshots')
            frame = covariate_frame(((pid, taken, _json(case)) for pid, taken, case in rows), frame)
    return frame, excluded


def _envelope(registry: Registry, kind: str, parameters: dict[str, Any], frame: pd.DataFrame | None,
              excluded: dict[str, int], result: dict[str, Any], synthetic: tuple[int, int] | None = None) -> dict[str, Any]:
    n_synth, n_all = synthetic if synthetic else (int(frame.synthetic.sum()), len(frame))
    return {
        "analysis": kind,
        "nelm_version": __version__,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "database": registry.engine.url.render_as_string(hide_password=True),
        "parameters": parameters,
        "synthetic": {"patients": n_synth, "of": n_all,
                      "banner": (SYNTHETIC_BANNER + f" ({n_synth} of {n_all} patients analysed are synthetic)") if n_synth else None},
        "excluded": excluded,
        "result": result,
    }


def _check_modality(name: str, flag: str) -> list[str]:
    return [] if name in MODALITIES else [f"{flag}: unknown modality {name!r} (one of: {', '.join(sorted(MODALITIES))})"]


def survival(registry: Registry, *, endpoint: str = "os", by: str = "modality") -> dict[str, Any]:
    problems = []
    if endpoint not in ENDPOINTS:
        problems.append(f"--endpoint: must be os or pfs (got {endpoint!r})")
    if by not in GROUPINGS:
        problems.append(f"--by: must be one of {', '.join(GROUPINGS)} (got {by!r})")
    if problems:
        raise BadInput(problems)
    from nelm.registry.analysis.survival import survival_by_group

    frame, excluded = load_outcomes(registry, covariates=by in COVARIATES)
    if frame.empty:
        raise BadInput(["the registry has no treated patients with follow-up: nothing to analyse"])
    result = survival_by_group(frame, endpoint, by)
    return _envelope(registry, "survival", {"endpoint": endpoint, "by": by}, frame, excluded, result)


def compare(registry: Registry, *, treatment: str = "curative_resection", control: str = "intra_arterial_therapy",
            covariates: list[str] | None = None, endpoint: str = "os", caliper: float = 0.2) -> dict[str, Any]:
    problems = _check_modality(treatment, "--treatment") + _check_modality(control, "--control")
    if endpoint not in ENDPOINTS:
        problems.append(f"--endpoint: must be os or pfs (got {endpoint!r})")
    if problems:
        raise BadInput(problems)
    from nelm.registry.analysis.compare import CompareError, matched_comparison

    frame, excluded = load_outcomes(registry, covariates=True)
    try:
        result = matched_comparison(frame, treatment, control, covariates=covariates, endpoint=endpoint, caliper=caliper)
    except CompareError as exc:
        raise BadInput(exc.problems) from None
    arms = frame[frame.modality.isin([treatment, control])]
    params = {"treatment": treatment, "control": control, "covariates": result["covariates"], "endpoint": endpoint, "caliper": caliper}
    return _envelope(registry, "compare", params, arms, excluded, result)


def recurrence(registry: Registry, *, modality: str = "curative_resection") -> dict[str, Any]:
    problems = _check_modality(modality, "--modality")
    if problems:
        raise BadInput(problems)
    from nelm.registry.analysis.recurrence import recurrence_analysis

    frame, excluded = load_outcomes(registry)
    cohort = frame[frame.modality == modality]
    if cohort.empty:
        raise BadInput([f"no patient in the registry had {modality} as first treatment"])
    return _envelope(registry, "recurrence", {"modality": modality}, cohort, excluded, recurrence_analysis(frame, modality))


def concordance_audit(registry: Registry, *, progress: Progress | None = None, protocol=None) -> dict[str, Any]:
    from nelm.knowledge.protocol import DEFAULT_PROTOCOL
    from nelm.registry.analysis.concordance import DecisionRow, concordance

    query = ('SELECT p.pseudonym, p.synthetic, d.decided_on, d.chosen_option, d.deviation_reason, s."case", d.assessment, '
             "d.engine_version, d.knowledge_base_version FROM board_decisions d JOIN patients p ON p.id = d.patient_id "
             "LEFT JOIN case_snapshots s ON s.id = d.case_snapshot_id ORDER BY p.pseudonym, d.decided_on, d.id")
    with registry.engine.connect() as conn:
        rows = _fetch(conn, query)
    decisions = [DecisionRow(r[0], bool(r[1]), str(r[2]), r[3], r[4], _json(r[5]), _json(r[6]), r[7], r[8]) for r in rows]
    if not decisions:
        raise BadInput(["the registry holds no tumour-board decisions"])
    result = concordance(decisions, protocol=protocol or DEFAULT_PROTOCOL, progress=progress)
    n_synth = len({d.pseudonym for d in decisions if d.synthetic})
    n_all = len({d.pseudonym for d in decisions})
    return _envelope(registry, "concordance", {"protocol": result["protocol"]}, None, {}, result, synthetic=(n_synth, n_all))


def decision_count(registry: Registry) -> int:
    with registry.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT COUNT(*) FROM board_decisions").scalar() or 0)


def render_html(envelope: dict[str, Any]) -> str:
    from nelm.registry.analysis.report_html import render_report

    return render_report(envelope)
