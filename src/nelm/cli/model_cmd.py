"""`nelm model fit | predict | validate | nomogram`: prognostic models (Cox), their validation and nomogram."""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from nelm.cli.errors import fail
from nelm.prognosis.covariate_spec import RUZZENENTE_VARIABLES
from nelm.prognosis.nomogram_plot import DEMO_BANNER
from nelm.services.assessment import BadInput, checked_cases
from nelm.services.prognosis import (
    DEFAULT_TIMES,
    calibration_plot_to_file,
    check_figure_path,
    coefficient_table,
    fit_from_table,
    nomogram_to_file,
    parse_times,
    predict_for_case,
    read_model,
    read_table,
    validate_on_table,
    write_json,
)

model_app = typer.Typer(help="Prognostic models: fit (Cox), predict for a case, validate, draw a nomogram.",
                        no_args_is_help=True)
_out = Console(highlight=False)
_err = Console(stderr=True, highlight=False)
DEFAULT_TIMES_TEXT = ",".join(f"{t:g}" for t in DEFAULT_TIMES)
COVARIATES_HELP = ("Covariates, comma-separated, each name[:transform]: linear (default), log, rcs (4 knots), "
                   "rcs3..rcs7, rcs=k1,k2,k3, cat, cat=REFERENCE. Default: the Ruzzenente variables "
                   + ",".join(RUZZENENTE_VARIABLES) + ".")


def register(app: typer.Typer) -> None:
    app.add_typer(model_app, name="model")


def _bad(problems) -> typer.Exit:
    return fail(problems)


@model_app.command("fit")
def fit_command(
    data: Path = typer.Argument(..., help="CSV, one patient per row (lines starting with # are comments).", show_default=False),
    time: str = typer.Option(..., "--time", help="Column with follow-up time in months.", show_default=False),
    event: str = typer.Option(..., "--event", help="Column with 1 = death (event), 0 = censored.", show_default=False),
    covariates: list[str] = typer.Option(None, "--covariates", help=COVARIATES_HELP, show_default=False),
    out: Path = typer.Option(..., "--out", help="Model file to write (JSON).", show_default=False),
    intended_use: str | None = typer.Option(None, "--intended-use", help='e.g. "demonstration only: fit on synthetic data".'),
    name: str | None = typer.Option(None, "--name", help="Model name (default: from the data file name)."),
    baseline_times: str = typer.Option(",".join(str(t) for t in range(12, 121, 12)), "--baseline-times",
                                       help="Months at which the model file states baseline survival."),
    period: str | None = typer.Option(None, "--period", help="Calendar period of the patients, e.g. 2000-2015."),
    centre: str | None = typer.Option(None, "--centre", help="Centre(s) the data come from."),
    citation: str | None = typer.Option(None, "--citation", help="Publication describing the model or cohort."),
    output_format: str = typer.Option("text", "--format", help="text or json (the summary printed)."),
) -> None:
    """Fit a Cox model and write it as a model file (coefficients, centring, baseline survival, covariance)."""
    fmt = _format(output_format)
    try:
        times = parse_times(baseline_times, "--baseline-times")
        frame = read_table(data)
        use = intended_use or f"research use: fit on {data.name}; not validated for clinical use"
        result = fit_from_table(frame, time=time, event=event, covariates=covariates, name=name or f"Cox model ({data.stem})",
                                intended_use=use, baseline_times=times, period=period, centre=centre,
                                citation=citation, source_label=str(data))
        write_json(result.model.to_json_dict(), out)
    except BadInput as bad:
        raise _bad(bad.problems) from None
    model = result.model
    summary = {"model_name": model.name, "file": str(out), "intended_use": model.intended_use,
               "demonstration_only": model.is_demonstration, "n": model.fit_data.n, "events": model.fit_data.events,
               "coefficients": coefficient_table(result), "concordance": result.cox.concordance_.c_index,
               "warnings": result.warnings}
    if fmt == "json":
        typer.echo(json.dumps(summary, indent=2))
        return
    _banner(model.is_demonstration)
    table = Table(title=f"{escape(model.name)}: {model.fit_data.n} patients, {model.fit_data.events} deaths")
    for column in ("term", "coef", "HR", "95 % CI", "p"):
        table.add_column(column, justify="left" if column == "term" else "right")
    for row in summary["coefficients"]:
        table.add_row(escape(row["term"]), f"{row['coef']:.4f}", f"{row['hr']:.3f}",
                      f"{row['ci_lower']:.3f}-{row['ci_upper']:.3f}", f"{row['p']:.3g}")
    _out.print(table)
    _out.print(f"Harrell's C (apparent): {summary['concordance']:.3f}. Intended use: {escape(model.intended_use)}")
    for warning in result.warnings:
        _out.print(f"[yellow]warning:[/] {escape(warning)}")
    _out.print(f"Model written to {escape(str(out))}")


