"""`nelm db init`, `nelm registry import|export`, `nelm demo-data`, `nelm analyze ...`: the registry's door.

Thin: every use case lives in nelm.services.registry / analyses / demo_data. Output files are written to a
temporary name and renamed, so a failure never leaves a half-written file.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from nelm.cli.errors import fail
from nelm.services.assessment import BadInput

_stderr = Console(stderr=True, highlight=False)

db_app = typer.Typer(help="Registry database: create or upgrade the schema.", no_args_is_help=True)
registry_app = typer.Typer(help="Patient registry: import and export records.", no_args_is_help=True)
analyze_app = typer.Typer(help="Outcomes analyses over the registry (JSON or self-contained HTML).", no_args_is_help=True)

DB_HELP = "Database URL (sqlite:///file.sqlite, postgresql+psycopg://...) or a SQLite file path; default NELM_DATABASE_URL, else ./nelm.sqlite."


class ReportFormat(StrEnum):
    json = "json"
    html = "html"


class RecordFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(registry_app, name="registry")
    app.command("demo-data")(demo_data_command)
    app.add_typer(analyze_app, name="analyze")


# ----------------------------------------------------------------------------- helpers
@contextmanager
def _progress_bars(*tasks: tuple[str, int | None]) -> Iterator[list[Callable[[int], None]]]:
    """Rich progress bars on stderr, one per task (only on a terminal: logs and pipes stay clean)."""
    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=_stderr, transient=True, disable=not _stderr.is_terminal) as progress:
        ids = [progress.add_task(description, total=total) for description, total in tasks]
        yield [lambda n, task=task: progress.advance(task, n) for task in ids]


@contextmanager
def _progress(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    with _progress_bars((description, total)) as (advance,):
        yield advance


@contextmanager
def _atomic_output(out: Path | None) -> Iterator[TextIO]:
    if out is None:
        yield sys.stdout
        return
    directory = out.resolve().parent
    if not directory.is_dir():
        raise BadInput([f"--out {out}: directory {directory} does not exist"])
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            yield stream
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the user's usual permissions
        os.replace(tmp, out)
    except BaseException:
        os.unlink(tmp)
        raise


def _open(db: str | None):
    from nelm.services.registry import open_registry

    return open_registry(db)


def _emit_report(envelope: dict[str, Any], fmt: ReportFormat, out: Path | None) -> None:
    from nelm.services.analyses import render_html

    text = render_html(envelope) if fmt == ReportFormat.html else json.dumps(envelope, ensure_ascii=False, indent=1) + "\n"
    with _atomic_output(out) as stream:
        stream.write(text)
    if out is not None:
        _stderr.print(f"wrote {fmt.value.upper()} report to {out}")
    if envelope["synthetic"]["banner"] and out is not None:
        _stderr.print(f"[bold yellow]{envelope['synthetic']['banner']}[/]")


# ----------------------------------------------------------------------------- db / registry
@db_app.command("init")
def db_init_command(db: str | None = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """Create the registry database (or bring its schema up to date)."""
    from nelm.services.registry import init_database

    try:
        info = init_database(db)
    except BadInput as bad:
        raise fail(bad.problems) from None
    what = "created" if info["created"] else ("upgraded" if info["revision_before"] != info["revision"] else "already up to date")
    typer.echo(f"registry {info['url']}: {what} (schema revision {info['revision']})")


@registry_app.command("import")
def import_command(
    path: Path = typer.Argument(..., help="A .jsonl file (one patient with full history per line) or a .csv file (one patient per row)."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    actor: str | None = typer.Option(None, "--actor", help="Who is importing (audit log); default the OS user."),
) -> None:
    """Import patients: every row is validated; any invalid row means nothing is written."""
    from nelm.services.registry import ImportRejected, import_rows, read_import_file

    try:
        rows = read_import_file(path)
        registry = _open(db)
        try:
            with _progress_bars(("validating", len(rows)), ("writing", len(rows))) as (checked, written):
                summary = import_rows(registry, rows, actor=actor, validate_progress=checked, write_progress=written)
        finally:
            registry.dispose()
    except ImportRejected as rejected:
        problems = rejected.problems + [f"{rejected.bad_rows} of {rejected.total_rows} rows are invalid; nothing was imported"]
        raise fail(problems) from None
    except BadInput as bad:
        raise fail(bad.problems) from None
    info = summary.to_dict()
    typer.echo(f"imported {info['patients']} patients ({info['synthetic_patients']} synthetic) in {info['seconds']} s: "
               + ", ".join(f"{k} {v}" for k, v in info["rows"].items()))


@registry_app.command("export")
def export_command(
    out: Path | None = typer.Option(None, "--out", "-o", help="Output file (.jsonl or .csv); default standard output."),
    deidentified: bool = typer.Option(False, "--deidentified", help="No direct identifiers, dates shifted per patient, ages over 89 as 90+."),
    format: RecordFormat | None = typer.Option(None, "--format", help="jsonl (full histories) or csv (one row per patient); default from --out, else jsonl."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Export every patient (full histories as JSON lines, or one CSV row per patient)."""
    from nelm.services.registry import export_records, write_records

    fmt = format or (RecordFormat.csv if out is not None and out.suffix.lower() == ".csv" else RecordFormat.jsonl)
    try:
        registry = _open(db)
        try:
            with _atomic_output(out) as stream:
                n = write_records(export_records(registry, deidentified=deidentified), stream, fmt.value)
        finally:
            registry.dispose()
    except BadInput as bad:
        raise fail(bad.problems) from None
    if out is not None:
        _stderr.print(f"exported {n} patients{' (de-identified)' if deidentified else ''} to {out}")


