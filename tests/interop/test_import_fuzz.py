"""Fuzzing the FHIR import: any JSON either becomes a valid case with a report, or a BadBundle message."""

from __future__ import annotations

import copy
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nelm.case.validation import check_case_data
from nelm.interop.fhir_import import BadBundle, import_bundle

from .conftest import BUNDLES, load

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
FIELD_NAMES = st.sampled_from(["resourceType", "id", "status", "code", "value", "valueQuantity", "valueInteger", "component",
                               "bodySite", "focus", "subject", "birthDate", "timestamp", "entry", "resource", "coding", "text",
                               "system", "unit", "verificationStatus", "extension", "meta", "performedDateTime", "effectiveDateTime"])


def check(data) -> None:
    try:
        result = import_bundle(data, as_of=date(2024, 7, 1))
    except BadBundle as bad:
        assert bad.problems and all(isinstance(p, str) and p for p in bad.problems)
        return
    assert check_case_data(result.case).ok


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_arbitrary_json_never_crashes_the_import(data):
    check(data)


@st.composite
def mutated_bundles(draw):
    bundle = copy.deepcopy(load(draw(st.sampled_from(BUNDLES))))
    for _ in range(draw(st.integers(1, 4))):
        entry = draw(st.sampled_from(bundle["entry"]))
        node = entry
        path = draw(st.lists(FIELD_NAMES, min_size=1, max_size=3))
        for key in path[:-1]:
            child = node.get(key) if isinstance(node, dict) else None
            if isinstance(child, list) and child:
                child = child[0]
            if not isinstance(child, dict):
                break
            node = child
        if isinstance(node, dict):
            if draw(st.booleans()):
                node[path[-1]] = draw(json_values)
            else:
                node.pop(path[-1], None)
    return bundle


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_bundles())
def test_damaged_mcode_bundles_never_crash_the_import(data):
    check(data)
