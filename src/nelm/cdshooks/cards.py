"""An assessment as CDS Hooks cards: one assessment card, and one card saying what data are missing."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import quote
from uuid import uuid4

from nelm.engine.labels import STATUS_LABELS, STATUS_ORDER
from nelm.engine.result import Assessment, Option
from nelm.interop.import_report import READ_FROM, ImportReport
from nelm.knowledge.sources import SOURCES

SUMMARY_MAX = 139  # the spec: a summary of fewer than 140 characters

SHORT_NAMES = {
    "curative_resection": "liver resection",
    "resection_plus_ablation": "resection + ablation",
    "debulking": "debulking",
    "ablation": "ablation",
    "liver_transplantation": "transplant",
    "intra_arterial_therapy": "IAT",
    "primary_tumour_resection": "primary resection",
    "somatostatin_analogue": "SSA",
    "prrt": "PRRT",
    "targeted_therapy": "targeted therapy",
    "chemotherapy": "chemotherapy",
}


def is_safety_warning(rule_id: str) -> bool:
    return rule_id.startswith("SAFE-")


def build_cards(assessment: Assessment, report: ImportReport, *, patient_id: str, base_url: str,
                new_id: Callable[[], str] = lambda: str(uuid4())) -> list[dict[str, Any]]:
    source = {"label": f"nelm NELM decision support (knowledge base {assessment.knowledge_base_version})", "url": base_url}
    # The web app resolves the FHIR Patient.id to the registry patient (identifier kind "fhir"): web/routers/ehr_links.py.
    page = {"label": "Open the full tumour-board assessment in nelm", "url": f"{base_url}/fhir/Patient/{quote(patient_id, safe='')}", "type": "absolute"}
    safety = [w for w in assessment.warnings if is_safety_warning(w.rule_id)]
    cards = [{
        "uuid": new_id(),
        "summary": _summary(assessment, safety),
        "indicator": "warning" if safety else "info",
        "detail": _detail(assessment, report),
        "source": source,
        "links": [page],
    }]
    if assessment.missing:
        cards.append({
            "uuid": new_id(),
            "summary": shorten(f"nelm needs {len(assessment.missing)} more fact{'s' if len(assessment.missing) != 1 else ''} "
                               f"for a complete NELM assessment: {', '.join(_field_name(p) for p in assessment.missing)}"),
            "indicator": "info",
            "detail": _missing_detail(assessment, report),
            "source": source,
            "links": [{**page, "label": "Complete the case in nelm"}],
        })
    return cards


def _summary(assessment: Assessment, safety: list[Any]) -> str:
    derived = assessment.derived
    tumour = " ".join(x for x in (derived.get("category"), derived.get("grade") if derived.get("category") != "NEC" else None) if x) or "NEN"
    groups = []
    for status, label in (("recommended", "recommended"), ("consider", "consider")):
        names = [SHORT_NAMES.get(o.modality, o.modality) for o in assessment.options if o.status == status]
        if names:
            groups.append(f"{label}: {', '.join(names)}")
    body = "; ".join(groups) or "no option can be recommended yet"
    prefix = f"Safety: {safety[0].text.split(':')[0]}. " if safety else ""
    return shorten(f"{prefix}{tumour} liver metastases, {body}")


def shorten(text: str, limit: int = SUMMARY_MAX) -> str:
    """Cut at a word boundary and mark the cut, so the summary stays under the spec's 140 characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _detail(assessment: Assessment, report: ImportReport) -> str:
    lines: list[str] = []
    derived = assessment.derived
    facts = [f"{label}: **{_show(derived[key])}{unit}**" for key, label, unit in _DERIVED if derived.get(key) is not None]
    if facts:
        lines.append("From the EHR record: " + ", ".join(facts) + ".")
    if assessment.warnings:
        lines.append("")
        lines.append("**Warnings**")
        for warning in assessment.warnings:
            mark = "⚠️ " if is_safety_warning(warning.rule_id) else ""
            lines.append(f"- {mark}{_md(warning.text)} `{warning.rule_id}`{_sources(warning.citations)}")
    for status in STATUS_ORDER:
        options = [o for o in assessment.options if o.status == status]
        if not options:
            continue
        lines.append("")
        lines.append(f"**{STATUS_LABELS[status]}**")
        for option in options:
            lines.append(f"- **{_md(option.label)}**: {_why(option)}")
    if not report.liver_metastases:
        lines += ["", "_No liver metastasis is recorded in the EHR: nelm assesses neuroendocrine liver metastases._"]
    lines += ["", f"_Decision support for the multidisciplinary tumour board, not a decision: check every reason against its source. "
                  f"nelm engine {assessment.engine_version}, knowledge base {assessment.knowledge_base_version}._"]
    return "\n".join(lines)


_DERIVED = (("category", "category", ""), ("grade", "grade", ""), ("pattern", "pattern type", ""),
            ("lesion_count", "liver lesions", ""), ("largest_lesion_mm", "largest", " mm"), ("distribution", "distribution", ""))


def _show(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _why(option: Option) -> str:
    decisive = [r for r in option.reasons if r.decisive] or [r for r in option.reasons if r.effect in ("support", "exclude", "cap")][:1]
    if not decisive:
        return "no rule decided it"
    parts = []
    for reason in decisive[:2]:
        parts.append(f"{_md(reason.text)}{_sources(reason.citations)}")
    more = len(decisive) - 2
    return " ".join(parts) + (f" (+{more} more)" if more > 0 else "")


@lru_cache(maxsize=1024)
def _sources(citations: tuple[Any, ...]) -> str:  # cached: a few hundred citation tuples recur in every card
    names = []
    for citation in citations:
        source = SOURCES.get(citation.source)
        name = source.short if source else citation.source
        name += f", {citation.detail}" if citation.detail else ""
        if name not in names:
            names.append(name)
    return f" _({'; '.join(_md(n) for n in names)})_" if names else ""


def _missing_detail(assessment: Assessment, report: ImportReport) -> str:
    lines = ["These facts would let nelm decide the options still marked *insufficient data*:", ""]
    for path in assessment.missing:
        where = READ_FROM.get(path)
        hint = f"send {where}, or enter it in nelm" if where else "enter it in nelm (no standard FHIR element carries it)"
        lines.append(f"- `{path}`: {hint}")
    undecided = [o.label for o in assessment.options if o.status == "insufficient_data"]
    if undecided:
        lines += ["", "Undecided: " + ", ".join(undecided) + "."]
    if report.ignored:
        lines += ["", f"{len(report.ignored)} resource(s) in the record were not used (open nelm for the reasons)."]
    return "\n".join(lines)


def _field_name(path: str) -> str:
    # Liver facts are implicit in a NELM card; other groups keep their name ("extrahepatic disease present").
    return path.removeprefix("liver.").replace(".", " ").replace("_", " ")


@lru_cache(maxsize=4096)  # the same knowledge-base sentences recur in every card
def _md(text: str) -> str:
    # Text comes from nelm's own knowledge base, but keep table/emphasis characters literal.
    return text.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")
