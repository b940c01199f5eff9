"""How a rule is written down: id, the recommendation it encodes, its sources, and a small pure check.

A check reads facts and returns findings (or None when the rule does not fire). When a fact it needs is
absent it calls `facts.need(...)`, which raises `Missing`; the engine turns that into "insufficient data"
(or, for non-gating rules, into a note), so no rule ever assumes a default for a decisive fact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple


class Modality(StrEnum):
    curative_resection = "curative_resection"
    resection_plus_ablation = "resection_plus_ablation"
    debulking = "debulking"
    ablation = "ablation"
    liver_transplantation = "liver_transplantation"
    intra_arterial_therapy = "intra_arterial_therapy"
    primary_tumour_resection = "primary_tumour_resection"
    somatostatin_analogue = "somatostatin_analogue"
    prrt = "prrt"
    targeted_therapy = "targeted_therapy"
    chemotherapy = "chemotherapy"


SURGICAL = (
    Modality.curative_resection,
    Modality.resection_plus_ablation,
    Modality.debulking,
    Modality.liver_transplantation,
)


class Status(StrEnum):
    recommended = "recommended"
    consider = "consider"
    not_recommended = "not_recommended"
    contraindicated = "contraindicated"
    insufficient_data = "insufficient_data"


class Effect(StrEnum):
    exclude = "exclude"  # rules the option out (contraindicated or not_recommended)
    support = "support"  # an indication (recommended or consider)
    cap = "cap"  # limits the option to "consider" at best
    note = "note"  # information the board should see; changes nothing
    warning = "warning"  # a safety warning shown at the top of the report


@dataclass(frozen=True)
class Citation:
    source: str  # id in knowledge.sources
    detail: str = ""  # evidence grade or locator, e.g. "[IV,B]" or "Table 1"


def cite(source: str, detail: str = "") -> Citation:
    return Citation(source, detail)


class Finding(NamedTuple):
    # A NamedTuple, not a frozen dataclass: rules create tens of thousands per second in batch audits.
    effect: Effect
    text: str
    status: Status | None = None
    citations: tuple[Citation, ...] = ()
    facts: dict[str, Any] = {}


class Missing(Exception):
    def __init__(self, paths: Sequence[str]):
        self.paths = tuple(paths)
        super().__init__(", ".join(self.paths))


def exclude(status: Status, text: str, *cites: Citation, **facts: Any) -> Finding:
    return Finding(Effect.exclude, text, status, cites, facts)


def support(status: Status, text: str, *cites: Citation, **facts: Any) -> Finding:
    return Finding(Effect.support, text, status, cites, facts)


def cap(text: str, *cites: Citation, **facts: Any) -> Finding:
    return Finding(Effect.cap, text, Status.consider, cites, facts)


def note(text: str, *cites: Citation, **facts: Any) -> Finding:
    return Finding(Effect.note, text, None, cites, facts)


def warning(text: str, *cites: Citation, **facts: Any) -> Finding:
    return Finding(Effect.warning, text, None, cites, facts)


Check = Callable[[Any], "Finding | Sequence[Finding] | None"]


@dataclass(frozen=True)
class Rule:
    id: str
    recommendation: str  # the statement of the source this rule encodes
    modalities: tuple[Modality, ...]  # empty for case-level warnings
    citations: tuple[Citation, ...]
    check: Check
    gating: bool = True  # a missing fact makes the option "insufficient data" (else only noted)
    # A finding without citations of its own carries the rule's (the engine fills them in).


RULES: list[Rule] = []


def rule(
    id: str,
    *,
    modalities: Sequence[Modality] = (),
    recommendation: str,
    cites: Sequence[Citation],
    gating: bool = True,
) -> Callable[[Check], Check]:
    """Register a check as a rule of the knowledge base."""

    def register(check: Check) -> Check:
        if any(existing.id == id for existing in RULES):
            raise ValueError(f"duplicate rule id {id}")
        RULES.append(Rule(id, recommendation, tuple(modalities), tuple(cites), check, gating))
        return check

    return register
