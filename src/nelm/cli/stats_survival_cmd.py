"""`nelm stats km | cox | cindex`: survival analysis of a CSV file (door over nelm.stats.survival_service)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from nelm.cli.errors import fail
from nelm.stats._validate import SurvivalDataError
from nelm.stats.survival_service import cindex_report, cox_report, km_report

FORMATS = ("json", "text")


def add_commands(stats_app: typer.Typer) -> None:
    stats_app.command("km")(km_command)
    stats_app.command("cox")(cox_command)
    stats_app.command("cindex")(cindex_command)


# ---------------------------------------------------------------------- shared
def read_csv(path: Path) -> pd.DataFrame:
    """Read DATA; leading lines starting with '#' (provenance headers) are skipped."""
    if not path.is_file():
        raise fail([f"DATA: no such file: {path}"])
    try:
        with path.open(encoding="utf-8") as handle:
            skip = 0
            for line in handle:
                if not line.startswith("#"):
                    break
                skip += 1
        return pd.read_csv(path, skiprows=skip)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise fail([f"DATA: {path} is not a readable CSV file ({str(exc).strip().splitlines()[0]})"]) from None


def _names(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _numbers(text: str | None, option: str) -> list[float]:
    try:
        return [float(part) for part in _names(text)]
    except ValueError:
        raise fail([f"{option}: expected comma-separated numbers (got '{text}')"]) from None


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise fail([f"--format must be json or text (got '{fmt}')"])


def _run(report, *args, **kwargs) -> dict:
    try:
        return report(*args, **kwargs)
    except SurvivalDataError as bad:
        raise fail(bad.problems) from None


def _emit_json(payload: dict) -> None:
    typer.echo(json.dumps(payload, indent=2, allow_nan=False))


def _f(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NA"
    return f"{value:.{digits}g}" if abs(value) < 1e-3 and value != 0 else f"{value:.{digits}f}"


def _p(value) -> str:
    return "NA" if value is None else ("<0.001" if value < 0.001 else f"{value:.3f}")


# ---------------------------------------------------------------------- km
def km_command(
    data: Path = typer.Argument(..., help="CSV file, one row per patient."),
    time: str = typer.Option(..., "--time", help="Follow-up time column (same unit throughout)."),
    event: str = typer.Option(..., "--event", help="Event column: 1 = event, 0 = censored."),
    group: str | None = typer.Option(None, "--group", help="Compare groups of this column (adds a log-rank test)."),
    conf_type: str = typer.Option("log-log", "--conf-type",
                                  help="log-log (default) | log (R survfit's default) | plain."),
    at: str | None = typer.Option(None, "--at", help="Comma-separated times for survival estimates, e.g. 365,730."),
    format: str = typer.Option("json", "--format", help="json (for tools) or text (for people)."),
) -> None:
    """Kaplan-Meier survival with Greenwood confidence limits and median survival (R survfit-exact)."""
    _check_format(format)
    table = read_csv(data)
    report = _run(km_report, table, time, event, group, conf_type, at=_numbers(at, "--at") or None)
    if format == "json":
        _emit_json(report)
        return
    console = Console(highlight=False, soft_wrap=True)
    grid = Table(title=f"Kaplan-Meier: {report['time']} / {report['event']} ({report['conf_type']} 95% CI)")
    for column in ("group", "n", "events", "median", "95% CI"):
        grid.add_column(column, justify="left" if column == "group" else "right")
    for label, entry in report["groups"].items():
        lo, hi = entry["median_ci"]
        grid.add_row(label, str(entry["n"]), str(entry["events"]), _f(entry["median"], 1), f"{_f(lo, 1)} - {_f(hi, 1)}")
    console.print(grid)
    for label, entry in report["groups"].items():
        for row in entry.get("at", []):
            console.print(f"  {label}: S({_f(row['time'], 0)}) = {_f(row['survival'])} "
                          f"[{_f(row['ci_lower'])}, {_f(row['ci_upper'])}], at risk {_f(row['n_risk'], 0)}")
    if "logrank" in report:
        lr = report["logrank"]
        console.print(f"Log-rank: chi-square {lr['chisq']:.3f} on {lr['df']} df, p = {_p(lr['p'])}")


# ---------------------------------------------------------------------- cox
def cox_command(
    data: Path = typer.Argument(..., help="CSV file, one row per patient."),
    time: str = typer.Option(..., "--time", help="Follow-up time column."),
    event: str = typer.Option(..., "--event", help="Event column: 1 = event, 0 = censored."),
    covariates: str = typer.Option(..., "--covariates", help="Comma-separated numeric covariate columns."),
    ties: str = typer.Option("efron", "--ties", help="efron (R's default) or breslow."),
    strata: str | None = typer.Option(None, "--strata", help="Column whose levels get their own baseline hazard."),
    cluster: str | None = typer.Option(None, "--cluster", help="Column of cluster ids (e.g. matched pair); implies --robust."),
    robust: bool = typer.Option(False, "--robust", help="Robust (sandwich) standard errors."),
    format: str = typer.Option("json", "--format", help="json (for tools) or text (for people)."),
) -> None:
    """Cox proportional hazards model with hazard ratios, tests, concordance and the PH test (R coxph-exact)."""
    _check_format(format)
    table = read_csv(data)
    report = _run(cox_report, table, time, event, _names(covariates), ties, strata, cluster, robust)
    if format == "json":
        _emit_json(report)
        return
    console = Console(highlight=False, soft_wrap=True)
    grid = Table(title=f"Cox model ({report['ties']} ties): n = {report['n']}, events = {report['events']}")
    se_name = "robust SE" if report["robust"] else "SE"
    for column in ("covariate", "coef", se_name, "HR", "95% CI", "p"):
        grid.add_column(column, justify="left" if column == "covariate" else "right")
    for name, c in report["coefficients"].items():
        se = c.get("robust_se", c["se"])
        grid.add_row(name, _f(c["coef"], 4), _f(se, 4), _f(c["hr"]), f"{_f(c['ci_lower'])} - {_f(c['ci_upper'])}",
                     _p(c["p"]))
    console.print(grid)
    for key, label in (("likelihood_ratio", "Likelihood ratio"), ("wald", "Wald"), ("score", "Score")):
        test = report[key]
        console.print(f"{label} test: {test['chisq']:.2f} on {test['df']} df, p = {_p(test['p'])}")
    console.print(f"Concordance: {_f(report['concordance'])} (SE {_f(report['concordance_std'])})")
    for warning in report["warnings"]:
        console.print(f"[yellow]warning:[/] {warning}")
    ph = report["proportional_hazards"]["GLOBAL"]
    console.print(f"Proportional hazards (cox.zph, km): global chi-square {ph['chisq']:.2f} on {ph['df']} df, "
                  f"p = {_p(ph['p'])}")


# ---------------------------------------------------------------------- cindex
def cindex_command(
    data: Path = typer.Argument(..., help="CSV file, one row per patient."),
    time: str = typer.Option(..., "--time", help="Follow-up time column."),
    event: str = typer.Option(..., "--event", help="Event column: 1 = event, 0 = censored."),
    score: str = typer.Option(..., "--score", help="Risk score column: higher score = higher risk."),
    tau: float | None = typer.Option(None, "--tau", help="Also report Uno's C truncated at this time."),
    format: str = typer.Option("json", "--format", help="json (for tools) or text (for people)."),
) -> None:
    """Harrell's concordance index (R concordance()-exact, ties count 1/2); Uno's C with --tau."""
    _check_format(format)
    table = read_csv(data)
    report = _run(cindex_report, table, time, event, score, tau)
    if format == "json":
        _emit_json(report)
        return
    console = Console(highlight=False, soft_wrap=True)
    console.print(f"Harrell's C of {report['score']} (higher = higher risk): {_f(report['c_index'])} "
                  f"(SE {_f(report['std'])}), n = {report['n']}, events = {report['events']}")
    if "uno" in report:
        uno = report["uno"]
        console.print(f"Uno's C up to {uno['tau']:g}: {_f(uno['c_index'])} (SE {_f(uno['std'])})")
