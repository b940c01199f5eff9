"""Evaluate every rule once, then combine the findings into one status per option.

Combination, per option (CPG style: applicable = inclusion and not exclusion):
1. any exclusion -> contraindicated if any exclusion says so, else not_recommended;
2. else a gating rule that lacked a fact -> insufficient_data;
3. else the best indication (recommended > consider), capped at consider by any cap;
4. else not_recommended: no indication was met.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

import nelm.knowledge.rules  # noqa: F401 - registers the rules
from nelm import __version__
from nelm.case.model import Case
from nelm.engine.facts import Facts
from nelm.engine.labels import MODALITY_LABELS
from nelm.engine.result import Assessment, Option, Reason, Warning
from nelm.knowledge import KNOWLEDGE_BASE_VERSION
from nelm.knowledge.protocol import DEFAULT_PROTOCOL, Protocol
from nelm.knowledge.rulebook import RULES, Citation, Effect, Finding, Missing, Modality, Rule, Status, cite

ENGINE_VERSION = __version__
_RULES_BY_MODALITY: dict[Modality, list[Rule]] = {m: [r for r in RULES if m in r.modalities] for m in Modality}
_WARNING_RULES = [r for r in RULES if not r.modalities]
_EFFECT_ORDER = {Effect.exclude: 0, "missing": 1, Effect.support: 2, Effect.cap: 3, Effect.note: 4}
_NO_INDICATION = (cite("chan2018"),)

EvidenceLookup = Callable[[str], Iterable[dict[str, Any]]]


def evaluate_rules(facts: Facts) -> dict[str, tuple[list[Finding], tuple[str, ...]]]:
    """Every rule's findings, or the facts it lacked. (Rule.evaluate inlined: this loop is the hot path.)"""
    outcomes: dict[str, tuple[list[Finding], tuple[str, ...]]] = {}
    for rule in RULES:
        try:
            result = rule.check(facts)
        except Missing as missing:
            outcomes[rule.id] = ([], missing.paths)
            continue
        findings = [] if result is None else [result] if isinstance(result, Finding) else list(result)
        outcomes[rule.id] = (findings, ())
    return outcomes


_DECISIVE_EFFECTS = {
    Status.contraindicated: frozenset({"exclude"}),
    Status.not_recommended: frozenset({"exclude"}),
    Status.insufficient_data: frozenset({"missing"}),
    Status.consider: frozenset({"support", "cap"}),
    Status.recommended: frozenset({"support"}),
}
_EXCLUDED = frozenset({Status.contraindicated, Status.not_recommended})


_EXCLUDE, _SUPPORT, _CAP = Effect.exclude, Effect.support, Effect.cap
_CONTRAINDICATED, _RECOMMENDED = Status.contraindicated, Status.recommended


def combine(modality: Modality, outcomes: dict[str, tuple[list[Finding], tuple[str, ...]]]) -> tuple[Status, list[Reason], tuple[str, ...], tuple[str, ...]]:
    """Status, reasons (decisive first), missing fields and rules that did not fire, for one option."""
    status = status_of(modality, outcomes)
    decides = _DECISIVE_EFFECTS[status]
    reasons: list[Reason] = []
    missing: list[str] = []
    not_fired: list[str] = []
    for rule in _RULES_BY_MODALITY[modality]:
        findings, lacked = outcomes[rule.id]
        if lacked:
            missing.extend(p for p in lacked if p not in missing)
            reasons.append(Reason(rule.id, "missing", _missing_text(rule, lacked), rule.citations, rule.gating and "missing" in decides, {"missing": lacked}))
        elif not findings:
            not_fired.append(rule.id)
        else:
            for f in findings:
                reasons.append(Reason(rule.id, f.effect, f.text, f.citations or rule.citations, f.effect in decides, f.facts, f.status))
    if status is Status.not_recommended and not any(r.effect is _EXCLUDE for r in reasons):
        reasons.append(Reason("ENGINE-NO-INDICATION", _EXCLUDE, "No indication for this option was met by the case.", _NO_INDICATION, True, {}, status))
    reasons.sort(key=_reason_order)
    if status in _EXCLUDED:
        missing = []  # an exclusion already decides: nothing more is needed for this option
    return status, reasons, tuple(missing), tuple(not_fired)


_MISSING_TEXTS: dict[tuple[str, tuple[str, ...]], str] = {}


def _missing_text(rule: Rule, lacked: tuple[str, ...]) -> str:
    # Keyed by rule id: hashing the whole frozen Rule on every call showed in the hook's profile.
    key = (rule.id, lacked)
    text = _MISSING_TEXTS.get(key)
    if text is None:
        if len(_MISSING_TEXTS) > 4096:
            _MISSING_TEXTS.clear()
        what = "needed" if rule.gating else "would check"
        text = _MISSING_TEXTS[key] = f"{what} {', '.join(lacked)}: {rule.recommendation}"
    return text


