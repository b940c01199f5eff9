"""The FHIR R4B elements nelm reads, as lean pydantic models: the fast path for reading a patient's record.

Why not fhir.resources' models here: they validate every element of every resource with Python model
validators (about 0.3 ms per resource), which alone broke the CDS Hooks latency target (issue 8: p99 < 50 ms
with 20 concurrent clients). These models check the same things for the elements nelm reads, with the
same primitive types (fhir.resources' own fhirtypes: the same regular expressions and Python values), the
same R4B cardinality for required elements, and one value per choice element; other elements are not read
and not checked here. tests/interop/test_fhir_subset.py holds them to fhir.resources on every element.
Full R4B conformance of a whole resource is still checked, with fhir.resources, where speed does not matter
(`nelm fhir import` reports it: bundle_reader.conformance_problems).
"""

from __future__ import annotations

from typing import Any, ClassVar

from fhir.resources.R4B.fhirtypes import (CanonicalType, CodeType, DateTimeType, DateType, DecimalType, IdType,
                                          InstantType, IntegerType, StringType, UriType)
from pydantic import BaseModel, ConfigDict, model_validator

# Elements whose presence changes the meaning of a resource: a reader that does not understand them must not
# use the resource (FHIR R4 "Modifier Elements" and "Extensibility: modifierExtension").
MODIFIERS = ("modifierExtension", "implicitRules")


