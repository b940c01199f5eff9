"""Survival statistics, R-exact: Kaplan-Meier, log-rank, Cox, cox.zph, concordance (matching lives in matching.py)."""

from nelm.stats._validate import SurvivalDataError
from nelm.stats.cox import CoxPH
from nelm.stats.results import TestResult

__all__ = ["CoxPH", "SurvivalDataError", "TestResult"]
