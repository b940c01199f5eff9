"""`nelm meta pool|leave-one-out DATA.csv`: metafor-compatible meta-analysis of published series."""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from nelm.cli.errors import fail
from nelm.meta.reader import MetaInputError
from nelm.meta.report import leave_one_out_json, notes_for, pool_json, scale_of
from nelm.meta.service import check_exponentiate, check_method, leave_one_out_csv, pool_csv

meta_app = typer.Typer(help="Meta-analysis of published series (agrees with R metafor 3.8).", no_args_is_help=True)
_FIGURE_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}

DATA_HELP = "CSV with columns study,events,n (PR, PLO, PAS, PFT) or study,yi,vi (GEN). Rows are counted from the first data row."
MEASURE_HELP = "PR (raw), PLO (logit), PAS (arcsine), PFT (Freeman-Tukey), GEN (yi, vi as given)."
METHOD_HELP = "tau² estimator: DL, REML, PM, ML, or FE (common effect)."


def register(app: typer.Typer) -> None:
    app.add_typer(meta_app, name="meta")


@meta_app.command("pool")
def pool_command(
    data: Path = typer.Argument(..., help=DATA_HELP, show_default=False),
    measure: str = typer.Option(..., "--measure", help=MEASURE_HELP, show_default=False),
    method: str = typer.Option("REML", "--method", help=METHOD_HELP),
    hk: bool = typer.Option(False, "--hk", help="Knapp-Hartung adjustment: t(k-1) CI and prediction interval."),
    output_format: str = typer.Option("text", "--format", help="text or json."),
    forest: Path | None = typer.Option(None, "--forest", help="Also draw a forest plot to this .png, .svg or .pdf file."),
    title: str | None = typer.Option(None, "--title", help="Title of the forest plot."),
    exponentiate: bool = typer.Option(False, "--exp", help="GEN only: report exp(yi), e.g. hazard ratios from log hazard ratios."),
) -> None:
    """Pool studies: estimate, 95 % CI, 95 % prediction interval, Q, I², H², tau²."""
    fmt = _check_common(output_format, forest, method, measure, exponentiate)
    text = _read_text(data)
    try:
        result = pool_csv(text, measure, method, hk=hk, exponentiate=exponentiate)
    except MetaInputError as problem:
        raise fail([f"{data}: {p}" for p in problem.problems]) from None
    figure = _render_forest(result, forest, title) if forest else None  # rendered before anything is written
    if fmt == "json":
        typer.echo(json.dumps(pool_json(result), indent=2, allow_nan=False))
    else:
        _print_pool(result)
    if figure is not None:
        _write_atomically(forest, figure)


@meta_app.command("leave-one-out")
def leave_one_out_command(
    data: Path = typer.Argument(..., help=DATA_HELP, show_default=False),
    measure: str = typer.Option(..., "--measure", help=MEASURE_HELP, show_default=False),
    method: str = typer.Option("REML", "--method", help=METHOD_HELP),
    hk: bool = typer.Option(False, "--hk", help="Knapp-Hartung adjustment: t(k-1) CI and prediction interval."),
    output_format: str = typer.Option("text", "--format", help="text or json."),
    exponentiate: bool = typer.Option(False, "--exp", help="GEN only: report exp(yi)."),
) -> None:
    """Refit without each study in turn (sensitivity analysis)."""
    fmt = _check_common(output_format, None, method, measure, exponentiate)
    text = _read_text(data)
    try:
        full, rows = leave_one_out_csv(text, measure, method, hk=hk, exponentiate=exponentiate)
    except MetaInputError as problem:
        raise fail([f"{data}: {p}" for p in problem.problems]) from None
    if fmt == "json":
        typer.echo(json.dumps(leave_one_out_json(full, rows), indent=2, allow_nan=False))
        return
    table = Table(title=f"Leave-one-out: {full.measure}, {full.method}{' + Knapp-Hartung' if full.hk else ''}", title_justify="left")
    for col in ("Omitted", "Estimate", "95 % CI", "95 % PI", "tau²", "I² %", "Q", "p(Q)"):
        table.add_column(col, justify="left" if col == "Omitted" else "right", no_wrap=col == "Omitted")
    for label, r in [("(none)", full), *[(row.omitted, row.result) for row in rows]]:
        table.add_row(escape(label), _g(r.estimate), f"{_g(r.ci_lower)} to {_g(r.ci_upper)}", f"{_g(r.pi_lower)} to {_g(r.pi_upper)}", _g(r.tau2), f"{r.i2_percent:.1f}", f"{r.q:.2f}", _p(r.q_pvalue))
    Console(highlight=False).print(table)


