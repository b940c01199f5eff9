"""The JSON shape of a pooled result (a contract used by outside tools: keep the keys) and its notes."""

from __future__ import annotations

import math

from nelm.meta.leave_one_out import LeaveOneOut
from nelm.meta.measures import MEASURE_NAMES, PROPORTION_MEASURES, harmonic_mean
from nelm.meta.pool import PoolResult
from nelm.meta.tau2 import METHOD_NAMES


def scale_of(result: PoolResult) -> str:
    if result.measure in PROPORTION_MEASURES:
        return "proportion"
    return "exp(yi): ratio" if result.exponentiated else "as given (yi)"


def notes_for(result: PoolResult) -> list[str]:
    notes = [f"measure {result.measure}: {MEASURE_NAMES[result.measure]}; tau² by {METHOD_NAMES[result.method]}"]
    corrected = [s.study for s in result.studies if s.corrected]
    if corrected:
        notes.append("continuity correction 0.5 added to events and non-events (0 or n events): " + ", ".join(corrected))
    if result.measure == "PFT":
        n_hm = harmonic_mean([s.n for s in result.studies])
        notes.append(f"pooled values back-transformed with the harmonic mean n = {n_hm:.4g} (metafor transf.ipft.hm); study rows with their own n")
    if result.hk:
        notes.append(f"Knapp-Hartung: CI and prediction interval use t({result.k - 1})")
        if result.method == "FE":
            notes.append("Knapp-Hartung is not meant for a common-effect (FE) model (metafor warns likewise)")
    if result.method == "FE":
        notes.append("common-effect model: tau² = 0, the prediction interval equals the CI")
    return notes


def pool_json(result: PoolResult) -> dict:
    return {
        "measure": result.measure,
        "method": result.method,
        "hk": result.hk,
        "k": result.k,
        "scale": scale_of(result),
        "estimate": _num(result.estimate),
        "ci_lower": _num(result.ci_lower),
        "ci_upper": _num(result.ci_upper),
        "pi_lower": _num(result.pi_lower),
        "pi_upper": _num(result.pi_upper),
        "tau2": _num(result.tau2),
        "tau": _num(result.tau),
        "i2_percent": _num(result.i2_percent),
        "h2": _num(result.h2),
        "q": _num(result.q),
        "q_df": result.q_df,
        "q_pvalue": _num(result.q_pvalue),
        "model_scale": {
            "estimate": _num(result.beta),
            "se": _num(result.se),
            "ci_lower": _num(result.beta - result.crit * result.se),
            "ci_upper": _num(result.beta + result.crit * result.se),
            "critical_value": _num(result.crit),
            "df": result.df,
        },
        "studies": [
            {
                "study": s.study,
                **({"events": s.events, "n": s.n} if s.events is not None else {}),
                "yi": _num(s.yi),
                "vi": _num(s.vi),
                "estimate": _num(s.estimate),
                "ci_lower": _num(s.ci_lower),
                "ci_upper": _num(s.ci_upper),
                "weight_percent": _num(s.weight_percent),
                "continuity_corrected": s.corrected,
            }
            for s in result.studies
        ],
        "notes": notes_for(result),
    }


def leave_one_out_json(full: PoolResult, rows: list[LeaveOneOut]) -> dict:
    return {
        "measure": full.measure,
        "method": full.method,
        "hk": full.hk,
        "k": full.k,
        "scale": scale_of(full),
        "all_studies": {key: _num(getattr(full, key)) for key in _LOO_FIELDS},
        "leave_one_out": [{"omitted": r.omitted, **{key: _num(getattr(r.result, key)) for key in _LOO_FIELDS}} for r in rows],
    }


_LOO_FIELDS = ("estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper", "tau2", "i2_percent", "q", "q_pvalue")


def _num(x: float) -> float | None:
    """JSON has no NaN or infinity: such a value is reported as null."""
    return float(x) if math.isfinite(x) else None
