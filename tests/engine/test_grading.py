"""WHO grading: cut-offs, the higher of Ki-67 and mitoses wins, poor differentiation is NEC."""

import pytest

from nelm.case.grading import grade
from nelm.case.model import Pathology


@pytest.mark.parametrize(("ki67", "expected"), [(0, "G1"), (2.9, "G1"), (3, "G2"), (10, "G2"), (20, "G2"), (20.1, "G3"), (80, "G3")])
def test_ki67_cut_offs_follow_who_2019(ki67, expected):
    assert grade(Pathology(ki67_percent=ki67, differentiation="well")).grade == expected


@pytest.mark.parametrize(("mitoses", "expected"), [(0, "G1"), (1.9, "G1"), (2, "G2"), (20, "G2"), (21, "G3")])
def test_mitotic_cut_offs_follow_who_2019(mitoses, expected):
    assert grade(Pathology(mitoses_per_2mm2=mitoses, differentiation="well")).grade == expected


def test_the_higher_grade_of_ki67_and_mitoses_wins():
    result = grade(Pathology(ki67_percent=2, mitoses_per_2mm2=25, differentiation="well"))
    assert result.grade == "G3" and result.category == "NET"
    assert "higher grade" in result.basis


def test_poor_differentiation_is_nec_whatever_the_ki67():
    result = grade(Pathology(ki67_percent=15, differentiation="poor"))
    assert (result.grade, result.category) == ("G3", "NEC")


def test_well_differentiated_ki67_above_20_is_net_g3_not_nec():
    assert (grade(Pathology(ki67_percent=35, differentiation="well")).category) == "NET"


def test_high_ki67_without_differentiation_asks_for_differentiation():
    result = grade(Pathology(ki67_percent=35))
    assert result.category is None and result.missing == ("pathology.differentiation",)


def test_low_ki67_without_differentiation_is_net_because_nec_is_always_above_20():
    result = grade(Pathology(ki67_percent=5))
    assert (result.grade, result.category) == ("G2", "NET")


def test_no_proliferation_measure_asks_for_ki67():
    assert grade(Pathology(differentiation="well")).missing == ("pathology.ki67_percent",)
