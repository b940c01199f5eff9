"""Procedures (pancreaticoduodenectomy, primary and liver resections) and systemic therapies given."""

from __future__ import annotations

from typing import Any

from nelm.interop import codes as c
from nelm.interop import text_patterns as words
from nelm.interop.fhir_values import codes_of, describe, has_code, texts
from nelm.interop.import_draft import Draft, Resection

_MEDICATION_STATUS = {
    "MedicationStatement": {"active", "completed"},
    "MedicationAdministration": {"completed", "in-progress"},
    "MedicationRequest": {"active", "completed"},
}


def read_procedure(draft: Draft, label: str, procedure: Any) -> None:
    if procedure.status != "completed":
        draft.ignore(label, f"status is {procedure.status}: only completed procedures count")
        return
    code_text = " ".join(texts(procedure.code))
    snomed = codes_of(procedure.code, c.SNOMED)
    pd_code = next((code for code in snomed if code in c.SNOMED_PANCREATICODUODENECTOMY), None)
    organ_code = next((code for code in snomed if code in c.SNOMED_RESECTION_OF), None)
    if pd_code or words.PANCREATICODUODENECTOMY.search(code_text):
        note = f"SNOMED CT {pd_code}" if pd_code else f"recognised by its text {code_text!r}"
        # A pancreaticoduodenectomy removes the pancreatic head and the duodenum.
        draft.resections.append(Resection(frozenset({"pancreas", "duodenum"}), label, True, note))
        return
    if organ_code:
        draft.resections.append(Resection(frozenset({c.SNOMED_RESECTION_OF[organ_code]}), label, False, f"SNOMED CT {organ_code}"))
        return
    surgical = c.PROFILE_SURGICAL_PROCEDURE in {str(p).split("|")[0] for p in (getattr(procedure.meta, "profile", None) or [])} if procedure.meta else False
    if words.RESECTION.search(code_text) or surgical:
        site = has_code(procedure.bodySite, c.SNOMED, c.SNOMED_SITE)
        if site:
            draft.resections.append(Resection(frozenset({c.SNOMED_SITE[site]}), label, False, f"resection with body site SNOMED CT {site}"))
            return
        if has_code(procedure.bodySite, c.SNOMED, {c.SNOMED_LIVER}) and words.RESECTION.search(code_text):
            draft.resections.append(Resection(frozenset({"liver"}), label, False, f"resection with body site SNOMED CT {c.SNOMED_LIVER}"))
            return
        text = " ".join([code_text, *texts(procedure.bodySite)])
        organ = words.organ_of(text) if words.RESECTION.search(text) else None
        if organ:
            draft.resections.append(Resection(frozenset({organ}), label, False, f"recognised by its text {text.strip()!r}"))
            return
    draft.ignore(label, f"Procedure {describe(procedure.code)} is not a resection nelm reads")


def read_medication(draft: Draft, label: str, record: Any) -> None:
    kind = record.resourceType
    if record.status not in _MEDICATION_STATUS[kind]:
        draft.ignore(label, f"status is {record.status}: not counted as a therapy given")
        return
    concept = getattr(record, "medicationCodeableConcept", None)
    if concept is None and getattr(record, "medicationReference", None) is not None:
        entry = draft.content.resolve(record.medicationReference)
        concept = getattr(entry.resource, "code", None) if entry is not None else None
    text = " ".join(texts(concept))
    therapy = words.therapy_of(text)
    if therapy is None:
        draft.ignore(label, f"medication {describe(concept)} is not a NET therapy nelm tracks (somatostatin analogue, PRRT, targeted therapy, chemotherapy)")
        return
    draft.therapies.setdefault(therapy, []).append(label)
