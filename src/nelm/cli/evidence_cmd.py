"""`nelm evidence list|show MODALITY`: what each option has achieved in the series the review cites."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from nelm.cli.errors import fail
from nelm.evidence import MODALITIES, EvidenceItem, evidence_for

evidence_app = typer.Typer(help="Published evidence per treatment modality (review Tables 1-2, text, clinical brief).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(evidence_app, name="evidence")


@evidence_app.command("list")
def list_command(output_format: str = typer.Option("text", "--format", help="text or json.")) -> None:
    """Every modality id with how many evidence items it has and its pooled summary, if any."""
    fmt = _format(output_format)
    rows = []
    for modality in MODALITIES:
        items = evidence_for(modality)
        pooled = [i for i in items if i.pooled is not None]
        rows.append({"modality": modality, "items": len(items), "pooled": [f"{p.outcome}: {p.value_text}" for p in pooled]})
    if fmt == "json":
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(title="Evidence base", title_justify="left")
    table.add_column("Modality")
    table.add_column("Items", justify="right")
    table.add_column("Pooled summary")
    for row in rows:
        table.add_row(row["modality"], str(row["items"]), escape("\n".join(row["pooled"])) or "-")
    Console(highlight=False).print(table)


@evidence_app.command("show")
def show_command(
    modality: str = typer.Argument(..., help=f"One of: {', '.join(MODALITIES)}.", show_default=False),
    output_format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """The evidence for one modality, each figure with its source and where in it."""
    fmt = _format(output_format)
    if modality not in MODALITIES:
        raise fail(f"unknown modality {modality!r}; known: {', '.join(MODALITIES)}")
    items = evidence_for(modality)
    if fmt == "json":
        typer.echo(json.dumps([item.model_dump(mode="json") for item in items], indent=2, ensure_ascii=False))
        return
    console = Console(highlight=False)
    console.print(f"[bold]Evidence: {modality}[/] ({len(items)} items)")
    for item in items:
        console.print()
        _print_item(console, item)


def _print_item(console: Console, item: EvidenceItem) -> None:
    head = [item.citation, item.design] + ([item.period] if item.period else []) + ([f"n = {item.n}"] if item.n is not None else [])
    console.print("[bold]" + escape(head[0]) + "[/] · " + escape(" · ".join(head[1:])))
    console.print(f"  {escape(_outcome(item))}: {escape(_result(item))}")
    if item.pooled is not None:
        p = item.pooled
        console.print(
            f"  pooled ({p.measure}, {p.method}{', Knapp-Hartung' if p.hk else ''}, k = {p.k}): "
            f"tau² = {p.tau2:.3g}, I² = {p.i2_percent:.1f} %, Q = {p.q:.2f} (p = {p.q_pvalue:.2g})"
        )
    if item.events is not None:
        console.print(f"  events: {item.events} ({item.events_basis})")
    console.print(f"  [dim]source: {escape(item.locator)}[/]")
    if item.note:
        console.print(f"  [dim]note: {escape(item.note)}[/]")


def _outcome(item: EvidenceItem) -> str:
    return item.outcome + (f" ({item.population})" if item.population else "")


def _result(item: EvidenceItem) -> str:
    text = item.value_text
    if item.comparator and item.comparator_value_text and item.comparator_value_text not in text:
        text += f"; vs {item.comparator}: {item.comparator_value_text}"
    elif item.comparator:
        text += f" (vs {item.comparator})"
    if item.p_value_text and item.p_value_text not in text:
        text += f"; P {item.p_value_text}" if item.p_value_text[0] in "<0123456789" else f"; P {item.p_value_text.lower()}"
    return text



def _format(output_format: str) -> str:
    fmt = output_format.lower()
    if fmt not in ("text", "json"):
        raise fail(f"--format {output_format!r} must be text or json")
    return fmt
