"""The lean FHIR models nelm reads with must agree with fhir.resources' R4B models on every element they declare:
what is valid, what is required, which values go together, and the Python value each element becomes."""

from __future__ import annotations

import json
import typing
from datetime import date, datetime
from decimal import Decimal

import pytest
from fhir.resources.R4B import fhirtypes, get_fhir_model_class
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from nelm.interop.fhir_subset import READ_MODELS, Element

from .conftest import BUNDLES, load

PRIMITIVE_SAMPLES: dict[object, list[object]] = {
    fhirtypes.StringType: ["Ki-67", "liver segment VI", "", " ", "a\nb", 7, None],
    fhirtypes.CodeType: ["final", "29593-1", "", " final", "two  words", "a b", 3, None],
    fhirtypes.IdType: ["ki67-1", "A.b-9", "a b", "", "x" * 65, 12, None],
    fhirtypes.UriType: ["http://loinc.org", "urn:oid:2.16.840.1.113883.6.43.1", "has space", "", None],
    fhirtypes.CanonicalType: ["http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-primary-cancer-condition", "x|1.0", "a b", None],
    fhirtypes.DateType: ["1960", "1960-05", "1960-05-03", "1960-13", "1960-02-30", "1960-05-03T10:00:00Z", "60", 1960, None],
    fhirtypes.DateTimeType: ["2024", "2024-03", "2024-03-14", "2024-03-14T10:00:00Z", "2024-03-14T10:00:00+02:00",
                             "2024-03-14T10:00:00", "2024-03-14T10:00:00.123-05:00", "2024-03-14T24:00:00Z", "yesterday", None],
    fhirtypes.InstantType: ["2024-03-14T10:00:00Z", "2024-03-14T10:00:00.5+01:00", "2024-03-14", "2024-03-14T10:00:00", None],
    fhirtypes.DecimalType: [12, 12.5, 0.001, -3, 1e21, "12.5", "two", "", True, None],
    fhirtypes.IntegerType: [0, 3, -1, 2**31, 3.0, 3.5, "3", "three", True, None],
}


def primitive_type(annotation: object) -> object | None:
    for candidate in (annotation, *typing.get_args(annotation)):
        for known in PRIMITIVE_SAMPLES:
            if candidate == known:
                return known
    return None


def element_model(annotation: object) -> tuple[type[BaseModel] | None, bool]:
    """(the Element model inside an annotation, whether it is a list of them)."""
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, Element):
            return candidate, False
        if typing.get_origin(candidate) is list:
            inner, _ = element_model(typing.get_args(candidate)[0])
            if inner is not None:
                return inner, True
    return None, False


def is_list_of_primitive(annotation: object) -> object | None:
    for candidate in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(candidate) is list:
            return primitive_type(typing.get_args(candidate)[0])
    return None


def strategy_for(model: type[BaseModel], depth: int = 0) -> st.SearchStrategy[dict]:
    """Objects holding only the elements the lean model declares, each valid or subtly invalid."""
    fields: dict[str, st.SearchStrategy] = {}
    for name, info in model.model_fields.items():
        if name == "resourceType":
            continue
        primitive = primitive_type(info.annotation)
        listed_primitive = is_list_of_primitive(info.annotation)
        inner, many = element_model(info.annotation)
        if primitive is not None:
            fields[name] = st.sampled_from(PRIMITIVE_SAMPLES[primitive])
        elif listed_primitive is not None:
            fields[name] = st.lists(st.sampled_from(PRIMITIVE_SAMPLES[listed_primitive]), max_size=2)
        elif inner is not None and depth < 3:
            child = strategy_for(inner, depth + 1)
            fields[name] = st.lists(child, max_size=2) if many else child
    return st.fixed_dictionaries({}, optional=fields)


def assert_same_values(lean: BaseModel, strict: object, path: str = "") -> None:
    for name in type(lean).model_fields:
        if name == "resourceType":
            assert lean.resourceType == strict.get_resource_type()
            continue
        mine, theirs = getattr(lean, name), getattr(strict, name)
        where = f"{path}{name}"
        if isinstance(mine, BaseModel):
            assert theirs is not None, where
            assert_same_values(mine, theirs, where + ".")
        elif isinstance(mine, list) and mine and isinstance(mine[0], BaseModel):
            assert len(mine) == len(theirs), where
            for index, (a, b) in enumerate(zip(mine, theirs)):
                assert_same_values(a, b, f"{where}[{index}].")
        else:
            assert mine == theirs, where
            assert type(mine) is type(theirs) or mine is None or isinstance(mine, list), (where, type(mine), type(theirs))


