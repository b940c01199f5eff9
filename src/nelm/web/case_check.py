"""Live check of a case being typed: the engine's own messages per field, and the derived values so far.

While a field is invalid the derived values are computed from the rest of the case (the bad value left out),
so the grade or FLR threshold stays visible while someone fixes a typo elsewhere.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from nelm.case.validation import CaseCheck, check_case_data
from nelm.engine.evaluate import derived_values
from nelm.engine.facts import Facts
from nelm.knowledge.protocol import Protocol
from nelm.web.case_form import drop_path, field_for_problem

MAX_DROPS = 20


@dataclass
class FormCheck:
    check: CaseCheck
    errors: dict[str, list[str]] = field(default_factory=dict)  # form field path -> messages
    warnings: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)  # problems that name no form field
    derived: dict[str, Any] | None = None
    derived_partial: bool = False

    @property
    def ok(self) -> bool:
        return self.check.ok


def _message(problem_path: str, form_field: str, message: str) -> str:
    # keep the item part of list paths ("[2].size_mm: ...") so a lesion row can be found
    rest = problem_path[len(form_field):].lstrip(".")
    return f"{rest}: {message}" if rest else message


def check_form_data(data: dict[str, Any], protocol: Protocol) -> FormCheck:
    check = check_case_data(data)
    result = FormCheck(check)
    for kind, problems in (("errors", check.errors), ("warnings", check.warnings)):
        bucket = getattr(result, kind)
        for problem in problems:
            form_field = field_for_problem(problem.path)
            if form_field:
                bucket.setdefault(form_field, []).append(_message(problem.path, form_field, problem.message))
            else:
                result.general.append(str(problem))
    case = check.case
    if case is None:
        case = _case_without_bad_values(data, check)
        result.derived_partial = case is not None
    if case is not None:
        result.derived = derived_values(Facts(case, protocol))
    return result


def _whole_item(path: str) -> str:
    """'liver.lesions[0].size_mm' -> 'liver.lesions[0]': a lesion without its size is no lesion at all."""
    cut = path.find("]")
    return path[:cut + 1] if cut >= 0 else path


def _case_without_bad_values(data: dict[str, Any], check: CaseCheck):
    trimmed = copy.deepcopy(data)
    current = check
    for _ in range(MAX_DROPS):
        # drop from the end so list indices of earlier problems stay valid
        paths = sorted({_whole_item(p.path) for p in current.errors if p.path}, reverse=True)
        removed = [drop_path(trimmed, path) for path in paths]
        if not any(removed):
            return None
        current = check_case_data(trimmed)
        if current.ok:
            return current.case
    return None
