"""Meta-analysis engine: metafor-compatible pooling of single proportions and precomputed effects (pure, no I/O)."""

from nelm.meta.leave_one_out import LeaveOneOut, leave_one_out
from nelm.meta.measures import MEASURES, PROPORTION_MEASURES, Effects, given_effects, proportion_effects
from nelm.meta.pool import PoolResult, StudyResult, pool
from nelm.meta.tau2 import METHODS, Tau2NotEstimable

__all__ = [
    "MEASURES",
    "METHODS",
    "PROPORTION_MEASURES",
    "Effects",
    "LeaveOneOut",
    "PoolResult",
    "StudyResult",
    "Tau2NotEstimable",
    "given_effects",
    "leave_one_out",
    "pool",
    "proportion_effects",
]
