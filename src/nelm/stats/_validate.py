"""Checks on survival arrays shared by every estimator; raise SurvivalDataError with one message per problem."""

from __future__ import annotations

import numpy as np


class SurvivalDataError(ValueError):
    """Input that cannot be analysed; `problems` holds one readable message per problem."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


def check_time_event(time, event, weights=None, *, need_event: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return float time, bool event, float weights after checking shape, finiteness and coding."""
    t = np.asarray(time, dtype=float).ravel()
    e_raw = np.asarray(event, dtype=float).ravel()
    problems: list[str] = []
    if t.shape != e_raw.shape:
        raise SurvivalDataError(f"time has {t.size} values but event has {e_raw.size}")
    if t.size == 0:
        raise SurvivalDataError("no observations")
    if not np.all(np.isfinite(t)):
        problems.append(f"time: {int((~np.isfinite(t)).sum())} missing or infinite value(s)")
    elif np.any(t < 0):
        problems.append(f"time: negative value at position {int(np.argmax(t < 0))}")
    if not np.all(np.isin(e_raw, (0.0, 1.0))):
        problems.append("event: values must be 1 (event) or 0 (censored)")
    if weights is None:
        w = np.ones(t.size)
    else:
        w = np.asarray(weights, dtype=float).ravel()
        if w.shape != t.shape or not np.all(np.isfinite(w)) or np.any(w <= 0):
            problems.append("weights: must be finite, positive and one per observation")
    if problems:
        raise SurvivalDataError(problems)
    e = e_raw.astype(bool)
    if need_event and not e.any():
        raise SurvivalDataError("event: no events (every observation is censored)")
    return t, e, w
