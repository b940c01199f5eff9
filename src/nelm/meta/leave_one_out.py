"""Leave-one-out sensitivity analysis: refit the model k times, each time without one study.

Like metafor's leave1out(), each refit keeps the measure, tau² method and Knapp-Hartung choice; for PFT
the back-transformation uses the harmonic mean n of the studies left in (not of all k).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from nelm.meta.measures import Effects
from nelm.meta.pool import PoolResult, pool


@dataclass(frozen=True)
class LeaveOneOut:
    omitted: str
    result: PoolResult


def leave_one_out(effects: Effects, method: str, *, hk: bool = False, studies=None, exponentiate: bool = False) -> list[LeaveOneOut]:
    if effects.k < 3:
        raise ValueError(f"leave-one-out needs at least 3 studies, got {effects.k}")
    labels = list(studies) if studies is not None else [str(i + 1) for i in range(effects.k)]
    out = []
    for i, label in enumerate(labels):
        keep = np.arange(effects.k) != i
        subset = replace(
            effects,
            yi=effects.yi[keep],
            vi=effects.vi[keep],
            ni=None if effects.ni is None else effects.ni[keep],
            xi=None if effects.xi is None else effects.xi[keep],
            corrected=None if effects.corrected is None else effects.corrected[keep],
        )
        kept = [lab for j, lab in enumerate(labels) if j != i]
        out.append(LeaveOneOut(omitted=label, result=pool(subset, method, hk=hk, studies=kept, exponentiate=exponentiate)))
    return out