def both_verdicts(kind: str, resource: dict) -> tuple[BaseModel | None, object | None]:
    text = json.dumps({"resourceType": kind, **resource})
    try:
        lean = READ_MODELS[kind].model_validate(json.loads(text))
    except ValidationError:
        lean = None
    try:
        strict = get_fhir_model_class(kind).model_validate_json(text)
    except (ValidationError, ValueError, TypeError):
        strict = None
    return lean, strict


@pytest.mark.parametrize("kind", sorted(READ_MODELS))
def test_every_element_nelm_declares_exists_in_the_r4b_model_of_that_name(kind):
    def check(lean: type[BaseModel], strict: type[BaseModel]) -> None:
        for name, info in lean.model_fields.items():
            if name == "resourceType":
                continue
            assert name in strict.model_fields, f"{strict.__name__}.{name}"
            inner, _ = element_model(info.annotation)
            if inner is not None:
                assert inner.__name__ in str(strict.model_fields[name].annotation), f"{strict.__name__}.{name} is a {inner.__name__}"
                check(inner, get_fhir_model_class(inner.__name__))

    check(READ_MODELS[kind], get_fhir_model_class(kind))


@pytest.mark.parametrize("kind", sorted(READ_MODELS))
def test_required_elements_are_the_r4b_required_elements(kind):
    lean, strict = READ_MODELS[kind], get_fhir_model_class(kind)
    required_in_r4b = {name for name, info in strict.model_fields.items()
                       if (info.json_schema_extra or {}).get("element_required") or info.is_required()}
    required_here = {name for name, info in lean.model_fields.items() if info.is_required() and name != "resourceType"}
    assert required_here == required_in_r4b & set(lean.model_fields)
    assert required_in_r4b <= set(lean.model_fields) | {"resource_type"}, "every required R4B element is declared"


@pytest.mark.parametrize("kind", sorted(READ_MODELS))
def test_choice_groups_are_the_r4b_choice_elements(kind):
    lean, strict = READ_MODELS[kind], get_fhir_model_class(kind)
    groups: dict[str, set[str]] = {}
    for name, info in strict.model_fields.items():
        group = (info.json_schema_extra or {}).get("one_of_many")
        if group:
            groups.setdefault(group, set()).add(name)
    declared = {frozenset(group) for group in lean.choices}
    for group in declared:
        assert group in {frozenset(members) for members in groups.values()}, sorted(group)
    for members in groups.values():
        if members & set(lean.model_fields):
            assert frozenset(members) in declared, f"{kind}: {sorted(members)} read but not checked as a choice"


@pytest.mark.parametrize("name", BUNDLES)
def test_every_resource_of_the_test_bundles_reads_the_same_as_with_fhir_resources(name):
    for entry in load(name)["entry"]:
        resource = entry["resource"]
        kind = resource["resourceType"]
        if kind not in READ_MODELS:
            continue
        lean, strict = both_verdicts(kind, {k: v for k, v in resource.items() if k != "resourceType"})
        if strict is None:
            continue  # the deliberately broken resources: see the agreement on validity below
        assert lean is not None, f"{name}: {kind}/{resource.get('id')}"
        assert_same_values(lean, strict)


@pytest.mark.parametrize("kind", sorted(READ_MODELS))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_on_generated_resources_the_lean_model_accepts_exactly_what_fhir_resources_accepts(kind, data):
    resource = data.draw(strategy_for(READ_MODELS[kind]))
    lean, strict = both_verdicts(kind, resource)
    assert (lean is None) == (strict is None), (resource, "lean accepts" if lean is not None else "lean refuses")
    if lean is not None:
        assert_same_values(lean, strict)


def test_dates_become_the_same_python_values_as_in_fhir_resources():
    lean, strict = both_verdicts("Observation", {"status": "final", "code": {"text": "Ki-67"}, "effectiveDateTime": "2024-03-14T10:00:00+02:00",
                                                 "valueQuantity": {"value": 12.5, "unit": "%"}})
    assert isinstance(lean.effectiveDateTime, datetime) and lean.effectiveDateTime == strict.effectiveDateTime
    assert lean.valueQuantity.value == Decimal("12.5") == strict.valueQuantity.value
    patient, _ = both_verdicts("Patient", {"birthDate": "1960-05-03"})
    assert patient.birthDate == date(1960, 5, 3)
    partial, _ = both_verdicts("Patient", {"birthDate": "1960-05"})
    assert partial.birthDate == "1960-05"
