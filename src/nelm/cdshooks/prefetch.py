"""The patient-view service's prefetch templates, and prefetched data -> one FHIR Bundle for the importer."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from nelm.interop import codes as c

SERVICE_ID = "nelm-patient-view"

# Only the Observations the importer reads are asked for: a chart holds thousands of vital signs.
_OBSERVATION_CODES = ",".join(f"{c.LOINC}|{code}" for code in (
    c.LOINC_KI67, c.LOINC_ECOG, c.LOINC_TUMOR_SIZE, c.LOINC_TUMOR_MAX_DIMENSION, c.LOINC_DISEASE_STATUS))

PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}&code=" + _OBSERVATION_CODES,
    "procedures": "Procedure?patient={{context.patientId}}",
    "tumors": "BodyStructure?patient={{context.patientId}}",  # mCODE Tumor: where a TumorSize lesion lies
    "medication-statements": "MedicationStatement?patient={{context.patientId}}",
    "medication-requests": "MedicationRequest?patient={{context.patientId}}",
}
# Without these four the service cannot assess: if neither prefetched nor fetchable, HTTP 412.
REQUIRED = ("patient", "conditions", "observations", "procedures")


class BadPrefetch(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


def query_for(key: str, patient_id: str) -> str:
    """The relative FHIR URL of one template for this patient."""
    return PREFETCH[key].replace("{{context.patientId}}", quote(patient_id, safe=""))


def split_prefetch(prefetch: dict[str, Any] | None) -> tuple[dict[str, Any], list[str]]:
    """(satisfied templates, keys the service must fetch itself). Null means 'no data' (spec); a missing
    key or an OperationOutcome means the client did not or could not prefetch it. Keys that are not nelm's
    templates (another service's prefetch) are ignored."""
    prefetch = prefetch or {}
    have: dict[str, Any] = {}
    missing: list[str] = []
    problems: list[str] = []
    for key in PREFETCH:
        if key not in prefetch:
            missing.append(key)
            continue
        value = prefetch[key]
        if value is None:
            have[key] = None
        elif not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
            problems.append(f"prefetch.{key}: must be a FHIR resource (an object with resourceType) or null")
        elif value["resourceType"] == "OperationOutcome":
            missing.append(key)
        else:
            have[key] = value
    if problems:
        raise BadPrefetch(problems)
    return have, missing


def as_bundle(values: dict[str, Any]) -> dict[str, Any]:
    """Prefetched resources and searchset Bundles flattened into one collection Bundle."""
    entries: list[Any] = []
    for key, value in values.items():
        if value is None:
            continue
        if value.get("resourceType") == "Bundle":
            raw = value.get("entry") or []
            if not isinstance(raw, list):
                raise BadPrefetch([f"prefetch.{key}.entry: must be a list"])
            for index, entry in enumerate(raw):
                if not isinstance(entry, dict):
                    raise BadPrefetch([f"prefetch.{key}.entry[{index}]: must be an object"])
                if entry.get("resource") is None:
                    continue
                if isinstance(entry.get("resource"), dict) and entry["resource"].get("resourceType") == "OperationOutcome":
                    continue  # search warnings travel as OperationOutcome entries (search.mode = outcome)
                entries.append({k: v for k, v in entry.items() if k in ("fullUrl", "resource")})
        else:
            entries.append({"resource": value})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}
