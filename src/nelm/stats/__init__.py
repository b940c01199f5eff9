"""Survival statistics, R-exact: Kaplan-Meier, log-rank, Cox, cox.zph, concordance (matching lives in matching.py).

Names are imported on first use (PEP 562), so `from nelm.stats import KaplanMeier` does not pay for
numba and the Cox machinery.
"""

from importlib import import_module

_WHERE = {
    "SurvivalDataError": "_validate",
    "ConcordanceResult": "concordance",
    "concordance_index": "concordance",
    "uno_concordance": "concordance",
    "CoxPH": "cox",
    "ZphResult": "zph",
    "cox_zph": "zph",  # the module is not named cox_zph: a submodule import would shadow the function
    "KaplanMeier": "km",
    "LogrankResult": "logrank",
    "logrank_test": "logrank",
    "TestResult": "results",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'nelm.stats' has no attribute {name!r}")
    value = getattr(import_module(f"nelm.stats.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
