"""`nelm assess`, `nelm schema`, `nelm rules`, `nelm protocol`: the assessment engine's door."""

from __future__ import annotations

import dataclasses
import json
import sys
from enum import StrEnum
from pathlib import Path

import orjson
import typer
from rich.console import Console
from rich.table import Table

from nelm.cli.errors import fail
from nelm.cli.render_assessment import render
from nelm.engine.evaluate import audit
from nelm.knowledge.protocol import SETTINGS
from nelm.knowledge.rulebook import RULES
from nelm.knowledge.sources import SOURCES
from nelm.services.assessment import BadInput, assess_checked, case_schema, checked_cases, read_protocol


class EvidenceMode(StrEnum):
    full = "full"
    ids = "ids"
    none = "none"


class Format(StrEnum):
    text = "text"
    json = "json"
    audit = "audit"  # statuses and missing data only, one JSON line per case: registry audits


class InfoFormat(StrEnum):
    text = "text"
    json = "json"


def register(app: typer.Typer) -> None:
    app.command("assess")(assess_command)
    app.command("schema")(schema_command)
    app.command("rules")(rules_command)
    app.command("protocol")(protocol_command)


def assess_command(
    path: Path = typer.Argument(..., help="A case .json file, a .jsonl file (one case per line) or a directory of .json cases."),
    format: Format = typer.Option(Format.text, "--format", "-f", help="text for the tumour board, json for tools, audit for statuses and missing data only (one JSON line per case, fast)."),
    protocol: Path | None = typer.Option(None, "--protocol", help="Site protocol (TOML or JSON) overriding default thresholds."),
    robustness: bool = typer.Option(True, "--robustness/--no-robustness", help="Check which statuses change near cut-offs."),
    all_reasons: bool = typer.Option(False, "--all-reasons", help="Text report: show supporting notes as well as decisive reasons."),
    evidence: EvidenceMode = typer.Option(EvidenceMode.full, "--evidence", help="JSON: full evidence per option, ids only (small batch output), or none."),
    model: Path | None = typer.Option(None, "--model", envvar="NELM_MODEL_FILE", help="Prognostic model file: add predicted 5- and 10-year survival (default: $NELM_MODEL_FILE)."),
) -> None:
    """Assess one case or a batch: every option with its status, reasons, sources and missing data."""
    try:
        site_protocol = read_protocol(protocol)
        sources = checked_cases(path)
        prognostic_model = None
        if model is not None:  # imported only when asked: the model stack (scipy, matplotlib) slows start-up
            from nelm.services.prognosis import prognosis_for_case, read_model

            prognostic_model = read_model(model)
    except BadInput as bad:
        raise fail(bad.problems) from None

    def assess_one(check, **options):
        result = assess_checked(check, site_protocol, robustness=robustness, **options)
        if prognostic_model is None:
            return result
        return dataclasses.replace(result, prognosis=prognosis_for_case(prognostic_model, check.case))

    # orjson: six times faster than json.dumps, which dominated batch runs.
    if format == Format.audit:
        write = _stdout_bytes()
        for source in sources:
            write(orjson.dumps(audit(source.check.case, site_protocol), option=orjson.OPT_NON_STR_KEYS) + b"\n")
        return
    if format == Format.json:
        many = len(sources) > 1 or path.is_dir() or path.suffix.lower() == ".jsonl"
        write = _stdout_bytes()
        option = orjson.OPT_NON_STR_KEYS | (0 if many else orjson.OPT_INDENT_2)
        for source in sources:
            write(orjson.dumps(assess_one(source.check, evidence=evidence.value).to_dict(), option=option) + b"\n")
        return
    console = Console(highlight=False)
    for source in sources:
        render(assess_one(source.check), console, all_reasons=all_reasons)


def _stdout_bytes():
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream (tests capture stdout this way)
        return lambda data: sys.stdout.write(data.decode("utf-8"))
    return buffer.write


def schema_command() -> None:
    """Print the JSON Schema of the case (version 1)."""
    typer.echo(json.dumps(case_schema(), indent=2))


def rules_command(format: InfoFormat = typer.Option(InfoFormat.text, "--format", "-f")) -> None:
    """List every rule of the knowledge base with the recommendation it encodes and its sources."""
    if format == InfoFormat.json:
        typer.echo(json.dumps([
            {"id": r.id, "modalities": [m.value for m in r.modalities], "recommendation": r.recommendation, "gating": r.gating,
             "citations": [{"source": c.source, "citation": SOURCES[c.source].label(), "detail": c.detail} for c in r.citations]}
            for r in RULES], indent=2))
        return
    table = Table(title=f"nelm knowledge base: {len(RULES)} rules", show_lines=True)
    table.add_column("Rule", style="bold", no_wrap=True)
    table.add_column("Options")
    table.add_column("Recommendation encoded")
    table.add_column("Sources")
    for r in RULES:
        table.add_row(r.id, ", ".join(m.value for m in r.modalities) or "(warning)", r.recommendation,
                      "\n".join(f"{SOURCES[c.source].label()} {c.detail}".strip() for c in r.citations))
    Console().print(table)


def protocol_command(
    protocol: Path | None = typer.Option(None, "--protocol", help="Show this site protocol instead of the default."),
    format: InfoFormat = typer.Option(InfoFormat.text, "--format", "-f"),
) -> None:
    """Show the site-configurable thresholds, their values and the source each default follows."""
    try:
        site = read_protocol(protocol)
    except BadInput as bad:
        raise fail(bad.problems) from None
    values = site.model_dump(mode="json")
    if format == InfoFormat.json:
        typer.echo(json.dumps({"name": site.name, "settings": {
            k: {"value": values[k], "source": s.source, "basis": s.basis, "alternatives": s.alternatives} for k, s in SETTINGS.items()}}, indent=2))
        return
    table = Table(title=f"Site protocol: {site.name}")
    for column in ("Setting", "Value", "Default follows", "Alternatives"):
        table.add_column(column)
    for key, setting in SETTINGS.items():
        table.add_row(key, str(values[key]), setting.basis, setting.alternatives)
    Console().print(table)