def _check_common(output_format: str, forest: Path | None, method: str, measure: str, exponentiate: bool) -> str:
    problems = []
    fmt = output_format.lower()
    if fmt not in ("text", "json"):
        problems.append(f"--format {output_format!r} must be text or json")
    if forest is not None and forest.suffix.lower() not in _FIGURE_FORMATS:
        problems.append(f"--forest {forest}: the file name must end in .png, .svg or .pdf")
    if forest is not None and not forest.resolve().parent.is_dir():
        problems.append(f"--forest {forest}: directory {forest.resolve().parent} does not exist")
    for check in (lambda: check_method(method), lambda: check_exponentiate(measure, exponentiate)):
        try:
            check()
        except MetaInputError as problem:
            problems += problem.problems
    if problems:
        raise fail(problems)
    return fmt


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail(f"{path}: file not found") from None
    except IsADirectoryError:
        raise fail(f"{path}: is a directory, not a CSV file") from None
    except UnicodeDecodeError:
        raise fail(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise fail(f"{path}: cannot read ({exc.strerror})") from None


def _render_forest(result, path: Path, title: str | None) -> bytes:
    from nelm.meta.forest import forest_figure  # matplotlib only when a plot is asked for

    buffer = io.BytesIO()
    forest_figure(result, title=title).savefig(buffer, format=_FIGURE_FORMATS[path.suffix.lower()], dpi=300)
    return buffer.getvalue()


def _write_atomically(path: Path, content: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.resolve().parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _print_pool(r) -> None:
    console = Console(highlight=False)
    proportion = scale_of(r) == "proportion"
    table = Table(title=f"{r.measure} · {r.method}{' + Knapp-Hartung' if r.hk else ''} · k = {r.k}", title_justify="left")
    for col in ("Study", "Events / n" if proportion else "yi", "Estimate", "95 % CI", "Weight %"):
        table.add_column(col, justify="left" if col == "Study" else "right", no_wrap=col == "Study")
    for s in r.studies:
        table.add_row(escape(s.study), f"{s.events} / {s.n}" if proportion else _g(s.yi), _g(s.estimate), f"{_g(s.ci_lower)} to {_g(s.ci_upper)}", f"{s.weight_percent:.1f}")
    console.print(table)
    console.print(f"Pooled estimate ({scale_of(r)}): {_g(r.estimate)}  95 % CI {_g(r.ci_lower)} to {_g(r.ci_upper)}")
    console.print(f"95 % prediction interval: {_g(r.pi_lower)} to {_g(r.pi_upper)}")
    console.print(f"Heterogeneity: tau² = {_g(r.tau2)} (tau = {_g(r.tau)}), I² = {r.i2_percent:.1f} %, H² = {r.h2:.2f}, Q = {r.q:.2f} (df = {r.q_df}), p = {_p(r.q_pvalue)}")
    for note in notes_for(r):
        console.print(f"[dim]note: {escape(note)}[/]")


def _g(x: float) -> str:
    return f"{x:.4g}"


def _p(p: float) -> str:
    return "< 0.0001" if p < 1e-4 else f"{p:.4f}"
