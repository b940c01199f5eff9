"""Conditions: mCODE Primary/SecondaryCancerCondition, liver metastases, carcinoid syndrome."""

from __future__ import annotations

from typing import Any

from nelm.interop import codes as c
from nelm.interop import text_patterns as words
from nelm.interop.fhir_values import by_prefix, codes_of, describe, has_code, norm_code, texts, when
from nelm.interop.import_draft import Draft, Finding, Primary

_NOT_REAL = {"refuted", "entered-in-error"}


def read_condition(draft: Draft, label: str, condition: Any) -> None:
    status = _code(getattr(condition, "verificationStatus", None))
    if status in _NOT_REAL:
        draft.ignore(label, f"verification status is {status}")
        return
    profiles = _profiles(condition)
    written = codes_of(condition.code, c.ICD10CM)
    icd = [norm_code(code) for code in written]
    code_text = " ".join(texts(condition.code))
    site_text = " ".join(texts(condition.bodySite))

    if _is_liver_metastasis(condition, icd, profiles, code_text, site_text):
        draft.liver_metastasis_sources.append(label)
        draft.report.liver_metastases = True
        if any(code.startswith("C7B") for code in icd) or words.NEUROENDOCRINE.search(code_text):
            draft.report.neuroendocrine_neoplasm = True
        return
    if "C7B00" in icd:
        draft.report.neuroendocrine_neoplasm = True
        draft.ignore(label, "ICD-10-CM C7B.00 (secondary carcinoid tumour, unspecified site): cannot tell the liver from elsewhere")
        return
    extrahepatic = _extrahepatic_site(condition, icd, profiles, code_text, site_text)
    if extrahepatic is not None:
        site, note = extrahepatic
        draft.extrahepatic.append(Finding(site, label, when(condition), note))
        return
    if c.ICD10CM_CARCINOID_SYNDROME in icd:
        draft.carcinoid_syndrome.append(label)
        return
    primary = _primary(label, condition, icd, written, profiles, code_text, site_text)
    if primary is not None:
        draft.primaries.append(primary)
        return
    draft.ignore(label, f"Condition {describe(condition.code)} is not one nelm reads (neuroendocrine primary, metastasis, carcinoid syndrome)")


def _is_liver_metastasis(condition: Any, icd: list[str], profiles: set[str], code_text: str, site_text: str) -> bool:
    if any(code in c.ICD10CM_LIVER_METASTASIS for code in icd):
        return True
    if has_code(condition.code, c.SNOMED, {c.SNOMED_LIVER_METASTASIS}):
        return True
    secondary = c.PROFILE_SECONDARY_CANCER in profiles or bool(words.SECONDARY.search(code_text))
    return secondary and _is_liver_site(condition.bodySite, site_text)


def _is_liver_site(body_site: Any, site_text: str) -> bool:
    return bool(has_code(body_site, c.SNOMED, {c.SNOMED_LIVER})
                or any(norm_code(code) == c.ICDO3_LIVER for code in codes_of(body_site, c.ICDO3))
                or words.LIVER.search(site_text))


def _extrahepatic_site(condition: Any, icd: list[str], profiles: set[str], code_text: str, site_text: str) -> tuple[str, str] | None:
    for code in icd:
        site = by_prefix(c.ICD10CM_SECONDARY_SITE, code)
        if site:
            return site, f"ICD-10-CM {code[:3]}.{code[3:]}" if len(code) > 3 else f"ICD-10-CM {code}"
    snomed = has_code(condition.code, c.SNOMED, c.SNOMED_SECONDARY_SITE)
    if snomed:
        return c.SNOMED_SECONDARY_SITE[snomed], f"SNOMED CT {snomed}"
    if c.PROFILE_SECONDARY_CANCER in profiles or any(code.startswith("C7B") for code in icd):
        name = site_text.strip().lower().replace(" ", "_") or "unspecified"
        return name, "secondary cancer condition outside the liver" + ("" if site_text else " (no body site given)")
    return None


def _primary(label: str, condition: Any, icd: list[str], written: list[str], profiles: set[str], code_text: str, site_text: str) -> Primary | None:
    site_from_code = next((s for s in (by_prefix(c.ICD10CM_SITE, code) for code in icd) if s), None)
    is_primary = c.PROFILE_PRIMARY_CANCER in profiles or site_from_code is not None or any(code.startswith("C7A") for code in icd)
    textual_net = bool(words.NEUROENDOCRINE.search(code_text)) and not words.SECONDARY.search(code_text)
    if not (is_primary or textual_net):
        return None
    primary = Primary(label, when(condition))
    primary.neuroendocrine = any(code.startswith(c.ICD10CM_NET_PREFIXES) for code in icd) or textual_net
    if site_from_code:
        primary.site, primary.site_note = site_from_code, f"ICD-10-CM {next(w for w, code in zip(written, icd) if by_prefix(c.ICD10CM_SITE, code))}"
    else:
        primary.site, primary.site_note = _site_from_body_site(condition.bodySite, site_text or code_text)
    if c.ICD10CM_POORLY_DIFFERENTIATED in icd:
        primary.differentiation, primary.category, primary.morphology_note = "poor", "NEC", "ICD-10-CM C7A.1 (poorly differentiated)"
        primary.neuroendocrine = True
    _read_histology(primary, condition)
    return primary


def _site_from_body_site(body_site: Any, text: str) -> tuple[str | None, str]:
    snomed = has_code(body_site, c.SNOMED, c.SNOMED_SITE)
    if snomed:
        return c.SNOMED_SITE[snomed], f"body site SNOMED CT {snomed}"
    for code in codes_of(body_site, c.ICDO3):
        site = by_prefix(c.ICDO3_SITE, norm_code(code))
        if site:
            return site, f"body site ICD-O-3 {code}"
    organ = words.organ_of(text) if text else None
    if organ and organ != "liver":
        return organ, f"recognised by its text {text!r}"
    return None, ""


def _read_histology(primary: Primary, condition: Any) -> None:
    for extension in getattr(condition, "extension", None) or []:
        if extension.url != c.EXT_HISTOLOGY or extension.valueCodeableConcept is None:
            continue
        concept = extension.valueCodeableConcept
        for code in codes_of(concept, c.ICDO3):
            morphology = c.ICDO3_MORPHOLOGY.get(code.strip())
            if morphology:
                primary.differentiation, primary.category = morphology
                primary.syndrome = c.ICDO3_SYNDROME.get(code.strip())
                primary.morphology_note = f"ICD-O-3 morphology {code}"
                primary.neuroendocrine = True
                return
        text = " ".join(texts(concept))
        if words.POORLY_DIFFERENTIATED.search(text):
            primary.differentiation, primary.morphology_note = "poor", f"recognised by its text {text!r}"
        elif words.WELL_DIFFERENTIATED.search(text):
            primary.differentiation, primary.morphology_note = "well", f"recognised by its text {text!r}"
        if words.NEUROENDOCRINE.search(text):
            primary.neuroendocrine = True


def _profiles(resource: Any) -> set[str]:
    meta = getattr(resource, "meta", None)
    return {str(p).split("|")[0] for p in (getattr(meta, "profile", None) or [])}


def _code(concept: Any) -> str | None:
    for coding in getattr(concept, "coding", None) or []:
        if coding.code:
            return coding.code
    return None
