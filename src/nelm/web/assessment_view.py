"""Shapes an assessment for the pages and the PDF: options grouped by status, every cited source listed once,
"what if" comparisons. Pure: dicts in, dicts out."""

from __future__ import annotations

import copy
from typing import Any

from nelm.case.validation import check_case_data
from nelm.engine.evaluate import statuses
from nelm.engine.labels import STATUS_ORDER
from nelm.knowledge.protocol import Protocol
from nelm.web.case_form import FieldSpec, _number, all_fields

CONCORDANT = frozenset({"recommended", "consider"})
WHAT_IF_KINDS = frozenset({"number", "integer", "bool", "enum"})


def grouped_options(assessment: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = {s: [] for s in STATUS_ORDER}
    for option in assessment.get("options") or []:
        groups.setdefault(option.get("status", "insufficient_data"), []).append(option)
    return [(status, options) for status, options in groups.items() if options]


def cited_sources(assessment: dict[str, Any]) -> list[dict[str, str]]:
    """Every source cited anywhere in the assessment, once, in order of first citation."""
    seen: dict[str, dict[str, str]] = {}
    items = [r for o in assessment.get("options") or [] for r in o.get("reasons") or []] + list(assessment.get("warnings") or [])
    for item in items:
        for c in item.get("citations") or []:
            seen.setdefault(c["source"], {"source": c["source"], "short": c.get("short", c["source"]), "citation": c.get("citation", "")})
    return list(seen.values())


def what_if_fields() -> list[FieldSpec]:
    return [spec for spec in all_fields().values() if spec.kind in WHAT_IF_KINDS and spec.path != "id"]


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    if value is None:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = value


def _get_path(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def what_if(case_data: dict[str, Any], path: str, raw_value: str, protocol: Protocol) -> dict[str, Any]:
    """Change one input and compare every option's status (the engine's fast path, no reasons)."""
    spec = all_fields().get(path)
    if spec is None or spec.kind not in WHAT_IF_KINDS:
        return {"problems": [f"{path}: cannot be varied here"], "changes": []}
    raw = raw_value.strip()
    if not raw:
        value: Any = None
    elif spec.kind in {"number", "integer"}:
        value = _number(raw, spec.kind == "integer")
    elif spec.kind == "bool":
        value = {"true": True, "false": False}.get(raw, raw)
    else:
        value = raw
    before_check = check_case_data(case_data)
    changed = copy.deepcopy(case_data)
    _set_path(changed, path, value)
    after_check = check_case_data(changed)
    problems = [str(p) for p in after_check.errors]
    if not before_check.ok or problems:
        return {"field": spec, "old": _get_path(case_data, path), "new": value, "problems": problems or ["the case itself is not valid"], "changes": []}
    before = statuses(before_check.case, protocol)
    after = statuses(after_check.case, protocol)
    changes = [{"modality": m, "before": str(before[m]), "after": str(after[m])} for m in before if str(before[m]) != str(after[m])]
    return {"field": spec, "old": _get_path(case_data, path), "new": value, "problems": [], "changes": changes}


def needs_reason(assessment: dict[str, Any], chosen: str) -> bool:
    """A reason is asked for when the board chooses an option the engine did not recommend or suggest."""
    for option in assessment.get("options") or []:
        if option.get("modality") == chosen:
            return option.get("status") not in CONCORDANT
    return True
