"""Small readers for FHIR datatypes: codes, text, quantities, dates, references, liver segments."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, TypeVar

from nelm.interop.codes import MM_PER_UNIT, UCUM

T = TypeVar("T")


def element(node: Any, name: str) -> Any:
    """The element `name` of a resource or datatype, or None when its type has no such element. A dictionary
    lookup: getattr on a pydantic model raises and catches AttributeError for absent names, which was a tenth
    of the import's time."""
    return getattr(node, "__dict__", {}).get(name)


@lru_cache(maxsize=4096)  # pure, and a few hundred codes recur in every record
def norm_code(code: str | None) -> str:
    """ICD codes are compared without dots or spaces, upper case (C7A.012 == c7a012)."""
    return "" if code is None else re.sub(r"[\s.]", "", str(code)).upper()


def codings(concepts: Any) -> list[tuple[str, str, str]]:
    """(system, code, display) of every coding of one CodeableConcept or a list of them."""
    out = []
    for concept in concepts if isinstance(concepts, list | tuple) else (concepts,):
        if concept is None:
            continue
        for coding in getattr(concept, "coding", None) or ():
            out.append((coding.system or "", coding.code or "", coding.display or ""))
    return out


def texts(concepts: Any) -> list[str]:
    """Human text of a CodeableConcept (or list): its text and every coding's display."""
    out = []
    for concept in _as_list(concepts):
        if getattr(concept, "text", None):
            out.append(concept.text)
        out.extend(display for _, _, display in codings(concept) if display)
    return out


def has_code(concepts: Any, system: str, codes: Iterable[str]) -> str | None:
    """The first code of `system` found in `codes`, else None."""
    wanted = set(codes)
    return next((code for sys, code, _ in codings(concepts) if sys == system and code in wanted), None)


def codes_of(concepts: Any, system: str) -> list[str]:
    return [code for sys, code, _ in codings(concepts) if sys == system and code]


def by_prefix(table: Mapping[str, T], code: str) -> T | None:
    """Value of the longest key that starts `code` (ICD hierarchies: C7A.012 falls under C7A01...)."""
    best = None
    for key in table:
        if code.startswith(key) and (best is None or len(key) > len(best)):
            best = key
    return None if best is None else table[best]


def describe(concepts: Any) -> str:
    """One short label for a concept, for reports: 'system|code display' or its text."""
    for sys, code, display in codings(concepts):
        short = sys.rsplit("/", 1)[-1] if sys else "?"
        return f"{short} {code}" + (f" ({display})" if display else "")
    found = texts(concepts)
    return repr(found[0]) if found else "(no code)"


def length_mm(quantity: Any) -> tuple[float | None, str]:
    """A length Quantity in millimetres, or None and why not. UCUM units mm, cm, m are understood."""
    if quantity is None or quantity.value is None:
        return None, "no value"
    unit = (quantity.code if quantity.system in (UCUM, None) and quantity.code else None) or quantity.unit
    factor = MM_PER_UNIT.get(_UNIT_WORDS.get((unit or "").strip().lower(), (unit or "").strip()))
    if factor is None:
        return None, f"unit {unit!r} is not a length nelm converts (mm, cm, m, [in_i])"
    value = _number(quantity.value)
    if value is None or value <= 0:
        return None, f"size {quantity.value} is not a positive number"
    return round(value * factor, 3), (f"{_fmt(value)} {unit} = {_fmt(value * factor)} mm" if factor != 1 else "")


_UNIT_WORDS = {"millimeter": "mm", "millimeters": "mm", "millimetre": "mm", "millimetres": "mm", "centimeter": "cm",
               "centimeters": "cm", "centimetre": "cm", "centimetres": "cm", "in": "[in_i]", "inch": "[in_i]", "inches": "[in_i]",
               "mm": "mm", "cm": "cm", "m": "m"}


def percent(quantity: Any) -> tuple[float | None, str]:
    """A percentage Quantity ('%' or no unit), or None and why not."""
    if quantity is None or getattr(quantity, "value", None) is None:
        return None, "no value"
    unit = (quantity.code or quantity.unit or "%").strip()
    if unit != "%":
        return None, f"unit {unit!r} is not %"
    value = _number(quantity.value)
    if value is None or not 0 <= value <= 100:
        return None, f"{quantity.value} % is outside 0-100 %"
    return value, ""


def _number(value: Any) -> float | None:
    try:
        number = float(Decimal(str(value)))
    except (InvalidOperation, ValueError, OverflowError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def _fmt(value: float) -> str:
    return f"{value:g}"


# --- dates ------------------------------------------------------------------------------------------

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def date_range(value: Any) -> tuple[date, date] | None:
    """Earliest and latest day a FHIR date/dateTime may mean ('1960' spans the whole year)."""
    if isinstance(value, datetime):
        return value.date(), value.date()
    if isinstance(value, date):
        return value, value
    match = _PARTIAL.match(str(value or ""))
    if not match:
        return None
    year, month, day = int(match[1]), match[2], match[3]
    try:
        if day:
            d = date(year, int(month), int(day))
            return d, d
        if month:
            m = int(month)
            last = (date(year + (m == 12), m % 12 + 1, 1) - date.resolution)
            return date(year, m, 1), last
        return date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        return None


def completed_years(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def sort_key(value: Any) -> str:
    """A string that orders FHIR dates/dateTimes chronologically (missing dates first)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value) if value else ""


_TIMES = ("effectiveDateTime", "performedDateTime", "occurrenceDateTime", "recordedDate", "onsetDateTime", "authoredOn", "issued", "dateAsserted")


def when(resource: Any) -> str:
    """The clinically relevant time of an Observation, Procedure, Condition or medication record."""
    elements = getattr(resource, "__dict__", {})
    for name in _TIMES:
        value = elements.get(name)
        if value:
            return sort_key(value)
    for name in ("effectivePeriod", "performedPeriod"):
        period = elements.get(name)
        if period is not None and (period.end or period.start):
            return sort_key(period.end or period.start)
    return ""


# --- liver segments -----------------------------------------------------------------------------------

_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "IVA": 4, "IVB": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8}
_SEGMENT = re.compile(r"\b(?:couinaud\s+(?:hepatic\s+)?)?seg(?:ments?|\.)?\s*(VIII|VII|VI|IV[AB]?|V|III|II|I|[1-8][AB]?)\b", re.I)
_SHORT = re.compile(r"\bS([1-8])(?:[AB])?\b")


@lru_cache(maxsize=4096)
def liver_segment(text: str) -> int | None:
    """Couinaud segment 1-8 written in text: 'segment VI', 'Couinaud segment 6', 'seg. 4b', 'S7', 'caudate lobe'.

    Recognised by text because no SNOMED CT codes for the segments could be verified (see codes.py).
    """
    match = _SEGMENT.search(text)
    if match:
        token = match[1].upper()
        return _ROMAN.get(token) or int(token[0])
    match = _SHORT.search(text)
    if match:
        return int(match[1])
    if re.search(r"\bcaudate\b", text, re.I):
        return 1
    return None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
