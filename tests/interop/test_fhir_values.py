"""Readers of FHIR datatypes: Couinaud segments in text, partial dates, lengths, ICD hierarchies."""

from __future__ import annotations

from datetime import date

import pytest
from fhir.resources.R4B.quantity import Quantity

from nelm.interop import codes
from nelm.interop.fhir_values import by_prefix, date_range, length_mm, liver_segment, norm_code


@pytest.mark.parametrize("text, segment", [
    ("Couinaud segment VI", 6), ("Liver, segment 5", 5), ("segment IVb", 4), ("seg. 7", 7), ("S8", 8),
    ("Couinaud hepatic segment VIII", 8), ("segment VII", 7), ("segment I", 1), ("caudate lobe", 1),
    ("segments 6/7", 6), ("right lobe", None), ("segmentectomy", None), ("Segment is unknown", None),
])
def test_couinaud_segments_are_read_from_the_way_radiologists_write_them(text, segment):
    assert liver_segment(text) == segment


@pytest.mark.parametrize("value, span", [
    ("1960", (date(1960, 1, 1), date(1960, 12, 31))),
    ("1960-02", (date(1960, 2, 1), date(1960, 2, 29))),
    ("1961-12", (date(1961, 12, 1), date(1961, 12, 31))),
    (date(1960, 5, 3), (date(1960, 5, 3), date(1960, 5, 3))),
    ("not a date", None),
])
def test_partial_fhir_dates_span_every_day_they_may_mean(value, span):
    assert date_range(value) == span


@pytest.mark.parametrize("quantity, mm", [
    ({"value": 2.4, "unit": "cm", "system": "http://unitsofmeasure.org", "code": "cm"}, 24.0),
    ({"value": 17, "unit": "mm", "system": "http://unitsofmeasure.org", "code": "mm"}, 17.0),
    ({"value": 0.031, "system": "http://unitsofmeasure.org", "code": "m"}, 31.0),
    ({"value": 3, "unit": "centimeters"}, 30.0),
    ({"value": 1, "system": "http://unitsofmeasure.org", "code": "[in_i]"}, 25.4),
    ({"value": 2, "unit": "cm", "system": "http://unitsofmeasure.org", "code": "mL"}, None),
    ({"value": 0, "unit": "mm"}, None),
    ({"value": -3, "unit": "cm"}, None),
])
def test_lengths_are_converted_to_millimetres_only_from_units_that_are_lengths(quantity, mm):
    assert length_mm(Quantity.model_validate(quantity))[0] == mm


@pytest.mark.parametrize("code, site", [
    ("C7A.012", "small_intestine"), ("C7A.010", "duodenum"), ("C7A.020", "appendix"), ("C7A.026", "rectum"),
    ("C25.4", "pancreas"), ("C18.1", "appendix"), ("C18.7", "colon"), ("C17.0", "duodenum"), ("C7A.1", None),
])
def test_icd10cm_primary_sites_follow_the_code_hierarchy_longest_prefix_first(code, site):
    assert by_prefix(codes.ICD10CM_SITE, norm_code(code)) == site
