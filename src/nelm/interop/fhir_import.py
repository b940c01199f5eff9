"""FHIR R4 Bundle (mCODE) -> nelm case, with a report of what was filled, left empty and set aside.

Absence in the record is never read as absence of disease: a bundle without an extrahepatic metastasis
leaves `extrahepatic_disease.present` empty (and says so) rather than setting it to false.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from nelm.case.validation import CaseCheck, check_case_data
from nelm.interop.bundle_reader import BadBundle, BundleContent, Entry, read_bundle
from nelm.interop.fhir_values import completed_years, date_range, element
from nelm.interop.import_draft import Draft
from nelm.interop.import_report import CASE_FIELDS, Filled, Ignored, ImportReport, Unfilled, unfilled_reason
from nelm.interop.read_conditions import read_condition
from nelm.interop.read_observations import read_observation
from nelm.interop.read_treatments import read_medication, read_procedure

__all__ = ["BadBundle", "ImportResult", "import_bundle"]

_READERS = {
    "Condition": read_condition,
    "Observation": read_observation,
    "Procedure": read_procedure,
    "MedicationStatement": read_medication,
    "MedicationAdministration": read_medication,
    "MedicationRequest": read_medication,
}
_USED_BY_REFERENCE = {"BodyStructure", "Medication"}


@dataclass
class ImportResult:
    case: dict[str, Any]
    report: ImportReport
    check: CaseCheck  # the case checks the case passed (ok), for callers that assess it next

    def to_dict(self) -> dict[str, Any]:
        return {"case": self.case, "report": self.report.to_dict()}


def import_bundle(data: Any, *, as_of: date | None = None, as_of_source: str = "the import date", patient_id: str | None = None,
                  conformance: bool = False) -> ImportResult:
    """Map one patient's bundle to a case. `as_of` is the age reference date when the bundle carries none;
    `patient_id` picks the patient when the bundle has none or several; `conformance` also checks every resource
    whole against FHIR R4B and reports what fails (slow; the case is the same). Raises BadBundle for non-bundles."""
    content = read_bundle(data, conformance=conformance)
    report = ImportReport()
    for label, why in content.invalid:
        report.ignore(label, why)
    for label, why in content.not_conformant:
        report.not_conformant.append(Ignored(label, why))
    draft = Draft(content, report)
    patient = _choose_patient(draft, patient_id)
    _reference_date(draft, as_of, as_of_source)
    case: dict[str, Any] = {}
    if patient is not None:
        _read_patient(draft, case, patient)

    referenced = _referenced_labels(content)
    for entry in content.entries:
        if entry is patient:
            continue
        kind = entry.resource.resourceType
        if kind == "Patient":
            draft.ignore(entry.label, "another patient: the bundle is read for one patient")
            continue
        if not _belongs_to_patient(draft, entry.resource):
            draft.ignore(entry.label, "its subject is another patient")
            continue
        reader = _READERS.get(kind)
        if reader is not None:
            reader(draft, entry.label, entry.resource)
        elif kind in _USED_BY_REFERENCE and entry.label in referenced:
            continue
        elif kind in _USED_BY_REFERENCE:
            draft.ignore(entry.label, f"{kind} not referenced by a resource nelm reads")
        else:
            draft.ignore(entry.label, f"{kind} is not used by the nelm case")

    _settle(draft, case)
    check = _validate(draft, case)
    filled = {f.field for f in report.filled}
    reported = {u.field for u in report.unfilled}
    for path in CASE_FIELDS:
        if path not in filled and path not in reported:
            derived = path in _DERIVED_FROM_LESIONS and "liver.lesions" in filled
            report.unfilled.append(Unfilled(path, "nelm derives it from liver.lesions" if derived else unfilled_reason(path)))
    order = {path: i for i, path in enumerate(CASE_FIELDS)}
    report.unfilled.sort(key=lambda u: order.get(u.field, len(order)))
    return ImportResult(case, report, check)


_DERIVED_FROM_LESIONS = {"liver.lesion_count", "liver.largest_lesion_mm"}


# --- patient and date --------------------------------------------------------------------------------

def _choose_patient(draft: Draft, patient_id: str | None) -> Entry | None:
    patients = [e for e in draft.content.entries if e.resource.resourceType == "Patient"]
    if patient_id is not None:
        draft.patient_refs.add(f"Patient/{patient_id}")
        draft.patient_id = patient_id
        patients = [p for p in patients if p.resource.id == patient_id] or []
    if len(patients) > 1:
        raise BadBundle([f"the bundle holds {len(patients)} patients ({', '.join(p.label for p in patients)}): import one patient at a time"])
    if not patients:
        return None
    patient = patients[0]
    if patient.resource.id:
        draft.patient_refs.add(f"Patient/{patient.resource.id}")
        draft.patient_id = patient.resource.id
    if patient.full_url:
        draft.patient_refs.add(patient.full_url)
    return patient


def _belongs_to_patient(draft: Draft, resource: Any) -> bool:
    subject = element(resource, "subject") or element(resource, "patient")
    reference = getattr(subject, "reference", None)
    if not reference or not draft.patient_refs:
        return True  # no subject, or no patient to compare with: cannot tell, so keep it
    if reference in draft.patient_refs:
        return True
    tail = "/".join(reference.rstrip("/").split("/")[-2:])
    return tail in draft.patient_refs or not tail.startswith("Patient/")


def _reference_date(draft: Draft, as_of: date | None, as_of_source: str) -> None:
    bundle = draft.content.bundle
    for value, source in ((bundle.timestamp, "Bundle.timestamp"), (getattr(bundle.meta, "lastUpdated", None), "Bundle.meta.lastUpdated"), (as_of, as_of_source)):
        span = date_range(value) if value is not None else None
        if span is not None:
            draft.report.reference_date, draft.report.reference_date_source = span[0].isoformat(), source
            return


def _read_patient(draft: Draft, case: dict[str, Any], patient: Entry) -> None:
    resource = patient.resource
    if resource.id:
        _fill(draft, case, "id", resource.id, patient.label)
    if resource.birthDate is None:
        draft.report.unfilled.append(Unfilled("age_years", f"{patient.label} has no birthDate"))
        return
    born = date_range(resource.birthDate)
    if draft.report.reference_date is None or born is None:
        why = "no date to compute the age at (the bundle has no timestamp)" if born else f"birthDate {resource.birthDate!r} is not a date"
        draft.report.unfilled.append(Unfilled("age_years", why))
        return
    on = date.fromisoformat(draft.report.reference_date)
    youngest, oldest = completed_years(born[1], on), completed_years(born[0], on)
    if youngest != oldest:
        draft.report.unfilled.append(Unfilled("age_years", f"birthDate {resource.birthDate} gives {youngest} or {oldest} years on {on}: give the full date"))
    elif not 0 <= oldest <= 120:
        draft.report.unfilled.append(Unfilled("age_years", f"birthDate {resource.birthDate} gives {oldest} years on {on}: outside 0-120"))
    else:
        _fill(draft, case, "age_years", oldest, patient.label, f"completed years on {on} ({draft.report.reference_date_source})")


def _referenced_labels(content: BundleContent) -> set[str]:
    """Labels of BodyStructure/Medication entries that some Observation or medication record points to."""
    out = set()
    for entry in content.entries:
        resource = entry.resource
        for reference in [*(element(resource, "focus") or []), element(resource, "medicationReference")]:
            target = content.resolve(reference) if reference is not None else None
            if target is not None:
                out.add(target.label)
    return out


# --- settling facts into the case ------------------------------------------------------------------

def _fill(draft: Draft, case: dict[str, Any], path: str, value: Any, source: str, note: str = "") -> None:
    node = case
    *parents, leaf = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value
    draft.report.filled.append(Filled(path, value, source, note))


def _settle(draft: Draft, case: dict[str, Any]) -> None:
    report = draft.report
    primary = _settle_primary(draft, case)
    for path, findings, what in (("pathology.ki67_percent", draft.ki67, "Ki-67"), ("ecog", draft.ecog, "ECOG"),
                                 ("disease_course.progressing", draft.progressing, "disease status")):
        latest = draft.latest(findings, what)
        if latest is not None:
            _fill(draft, case, path, latest.value, latest.source, latest.note)
    _settle_lesions(draft, case)
    if draft.extrahepatic:
        sites = sorted({f.value for f in draft.extrahepatic})
        sources = ", ".join(f.source for f in draft.extrahepatic)
        _fill(draft, case, "extrahepatic_disease.present", True, sources)
        _fill(draft, case, "extrahepatic_disease.sites", sites, sources, "; ".join(f.note for f in draft.extrahepatic))
    else:
        report.unfilled.append(Unfilled("extrahepatic_disease.present", "no extrahepatic metastasis recorded; absence in the record is not taken as absence of disease"))
    if draft.carcinoid_syndrome:
        _fill(draft, case, "functional_syndrome", "carcinoid", ", ".join(draft.carcinoid_syndrome), "ICD-10-CM E34.0")
    elif primary is not None and primary.syndrome:
        _fill(draft, case, "functional_syndrome", primary.syndrome, primary.source, primary.morphology_note)
    _settle_resections(draft, case, primary.site if primary else None)
    if draft.therapies:
        given = sorted(draft.therapies)
        _fill(draft, case, "prior_systemic_therapies", given, ", ".join(s for t in given for s in draft.therapies[t]), "recognised by drug name")
    if draft.liver_metastasis_sources:
        report.notes.append(f"liver metastases recorded in {', '.join(draft.liver_metastasis_sources)}")
    elif not report.liver_metastases:
        report.notes.append("no liver metastasis recorded: nelm assesses neuroendocrine liver metastases")


def _settle_primary(draft: Draft, case: dict[str, Any]):
    if not draft.primaries:
        return None
    ordered = sorted(draft.primaries, key=lambda p: (p.neuroendocrine, p.when))
    primary = ordered[-1]
    for other in ordered[:-1]:
        draft.ignore(other.source, f"another primary cancer condition; {primary.source} is used" + ("" if other.neuroendocrine else " (it is not recorded as neuroendocrine)"))
    if primary.neuroendocrine:
        draft.report.neuroendocrine_neoplasm = True
    else:
        draft.report.notes.append(f"{primary.source} is not recorded as a neuroendocrine neoplasm (no C7A/C25.4 code, NET morphology or text): check the diagnosis")
    if primary.site:
        _fill(draft, case, "primary.site", primary.site, primary.source, primary.site_note)
    if primary.differentiation:
        _fill(draft, case, "pathology.differentiation", primary.differentiation, primary.source, primary.morphology_note)
    if primary.category:
        _fill(draft, case, "pathology.category", primary.category, primary.source, primary.morphology_note)
    return primary


def _settle_lesions(draft: Draft, case: dict[str, Any]) -> None:
    if not draft.lesions:
        return
    lesions = []
    for measurements in draft.lesions.values():
        ordered = sorted(measurements, key=lambda m: m.when)
        for older in ordered[:-1]:
            draft.ignore(older.source, f"earlier measurement of the same lesion ({older.size_mm:g} mm on {older.when or 'an unknown date'}); the latest is used")
        lesions.append(ordered[-1])
    draft.report.liver_metastases = True
    sources = ", ".join(lesion.source for lesion in lesions)
    notes = "; ".join(f"{lesion.source}: {lesion.note}" for lesion in lesions if lesion.note)
    placed = [lesion for lesion in lesions if lesion.segment is not None]
    if placed:
        _fill(draft, case, "liver.lesions", [{"size_mm": lesion.size_mm, "segment": lesion.segment} for lesion in placed],
              ", ".join(lesion.source for lesion in placed), notes)
    if len(placed) < len(lesions):
        _fill(draft, case, "liver.lesion_count", len(lesions), sources, "measured lesions; correct it if imaging shows more")
        _fill(draft, case, "liver.largest_lesion_mm", max(lesion.size_mm for lesion in lesions), sources, notes)
        for lesion in lesions:
            if lesion.segment is None:
                draft.report.notes.append(f"{lesion.source}: liver lesion without a Couinaud segment; counted, not listed in liver.lesions")
    if placed and len(placed) == len(lesions):
        draft.report.notes.append(f"liver.lesions lists the {len(lesions)} measured lesion(s): if imaging shows more, set liver.lesion_count")


def _settle_resections(draft: Draft, case: dict[str, Any], primary_site: str | None) -> None:
    whipples = [r for r in draft.resections if r.pancreaticoduodenectomy]
    if whipples:
        _fill(draft, case, "prior_pancreaticoduodenectomy", True, ", ".join(r.source for r in whipples), whipples[0].note)
    else:
        draft.report.unfilled.append(Unfilled("prior_pancreaticoduodenectomy", "no pancreaticoduodenectomy recorded; absence in the record is not taken as no operation"))
    liver = [r for r in draft.resections if "liver" in r.organs]
    if liver:
        _fill(draft, case, "prior_liver_resections", len(liver), ", ".join(r.source for r in liver), "; ".join(r.note for r in liver))
    of_primary = [r for r in draft.resections if primary_site is not None and primary_site in r.organs]
    if of_primary:
        _fill(draft, case, "primary.status", "resected", ", ".join(r.source for r in of_primary), "; ".join(r.note for r in of_primary))
    for resection in draft.resections:
        if resection not in whipples and resection not in liver and resection not in of_primary:
            draft.ignore(resection.source, f"resection of the {'/'.join(sorted(resection.organs))}, which is not the recorded primary site")


def _validate(draft: Draft, case: dict[str, Any]) -> CaseCheck:
    """Whatever the sender wrote, the case must pass nelm's own checks: drop a field that does not."""
    for _ in range(10):
        check = check_case_data(case)
        if check.ok:
            return check
        for problem in check.errors:
            path = problem.path.split("[")[0] or "(case)"
            _drop(case, path)
            draft.report.filled = [f for f in draft.report.filled if f.field != path]
            draft.report.unfilled.append(Unfilled(path, f"the bundle's value was refused by the case checks: {problem.message}"))
    raise BadBundle(["the bundle could not be turned into a valid case"])  # pragma: no cover - each pass drops a field


def _drop(case: dict[str, Any], path: str) -> None:
    *parents, leaf = path.split(".")
    node = case
    for part in parents:
        node = node.get(part, {})
    node.pop(leaf, None)
