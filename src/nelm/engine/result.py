"""What an assessment says: plain, frozen data with a stable JSON shape (the output contract)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from nelm.knowledge.rulebook import Citation
from nelm.knowledge.sources import SOURCES


@lru_cache(maxsize=None)
def citation_dict(citation: Citation) -> dict[str, str]:
    # Cached: the same few citations recur in every report. Callers must not mutate the result.
    source = SOURCES[citation.source]
    return {"source": citation.source, "short": source.short, "citation": source.label(), "detail": citation.detail}


@lru_cache(maxsize=None)
def citation_list(citations: tuple[Citation, ...]) -> list[dict[str, str]]:
    return [citation_dict(c) for c in citations]


class Reason(NamedTuple):
    # A NamedTuple for speed: every assessment makes dozens (see rulebook.Finding).
    rule_id: str
    effect: str  # exclude | support | cap | note | missing
    text: str
    citations: tuple[Citation, ...]
    decisive: bool = False
    facts: dict[str, Any] = {}
    argues_for: str | None = None  # the status this finding argues for (exclusions, supports, caps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "effect": self.effect,
            "decisive": self.decisive,
            "argues_for": self.argues_for,
            "text": self.text,
            "citations": citation_list(self.citations),
            "facts": self.facts,
        }


@dataclass(frozen=True, slots=True)
class Option:
    modality: str
    label: str
    status: str
    reasons: tuple[Reason, ...]
    missing: tuple[str, ...]
    actions: tuple[str, ...] = ()
    rules_not_fired: tuple[str, ...] = ()
    evidence: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "modality": self.modality,
            "label": self.label,
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
            "missing": list(self.missing),
            "actions": list(self.actions),
            "rules_not_fired": list(self.rules_not_fired),
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True, slots=True)
class Warning:
    rule_id: str
    text: str
    citations: tuple[Citation, ...] = ()
    field: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {"rule_id": self.rule_id, "text": self.text, "citations": [citation_dict(c) for c in self.citations]}
        if self.field:
            out["field"] = self.field
        return out


@dataclass(frozen=True, slots=True)
class StatusChange:
    modality: str
    status_now: str
    status_at: str
    at_value: float

    def to_dict(self) -> dict[str, Any]:
        return {"modality": self.modality, "status_now": self.status_now, "status_at": self.status_at, "at_value": self.at_value}


@dataclass(frozen=True, slots=True)
class RobustnessFlag:
    field: str
    value: float
    margin: float
    margin_basis: str
    cutoffs_near: tuple[float, ...]
    changes: tuple[StatusChange, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "value": self.value,
            "margin": self.margin,
            "margin_basis": self.margin_basis,
            "cutoffs_near": list(self.cutoffs_near),
            "changes": [c.to_dict() for c in self.changes],
            "robust": not self.changes,
        }


@dataclass(frozen=True, slots=True)
class Assessment:
    case_id: str | None
    engine_version: str
    knowledge_base_version: str
    protocol: dict[str, Any]
    derived: dict[str, Any]
    options: tuple[Option, ...]
    warnings: tuple[Warning, ...]
    missing: tuple[str, ...]
    robustness: tuple[RobustnessFlag, ...] = ()
    prognosis: dict[str, Any] | None = None

    def option(self, modality: str) -> Option:
        return next(o for o in self.options if o.modality == modality)

    def statuses(self) -> dict[str, str]:
        return {o.modality: o.status for o in self.options}

    def to_dict(self) -> dict[str, Any]:
        out = {
            "case_id": self.case_id,
            "engine_version": self.engine_version,
            "knowledge_base_version": self.knowledge_base_version,
            "protocol": self.protocol,
            "derived": self.derived,
            "options": [o.to_dict() for o in self.options],
            "warnings": [w.to_dict() for w in self.warnings],
            "missing": list(self.missing),
            "robustness": [r.to_dict() for r in self.robustness],
            "disclaimer": "Decision support for the multidisciplinary tumour board, not a decision: check every reason against its source.",
        }
        if self.prognosis is not None:
            out["prognosis"] = self.prognosis
        return out
