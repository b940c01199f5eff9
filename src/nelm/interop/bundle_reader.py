"""Read an untrusted FHIR R4 Bundle with the fhir.resources R4B models.

A bundle that is not a Bundle at all is refused (BadBundle, one message per problem). A single resource
that fails its model is set aside with the validator's message, so one bad entry does not hide the rest
of the record; the import report lists it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from nelm.case.validation import format_loc

MAX_ENTRIES = 5000  # a patient's oncology record; bigger inputs are refused rather than parsed slowly
MODEL_CACHE_SIZE = 2048  # validated resources kept: a chart re-opened sends the same resources again


class BadBundle(Exception):
    """Input that is not a usable FHIR Bundle; one message per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class Entry:
    label: str  # "Observation/ki67-1", or "entry[3] Observation" without an id
    resource: Any  # a fhir.resources R4B model
    full_url: str | None = None


@dataclass
class BundleContent:
    bundle: Bundle  # the envelope (type, timestamp, meta, entry fullUrls); resources are in `entries`
    entries: list[Entry]
    invalid: list[tuple[str, str]] = field(default_factory=list)  # (label, why)
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


def read_bundle(data: Any) -> BundleContent:
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

    entries: list[Entry] = []
    invalid: list[tuple[str, str]] = []
    envelope_entries: list[dict[str, Any]] = []
    problems: list[str] = []
    for index, raw in enumerate(raw_entries):
        if not isinstance(raw, dict):
            problems.append(f"entry[{index}]: must be an object, got {type(raw).__name__}")
            continue
        resource = raw.get("resource")
        rest = {k: v for k, v in raw.items() if k != "resource"}
        if resource is None:
            envelope_entries.append(rest)
            continue
        label, model, why = _validate_resource(index, resource)
        if model is None:
            invalid.append((label, why))
            continue
        envelope_entries.append(rest)  # the resource itself was validated just above
        full_url = rest.get("fullUrl") if isinstance(rest.get("fullUrl"), str) else None
        entries.append(Entry(label, model, full_url))
    if problems:
        raise BadBundle(problems)

    envelope = {k: v for k, v in data.items() if k != "entry"}
    try:
        bundle = Bundle.model_validate({**envelope, "entry": envelope_entries} if envelope_entries else envelope)
    except ValidationError as exc:
        raise BadBundle([f"Bundle.{format_loc(tuple(e['loc'])) or '(root)'}: {_message(e)}" for e in exc.errors()]) from None
    except (TypeError, ValueError, KeyError, AttributeError) as exc:  # fhir.resources raises these for odd shapes
        raise BadBundle([f"Bundle: not readable as FHIR R4B ({exc.__class__.__name__}: {exc})"]) from None

    content = BundleContent(bundle, entries, invalid)
    for entry in entries:
        if entry.full_url:
            content.by_reference.setdefault(entry.full_url, entry)
        rid = getattr(entry.resource, "id", None)
        if rid:
            content.by_reference.setdefault(f"{entry.resource.get_resource_type()}/{rid}", entry)
    return content


def _validate_resource(index: int, resource: Any) -> tuple[str, Any, str]:
    if not isinstance(resource, dict):
        return f"entry[{index}]", None, f"resource must be an object, got {type(resource).__name__}"
    kind = resource.get("resourceType")
    rid = resource.get("id")
    label = f"{kind}/{rid}" if isinstance(kind, str) and isinstance(rid, str) and rid else f"entry[{index}] {kind if isinstance(kind, str) else 'resource'}"
    if not isinstance(kind, str) or not kind:
        return label, None, "resourceType is missing"
    try:
        text = json.dumps(resource, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        return label, None, f"not JSON data ({exc.__class__.__name__})"
    model, why = _validated(kind, text)
    return label, model, why


@lru_cache(maxsize=MODEL_CACHE_SIZE)
def _validated(kind: str, text: str) -> tuple[Any, str]:
    """The R4B model of one resource, or None and why. Cached by content: fhir.resources validation costs
    about 0.5 ms per resource, most of a hook call's time, and the same chart sends the same resources."""
    try:
        model_class = get_fhir_model_class(kind)
    except (KeyError, ValueError, TypeError, AttributeError):
        return None, f"{kind!r} is not a FHIR R4B resource type"
    try:
        return model_class.model_validate_json(text), ""
    except ValidationError as exc:
        first = exc.errors()[:3]
        why = "; ".join(f"{format_loc(tuple(e['loc'])) or kind}: {_message(e)}" for e in first)
        more = len(exc.errors()) - len(first)
        return None, f"not valid FHIR R4B: {why}" + (f" (and {more} more)" if more > 0 else "")
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
        return None, f"not valid FHIR R4B ({exc.__class__.__name__}: {str(exc)[:200]})"


def _message(error: dict[str, Any]) -> str:
    # fhir.resources messages span lines and indent; reports want one line.
    return " ".join(str(error.get("msg", "invalid")).split())