@model_app.command("predict")
def predict_command(
    model_file: Path = typer.Argument(..., help="Model file (JSON).", show_default=False),
    case_file: Path = typer.Argument(..., help="A v1 case (JSON).", show_default=False),
    times: str = typer.Option(DEFAULT_TIMES_TEXT, "--times", help="Months, comma-separated."),
    output_format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Survival at each time with a 95 % CI (R survfit, log CI) and the linear predictor, for one case."""
    fmt = _format(output_format)
    try:
        wanted = parse_times(times)
        model = read_model(model_file)
        sources = checked_cases(case_file)
        if len(sources) != 1:
            raise BadInput([f"{case_file}: give one case, found {len(sources)}"])
        result = predict_for_case(model, sources[0].check.case, wanted)
    except BadInput as bad:
        raise _bad(bad.problems) from None
    if fmt == "json":
        typer.echo(json.dumps(result, indent=2))
        return
    _banner(result["demonstration_only"])
    _out.print(Text(result["model_name"], style="bold"))
    _out.print(f"Intended use: {escape(result['intended_use'])}", style="italic")
    _out.print(f"Linear predictor: {result['linear_predictor']:.4f}")
    table = Table()
    for column in ("time (months)", "survival", "95 % CI"):
        table.add_column(column, justify="right")
    for p in result["predictions"]:
        ci = "not available" if p["ci_lower"] is None else f"{p['ci_lower']:.1%}-{p['ci_upper']:.1%}"
        table.add_row(f"{p['time']:g}" + (" (extrapolated)" if p["extrapolated"] else ""), f"{p['survival']:.1%}", ci)
    _out.print(table)
    for warning in result["warnings"]:
        _out.print(f"[yellow]warning:[/] {escape(warning)}")
    _banner(result["demonstration_only"])


@model_app.command("validate")
def validate_command(
    model_file: Path = typer.Argument(..., help="Model file (JSON).", show_default=False),
    data: Path = typer.Argument(..., help="CSV with the model's covariates, follow-up time and event.", show_default=False),
    times: str = typer.Option(DEFAULT_TIMES_TEXT, "--times", help="Months, comma-separated."),
    bootstrap: int = typer.Option(0, "--bootstrap", min=0, help="Bootstrap resamples for optimism correction (rms validate), e.g. 200."),
    seed: int | None = typer.Option(None, "--seed", help="Seed of the bootstrap resamples (reproducible runs)."),
    plot: Path | None = typer.Option(None, "--plot", help="Calibration plot to this .png, .svg or .pdf file."),
    time: str | None = typer.Option(None, "--time", help="Time column (default: the one the model was fit with)."),
    event: str | None = typer.Option(None, "--event", help="Event column (default: the one the model was fit with)."),
    tau: float | None = typer.Option(None, "--tau", help="Truncation time of Uno's C (default: the largest time)."),
    groups: int | None = typer.Option(None, "--groups", min=2, help="Calibration groups (default: about 50 patients each, 3-10)."),
    output_format: str = typer.Option("json", "--format", help="json or text."),
) -> None:
    """Discrimination and calibration of a model on a data set; with --bootstrap, optimism-corrected C and slope."""
    fmt = _format(output_format)
    try:
        wanted = parse_times(times)
        if plot is not None:
            check_figure_path(plot)
        model = read_model(model_file)
        frame = read_table(data)
        with _progress(bootstrap) as advance:
            result = validate_on_table(model, frame, times=wanted, time=time, event=event, tau=tau, groups=groups,
                                       bootstrap=bootstrap, seed=seed, source_label=str(data), progress=advance)
        if plot is not None:
            calibration_plot_to_file(model, result, plot)
    except BadInput as bad:
        raise _bad(bad.problems) from None
    if fmt == "json":
        typer.echo(json.dumps(_json_safe(result), indent=2, allow_nan=False))
        return
    _print_validation(result)


@model_app.command("nomogram")
def nomogram_command(
    model_file: Path = typer.Argument(..., help="Model file (JSON).", show_default=False),
    out: Path = typer.Option(..., "--out", help="Nomogram file: .png, .svg or .pdf.", show_default=False),
    times: str = typer.Option(DEFAULT_TIMES_TEXT, "--times", help="Survival axes at these months."),
) -> None:
    """Draw a points nomogram (one axis per covariate, total points, predicted 5- and 10-year survival)."""
    try:
        wanted = parse_times(times)
        model = read_model(model_file)
        nomogram_to_file(model, out, wanted)
    except BadInput as bad:
        raise _bad(bad.problems) from None
    _banner(model.is_demonstration)
    _out.print(f"Nomogram of {escape(model.name)} written to {escape(str(out))}")


# ---------------------------------------------------------------------- helpers
def _format(value: str) -> str:
    value = value.lower()
    if value not in ("text", "json"):
        raise _bad([f"--format: {value!r} is not text or json"])
    return value


def _banner(demonstration: bool) -> None:
    if demonstration:
        _out.print(Text(f" {DEMO_BANNER} ", style="bold white on red"))


class _progress:
    """Rich progress bar on stderr for bootstrap runs; a no-op callback when there is nothing to show."""

    def __init__(self, total: int):
        self.total = total
        self.bar = None

    def __enter__(self):
        if self.total <= 0:
            return None
        self.bar = Progress(TextColumn("bootstrap"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            TimeRemainingColumn(), console=_err, transient=True)
        self.bar.__enter__()
        task = self.bar.add_task("bootstrap", total=self.total)
        return lambda done: self.bar.update(task, completed=done)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False


def _json_safe(value):
    if isinstance(value, float):
        return None if not math.isfinite(value) else value
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        return _json_safe(value.item())
    return value


def _print_validation(result: dict) -> None:
    _banner(result["demonstration_only"])
    _out.print(Text(f"{result['model_name']} on {result['data']}: {result['n']} patients, {result['events']} deaths",
                    style="bold"))
    _out.print(f"Intended use: {escape(result['intended_use'])}", style="italic")
    c = result["c_index"]
    uno = "n/a" if c["uno"] is None else f"{c['uno']:.3f}"
    _out.print(f"Harrell's C {c['harrell']:.3f} (SE {c['harrell_se']:.3f}); Uno's C at {c['uno_tau']:g} months {uno}")
    s = result["calibration_slope"]
    if s["estimate"] is not None:
        _out.print(f"Calibration slope {s['estimate']:.3f} (95 % CI {s['ci_lower']:.3f}-{s['ci_upper']:.3f})")
    table = Table()
    for column in ("time", "observed risk", "expected risk", "O/E", "Brier", "scaled Brier", "ICI"):
        table.add_column(column, justify="right")
    for oe, brier, cal in zip(result["observed_expected"], result["brier_score"], result["calibration"]):
        if "ratio" not in oe:
            table.add_row(f"{oe['time']:g}", "not estimable", "", "", "", "", "")
            continue
        smooth = cal["smoothed"]
        table.add_row(f"{oe['time']:g}", f"{oe['observed_risk']:.3f}", f"{oe['expected_risk']:.3f}",
                      f"{oe['ratio']:.2f}" if oe["ratio"] is not None else "n/a", f"{brier['brier']:.3f}",
                      f"{brier['scaled']:.3f}" if brier["scaled"] is not None else "n/a",
                      f"{smooth['ici']:.3f}" if smooth.get("available") else "n/a")
    _out.print(table)
    if "bootstrap" in result:
        b = result["bootstrap"]
        _out.print(f"Bootstrap ({b['successful']}/{b['resamples']} resamples): optimism-corrected C "
                   f"{b['c_index']['corrected']:.3f} (apparent {b['c_index']['apparent']:.3f}), corrected slope "
                   f"{b['calibration_slope']['corrected']:.3f}")
    for warning in result["warnings"]:
        _out.print(f"[yellow]warning:[/] {escape(warning)}")
