"""Guideline concordance of tumour-board decisions: each decision's case is re-assessed with the current engine;
a decision is concordant when the chosen option is now 'recommended' or 'consider'."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from nelm.case.validation import check_case_data
from nelm.engine.evaluate import statuses
from nelm.knowledge.protocol import DEFAULT_PROTOCOL, Protocol

CONCORDANT = frozenset({"recommended", "consider"})


@dataclass(frozen=True)
class DecisionRow:
    pseudonym: str
    synthetic: bool
    decided_on: str
    chosen_option: str
    reason: str | None
    case: dict[str, Any] | None
    assessment: dict[str, Any] | None
    engine_version: str | None
    knowledge_base_version: str | None


def _shown_status(assessment: dict[str, Any] | None, option: str) -> str | None:
    for item in (assessment or {}).get("options") or []:
        if isinstance(item, dict) and item.get("modality") == option:
            return item.get("status")
    return None


def concordance(decisions: Iterable[DecisionRow], *, protocol: Protocol = DEFAULT_PROTOCOL,
                progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    from nelm.engine import ENGINE_VERSION
    from nelm.knowledge import KNOWLEDGE_BASE_VERSION

    total = concordant = 0
    by_option: dict[str, Counter] = {}
    discordant, not_assessable = [], []
    status_counts: Counter = Counter()
    changed_since = 0
    for i, d in enumerate(decisions, start=1):
        if progress and i % 200 == 0:
            progress(200)
        if d.case is None:
            not_assessable.append({"patient": d.pseudonym, "date": d.decided_on, "problems": ["no case snapshot linked to the decision"]})
            continue
        check = check_case_data(d.case)
        if not check.ok:
            not_assessable.append({"patient": d.pseudonym, "date": d.decided_on, "problems": [str(p) for p in check.errors]})
            continue
        now = statuses(check.case, protocol)
        status = str(now[d.chosen_option])
        total += 1
        status_counts[status] += 1
        counter = by_option.setdefault(d.chosen_option, Counter())
        counter["decisions"] += 1
        shown = _shown_status(d.assessment, d.chosen_option)
        if shown is not None and shown != status:
            changed_since += 1
        if status in CONCORDANT:
            concordant += 1
            counter["concordant"] += 1
            continue
        discordant.append({
            "patient": d.pseudonym, "synthetic": d.synthetic, "date": d.decided_on, "chosen_option": d.chosen_option,
            "status_now": status, "status_shown": shown,
            "recommended_now": sorted(m for m, s in now.items() if str(s) == "recommended"),
            "consider_now": sorted(m for m, s in now.items() if str(s) == "consider"),
            "reason_given": d.reason, "engine_version_then": d.engine_version, "knowledge_base_version_then": d.knowledge_base_version,
        })
    if progress and total % 200:
        progress(total % 200)
    return {
        "engine_version": ENGINE_VERSION,
        "knowledge_base_version": KNOWLEDGE_BASE_VERSION,
        "protocol": protocol.name,
        "decisions_assessed": total,
        "concordant": concordant,
        "concordant_share": round(concordant / total, 4) if total else None,
        "status_of_chosen_option": dict(sorted(status_counts.items())),
        "by_chosen_option": {k: {"decisions": v["decisions"], "concordant": v["concordant"],
                                 "concordant_share": round(v["concordant"] / v["decisions"], 4)} for k, v in sorted(by_option.items())},
        "status_changed_since_decision": changed_since,
        "discordant": discordant,
        "discordant_with_reason": sum(1 for d in discordant if d["reason_given"]),
        "not_assessable": not_assessable,
        "definition": "concordant: the chosen option's status under the current engine is recommended or consider",
    }
