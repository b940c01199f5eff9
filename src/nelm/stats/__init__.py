"""Survival statistics, R-exact: Kaplan-Meier, log-rank, Cox, cox.zph, concordance (matching lives in matching.py)."""

from nelm.stats._validate import SurvivalDataError
from nelm.stats.concordance import ConcordanceResult, concordance_index, uno_concordance
from nelm.stats.cox import CoxPH
from nelm.stats.cox_zph import ZphResult, cox_zph
from nelm.stats.km import KaplanMeier
from nelm.stats.logrank import LogrankResult, logrank_test
from nelm.stats.results import TestResult

__all__ = [
    "ConcordanceResult",
    "CoxPH",
    "KaplanMeier",
    "LogrankResult",
    "SurvivalDataError",
    "TestResult",
    "ZphResult",
    "concordance_index",
    "cox_zph",
    "logrank_test",
    "uno_concordance",
]