def demo_data_command(
    patients: int = typer.Option(..., "--patients", min=1, help="How many synthetic patients."),
    seed: int = typer.Option(..., "--seed", help="Random seed: the same seed gives the same cohort."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the cohort to a .jsonl or .csv file instead of a database."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    actor: str | None = typer.Option(None, "--actor", help="Who is writing (audit log); default the OS user."),
) -> None:
    """Generate a synthetic cohort (flagged synthetic everywhere) whose outcomes follow the clinical brief's figures."""
    from nelm.services.demo_data import SYNTHETIC_BANNER, generate_cohort
    from nelm.services.registry import ImportRejected, import_records, write_records

    if out is not None and db is not None:
        raise fail(["give --out FILE or --db URL, not both"])
    if out is not None and out.suffix.lower() not in {".jsonl", ".csv"}:
        raise fail([f"--out {out}: expected a .jsonl or .csv file"])
    with _progress("generating synthetic patients", patients) as advance:
        records = generate_cohort(patients, seed, progress=advance)
    try:
        if out is not None:
            with _atomic_output(out) as stream:
                write_records(records, stream, "csv" if out.suffix.lower() == ".csv" else "jsonl")
            typer.echo(f"wrote {patients} synthetic patients to {out}")
        else:
            registry = _open(db)
            try:
                with _progress("writing", patients) as advance:
                    summary = import_records(registry, records, actor=actor, write_progress=advance)
            finally:
                registry.dispose()
            typer.echo(f"imported {summary.patients} synthetic patients into {registry.engine.url.render_as_string(hide_password=True)}")
    except ImportRejected as rejected:
        raise fail(rejected.problems[:20] + [f"{rejected.bad_rows} rows rejected; nothing was written (another seed, or another database?)"]) from None
    except BadInput as bad:
        raise fail(bad.problems) from None
    _stderr.print(f"[bold yellow]{SYNTHETIC_BANNER}[/]")


# ----------------------------------------------------------------------------- analyze
FORMAT_OPTION = typer.Option(ReportFormat.json, "--format", "-f", help="json, or html: a self-contained report with figures.")
OUT_OPTION = typer.Option(None, "--out", "-o", help="Output file; default standard output.")


def _run(analysis: Callable[..., dict[str, Any]], db: str | None, fmt: ReportFormat, out: Path | None, label: str, **kwargs: Any) -> None:
    try:
        registry = _open(db)
        try:
            with _progress(label, None):
                envelope = analysis(registry, **kwargs)
            _emit_report(envelope, fmt, out)
        finally:
            registry.dispose()
    except BadInput as bad:
        raise fail(bad.problems) from None


@analyze_app.command("survival")
def survival_command(
    endpoint: str = typer.Option("os", "--endpoint", help="os (overall survival) or pfs (progression-free survival)."),
    by: str = typer.Option("modality", "--by", help="Group by: modality (first treatment), intent, primary_site, symptomatic, ..."),
    format: ReportFormat = FORMAT_OPTION,
    out: Path | None = OUT_OPTION,
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Kaplan-Meier by group: numbers at risk, medians, 5- and 10-year estimates, log-rank test."""
    from nelm.services.analyses import survival

    _run(survival, db, format, out, "survival analysis", endpoint=endpoint, by=by)


@analyze_app.command("compare")
def compare_command(
    treatment: str = typer.Option("curative_resection", "--treatment", help="First treatment of the treated group (modality id)."),
    control: str = typer.Option("intra_arterial_therapy", "--control", help="First treatment of the control group (modality id)."),
    match: str | None = typer.Option(None, "--match", help="Comma-separated matching covariates; default age_years,ki67_percent,tumour_burden_percent,symptomatic,extrahepatic_disease,primary_pancreas."),
    endpoint: str = typer.Option("os", "--endpoint", help="os or pfs."),
    caliper: float = typer.Option(0.2, "--caliper", help="Caliper in SD of the logit propensity score (0 = none)."),
    format: ReportFormat = FORMAT_OPTION,
    out: Path | None = OUT_OPTION,
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Propensity-matched comparison as in Mayo et al.: balance, matched KM, Cox HR (robust SE), subgroups."""
    from nelm.services.analyses import compare

    covariates = [c.strip() for c in match.split(",") if c.strip()] if match else None
    _run(compare, db, format, out, "matched comparison", treatment=treatment, control=control, covariates=covariates,
         endpoint=endpoint, caliper=caliper)


@analyze_app.command("recurrence")
def recurrence_command(
    modality: str = typer.Option("curative_resection", "--modality", help="First treatment whose recurrences are analysed."),
    format: ReportFormat = FORMAT_OPTION,
    out: Path | None = OUT_OPTION,
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Recurrence after curative resection: early (within 3 years) vs late, and what follows each (Zhang et al.)."""
    from nelm.services.analyses import recurrence

    _run(recurrence, db, format, out, "recurrence analysis", modality=modality)


@analyze_app.command("concordance")
def concordance_command(
    format: ReportFormat = FORMAT_OPTION,
    out: Path | None = OUT_OPTION,
    protocol: Path | None = typer.Option(None, "--protocol", help="Site protocol (TOML or JSON) to re-assess with."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Re-assess each tumour-board decision's case with the current engine: how often was the choice recommended or consider?"""
    from nelm.services.analyses import concordance_audit, decision_count
    from nelm.services.assessment import read_protocol

    try:
        site_protocol = read_protocol(protocol)
        registry = _open(db)
        try:
            with _progress("re-assessing decisions", decision_count(registry)) as advance:
                envelope = concordance_audit(registry, progress=advance, protocol=site_protocol)
            _emit_report(envelope, format, out)
        finally:
            registry.dispose()
    except BadInput as bad:
        raise fail(bad.problems) from None
