"""One row per treated patient: time origin = first treatment; OS and PFS in years; case covariates.

Pure: built from plain row lists (as read from the database), so the same code serves SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

YEAR_DAYS = 365.25


def _dates(values: pd.Series) -> pd.Series:
    # SQLite hands back ISO text, PostgreSQL date objects
    if len(values) and isinstance(values.iloc[0], str):
        return pd.to_datetime(values, format="ISO8601")
    return pd.to_datetime(values)


def outcome_frame(patients: Iterable[tuple], treatments: Iterable[tuple], events: Iterable[tuple]) -> tuple[pd.DataFrame, dict[str, int]]:
    """patients: (id, pseudonym, synthetic); treatments: (patient_id, modality, started_on, intent);
    events: (patient_id, kind, occurred_on, site). Returns the frame and counts of excluded patients."""
    p = pd.DataFrame(list(patients), columns=["patient_id", "pseudonym", "synthetic"])
    t = pd.DataFrame(list(treatments), columns=["patient_id", "modality", "started_on", "intent"])
    e = pd.DataFrame(list(events), columns=["patient_id", "kind", "occurred_on", "site"])
    t["started_on"] = _dates(t["started_on"])
    e["occurred_on"] = _dates(e["occurred_on"])
    first = t.sort_values(["patient_id", "started_on"], kind="stable").drop_duplicates("patient_id")
    frame = p.merge(first, on="patient_id", how="inner")
    excluded = {"no_treatment": int(len(p) - len(frame))}

    death = e[e.kind == "death"].groupby("patient_id").occurred_on.min().rename("death_on")
    last_seen = e.groupby("patient_id").occurred_on.max().rename("last_seen_on")
    frame = frame.join(death, on="patient_id").join(last_seen, on="patient_id")
    rec = e[e.kind == "recurrence"][["patient_id", "occurred_on", "site"]].merge(frame[["patient_id", "started_on"]], on="patient_id")
    rec = rec[rec.occurred_on > rec.started_on].sort_values(["patient_id", "occurred_on"], kind="stable")
    first_rec = rec.drop_duplicates("patient_id").set_index("patient_id")
    frame = frame.join(first_rec.occurred_on.rename("recurrence_on"), on="patient_id").join(first_rec.site.rename("recurrence_site"), on="patient_id")
    # a second recurrence after the first: progression after recurrence ("PFS after recurrence")
    second = rec[rec.duplicated("patient_id")].drop_duplicates("patient_id").set_index("patient_id").occurred_on.rename("next_recurrence_on")
    frame = frame.join(second, on="patient_id")

    end = frame.death_on.fillna(frame.last_seen_on)
    frame["os_years"] = (end - frame.started_on).dt.days / YEAR_DAYS
    frame["os_event"] = frame.death_on.notna()
    frame["recurrence_years"] = (frame.recurrence_on - frame.started_on).dt.days / YEAR_DAYS
    frame["pfs_years"] = np.fmin(frame.recurrence_years, frame.os_years)
    frame["pfs_event"] = frame.recurrence_on.notna() | frame.os_event
    usable = frame.os_years > 0
    excluded["no_follow_up_after_treatment"] = int((~usable).sum())
    frame = frame[usable].reset_index(drop=True)
    frame["synthetic"] = frame.synthetic.astype(bool)
    return frame, excluded


COVARIATES = {
    # name: (how to read it from a case dict, kind)
    "age_years": (lambda c: c.get("age_years"), "number"),
    "ki67_percent": (lambda c: (c.get("pathology") or {}).get("ki67_percent"), "number"),
    "tumour_burden_percent": (lambda c: (c.get("liver") or {}).get("tumour_burden_percent"), "number"),
    "symptomatic": (lambda c: c.get("symptomatic"), "flag"),
    "functional": (lambda c: None if c.get("functional_syndrome") is None else c.get("functional_syndrome") != "none", "flag"),
    "extrahepatic_disease": (lambda c: (c.get("extrahepatic_disease") or {}).get("present"), "flag"),
    "primary_pancreas": (lambda c: None if (c.get("primary") or {}).get("site") is None else c["primary"]["site"] == "pancreas", "flag"),
    "bilobar": (lambda c: None if (c.get("liver") or {}).get("distribution") is None else c["liver"]["distribution"] == "bilobar", "flag"),
    "primary_site": (lambda c: (c.get("primary") or {}).get("site"), "category"),
}


def covariate_frame(snapshots: Iterable[tuple[int, Any, dict[str, Any]]], frame: pd.DataFrame) -> pd.DataFrame:
    """Case covariates per patient from the last snapshot on or before the first treatment (else the first one).

    snapshots: (patient_id, taken_on, case dict)."""
    s = pd.DataFrame(list(snapshots), columns=["patient_id", "taken_on", "case"])
    if s.empty:
        return frame.assign(**{name: pd.Series(dtype=object) for name in COVARIATES})
    s["taken_on"] = _dates(s["taken_on"])
    s = s.merge(frame[["patient_id", "started_on"]], on="patient_id")
    s["before"] = s.taken_on <= s.started_on
    # prefer snapshots before treatment (latest first), then later ones (earliest first)
    s["rank_key"] = np.where(s.before, -(s.taken_on - s.started_on).dt.days, 10**6 + (s.taken_on - s.started_on).dt.days)
    chosen = s.sort_values(["patient_id", "rank_key"], kind="stable").drop_duplicates("patient_id").set_index("patient_id")
    values = {name: chosen.case.map(lambda c, get=get: get(c) if isinstance(c, dict) else None) for name, (get, _kind) in COVARIATES.items()}
    cov = pd.DataFrame(values)
    return frame.join(cov, on="patient_id")
