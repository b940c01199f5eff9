"""The facts rules read: the case's fields, values derived from them, and the site protocol."""

from __future__ import annotations

from typing import Any

from nelm.case.grading import Grading, grade
from nelm.case.model import Case
from nelm.knowledge.anatomy import (
    ABDOMINAL_SITES,
    EXTRA_ABDOMINAL_SITES,
    LEFT_LOBE_SEGMENTS,
    PORTAL_DRAINED,
    RIGHT_LOBE_SEGMENTS,
)
from nelm.knowledge.protocol import Protocol
from nelm.knowledge.rulebook import Missing



class once:
    """Compute a derived fact on first use and keep it on the instance. Like functools.cached_property,
    without the per-access lock that makes it slow on Python 3.11 (the engine reads facts thousands of times)."""

    def __init__(self, compute):
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __get__(self, facts, owner=None):
        if facts is None:
            return self
        value = facts.__dict__[self.name] = self.compute(facts)
        return value


class Facts:
    """Read-only view of a case for rules. `need` raises Missing so rules never assume a default."""

    def __init__(self, case: Case, protocol: Protocol):
        self.case = case
        self.p = protocol
        # Case fields by dotted path, enums as their plain values: one dump per case keeps rule reads cheap.
        self._fields = _flatten(case)

    # -- access ------------------------------------------------------------------------------------
    def get(self, path: str) -> Any:
        derived = _DERIVED.get(path)
        return getattr(self, derived) if derived else self._fields.get(path)

    def need(self, *paths: str) -> Any:
        if len(paths) == 1:
            value = self.get(paths[0])
            if value is None:
                raise Missing(self._feeds(paths[0]))
            return value
        values = [self.get(path) for path in paths]
        if None in values:
            absent = [self._feeds(path) for path, value in zip(paths, values) if value is None]
            raise Missing([p for group in absent for p in group])
        return tuple(values)

    def _feeds(self, path: str) -> tuple[str, ...]:
        """The case fields to ask for when a (possibly derived) fact is missing."""
        if path in {"grade", "category"} and self.grading.missing:
            return self.grading.missing
        if path == "flr_adequate" and self.case.liver.future_liver_remnant_percent is not None:
            return ("liver.parenchyma",)
        return _FEEDS.get(path, (path,))

    # -- derived values ----------------------------------------------------------------------------
    @once
    def grading(self) -> Grading:
        return grade(self.case.pathology)

    @once
    def grade(self) -> str | None:
        return self.grading.grade

    @once
    def category(self) -> str | None:
        return self.grading.category

    @once
    def lesion_count(self) -> int | None:
        liver = self.case.liver
        if liver.lesion_count is not None:
            return liver.lesion_count
        return len(liver.lesions) if liver.lesions else None

    @once
    def largest_lesion_mm(self) -> float | None:
        liver = self.case.liver
        if liver.largest_lesion_mm is not None:
            return liver.largest_lesion_mm
        if liver.lesions and (liver.lesion_count is None or liver.lesion_count == len(liver.lesions)):
            return max(lesion.size_mm for lesion in liver.lesions)
        return None  # some lesions unmeasured: the largest is unknown

    @once
    def sizes_mm(self) -> list[float] | None:
        """Every lesion's size, when every lesion is listed."""
        liver = self.case.liver
        if liver.lesions and (liver.lesion_count is None or liver.lesion_count == len(liver.lesions)):
            return sorted((lesion.size_mm for lesion in liver.lesions), reverse=True)
        return None

    @once
    def distribution(self) -> str | None:
        liver = self.case.liver
        if liver.distribution is not None:
            return liver.distribution.value
        if self.lesion_count == 1:
            return "unilobar"
        if liver.lesions and self.sizes_mm is not None:
            segments = {lesion.segment for lesion in liver.lesions}
            if segments & LEFT_LOBE_SEGMENTS and segments & RIGHT_LOBE_SEGMENTS:
                return "bilobar"
        return None

    @once
    def pattern(self) -> str | None:
        """Frilling type. Only type I (a single metastasis) can be told from the count alone; II vs III is
        the radiologist's reading, so it stays missing rather than being guessed."""
        if self.case.liver.pattern is not None:
            return self.case.liver.pattern.value
        return "I" if self.lesion_count == 1 else None

    @once
    def flr_minimum_percent(self) -> float | None:
        parenchyma = self.case.liver.parenchyma
        return None if parenchyma is None else self.p.flr_minimum(parenchyma.value)

    @once
    def flr_adequate(self) -> bool | None:
        """FLR adequacy; decidable without the parenchyma when the FLR clears (or misses) every threshold."""
        flr = self.case.liver.future_liver_remnant_percent
        if flr is None:
            return None
        if self.flr_minimum_percent is not None:
            return flr >= self.flr_minimum_percent
        thresholds = [self.p.flr_minimum(kind) for kind in ("normal", "chemotherapy_injured", "steatosis", "fibrosis", "cirrhosis")]
        if flr >= max(thresholds):
            return True
        if flr < min(thresholds):
            return False
        return None

    @once
    def portal_drained(self) -> bool | None:
        site = self.case.primary.site
        if site is None or site.value in {"unknown", "other"}:
            return None
        return site.value in PORTAL_DRAINED

    @once
    def extrahepatic(self) -> bool | None:
        return self.case.extrahepatic_disease.present

    @once
    def extra_abdominal(self) -> bool | None:
        ehd = self.case.extrahepatic_disease
        if ehd.extra_abdominal is not None:
            return ehd.extra_abdominal
        if ehd.present is False:
            return False
        if ehd.sites:
            names = {site.strip().lower().replace(" ", "_") for site in ehd.sites}
            if names & EXTRA_ABDOMINAL_SITES:
                return True
            if names <= ABDOMINAL_SITES:
                return False
        return None

    @once
    def functioning(self) -> bool | None:
        syndrome = self.case.functional_syndrome
        return None if syndrome is None else syndrome.value != "none"

    @once
    def stable_enough_for_transplant(self) -> bool | None:
        course = self.case.disease_course
        if course.progressing:
            return False
        if course.stable_months is None:
            return None
        return course.stable_months >= self.p.transplant_min_stable_months


