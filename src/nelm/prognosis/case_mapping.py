"""Covariate values for one v1 case: each model covariate reads a case field or a fact the engine derives.

The Ruzzenente variables map by default: lesion_count <- the derived lesion count (liver.lesion_count, or the
number of listed lesions), largest_lesion_mm <- the derived largest size (liver.largest_lesion_mm, or the
largest listed lesion when every lesion is listed), ki67_percent <- pathology.ki67_percent. Derivation is the
engine's (nelm.engine.facts), so the report and the model read the same numbers.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from nelm.case.model import Case
from nelm.engine.facts import Facts
from nelm.knowledge.protocol import DEFAULT_PROTOCOL
from nelm.prognosis.covariate_spec import KNOWN_VARIABLES
from nelm.prognosis.design import level_label
from nelm.prognosis.model_file import PrognosticModel, Transform

# derived facts a model may read, and what to ask for when they are missing
DERIVED_FIELDS = {
    "lesion_count": "liver.lesion_count (or the lesions listed in liver.lesions)",
    "largest_lesion_mm": "liver.largest_lesion_mm (or every lesion's size in liver.lesions)",
    "grade": "pathology.ki67_percent or pathology.mitoses_per_2mm2",
    "pattern": "liver.pattern",
    "distribution": "liver.distribution",
}


def case_field_of(covariate) -> str | None:
    if covariate.case_field:
        return covariate.case_field
    known = KNOWN_VARIABLES.get(covariate.name)
    return known[0] if known else None


def case_values(model: PrognosticModel, case: Case) -> tuple[dict[str, Any], list[str]]:
    """Values by covariate name, and one problem per covariate that cannot be read (naming the case field)."""
    facts = Facts(case, DEFAULT_PROTOCOL)
    paths = case_paths()
    values: dict[str, Any] = {}
    problems: list[str] = []
    for covariate in model.covariates:
        field = case_field_of(covariate)
        if field is None:
            problems.append(f"model covariate '{covariate.name}' is not a known case variable and has no "
                            "case_field in the model file")
            continue
        if field not in DERIVED_FIELDS and field not in paths:
            problems.append(f"model covariate '{covariate.name}': case_field '{field}' is not a field of the v1 case")
            continue
        value = facts.get(field)
        if value is None:
            problems.append(f"case lacks {DERIVED_FIELDS.get(field, field)}, needed by model covariate "
                            f"'{covariate.name}'")
            continue
        if covariate.transform == Transform.categorical:
            value = level_label(value)
            if value not in covariate.levels:
                problems.append(f"{field} = {value!r} is not a level of model covariate '{covariate.name}' "
                                f"({', '.join(covariate.levels)})")
                continue
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append(f"{field} = {value!r} is not a number (model covariate '{covariate.name}')")
            continue
        elif covariate.transform == Transform.log and value <= 0:
            problems.append(f"{field} = {value!r} must be > 0 (model covariate '{covariate.name}' is log-transformed)")
            continue
        values[covariate.name] = value
    return values, problems


def case_paths(model: type[BaseModel] = Case, prefix: str = "") -> set[str]:
    """Every dotted leaf path of the case model."""
    out = set()
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out |= case_paths(annotation, f"{prefix}{name}.")
        else:
            out.add(f"{prefix}{name}")
    return out
