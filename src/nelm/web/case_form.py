"""The case form, generated from the case model so it always covers the whole schema. Pure: no I/O.

Every field of nelm.case.Case becomes one input named by its dotted path ("liver.lesion_count"); the
engine's validation messages come back with the same paths, so each message lands next to its field.
Numbers are plain text inputs on purpose: the browser must not swallow a bad value ("12,5 mm", "abc")
before the engine can say what is wrong with it.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from nelm.case.model import Case, Lesion

NONE_CHOICE = "__none__"  # "none of these" for list fields where [] means "none" (e.g. no complications)
LESION_ROWS_MIN = 3

LABELS = {
    "id": "Case reference",
    "age_years": "Age",
    "ecog": "ECOG performance status",
    "fit_for_major_surgery": "Fit for major surgery",
    "primary": "Primary tumour",
    "primary.site": "Primary site",
    "primary.status": "Primary status",
    "primary.resectable": "Primary resectable",
    "primary.complications": "Complications of the primary",
    "prior_pancreaticoduodenectomy": "Prior pancreaticoduodenectomy (Whipple)",
    "pathology": "Pathology",
    "pathology.ki67_percent": "Ki-67 index",
    "pathology.mitoses_per_2mm2": "Mitoses per 2 mm²",
    "pathology.differentiation": "Differentiation",
    "pathology.category": "Category (as reported)",
    "functional_syndrome": "Functional syndrome",
    "symptomatic": "Symptomatic (hormonal or bulk)",
    "carcinoid_heart_disease": "Carcinoid heart disease",
    "sstr_imaging": "Somatostatin-receptor imaging",
    "liver": "Liver metastases",
    "liver.lesions": "Lesions (size and Couinaud segment)",
    "liver.lesion_count": "Number of lesions",
    "liver.largest_lesion_mm": "Largest lesion",
    "liver.distribution": "Distribution",
    "liver.pattern": "Pattern (Frilling type)",
    "liver.tumour_burden_percent": "Tumour burden (share of liver)",
    "liver.resectable_fraction_percent": "Resectable share of tumour load",
    "liver.r0_achievable": "R0 resection achievable",
    "liver.future_liver_remnant_percent": "Future liver remnant",
    "liver.parenchyma": "Liver parenchyma",
    "liver.significant_dysfunction": "Significant liver dysfunction",
    "extrahepatic_disease": "Extrahepatic disease",
    "extrahepatic_disease.present": "Extrahepatic disease present",
    "extrahepatic_disease.sites": "Extrahepatic sites",
    "extrahepatic_disease.resectable": "Extrahepatic disease resectable",
    "extrahepatic_disease.extra_abdominal": "Any site outside the abdomen",
    "disease_course": "Disease course",
    "disease_course.stable_months": "Stable for",
    "disease_course.progressing": "Progressing",
    "disease_course.rapid_progression": "Rapid progression",
    "recurrent_after_resection": "Recurrence after previous liver resection",
    "prior_liver_resections": "Previous liver resections",
    "prior_systemic_therapies": "Systemic therapies already given",
}
CHOICE_LABELS = {
    "I": "Type I: single metastasis",
    "II": "Type II: bulky, with smaller deposits",
    "III": "Type III: disseminated",
    "NET": "NET (neuroendocrine tumour)",
    "NEC": "NEC (neuroendocrine carcinoma)",
    "prrt": "PRRT",
    "sstr": "SSTR",
}
UNITS = {"_mm": "mm", "_percent": "%", "_months": "months", "_years": "years", "_per_2mm2": "per 2 mm²"}
HELP = {
    "extrahepatic_disease.sites": "Comma-separated, e.g. lung, bone, regional_nodes",
    "id": "Local reference only; the registry uses its own pseudonym",
}


@dataclass(frozen=True)
class FieldSpec:
    path: str
    label: str
    kind: str  # number | integer | bool | enum | enum_list | text | text_list | lesions
    choices: tuple[tuple[str, str], ...] = ()
    unit: str | None = None
    help: str | None = None
    none_label: str | None = None  # enum_list: label of the "none" box ([] in the case)

    @property
    def slot_id(self) -> str:
        """HTML id fragment for this field (dots and brackets are awkward in CSS selectors)."""
        return self.path.replace(".", "-").replace("[", "-").replace("]", "")


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)


def _unwrap(annotation: Any) -> Any:
    """X | None -> X."""
    if get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _label(path: str) -> str:
    return LABELS.get(path) or path.rsplit(".", 1)[-1].replace("_", " ").capitalize()


def choice_label(value: str) -> str:
    return CHOICE_LABELS.get(value) or value.replace("_", " ").capitalize()


def _unit(path: str) -> str | None:
    name = path.rsplit(".", 1)[-1]
    return next((unit for suffix, unit in UNITS.items() if name.endswith(suffix)), None)


def _clean(description: str | None) -> str | None:
    """Model descriptions without schema bookkeeping ("added field; ...")."""
    if not description:
        return None
    text = description.replace("(added field; ", "(").replace(" (added field)", "").replace("(added field)", "")
    return text.replace("()", "").strip() or None


def _spec(path: str, annotation: Any, description: str | None) -> FieldSpec:
    kind_type = _unwrap(annotation)
    help_text = HELP.get(path) or _clean(description)
    if get_origin(kind_type) is list:
        (item,) = get_args(kind_type)
        if item is Lesion:
            return FieldSpec(path, _label(path), "lesions", help=help_text)
        if isinstance(item, type) and issubclass(item, Enum):
            return FieldSpec(path, _label(path), "enum_list", tuple((m.value, choice_label(m.value)) for m in item),
                             help=help_text, none_label="None")
        return FieldSpec(path, _label(path), "text_list", help=help_text)
    if kind_type is bool:
        return FieldSpec(path, _label(path), "bool", (("true", "Yes"), ("false", "No")), help=help_text)
    if isinstance(kind_type, type) and issubclass(kind_type, Enum):
        return FieldSpec(path, _label(path), "enum", tuple((m.value, choice_label(m.value)) for m in kind_type), help=help_text)
    if kind_type is int:
        return FieldSpec(path, _label(path), "integer", unit=_unit(path), help=help_text)
    if kind_type is float or get_origin(kind_type) is typing.Annotated:
        return FieldSpec(path, _label(path), "number", unit=_unit(path), help=help_text)
    return FieldSpec(path, _label(path), "text", help=help_text)


@cache
def case_sections() -> tuple[Section, ...]:
    """General fields first, then one section per sub-object of the case, in model order."""
    general: list[FieldSpec] = []
    sections: list[Section] = []
    for name, info in Case.model_fields.items():
        annotation = _unwrap(info.annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            specs = tuple(_spec(f"{name}.{sub}", sub_info.annotation, sub_info.description)
                          for sub, sub_info in annotation.model_fields.items())
            sections.append(Section(name, _label(name), specs))
        else:
            general.append(_spec(name, info.annotation, info.description))
    history = [s for s in general if s.path in {"recurrent_after_resection", "prior_liver_resections", "prior_systemic_therapies",
                                                 "prior_pancreaticoduodenectomy"}]
    patient = [s for s in general if s not in history]
    return (Section("patient", "Patient", tuple(patient)), *sections, Section("history", "Previous treatment", tuple(history)))


@cache
def all_fields() -> dict[str, FieldSpec]:
    return {spec.path: spec for section in case_sections() for spec in section.fields}


# ----------------------------------------------------------------------------- form -> case data
def _set(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value


def _number(raw: str, integer: bool) -> Any:
    text = raw.strip().replace(",", ".") if raw.count(",") == 1 and "." not in raw else raw.strip()
    try:
        value = float(text)
    except ValueError:
        return raw.strip()  # the engine names the field and the bad value
    if value.is_integer() and (integer or not any(c in text for c in ".eE")):
        return int(value)  # "150" stays 150, as JSON would give it, so messages quote what was typed
    return value


def form_to_case_data(form: Mapping[str, list[str]]) -> dict[str, Any]:
    """Case data (as parsed JSON would give it) from the submitted form; blank fields are left out ("not known")."""
    data: dict[str, Any] = {}
    for path, spec in all_fields().items():
        values = [v for v in form.get(path, []) if v is not None]
        if spec.kind == "lesions":
            lesions = _lesions(form, path)
            if lesions:
                _set(data, path, lesions)
            continue
        if spec.kind == "enum_list":
            chosen = [v for v in values if v]
            if NONE_CHOICE in chosen:
                _set(data, path, [v for v in chosen if v != NONE_CHOICE])  # "none" plus a ticked item: the engine decides
            elif chosen:
                _set(data, path, chosen)
            continue
        raw = (values[-1] if values else "").strip()
        if not raw:
            continue
        if spec.kind in {"number", "integer"}:
            _set(data, path, _number(raw, spec.kind == "integer"))
        elif spec.kind == "bool":
            _set(data, path, {"true": True, "false": False}.get(raw, raw))
        elif spec.kind == "text_list":
            _set(data, path, [part.strip() for part in raw.split(",") if part.strip()])
        else:
            _set(data, path, raw)
    return data


def _lesions(form: Mapping[str, list[str]], path: str) -> list[dict[str, Any]]:
    sizes = form.get(f"{path}.size_mm", [])
    segments = form.get(f"{path}.segment", [])
    out = []
    for size, segment in zip(sizes, segments, strict=False):
        if not (size or "").strip() and not (segment or "").strip():
            continue  # an empty row is not a lesion
        lesion: dict[str, Any] = {}
        lesion["size_mm"] = _number(size, False) if (size or "").strip() else None
        lesion["segment"] = _number(segment, True) if (segment or "").strip() else None
        out.append(lesion)
    return out


# ----------------------------------------------------------------------------- case data -> form values
def case_to_form_values(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Values to pre-fill the form with: path -> str, list of str (enum_list) or list of lesion dicts."""
    values: dict[str, Any] = {}
    if not data:
        return values
    for path, spec in all_fields().items():
        node: Any = data
        for part in path.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        if node is None:
            continue
        if spec.kind == "lesions":
            values[path] = [dict(item) for item in node if isinstance(item, Mapping)]
        elif spec.kind == "enum_list":
            values[path] = [str(v) for v in node] if node else [NONE_CHOICE]
        elif spec.kind == "text_list":
            values[path] = ", ".join(str(v) for v in node)
        elif spec.kind == "bool":
            values[path] = {True: "true", False: "false"}.get(node, str(node))
        elif isinstance(node, float) and node.is_integer():
            values[path] = str(int(node))
        else:
            values[path] = str(node)
    return values


def field_for_problem(path: str) -> str:
    """The form field a problem path belongs to: 'liver.lesions[2].size_mm' -> 'liver.lesions'."""
    fields = all_fields()
    candidate = path
    while candidate:
        if candidate in fields:
            return candidate
        cut = max(candidate.rfind("."), candidate.rfind("["))
        candidate = candidate[:cut] if cut > 0 else ""
    return ""


def drop_path(data: dict[str, Any], path: str) -> bool:
    """Remove the value at a problem path (lists by index); True when something was removed."""
    tokens: list[Any] = []
    for part in path.split("."):
        name, _, rest = part.partition("[")
        if name:
            tokens.append(name)
        for index in filter(None, rest.replace("]", "").split("[")) if rest else ():
            tokens.append(int(index))
    node: Any = data
    for token in tokens[:-1]:
        try:
            node = node[token]
        except (KeyError, IndexError, TypeError):
            return False
    last = tokens[-1] if tokens else None
    try:
        if isinstance(node, list) and isinstance(last, int):
            node.pop(last)
        elif isinstance(node, dict) and last in node:
            del node[last]
        else:
            return False
    except IndexError:
        return False
    return True
