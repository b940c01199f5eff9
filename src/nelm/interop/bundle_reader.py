"""Read an untrusted FHIR R4 Bundle: the envelope, then each resource on its own.

A bundle that is not a Bundle at all is refused (BadBundle, one message per problem). A resource whose
elements nelm reads are not valid R4B, or that carries a modifier nelm does not understand, is set aside
with the reason, so one bad entry does not hide the rest of the record; the import report lists it.

Resources are read through lean models of the elements nelm uses (fhir_subset.py, fast enough for the CDS
Hooks hot path). With `conformance=True` every resource is also validated whole against fhir.resources'
R4B models, and what fails is reported (`BundleContent.not_conformant`) without changing what is read, so
the case is the same whichever door imported the bundle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from nelm.case.validation import format_loc
from nelm.interop.fhir_subset import MODIFIERS, READ_MODELS, BundleEnvelope, OtherResource

MAX_ENTRIES = 5000  # a patient's oncology record; bigger inputs are refused rather than parsed slowly


class BadBundle(Exception):
    """Input that is not a usable FHIR Bundle; one message per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class Entry:
    label: str  # "Observation/ki67-1", or "entry[3] Observation" without an id
    resource: Any  # a fhir_subset model (same element names and Python values as fhir.resources R4B)
    full_url: str | None = None


@dataclass
class BundleContent:
    bundle: BundleEnvelope  # type, timestamp, meta, entry fullUrls; the resources are in `entries`
    entries: list[Entry]
    invalid: list[tuple[str, str]] = field(default_factory=list)  # (label, why): set aside
    not_conformant: list[tuple[str, str]] = field(default_factory=list)  # (label, why): read, but not valid R4B as a whole
    by_reference: dict[str, Entry] = field(default_factory=dict)

    def resolve(self, reference: Any) -> Entry | None:
        """The entry a Reference points to: by fullUrl, 'Type/id', or the tail of an absolute URL."""
        ref = getattr(reference, "reference", None) if reference is not None else None
        if not ref:
            return None
        if ref in self.by_reference:
            return self.by_reference[ref]
        tail = "/".join(ref.rstrip("/").split("/")[-2:])
        return self.by_reference.get(tail)


def read_bundle(data: Any, *, conformance: bool = False) -> BundleContent:
    if not isinstance(data, dict):
        raise BadBundle([f"a FHIR Bundle must be a JSON object, got {type(data).__name__}"])
    kind = data.get("resourceType")
    if kind != "Bundle":
        raise BadBundle([f"resourceType is {kind!r}, expected 'Bundle'" if kind is not None else "resourceType is missing: expected 'Bundle'"])
    raw_entries = data.get("entry", [])
    if raw_entries is None:
        raw_entries = []
    if not isinstance(raw_entries, list):
        raise BadBundle([f"entry must be a list, got {type(raw_entries).__name__}"])
    if len(raw_entries) > MAX_ENTRIES:
        raise BadBundle([f"the bundle has {len(raw_entries)} entries; nelm reads at most {MAX_ENTRIES} (one patient's record)"])

    problems = [f"entry[{index}]: must be an object, got {type(raw).__name__}" for index, raw in enumerate(raw_entries) if not isinstance(raw, dict)]
    if problems:
        raise BadBundle(problems)
    envelope = {k: v for k, v in data.items() if k != "entry"}
    envelope["entry"] = [{k: v for k, v in raw.items() if k != "resource"} for raw in raw_entries]
    try:
        bundle = BundleEnvelope.model_validate(envelope)
    except ValidationError as exc:
        raise BadBundle([f"Bundle.{format_loc(tuple(e['loc'])) or '(root)'}: {_message(e)}" for e in exc.errors()]) from None

    content = BundleContent(bundle, [])
    for index, raw in enumerate(raw_entries):
        resource = raw.get("resource")
        if resource is None:
            continue
        label, model, why = _read_resource(index, resource)
        if model is None:
            content.invalid.append((label, why))
            continue
        if conformance:
            problem = _conformance_problem(resource)
            if problem:
                content.not_conformant.append((label, problem))
        full_url = raw.get("fullUrl") if isinstance(raw.get("fullUrl"), str) else None
        content.entries.append(Entry(label, model, full_url))
    if conformance:
        problem = _conformance_problem(envelope)
        if problem:
            content.not_conformant.insert(0, ("Bundle", problem))

    for entry in content.entries:
        if entry.full_url:
            content.by_reference.setdefault(entry.full_url, entry)
        rid = entry.resource.id
        if rid:
            content.by_reference.setdefault(f"{entry.resource.resourceType}/{rid}", entry)
    return content


def _read_resource(index: int, resource: Any) -> tuple[str, Any, str]:
    if not isinstance(resource, dict):
        return f"entry[{index}]", None, f"resource must be an object, got {type(resource).__name__}"
    kind = resource.get("resourceType")
    rid = resource.get("id")
    label = f"{kind}/{rid}" if isinstance(kind, str) and isinstance(rid, str) and rid else f"entry[{index}] {kind if isinstance(kind, str) else 'resource'}"
    if not isinstance(kind, str) or not kind:
        return label, None, "resourceType is missing"
    model_class = READ_MODELS.get(kind)
    if model_class is None:
        if not _is_r4b_resource_type(kind):
            return label, None, f"{kind!r} is not a FHIR R4B resource type"
        model_class = OtherResource
    modifiers = [name for name in MODIFIERS if resource.get(name)]
    if modifiers:
        return label, None, (f"carries {' and '.join(modifiers)}, which may change its meaning and which nelm does not "
                             "understand: not used (FHIR modifier elements)")
    try:
        return label, model_class.model_validate(resource), ""
    except ValidationError as exc:
        return label, None, _invalid(kind, exc)
    except RecursionError:
        return label, None, "not valid FHIR R4B (nested too deeply)"


@lru_cache(maxsize=256)
def _is_r4b_resource_type(kind: str) -> bool:
    try:
        model_class = get_fhir_model_class(kind)
    except (KeyError, ValueError, TypeError, AttributeError, ImportError):
        return False
    from fhir.resources.R4B.resource import Resource  # loaded by get_fhir_model_class already

    return issubclass(model_class, Resource) and kind not in ("Resource", "DomainResource")


def _conformance_problem(resource: dict[str, Any]) -> str:
    """Why the whole resource is not valid FHIR R4B (fhir.resources), or ''. Slow: for `nelm fhir import`."""
    kind = resource.get("resourceType")
    try:
        text = json.dumps(resource, allow_nan=False)
        model_class = get_fhir_model_class(kind)
        model_class.model_validate_json(text)
    except ValidationError as exc:
        return _invalid(kind, exc)
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
        return f"not valid FHIR R4B ({exc.__class__.__name__}: {str(exc)[:200]})"
    return ""


def _invalid(kind: str, exc: ValidationError) -> str:
    errors = exc.errors()
    first = errors[:3]
    why = "; ".join(f"{format_loc(tuple(e['loc'])) or kind}: {_message(e)}" for e in first)
    more = len(errors) - len(first)
    return f"not valid FHIR R4B: {why}" + (f" (and {more} more)" if more > 0 else "")


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "missing":
        return "is required (FHIR R4B cardinality 1..1) but missing"
    # fhir.resources messages span lines and indent; reports want one line.
    return " ".join(str(error.get("msg", "invalid")).split())
