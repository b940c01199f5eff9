"""What a FHIR import filled, what it could not fill and which resources it set aside, with reasons."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import BaseModel

from nelm.case.model import Case
from nelm.interop.codes import LOINC_DISEASE_STATUS, LOINC_ECOG, LOINC_KI67, LOINC_TUMOR_MAX_DIMENSION, LOINC_TUMOR_SIZE

# Where the importer looks for each case field; fields absent here have no standard FHIR/mCODE home.
READ_FROM = {
    "id": "Patient.id",
    "age_years": "Patient.birthDate and the bundle's date",
    "ecog": f"an Observation with LOINC {LOINC_ECOG} (ECOG)",
    "primary.site": "the primary cancer Condition (ICD-10-CM / ICD-O-3 / SNOMED CT code or body site)",
    "primary.status": "a completed resection Procedure of the primary site",
    "prior_pancreaticoduodenectomy": "a completed pancreaticoduodenectomy Procedure",
    "pathology.ki67_percent": f"an Observation with LOINC {LOINC_KI67} (Ki-67)",
    "pathology.differentiation": "the ICD-O-3 morphology of the primary cancer Condition (mCODE histology extension) or ICD-10-CM C7A.1",
    "pathology.category": "the ICD-O-3 morphology of the primary cancer Condition or ICD-10-CM C7A.1",
    "functional_syndrome": "a carcinoid syndrome Condition (ICD-10-CM E34.0) or a functioning-tumour morphology",
    "liver.lesions": f"mCODE TumorSize Observations (LOINC {LOINC_TUMOR_SIZE} / {LOINC_TUMOR_MAX_DIMENSION}) of the liver with a Couinaud segment",
    "liver.lesion_count": "mCODE TumorSize Observations of the liver",
    "liver.largest_lesion_mm": "mCODE TumorSize Observations of the liver",
    "extrahepatic_disease.present": "secondary cancer Conditions outside the liver",
    "extrahepatic_disease.sites": "secondary cancer Conditions outside the liver",
    "disease_course.progressing": f"an mCODE CancerDiseaseStatus Observation (LOINC {LOINC_DISEASE_STATUS})",
    "prior_liver_resections": "completed liver resection Procedures",
    "prior_systemic_therapies": "MedicationStatement / MedicationAdministration / MedicationRequest resources",
}


@dataclass
class Filled:
    field: str
    value: Any
    source: str  # the resource(s) it came from
    note: str = ""


@dataclass
class Unfilled:
    field: str
    reason: str


@dataclass
class Ignored:
    resource: str
    reason: str


@dataclass
class ImportReport:
    reference_date: str | None = None  # the date age is computed at
    reference_date_source: str | None = None  # Bundle.timestamp, Bundle.meta.lastUpdated or the import date
    neuroendocrine_neoplasm: bool = False  # a NET/NEC diagnosis was found
    liver_metastases: bool = False  # a liver metastasis Condition (or a liver TumorSize) was found
    filled: list[Filled] = field(default_factory=list)
    unfilled: list[Unfilled] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)
    # Read, but not valid FHIR R4B as a whole (only with a conformance check): the elements nelm used were valid.
    not_conformant: list[Ignored] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def ignore(self, resource: str, reason: str) -> None:
        self.ignored.append(Ignored(resource, reason))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def case_fields(model: type[BaseModel] = Case, prefix: str = "") -> list[str]:
    """Every leaf field path of the case ('liver.lesions', 'pathology.ki67_percent', ...)."""
    out = []
    for name, info in model.model_fields.items():
        factory = info.default_factory
        if isinstance(factory, type) and issubclass(factory, BaseModel):
            out.extend(case_fields(factory, f"{prefix}{name}."))
        else:
            out.append(prefix + name)
    return out


CASE_FIELDS = tuple(case_fields())


def unfilled_reason(path: str) -> str:
    source = READ_FROM.get(path)
    if source is None:
        return "no standard FHIR/mCODE element carries it: enter it in nelm"
    return f"not in the bundle (nelm reads it from {source})"
