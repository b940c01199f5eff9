"""The tumour-board text report: grouped by status, short, every reason with its source."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from nelm.engine.labels import STATUS_LABELS, STATUS_ORDER
from nelm.engine.result import Assessment, Option, Reason
from nelm.knowledge.sources import SOURCES

STATUS_STYLE = {
    "recommended": "bold green",
    "consider": "bold cyan",
    "insufficient_data": "bold yellow",
    "not_recommended": "bold magenta",
    "contraindicated": "bold red",
}
STATUS_MARK = {"recommended": "[+]", "consider": "[?]", "insufficient_data": "[…]", "not_recommended": "[-]", "contraindicated": "[x]"}


def short_source(reason: Reason) -> str:
    parts = []
    for c in reason.citations:
        parts.append(f"{SOURCES[c.source].short} {c.detail}".strip())
    return "; ".join(parts)


def _option_block(option: Option, *, all_reasons: bool) -> Group:
    head = Text.assemble((f"{STATUS_MARK[option.status]} ", STATUS_STYLE[option.status]), (option.label, "bold"))
    lines = [head]
    shown = [r for r in option.reasons if r.decisive or (all_reasons and r.effect in {"cap", "note", "support", "missing"})]
    for reason in shown:
        line = Text("    • ")
        if reason.effect == "missing":  # the board needs the facts; the rule's full wording is in the JSON
            line.append("to check " + reason.rule_id + ": needs " + ", ".join(reason.facts["missing"]), style="yellow")
            line.append(f"  [{short_source(reason)}]", style="dim")
        else:
            line.append(reason.text)
            line.append(f"  [{reason.rule_id}; {short_source(reason)}]", style="dim")
        lines.append(line)
    for action in option.actions:
        lines.append(Text(f"    → action: {action.replace('_', ' ')}", style="italic"))
    if option.missing and option.status != "insufficient_data":
        lines.append(Text(f"    would also check: {', '.join(option.missing)}", style="yellow"))
    return Group(*lines)


def render(assessment: Assessment, console: Console, *, all_reasons: bool = False) -> None:
    d = assessment.derived
    summary = Table.grid(padding=(0, 2))
    summary.add_row("Grade", f"{d['category'] or '?'} {d['grade'] or '?'}  ({d['grading_basis']})")
    summary.add_row("Pattern", f"type {d['pattern']}" if d["pattern"] else "not stated (II vs III is the radiologist's reading)")
    flr = "unknown parenchyma" if d["flr_threshold_percent"] is None else f"{d['flr_threshold_percent']:g} %"
    summary.add_row("FLR threshold", f"{flr}; adequate: {_yes_no(d['flr_adequate'])}")
    summary.add_row("Lesions", f"{d['lesion_count'] if d['lesion_count'] is not None else '?'}, largest {_mm(d['largest_lesion_mm'])}, {d['distribution'] or 'distribution ?'}")
    summary.add_row("Protocol", _protocol_line(assessment))
    console.print(Panel(summary, title=f"NELM tumour-board assessment: case {assessment.case_id or '(no id)'}", title_align="left"))

    if assessment.warnings:
        console.print(Text("Warnings", style="bold red"))
        for w in assessment.warnings:
            cites = "; ".join(f"{SOURCES[c.source].short} {c.detail}".strip() for c in w.citations)
            console.print(Text.assemble("  ! ", (w.text, "red"), (f"  [{w.rule_id}{'; ' + cites if cites else ''}]", "dim")))
        console.print()

    for status in STATUS_ORDER:
        group = [o for o in assessment.options if o.status == status]
        if not group:
            continue
        console.print(Text(f"{STATUS_LABELS[status]} ({len(group)})", style=STATUS_STYLE[status] + " underline"))
        for option in group:
            console.print(_option_block(option, all_reasons=all_reasons))
        console.print()

    changes = [flag for flag in assessment.robustness if flag.changes]
    steady = [flag for flag in assessment.robustness if not flag.changes]
    if changes or steady:
        console.print(Text("Near a cut-off", style="bold"))
        for flag in changes:
            moved = ", ".join(f"{c.modality} {c.status_now}→{c.status_at} at {c.at_value:g}" for c in flag.changes)
            console.print(f"  {flag.field} = {flag.value:g} (±{flag.margin:g}; cut-off {', '.join(f'{c:g}' for c in flag.cutoffs_near)}): {moved}")
        for flag in steady:
            console.print(f"  {flag.field} = {flag.value:g} is within ±{flag.margin:g} of {', '.join(f'{c:g}' for c in flag.cutoffs_near)}: no status changes", style="dim")
        console.print()
    if assessment.missing:
        console.print(Text("Missing data: ", style="bold yellow") + Text(", ".join(assessment.missing)))
    if assessment.prognosis:
        _render_prognosis(assessment.prognosis, console)
    console.print(Text("Decision support for the MDT, not a decision: check each reason against its source. "
                       f"Engine {assessment.engine_version}, knowledge base {assessment.knowledge_base_version}.", style="dim"))


def _render_prognosis(prognosis: dict, console: Console) -> None:
    demonstration = prognosis.get("demonstration_only", False)
    banner = Text(" DEMONSTRATION ONLY - not for clinical use ", style="bold white on red")
    console.print(Text("Prognostic model", style="bold"))
    if demonstration:
        console.print(banner)
    console.print(Text(f"  {prognosis.get('model_name', 'model')}: {prognosis.get('intended_use', '')}", style="italic"))
    for point in prognosis.get("predictions", []):
        ci = ("no CI" if point.get("ci_lower") is None
              else f"95 % CI {point['ci_lower']:.1%}-{point['ci_upper']:.1%}")
        extra = " (extrapolated)" if point.get("extrapolated") else ""
        console.print(Text(f"  survival at {point['time']:g} months{extra}: {point['survival']:.1%} ({ci})"))
    for warning in prognosis.get("warnings", []):
        console.print(Text(f"  {warning}", style="yellow"))
    if demonstration:
        console.print(banner)
    console.print()


def _protocol_line(assessment: Assessment) -> str:
    protocol = assessment.protocol
    if not protocol["overrides"]:
        return protocol["name"]
    return f"{protocol['name']} (overrides: {', '.join(f'{k}={v}' for k, v in protocol['overrides'].items())})"


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def _mm(value: float | None) -> str:
    return "?" if value is None else f"{value:g} mm"
