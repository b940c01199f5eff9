"""Jinja2 environment for the pages: labels, status styles and formatting helpers shared by every template."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from nelm import __version__
from nelm.engine.labels import MODALITY_LABELS, STATUS_LABELS, STATUS_ORDER
from nelm.web.case_form import LABELS, NONE_CHOICE, choice_label
from nelm.web.labels import short_label
from nelm.web.security import CSRF_FIELD, CSRF_HEADER

TEMPLATES = Path(__file__).with_name("templates")
STATIC_DIR = Path(__file__).with_name("static")
HTMX_FILE = "htmx-2.0.4.min.js"

# Colour is never the only cue: each status also has its word and a symbol.
STATUS_SYMBOLS = {"recommended": "✔", "consider": "◐", "insufficient_data": "?", "not_recommended": "✕", "contraindicated": "⊘"}
STATUS_HINTS = {
    "recommended": "Indication met, no exclusion",
    "consider": "Indication met with reservations: discuss",
    "insufficient_data": "A fact the decision needs is missing",
    "not_recommended": "An exclusion applies, or no indication was met",
    "contraindicated": "Must not be done",
}


def fmt_date(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d %b %Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d %b %Y")
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value).strftime("%d %b %Y")
        except ValueError:
            return value
    return "" if value is None else str(value)


def fmt_number(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}".rstrip("0").rstrip(".") if not value.is_integer() else f"{int(value)}"
    return str(value)


def fmt_percent(value: Any, digits: int = 0) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f} %"


def modality_label(value: str | None) -> str:
    return MODALITY_LABELS.get(value or "", (value or "").replace("_", " "))


@lru_cache(maxsize=512)
def field_label(path: str) -> str:
    """Human name of a case field path, with the section for nested fields ('Liver metastases: Future liver remnant')."""
    label = LABELS.get(path)
    if label is None:
        return path
    head = path.split(".", 1)[0]
    return f"{LABELS[head]}: {label}" if "." in path and head in LABELS and not label.lower().startswith(head.split("_")[0]) else label


@lru_cache(maxsize=16)
def pill(status: str) -> Markup:
    """Status badge: colour class, symbol AND word (a Python helper, not a macro: it appears dozens of times per page)."""
    return Markup('<span class="pill s-{0}"><span aria-hidden="true">{1}</span>{2}</span>').format(
        status, STATUS_SYMBOLS.get(status, ""), STATUS_LABELS.get(status, status))


_CITE = Markup('<a class="cite" href="#src-{0}" title="{1}">{2}</a>')


def citations(cites: list[dict[str, str]]) -> Markup:
    """Source links of a reason; cached per distinct citation list (the engine reuses a few dozen)."""
    return _citations(tuple((c["source"], c.get("citation", ""), c.get("short", c["source"]), c.get("detail", "")) for c in cites))


@lru_cache(maxsize=2048)
def _citations(cites: tuple[tuple[str, str, str, str], ...]) -> Markup:
    return Markup("").join(_CITE.format(source, full, f"{short} · {detail}" if detail else short) for source, full, short, detail in cites)


@lru_cache(maxsize=1)
def what_if_options() -> Markup:
    """The <option>s of the "what if" input list: the same on every assessment page, so built once."""
    from nelm.web.assessment_view import what_if_fields

    return Markup("").join(Markup('<option value="{}">{}</option>').format(f.path, field_label(f.path)) for f in what_if_fields())


def build_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env = templates.env
    env.auto_reload = False  # templates ship with the package: no stat() of every template on every render
    evidence_cache: dict[str, Markup] = {}

    def evidence_table(modality: str, evidence: list[dict[str, Any]]) -> Markup:
        # The published evidence of an option is the same for every case: render its table once per process.
        if modality not in evidence_cache:
            evidence_cache[modality] = Markup(env.get_template("partials/evidence_table.html").render(modality=modality, evidence=evidence))
        return evidence_cache[modality]

    env.globals.update(
        MODALITY_LABELS=MODALITY_LABELS, STATUS_LABELS=STATUS_LABELS, STATUS_ORDER=STATUS_ORDER, STATUS_SYMBOLS=STATUS_SYMBOLS,
        STATUS_HINTS=STATUS_HINTS, NONE_CHOICE=NONE_CHOICE, CSRF_FIELD=CSRF_FIELD, CSRF_HEADER=CSRF_HEADER, HTMX_FILE=HTMX_FILE,
        nelm_version=__version__, field_label=field_label, evidence_table=evidence_table,
        what_if_options=what_if_options, pill=pill, citations=citations, choice_label=choice_label, modality_label=modality_label,
    )
    env.filters.update(date=fmt_date, num=fmt_number, pct=fmt_percent, modality=modality_label,
                       status=lambda s: STATUS_LABELS.get(s, s), short=short_label, choice=choice_label)
    return templates


def page(request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200, headers: dict[str, str] | None = None):
    """Render a template with what every page needs: the user, the CSRF token, the settings."""
    state = request.scope["state"]
    base = {"user": state.get("nelm_user"), "csrf_token": state["nelm_session"].csrf, "demo": request.app.state.settings.demo,
            "path": request.url.path}
    return request.app.state.templates.TemplateResponse(request, name, base | (context or {}), status_code=status_code, headers=headers)