_SECTIONS = {name: {field: f"{name}.{field}" for field in Case.model_fields[name].annotation.model_fields}
             for name in ("primary", "pathology", "liver", "extrahepatic_disease", "disease_course")}


def _flatten(case: Case) -> dict[str, Any]:
    """Case fields by dotted path (the case has one level of sections; their keys are precomputed)."""
    data = case.model_dump(mode="json")
    for section, keys in _SECTIONS.items():
        for field, value in data.pop(section).items():
            data[keys[field]] = value
    return data


# Derived fact name -> attribute, and which case fields feed it (reported when it is missing).
_DERIVED = {
    "grade": "grade",
    "category": "category",
    "lesion_count": "lesion_count",
    "largest_lesion_mm": "largest_lesion_mm",
    "distribution": "distribution",
    "pattern": "pattern",
    "flr_adequate": "flr_adequate",
    "portal_drained": "portal_drained",
    "extrahepatic": "extrahepatic",
    "extra_abdominal": "extra_abdominal",
    "functioning": "functioning",
    "stable_enough_for_transplant": "stable_enough_for_transplant",
}
_FEEDS = {
    "grade": ("pathology.ki67_percent",),
    "category": ("pathology.differentiation",),
    "lesion_count": ("liver.lesion_count",),
    "largest_lesion_mm": ("liver.largest_lesion_mm",),
    "distribution": ("liver.distribution",),
    "pattern": ("liver.pattern",),
    "flr_adequate": ("liver.future_liver_remnant_percent", "liver.parenchyma"),
    "portal_drained": ("primary.site",),
    "extrahepatic": ("extrahepatic_disease.present",),
    "extra_abdominal": ("extrahepatic_disease.extra_abdominal",),
    "functioning": ("functional_syndrome",),
    "stable_enough_for_transplant": ("disease_course.stable_months",),
}

