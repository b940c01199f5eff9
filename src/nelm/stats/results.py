"""Small result objects shared by the survival estimators."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from scipy.special import chdtrc  # chi-square upper tail, as scipy.stats.chi2.sf computes it


@dataclass(frozen=True)
class TestResult:
    """A chi-square hypothesis test (log-rank, Wald, likelihood ratio, score, PH test)."""

    name: str
    statistic: float
    df: int
    p_value: float

    @classmethod
    def chi2(cls, name: str, statistic: float, df: int) -> "TestResult":
        return cls(name, float(statistic), int(df), float(chdtrc(df, statistic)))

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"statistic": [self.statistic], "df": [self.df], "p": [self.p_value]}, index=[self.name])

    def as_dict(self) -> dict:
        return {"chisq": self.statistic, "df": self.df, "p": self.p_value}
