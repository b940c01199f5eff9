"""Recurrence after curative-intent resection, as in Zhang et al.: share recurring within 5 years, early
(within 3 years) vs late recurrence, and what follows each (survival and progression after recurrence)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from nelm.registry.analysis.survival import _num, km_summary, logrank_dict

EARLY_YEARS = 3.0  # Zhang et al.: early = within 3 years of resection
WINDOW_YEARS = 5.0


def recurrence_analysis(frame: pd.DataFrame, modality: str = "curative_resection") -> dict[str, Any]:
    cohort = frame[frame.modality == modality]
    n = len(cohort)
    rec = cohort.recurrence_years
    within5 = cohort[rec.notna() & (rec <= WINDOW_YEARS)]
    early_mask = rec.notna() & (rec <= EARLY_YEARS)
    late_mask = rec.notna() & (rec > EARLY_YEARS)
    recurred = cohort[rec.notna()].copy()
    recurred["timing"] = np.where(recurred.recurrence_years <= EARLY_YEARS, "early", "late")
    # after recurrence: time from the first recurrence to death (OS) and to the next recurrence or death (PFS)
    recurred["os_after_years"] = recurred.os_years - recurred.recurrence_years
    next_rec = (recurred.next_recurrence_on - recurred.recurrence_on).dt.days / 365.25
    recurred["pfs_after_years"] = np.fmin(next_rec, recurred.os_after_years)
    recurred["pfs_after_event"] = next_rec.notna() | recurred.os_event
    after: dict[str, Any] = {"os": {}, "pfs": {}}
    usable = recurred[recurred.os_after_years > 0]
    for endpoint, time_col, event_col in (("os", "os_after_years", "os_event"), ("pfs", "pfs_after_years", "pfs_after_event")):
        for timing, part in usable.groupby("timing"):
            after[endpoint][timing] = km_summary(part[time_col].to_numpy(float), part[event_col].to_numpy(bool))
        after[endpoint]["logrank"] = logrank_dict(usable[time_col].to_numpy(float), usable[event_col].to_numpy(bool),
                                                  usable.timing.to_numpy()) if len(usable) else None
    sites = {timing: {str(k): int(v) for k, v in part.recurrence_site.fillna("not recorded").value_counts().items()}
             for timing, part in recurred.groupby("timing")}
    cumulative = km_summary(cohort.pfs_years.to_numpy(float), (cohort.recurrence_years.notna()).to_numpy(bool)) if n else None
    return {
        "modality": modality,
        "time_unit": "years",
        "patients": n,
        "recurred_within_5_years": {"n": int(len(within5)), "share": _num(len(within5) / n) if n else None,
                                    "basis": f"crude share of all {modality} patients, as Zhang et al. report it after resection (223/481)"},
        "early_within_3_years": {"n": int(early_mask.sum()),
                                 "share_of_recurrences_within_5_years": _num(int((early_mask & (rec <= WINDOW_YEARS)).sum()) / len(within5)) if len(within5) else None},
        "late_after_3_years": {"n": int(late_mask.sum())},
        "progression_free_survival": km_summary(cohort.pfs_years.to_numpy(float), cohort.pfs_event.to_numpy(bool)) if n else None,
        "recurrence_free_kaplan_meier": cumulative,
        "sites": sites,
        "after_recurrence": after,
        "notes": [f"Time origin: first treatment ({modality}). Early recurrence: within 3 years (Zhang et al.).",
                  "After recurrence: OS from the first recurrence to death; PFS from the first recurrence to the next recorded recurrence or death.",
                  "recurrence_free_kaplan_meier counts recurrences only (deaths censored)."],
    }
