"""WHO grading of neuroendocrine neoplasms (WHO 2019 digestive; WHO 2017 pancreas).

| category | differentiation | Ki-67     | mitoses / 2 mm2 |
| NET G1   | well            | < 3 %     | < 2             |
| NET G2   | well            | 3-20 %    | 2-20            |
| NET G3   | well            | > 20 %    | > 20            |
| NEC      | poor            | > 20 %    | > 20            |
The higher grade of the two measures wins; poorly differentiated histology is NEC whatever the Ki-67.
"""

from __future__ import annotations

from dataclasses import dataclass

from nelm.case.model import Category, Differentiation, Pathology

KI67_G2_FROM = 3.0
KI67_G3_ABOVE = 20.0
MITOSES_G2_FROM = 2.0
MITOSES_G3_ABOVE = 20.0


def grade_by_ki67(ki67: float) -> str:
    if ki67 < KI67_G2_FROM:
        return "G1"
    return "G2" if ki67 <= KI67_G3_ABOVE else "G3"


def grade_by_mitoses(mitoses: float) -> str:
    if mitoses < MITOSES_G2_FROM:
        return "G1"
    return "G2" if mitoses <= MITOSES_G3_ABOVE else "G3"


@dataclass(frozen=True)
class Grading:
    grade: str | None
    category: str | None
    basis: str
    missing: tuple[str, ...] = ()


def grade(pathology: Pathology) -> Grading:
    ki67, mitoses, diff = pathology.ki67_percent, pathology.mitoses_per_2mm2, pathology.differentiation
    by_measure = []
    if ki67 is not None:
        by_measure.append((grade_by_ki67(ki67), f"Ki-67 {ki67:g} %"))
    if mitoses is not None:
        by_measure.append((grade_by_mitoses(mitoses), f"{mitoses:g} mitoses/2 mm2"))

    if diff == Differentiation.poor:
        return Grading("G3", Category.NEC.value, "poorly differentiated: NEC whatever the Ki-67 (WHO 2019)")
    if not by_measure:
        if diff is None and pathology.category == Category.NEC:
            return Grading("G3", "NEC", "reported as NEC (no Ki-67 or mitotic count given)")
        return Grading(None, None, "no Ki-67 or mitotic count", ("pathology.ki67_percent",))

    worst_grade, worst_basis = max(by_measure, key=lambda item: item[0])
    basis = f"{worst_grade} by {worst_basis}"
    if len(by_measure) == 2 and by_measure[0][0] != by_measure[1][0]:
        basis += " (the higher grade of Ki-67 and mitotic count wins)"
    if diff == Differentiation.well:
        return Grading(worst_grade, Category.NET.value, f"well differentiated, {basis} (WHO 2019)")
    # Differentiation not given.
    if pathology.category is not None:
        category = pathology.category.value
        return Grading("G3" if category == "NEC" else worst_grade, category, f"{basis}; category as reported by pathology")
    if worst_grade == "G3":
        return Grading("G3", None, f"{basis}: NET G3 or NEC depends on differentiation", ("pathology.differentiation",))
    return Grading(worst_grade, Category.NET.value, f"{basis}; NET because NEC always has Ki-67 > 20 % (WHO 2019)")