def _reason_order(reason: Reason) -> tuple[bool, int]:
    return (not reason.decisive, _EFFECT_ORDER.get(reason.effect, 9))




def status_of(modality: Modality, outcomes: dict[str, tuple[list[Finding], tuple[str, ...]]]) -> Status:
    """The combination rule (module docstring), in one place; also the fast path for robustness and audits."""
    excluded = gating_missing = capped = False
    best: Status | None = None
    for rule in _RULES_BY_MODALITY[modality]:
        findings, lacked = outcomes[rule.id]
        if lacked:
            gating_missing = gating_missing or rule.gating
            continue
        for finding in findings:
            effect = finding[0]
            if effect is _EXCLUDE:
                if finding[2] is _CONTRAINDICATED:
                    return _CONTRAINDICATED
                excluded = True
            elif effect is _SUPPORT:
                if best is not _RECOMMENDED:
                    best = finding[2]
            elif effect is _CAP:
                capped = True
    if excluded:
        return Status.not_recommended
    if gating_missing:
        return Status.insufficient_data
    if best is None:
        return Status.not_recommended
    return _RECOMMENDED if best is _RECOMMENDED and not capped else Status.consider


def statuses(case: Case, protocol: Protocol = DEFAULT_PROTOCOL) -> dict[str, str]:
    """Only the status of each option: what robustness checks compare."""
    outcomes = evaluate_rules(Facts(case, protocol))
    return {m: status_of(m, outcomes) for m in Modality}


def audit(case: Case, protocol: Protocol = DEFAULT_PROTOCOL) -> dict[str, Any]:
    """Statuses and the data still needed, without reasons: the registry-audit fast path."""
    outcomes = evaluate_rules(Facts(case, protocol))
    found = {m: status_of(m, outcomes) for m in Modality}
    missing: dict[str, None] = {}
    for modality, status in found.items():
        if status not in _EXCLUDED:
            for rule in _RULES_BY_MODALITY[modality]:
                missing.update(dict.fromkeys(outcomes[rule.id][1]))
    return {"case_id": case.id, "statuses": found, "missing": list(missing)}


def derived_values(facts: Facts) -> dict[str, Any]:
    return {
        "grade": facts.grade,
        "category": facts.category,
        "grading_basis": facts.grading.basis,
        "pattern": facts.pattern,
        "lesion_count": facts.lesion_count,
        "largest_lesion_mm": facts.largest_lesion_mm,
        "distribution": facts.distribution,
        "flr_threshold_percent": facts.flr_minimum_percent,
        "flr_adequate": facts.flr_adequate,
        "primary_portal_drained": facts.portal_drained,
        "extra_abdominal_disease": facts.extra_abdominal,
    }


def assess(
    case: Case,
    protocol: Protocol = DEFAULT_PROTOCOL,
    *,
    input_warnings: Iterable[Warning] = (),
    evidence: EvidenceLookup | None = None,
    robustness: bool = True,
) -> Assessment:
    facts = Facts(case, protocol)
    outcomes = evaluate_rules(facts)
    options = []
    all_missing: list[str] = []
    for modality in Modality:
        status, reasons, missing, not_fired = combine(modality, outcomes)
        actions = () if status in _EXCLUDED else tuple(sorted({str(r.facts["action"]) for r in reasons if "action" in r.facts}))
        options.append(Option(modality, MODALITY_LABELS[modality], status, tuple(reasons), missing, actions, not_fired,
                              tuple(evidence(modality)) if evidence else ()))
        all_missing.extend(p for p in missing if p not in all_missing)

    warnings = list(input_warnings)
    for rule in _WARNING_RULES:
        findings, _ = outcomes[rule.id]
        warnings.extend(Warning(rule.id, f.text, f.citations or rule.citations) for f in findings)

    flags = ()
    if robustness:
        from nelm.engine.robustness import robustness_flags  # robustness re-runs this module's evaluation

        flags = robustness_flags(case, protocol, {o.modality: o.status for o in options})
    return Assessment(
        case_id=case.id,
        engine_version=ENGINE_VERSION,
        knowledge_base_version=KNOWLEDGE_BASE_VERSION,
        protocol=protocol_summary(protocol),
        derived=derived_values(facts),
        options=tuple(options),
        warnings=tuple(warnings),
        missing=tuple(all_missing),
        robustness=flags,
    )


@lru_cache(maxsize=64)
def protocol_summary(protocol: Protocol) -> dict[str, Any]:
    # Cached per protocol (frozen, hashable): a batch shares one. Callers must not mutate the result.
    changed = {k: v for k, v in protocol.model_dump(mode="json").items() if k != "name" and getattr(DEFAULT_PROTOCOL, k) != getattr(protocol, k)}
    return {"name": protocol.name, "overrides": changed}


def input_warning(path: str, message: str) -> Warning:
    return Warning("CASE-CONSISTENCY", f"{path}: {message}", (Citation("who2019"),) if path.startswith("pathology") else (), path)
