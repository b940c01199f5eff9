"""Turn untrusted input into a Case, or into one clear problem per field path.

Cross-field rules: impossible combinations are errors; combinations that are possible but suspicious
(for example poorly differentiated histology reported as "NET") are warnings the engine shows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from nelm.case.model import Case, Category, Differentiation, Distribution, Pattern
from nelm.knowledge.anatomy import LEFT_LOBE_SEGMENTS, RIGHT_LOBE_SEGMENTS



@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass
class CaseCheck:
    case: Case | None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.case is not None and not self.errors


def format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _describe(error: dict[str, Any]) -> str:
    kind = error["type"]
    got = error.get("input")
    if kind == "extra_forbidden":
        return "unknown field (check the spelling against `nelm schema`)"
    if kind in {"less_than_equal", "greater_than_equal", "greater_than", "less_than"}:
        return f"{error['msg'].lower()} (got {got!r})"
    if kind == "enum":
        return f"{error['msg'].lower()} (got {got!r})"
    return f"{error['msg']} (got {got!r})" if got is not None and not isinstance(got, dict | list) else error["msg"]


def parse_case_text(text: str, *, source: str = "case") -> CaseCheck:
    try:  # fast path: pydantic parses and validates the JSON in one pass
        case = Case.model_validate_json(text)
    except ValidationError:
        pass  # fall through for messages that name every problem (and say when the JSON itself is broken)
    else:
        errors, warnings = cross_field_problems(case)
        return CaseCheck(case if not errors else None, errors, warnings)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return CaseCheck(None, [Problem("", f"{source} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")])
    return check_case_data(data)


def check_case_data(data: Any) -> CaseCheck:
    if not isinstance(data, dict):
        return CaseCheck(None, [Problem("", f"a case must be a JSON object, got {type(data).__name__}")])
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        problems = [Problem(format_loc(tuple(e["loc"])), _describe(e)) for e in exc.errors()]
        return CaseCheck(None, problems)
    errors, warnings = cross_field_problems(case)
    return CaseCheck(case if not errors else None, errors, warnings)


def cross_field_problems(case: Case) -> tuple[list[Problem], list[Problem]]:
    errors: list[Problem] = []
    warnings: list[Problem] = []
    liver, path = case.liver, case.pathology
    lesions = liver.lesions or []
    if liver.lesion_count is not None and lesions and liver.lesion_count < len(lesions):
        errors.append(Problem("liver.lesion_count", f"is {liver.lesion_count} but {len(lesions)} lesions are listed"))
    if liver.largest_lesion_mm is not None and lesions:
        largest_listed = max(lesion.size_mm for lesion in lesions)
        if liver.largest_lesion_mm < largest_listed:
            errors.append(
                Problem("liver.largest_lesion_mm", f"is {liver.largest_lesion_mm:g} mm but a listed lesion measures {largest_listed:g} mm")
            )
    count = liver.lesion_count if liver.lesion_count is not None else (len(lesions) if lesions else None)
    if liver.pattern == Pattern.I and count is not None and count > 1:
        errors.append(Problem("liver.pattern", f"type I means a single metastasis, but there are {count} lesions"))
    if liver.pattern in {Pattern.II, Pattern.III} and count == 1:
        errors.append(Problem("liver.pattern", f"type {liver.pattern.value} needs more than one lesion, but there is 1"))
    if count == 1 and liver.distribution == Distribution.bilobar:
        errors.append(Problem("liver.distribution", "a single lesion cannot be bilobar"))
    if count == 0 and lesions == []:
        errors.append(Problem("liver.lesion_count", "is 0: nelm assesses patients with liver metastases"))
    ehd = case.extrahepatic_disease
    if ehd.present is False and ehd.sites:
        errors.append(Problem("extrahepatic_disease.sites", "lists sites although extrahepatic_disease.present is false"))
    if ehd.present is False and ehd.extra_abdominal:
        errors.append(Problem("extrahepatic_disease.extra_abdominal", "is true although extrahepatic_disease.present is false"))

    if path.differentiation == Differentiation.poor and path.category == Category.NET:
        warnings.append(Problem("pathology.category", "reported as NET but differentiation is poor: poorly differentiated histology is NEC whatever the Ki-67 (WHO 2019); nelm uses NEC"))
    if path.differentiation == Differentiation.well and path.category == Category.NEC:
        warnings.append(Problem("pathology.category", "reported as NEC but differentiation is well: well-differentiated tumours are NET (G1-G3) (WHO 2019); nelm uses NET"))
    if path.differentiation == Differentiation.poor and path.ki67_percent is not None and path.ki67_percent <= 20:
        warnings.append(Problem("pathology.ki67_percent", f"is {path.ki67_percent:g} % with poor differentiation: NEC has Ki-67 > 20 % (WHO 2019); check the pathology"))
    if liver.distribution == Distribution.unilobar and lesions:
        segments = {lesion.segment for lesion in lesions}
        if segments & LEFT_LOBE_SEGMENTS and segments & RIGHT_LOBE_SEGMENTS:
            warnings.append(Problem("liver.distribution", "is unilobar but listed lesions lie in both lobes (segments 2-4 and 5-8)"))
    if case.primary.status is not None and case.primary.status.value == "resected" and case.primary.resectable is False:
        warnings.append(Problem("primary.resectable", "is false although the primary is already resected"))
    return errors, warnings
