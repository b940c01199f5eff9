"""Case model, version 1.

Field names are a contract with tools outside this repository: never rename them. Every field may be
absent (None): the engine then says which facts it needed, rather than assuming a default.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

CASE_SCHEMA_VERSION = 1

Percent = Annotated[float, Field(ge=0, le=100)]


class _Strict(BaseModel):
    # Unknown fields are errors: a misspelt field must not silently become "missing".
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class PrimarySite(StrEnum):
    pancreas = "pancreas"
    small_intestine = "small_intestine"
    stomach = "stomach"
    duodenum = "duodenum"
    appendix = "appendix"
    colon = "colon"
    rectum = "rectum"
    lung = "lung"
    unknown = "unknown"
    other = "other"


class PrimaryStatus(StrEnum):
    in_situ = "in_situ"
    resected = "resected"


class Complication(StrEnum):
    obstruction = "obstruction"
    bleeding = "bleeding"
    ischaemia = "ischaemia"
    biliary_obstruction = "biliary_obstruction"


class Differentiation(StrEnum):
    well = "well"
    poor = "poor"


class Category(StrEnum):
    NET = "NET"
    NEC = "NEC"


class FunctionalSyndrome(StrEnum):
    none = "none"
    carcinoid = "carcinoid"
    insulinoma = "insulinoma"
    gastrinoma = "gastrinoma"
    glucagonoma = "glucagonoma"
    vipoma = "vipoma"
    other = "other"


class SstrImaging(StrEnum):
    positive = "positive"
    negative = "negative"
    unknown = "unknown"


class Distribution(StrEnum):
    unilobar = "unilobar"
    bilobar = "bilobar"


class Pattern(StrEnum):
    I = "I"  # noqa: E741 - the published name of the pattern type
    II = "II"
    III = "III"


class Parenchyma(StrEnum):
    normal = "normal"
    chemotherapy_injured = "chemotherapy_injured"
    steatosis = "steatosis"
    fibrosis = "fibrosis"
    cirrhosis = "cirrhosis"


class SystemicTherapy(StrEnum):
    somatostatin_analogue = "somatostatin_analogue"
    prrt = "prrt"
    targeted_therapy = "targeted_therapy"
    chemotherapy = "chemotherapy"


class Primary(_Strict):
    site: PrimarySite | None = None
    status: PrimaryStatus | None = None
    resectable: bool | None = None
    complications: list[Complication] | None = Field(
        default=None, description="Complications of the primary tumour; [] means none."
    )


class Pathology(_Strict):
    ki67_percent: Percent | None = Field(default=None, description="Ki-67 index, hot-spot, in %.")
    mitoses_per_2mm2: float | None = Field(default=None, ge=0)
    differentiation: Differentiation | None = None
    category: Category | None = Field(
        default=None,
        description="Category as reported by the pathologist (added field); checked against differentiation.",
    )


class Lesion(_Strict):
    size_mm: float = Field(gt=0, description="Largest diameter in mm.")
    segment: int = Field(ge=1, le=8, description="Couinaud segment 1-8.")


class Liver(_Strict):
    lesions: list[Lesion] | None = None
    lesion_count: int | None = Field(default=None, ge=0)
    largest_lesion_mm: float | None = Field(default=None, gt=0)
    distribution: Distribution | None = None
    pattern: Pattern | None = Field(default=None, description="Frilling type; derived when absent.")
    tumour_burden_percent: Percent | None = Field(default=None, description="Share of liver volume replaced by tumour.")
    resectable_fraction_percent: Percent | None = Field(
        default=None, description="Share of the tumour load the surgeon could remove."
    )
    r0_achievable: bool | None = None
    future_liver_remnant_percent: Percent | None = None
    parenchyma: Parenchyma | None = None
    significant_dysfunction: bool | None = Field(
        default=None, description="Significant liver dysfunction (added field; relative contraindication to IAT)."
    )


class ExtrahepaticDisease(_Strict):
    present: bool | None = None
    sites: list[str] | None = None
    resectable: bool | None = None
    extra_abdominal: bool | None = Field(
        default=None, description="Any site outside the abdomen (added field; derived from sites when absent)."
    )


class DiseaseCourse(_Strict):
    stable_months: float | None = Field(default=None, ge=0)
    progressing: bool | None = None
    rapid_progression: bool | None = Field(default=None, description="Fast progression (added field).")


class Case(_Strict):
    id: str | None = None
    age_years: float | None = Field(default=None, ge=0, le=120)
    ecog: int | None = Field(default=None, ge=0, le=4)
    fit_for_major_surgery: bool | None = None
    primary: Primary = Field(default_factory=Primary)
    prior_pancreaticoduodenectomy: bool | None = None
    pathology: Pathology = Field(default_factory=Pathology)
    functional_syndrome: FunctionalSyndrome | None = None
    symptomatic: bool | None = Field(default=None, description="Hormonal or tumour-bulk symptoms.")
    carcinoid_heart_disease: bool | None = None
    sstr_imaging: SstrImaging | None = None
    liver: Liver = Field(default_factory=Liver)
    extrahepatic_disease: ExtrahepaticDisease = Field(default_factory=ExtrahepaticDisease)
    disease_course: DiseaseCourse = Field(default_factory=DiseaseCourse)
    recurrent_after_resection: bool | None = None
    prior_liver_resections: int | None = Field(default=None, ge=0)
    prior_systemic_therapies: list[SystemicTherapy] | None = Field(
        default=None, description="Systemic therapies already given (added field; PRRT sequencing)."
    )
