"""Observations: Ki-67, ECOG, mCODE TumorSize of liver lesions, mCODE CancerDiseaseStatus."""

from __future__ import annotations

from typing import Any

from nelm.interop import codes as c
from nelm.interop import text_patterns as words
from nelm.interop.fhir_values import by_prefix, codes_of, describe, has_code, length_mm, liver_segment, norm_code, percent, texts, when
from nelm.interop.import_draft import Draft, Finding, Lesion

_USABLE = {"final", "amended", "corrected"}


def read_observation(draft: Draft, label: str, observation: Any) -> None:
    if observation.status not in _USABLE:
        draft.ignore(label, f"status is {observation.status}: only final, amended or corrected results are used")
        return
    loinc = set(codes_of(observation.code, c.LOINC))
    if c.LOINC_KI67 in loinc:
        _read_ki67(draft, label, observation)
    elif c.LOINC_ECOG in loinc:
        _read_ecog(draft, label, observation)
    elif loinc & {c.LOINC_TUMOR_SIZE, c.LOINC_TUMOR_MAX_DIMENSION}:
        _read_tumour_size(draft, label, observation)
    elif c.LOINC_DISEASE_STATUS in loinc:
        _read_disease_status(draft, label, observation)
    else:
        draft.ignore(label, f"Observation {describe(observation.code)} is not one nelm reads "
                            f"(Ki-67 {c.LOINC_KI67}, ECOG {c.LOINC_ECOG}, tumour size {c.LOINC_TUMOR_SIZE}/{c.LOINC_TUMOR_MAX_DIMENSION}, disease status {c.LOINC_DISEASE_STATUS})")


def _no_value(draft: Draft, label: str, observation: Any, what: str, why: str) -> None:
    absent = getattr(observation, "dataAbsentReason", None)
    draft.ignore(label, f"{what}: {why}" + (f" (data absent: {describe(absent)})" if absent is not None else ""))


def _read_ki67(draft: Draft, label: str, observation: Any) -> None:
    if observation.valueInteger is not None:
        value, why = (float(observation.valueInteger), "") if 0 <= observation.valueInteger <= 100 else (None, f"{observation.valueInteger} % is outside 0-100 %")
    else:
        value, why = percent(observation.valueQuantity)
    if value is None:
        _no_value(draft, label, observation, "Ki-67", why)
        return
    draft.ki67.append(Finding(value, label, when(observation), f"LOINC {c.LOINC_KI67}"))


def _read_ecog(draft: Draft, label: str, observation: Any) -> None:
    grade, note = None, f"LOINC {c.LOINC_ECOG}"
    if observation.valueInteger is not None:
        grade = observation.valueInteger
    elif observation.valueCodeableConcept is not None:
        answer = has_code(observation.valueCodeableConcept, c.LOINC, c.LOINC_ECOG_ANSWERS)
        if answer:
            grade, note = c.LOINC_ECOG_ANSWERS[answer], f"LOINC {c.LOINC_ECOG}, answer {answer}"
    elif observation.valueQuantity is not None and observation.valueQuantity.value is not None:
        grade = observation.valueQuantity.value
    if grade is None or not float(grade).is_integer() or not 0 <= grade <= 4:
        _no_value(draft, label, observation, "ECOG", "no grade 0-4 (valueInteger or a LOINC LL529-9 answer)" if grade is None else f"grade {grade} is not 0-4")
        return
    draft.ecog.append(Finding(int(grade), label, when(observation), note))


def _read_disease_status(draft: Draft, label: str, observation: Any) -> None:
    trend = has_code(observation.valueCodeableConcept, c.SNOMED, c.SNOMED_DISEASE_TREND)
    if trend is None:
        _no_value(draft, label, observation, "disease status", f"value {describe(observation.valueCodeableConcept)} is not worsened/stable/improved/not detected")
        return
    draft.progressing.append(Finding(c.SNOMED_DISEASE_TREND[trend], label, when(observation), f"SNOMED CT {trend}"))


def _read_tumour_size(draft: Draft, label: str, observation: Any) -> None:
    quantity = next((comp.valueQuantity for comp in observation.component or []
                     if c.LOINC_TUMOR_MAX_DIMENSION in codes_of(comp.code, c.LOINC)), None) or observation.valueQuantity
    size, unit_note = length_mm(quantity)
    if size is None:
        _no_value(draft, label, observation, "tumour size", unit_note if quantity is not None else f"no {c.LOINC_TUMOR_MAX_DIMENSION} (maximum dimension) value")
        return
    tumour = None
    for reference in observation.focus or []:
        entry = draft.content.resolve(reference)
        if entry is not None and entry.resource.resourceType == "BodyStructure":
            tumour = entry
    concepts = [observation.bodySite] + ([tumour.resource.location, *(tumour.resource.locationQualifier or [])] if tumour else [])
    site_text = " ".join([*texts([x for x in concepts if x is not None]), *( [tumour.resource.description] if tumour and tumour.resource.description else [])])
    where = _where(concepts, site_text)
    if where is None:
        draft.ignore(label, "tumour size without a body site: cannot tell whether it is a liver lesion")
        return
    if where != "liver":
        draft.ignore(label, f"tumour size of the {where.replace('_', ' ')}: the case records liver lesions only")
        return
    segment = liver_segment(site_text)
    key = (tumour.label if tumour else None) or _focus_key(observation) or label
    draft.lesions.setdefault(key, []).append(Lesion(size, segment, label, when(observation), unit_note))
    if tumour is not None:
        draft.report.liver_metastases = True


def _where(concepts: list[Any], text: str) -> str | None:
    present = [x for x in concepts if x is not None]
    if has_code(present, c.SNOMED, {c.SNOMED_LIVER}) or any(norm_code(code) == c.ICDO3_LIVER for code in codes_of(present, c.ICDO3)):
        return "liver"
    snomed = has_code(present, c.SNOMED, c.SNOMED_SITE)
    if snomed:
        return c.SNOMED_SITE[snomed]
    for code in codes_of(present, c.ICDO3):
        site = by_prefix(c.ICDO3_SITE, norm_code(code))
        if site:
            return site
    if words.LIVER.search(text) or liver_segment(text) is not None:
        return "liver"
    organ = words.organ_of(text) if text else None
    return organ


def _focus_key(observation: Any) -> str | None:
    refs = [r.reference for r in observation.focus or [] if getattr(r, "reference", None)]
    return refs[0] if refs else None
