"""What every door (CLI, web) calls: CSV text in, pooled result out. Pure: no files, no printing."""

from __future__ import annotations

from nelm.meta.leave_one_out import LeaveOneOut, leave_one_out
from nelm.meta.pool import PoolResult, pool
from nelm.meta.reader import MetaInputError, parse_meta_csv
from nelm.meta.tau2 import METHODS, Tau2NotEstimable


def check_method(method: str) -> str:
    m = method.upper()
    if m not in METHODS:
        raise MetaInputError([f"--method {method!r} is not one of {', '.join(METHODS)}"])
    return m


def check_exponentiate(measure: str, exponentiate: bool) -> None:
    if exponentiate and measure.upper() != "GEN":
        raise MetaInputError([f"--exp applies to --measure GEN (log ratios) only, not to {measure.upper()}"])


def pool_csv(text: str, measure: str, method: str, *, hk: bool = False, exponentiate: bool = False) -> PoolResult:
    method = check_method(method)
    check_exponentiate(measure, exponentiate)
    data = parse_meta_csv(text, measure)
    try:
        return pool(data.effects(), method, hk=hk, studies=data.studies, exponentiate=exponentiate)
    except Tau2NotEstimable as exc:
        raise MetaInputError([f"{method}: {exc}"]) from None


def leave_one_out_csv(text: str, measure: str, method: str, *, hk: bool = False, exponentiate: bool = False) -> tuple[PoolResult, list[LeaveOneOut]]:
    method = check_method(method)
    check_exponentiate(measure, exponentiate)
    data = parse_meta_csv(text, measure, min_studies=3)
    effects = data.effects()
    try:
        full = pool(effects, method, hk=hk, studies=data.studies, exponentiate=exponentiate)
        return full, leave_one_out(effects, method, hk=hk, studies=data.studies, exponentiate=exponentiate)
    except Tau2NotEstimable as exc:
        raise MetaInputError([f"{method}: {exc}"]) from None
