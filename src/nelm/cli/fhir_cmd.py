"""`nelm fhir import | export` and `nelm cds serve`: the EHR interoperability door."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from nelm.cli.errors import fail
from nelm.cli.workers import DEFAULT_WORKERS


fhir_app = typer.Typer(name="fhir", help="FHIR R4 / mCODE: import a patient bundle as a case, export an assessment.", no_args_is_help=True)
cds_app = typer.Typer(name="cds", help="CDS Hooks 2.0 service (patient-view) for EHRs.", no_args_is_help=True)


class Format(StrEnum):
    text = "text"
    json = "json"


def register(app: typer.Typer) -> None:
    app.add_typer(fhir_app)
    app.add_typer(cds_app)


@fhir_app.command("import")
def import_command(
    bundle: Path = typer.Argument(..., help="A FHIR R4 Bundle (JSON) with one patient's mCODE resources."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the case here (JSON); the report goes to the screen."),
    format: Format = typer.Option(Format.text, "--format", "-f", help="text for people, json for tools ({case, report})."),
    patient: str | None = typer.Option(None, "--patient", help="Patient id, when the bundle holds several patients."),
) -> None:
    """Map a FHIR bundle to a nelm case; report every field not filled and every resource set aside."""
    from nelm.interop.fhir_import import BadBundle, import_bundle

    data = _read_json(bundle)
    try:
        result = import_bundle(data, as_of=datetime.now(UTC).date(), as_of_source="today (the bundle carries no date)", patient_id=patient,
                               conformance=True)
    except BadBundle as bad:
        raise fail([f"{bundle.name}: {problem}" for problem in bad.problems]) from None
    if out is not None:
        _write_json(out, result.case)
    if format == Format.json:
        payload: dict[str, Any] = {"report": result.report.to_dict()} if out is not None else result.to_dict()
        if out is not None:
            payload["case_file"] = str(out)
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
        return
    console = Console(highlight=False)
    if out is None:
        console.print_json(json.dumps(result.case, ensure_ascii=False))
    else:
        console.print(f"Case written to [bold]{out}[/]")
    _render_report(result, console)


@fhir_app.command("export")
def export_command(
    case: Path = typer.Argument(..., help="A nelm case (JSON), or a FHIR Bundle that is imported first."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the GuidanceResponse here instead of the screen."),
    protocol: Path | None = typer.Option(None, "--protocol", help="Site protocol (TOML or JSON) overriding default thresholds."),
    patient: str | None = typer.Option(None, "--patient", help="FHIR Patient id for GuidanceResponse.subject."),
) -> None:
    """Assess a case and write the result as a FHIR R4 GuidanceResponse (options as RequestGroup actions)."""
    from nelm.case.validation import check_case_data
    from nelm.interop.fhir_export import guidance_response
    from nelm.interop.fhir_import import BadBundle, import_bundle
    from nelm.services.assessment import BadInput, assess_checked, read_protocol

    data = _read_json(case)
    patient_id = patient
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        try:
            data = import_bundle(data, as_of=datetime.now(UTC).date(), patient_id=patient).case
        except BadBundle as bad:
            raise fail([f"{case.name}: {problem}" for problem in bad.problems]) from None
        patient_id = patient or data.get("id")  # the case id of an imported bundle is the FHIR Patient id
    check = check_case_data(data)
    if not check.ok:
        raise fail([f"{case.name}: {problem}" for problem in check.errors])
    try:
        site_protocol = read_protocol(protocol)
    except BadInput as bad:
        raise fail(bad.problems) from None
    assessment = assess_checked(check, site_protocol, robustness=False, evidence=False)
    resource = guidance_response(assessment, patient_id=patient_id, issued=datetime.now(UTC).replace(microsecond=0))
    if out is not None:
        _write_json(out, resource)
        typer.echo(f"GuidanceResponse written to {out}")
    else:
        typer.echo(json.dumps(resource, indent=2, ensure_ascii=False))


@cds_app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (loopback by default)."),
    port: int = typer.Option(8010, "--port", min=1, max=65535, help="TCP port."),
    db: str | None = typer.Option(None, "--db", help="Registry database URL or SQLite path where card feedback is kept "
                                                    "(default: NELM_DATABASE_URL, else ./nelm.sqlite; as `nelm serve`)."),
    workers: int = typer.Option(DEFAULT_WORKERS, "--workers", min=1, max=64,
                                help="Worker processes (default: one per CPU core, at most 4). Feedback is shared through the database; "
                                     "on Linux each worker has its own socket, so connections spread evenly."),
) -> None:
    """Serve the CDS Hooks endpoints (GET /cds-services, POST /cds-services/nelm-patient-view, feedback)."""
    import uvicorn
    from pydantic import ValidationError

    from nelm.cdshooks.app import create_app, prepare_process
    from nelm.cdshooks.settings import CdsSettings
    from nelm.services.assessment import BadInput
    from nelm.services.registry import open_registry

    try:
        settings = CdsSettings()  # a broken trusted-client setting stops here, not in every worker
    except ValidationError as exc:
        raise fail([f"{'.'.join(map(str, e['loc'])) or 'settings'}: {str(e['msg']).removeprefix('Value error, ')}" for e in exc.errors()]) from None
    label = "--db" if db else "NELM_DATABASE_URL" if settings.database_url else "database"
    # Create and migrate the database once, here, before any worker starts: workers would otherwise race to migrate it.
    try:
        registry = open_registry(db or settings.database_url)
    except BadInput as exc:  # one line each (open_registry joins multi-line driver messages, hides passwords)
        raise fail([f"{label}: {problem}" for problem in exc.problems]) from None
    url = registry.engine.url
    typer.echo(f"nelm CDS Hooks service on http://{host}:{port}/cds-services (card links to {settings.base}; "
               f"feedback in {url.render_as_string(hide_password=True)})")
    if workers == 1:
        app = create_app(settings, registry=registry)  # the app disposes of the registry when the server stops
        prepare_process()
        uvicorn.run(app, host=host, port=port, log_level="warning")
        return
    registry.dispose()
    # Worker processes build their own app from the environment (create_service_app): hand them the same database.
    os.environ["NELM_DATABASE_URL"] = url.render_as_string(hide_password=False)
    from nelm.cdshooks import serve

    if not serve.balanced_workers_available():
        uvicorn.run(serve.APP, factory=True, host=host, port=port, workers=workers, log_level="warning")
        return
    try:
        serve.check_port(host, port)
    except OSError as exc:
        raise fail(f"--host {host} --port {port}: cannot listen there ({exc.strerror or exc})") from None
    serve.run_workers(host, port, workers)  # each worker its own socket: connections spread evenly (serve.py)


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"{path}: cannot be read ({exc})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(f"{path.name}: not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def _write_json(path: Path, data: Any) -> None:
    """Write whole or not at all: a temporary file in the same directory, then an atomic rename."""
    directory = path.resolve().parent
    if not directory.is_dir():
        raise fail(f"--out {path}: directory {directory} does not exist")
    handle, temp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=2, ensure_ascii=False)
            stream.write("\n")
        os.replace(temp, path)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise fail(f"--out {path}: cannot be written ({exc.strerror})") from None


def _render_report(result: Any, console: Console) -> None:
    report = result.report
    console.print(f"Age computed on {report.reference_date or '(no date)'} ({report.reference_date_source or 'no date available'}).")
    for note in report.notes:
        console.print(f"note: {note}")
    filled = Table(title=f"Filled from FHIR ({len(report.filled)})", show_lines=False)
    for column in ("Field", "Value", "From"):
        filled.add_column(column, overflow="fold")
    for item in report.filled:
        filled.add_row(item.field, json.dumps(item.value, ensure_ascii=False), item.source + (f" [dim]({item.note})[/]" if item.note else ""))
    console.print(filled)
    unfilled = Table(title=f"Not filled ({len(report.unfilled)})")
    unfilled.add_column("Field")
    unfilled.add_column("Why", overflow="fold")
    for item in report.unfilled:
        unfilled.add_row(item.field, item.reason)
    console.print(unfilled)
    console.print(_resource_table(f"Resources set aside ({len(report.ignored)})", "Why", report.ignored))
    if report.not_conformant:
        console.print(_resource_table(f"Read, but not valid FHIR R4B as a whole ({len(report.not_conformant)}): the elements nelm used are valid",
                                      "What fhir.resources refused", report.not_conformant))


def _resource_table(title: str, why: str, items: list[Any]) -> Table:
    table = Table(title=title)
    table.add_column("Resource")
    table.add_column(why, overflow="fold")
    for item in items:
        table.add_row(item.resource, item.reason)
    return table