class Element(BaseModel):
    model_config = ConfigDict(extra="ignore")
    # Choice elements ([x]) of this type that nelm reads: at most one of each group may be present.
    choices: ClassVar[tuple[tuple[str, ...], ...]] = ()
    choice_sets: ClassVar[tuple[frozenset[str], ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.choice_sets = tuple(frozenset(group) for group in cls.choices)


def _one_value_per_choice(cls: type[Element], data: Any) -> Any:
    if isinstance(data, dict):
        keys = data.keys()
        for group in cls.choice_sets:
            present = keys & group  # a set intersection: Extension alone has 50 value[x] names
            if len(present) > 1:
                given = [name for name in present if data[name] is not None]
                if len(given) > 1:
                    raise ValueError(f"only one of {', '.join(sorted(given))} may be given (one value per choice element)")
    return data


class ChoiceElement(Element):
    """An element with choice elements; the check runs only where there are choices (a third of the read time otherwise)."""

    _choices_checked = model_validator(mode="before")(classmethod(_one_value_per_choice))


class Coding(Element):
    system: UriType | None = None
    code: CodeType | None = None
    display: StringType | None = None


class CodeableConcept(Element):
    coding: list[Coding] | None = None
    text: StringType | None = None


class Quantity(Element):
    value: DecimalType | None = None
    unit: StringType | None = None
    system: UriType | None = None
    code: CodeType | None = None


class Reference(Element):
    reference: StringType | None = None
    display: StringType | None = None


class Period(Element):
    start: DateTimeType | None = None
    end: DateTimeType | None = None


_VALUE_CHOICE = ("valueBase64Binary", "valueBoolean", "valueCanonical", "valueCode", "valueDate", "valueDateTime",
                 "valueDecimal", "valueId", "valueInstant", "valueInteger", "valueMarkdown", "valueOid",
                 "valuePositiveInt", "valueString", "valueTime", "valueUnsignedInt", "valueUri", "valueUrl",
                 "valueUuid", "valueAddress", "valueAge", "valueAnnotation", "valueAttachment",
                 "valueCodeableConcept", "valueCoding", "valueContactPoint", "valueCount", "valueDistance",
                 "valueDuration", "valueHumanName", "valueIdentifier", "valueMoney", "valuePeriod", "valueQuantity",
                 "valueRange", "valueRatio", "valueReference", "valueSampledData", "valueSignature", "valueTiming",
                 "valueContactDetail", "valueContributor", "valueDataRequirement", "valueExpression",
                 "valueParameterDefinition", "valueRelatedArtifact", "valueTriggerDefinition", "valueUsageContext",
                 "valueDosage", "valueMeta")


class Extension(ChoiceElement):
    choices = (_VALUE_CHOICE,)
    url: UriType
    valueCodeableConcept: CodeableConcept | None = None


class Meta(Element):
    profile: list[CanonicalType | None] | None = None  # FHIR JSON puts null where only _profile has an extension
    lastUpdated: InstantType | None = None
    versionId: IdType | None = None


class Resource(Element):
    resourceType: str
    id: IdType | None = None
    meta: Meta | None = None

    def get_resource_type(self) -> str:  # the name fhir.resources gives it, so readers work on either model
        return self.resourceType


class ChoiceResource(Resource):
    _choices_checked = model_validator(mode="before")(classmethod(_one_value_per_choice))


class Patient(Resource):
    birthDate: DateType | None = None


class Condition(ChoiceResource):
    choices = (("onsetDateTime", "onsetAge", "onsetPeriod", "onsetRange", "onsetString"),
               ("abatementDateTime", "abatementAge", "abatementPeriod", "abatementRange", "abatementString"))
    subject: Reference
    extension: list[Extension] | None = None
    verificationStatus: CodeableConcept | None = None
    code: CodeableConcept | None = None
    bodySite: list[CodeableConcept] | None = None
    onsetDateTime: DateTimeType | None = None
    recordedDate: DateTimeType | None = None


_OBSERVATION_VALUES = ("valueQuantity", "valueCodeableConcept", "valueString", "valueBoolean", "valueInteger",
                       "valueRange", "valueRatio", "valueSampledData", "valueTime", "valueDateTime", "valuePeriod")


class ObservationComponent(ChoiceElement):
    choices = (_OBSERVATION_VALUES,)
    code: CodeableConcept
    valueQuantity: Quantity | None = None


class Observation(ChoiceResource):
    choices = (_OBSERVATION_VALUES, ("effectiveDateTime", "effectivePeriod", "effectiveTiming", "effectiveInstant"))
    status: CodeType
    code: CodeableConcept
    subject: Reference | None = None
    focus: list[Reference] | None = None
    effectiveDateTime: DateTimeType | None = None
    effectivePeriod: Period | None = None
    issued: InstantType | None = None
    valueQuantity: Quantity | None = None
    valueCodeableConcept: CodeableConcept | None = None
    valueInteger: IntegerType | None = None
    dataAbsentReason: CodeableConcept | None = None
    bodySite: CodeableConcept | None = None
    component: list[ObservationComponent] | None = None


class Procedure(ChoiceResource):
    choices = (("performedDateTime", "performedPeriod", "performedString", "performedAge", "performedRange"),)
    status: CodeType
    subject: Reference
    code: CodeableConcept | None = None
    bodySite: list[CodeableConcept] | None = None
    performedDateTime: DateTimeType | None = None
    performedPeriod: Period | None = None


class BodyStructure(Resource):
    patient: Reference
    description: StringType | None = None
    location: CodeableConcept | None = None
    locationQualifier: list[CodeableConcept] | None = None


class Medication(Resource):
    code: CodeableConcept | None = None


_MEDICATION = ("medicationCodeableConcept", "medicationReference")


class _MedicationUse(ChoiceResource):
    """What MedicationStatement and MedicationAdministration share: a medication taken over a time."""

    choices = (_MEDICATION, ("effectiveDateTime", "effectivePeriod"))
    status: CodeType
    subject: Reference
    medicationCodeableConcept: CodeableConcept | None = None
    medicationReference: Reference | None = None
    effectiveDateTime: DateTimeType | None = None
    effectivePeriod: Period | None = None

    @model_validator(mode="after")
    def _medication_given(self) -> _MedicationUse:
        return _require_medication(self)


class MedicationStatement(_MedicationUse):
    dateAsserted: DateTimeType | None = None


class MedicationAdministration(_MedicationUse):
    @model_validator(mode="after")
    def _time_given(self) -> MedicationAdministration:
        if self.effectiveDateTime is None and self.effectivePeriod is None:
            raise ValueError("effective[x] is required (effectiveDateTime or effectivePeriod)")
        return self


class MedicationRequest(ChoiceResource):
    choices = (_MEDICATION, ("reportedBoolean", "reportedReference"))
    status: CodeType
    intent: CodeType
    subject: Reference
    medicationCodeableConcept: CodeableConcept | None = None
    medicationReference: Reference | None = None
    authoredOn: DateTimeType | None = None

    @model_validator(mode="after")
    def _medication_given(self) -> MedicationRequest:
        return _require_medication(self)


def _require_medication(record: Any) -> Any:
    if record.medicationCodeableConcept is None and record.medicationReference is None:
        raise ValueError("medication[x] is required (medicationCodeableConcept or medicationReference)")
    return record


class OtherResource(Resource):
    """A resource of a type nelm does not read: only what tells whose it is."""

    subject: Reference | None = None
    patient: Reference | None = None


class BundleEntry(Element):
    fullUrl: UriType | None = None


class BundleEnvelope(Element):
    """Bundle.type, its dates and its entries' fullUrls; the entries' resources are read one by one."""

    resourceType: str
    type: CodeType
    timestamp: InstantType | None = None
    meta: Meta | None = None
    entry: list[BundleEntry] | None = None


READ_MODELS: dict[str, type[Resource]] = {model.__name__: model for model in (
    Patient, Condition, Observation, Procedure, BodyStructure, Medication, MedicationStatement,
    MedicationAdministration, MedicationRequest)}

__all__ = ["MODIFIERS", "READ_MODELS", "BundleEnvelope", "OtherResource", "Resource"]
