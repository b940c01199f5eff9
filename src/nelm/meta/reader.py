"""Read and check a meta-analysis CSV given as text (the door does the file I/O).

Columns: `study,events,n` for proportion measures, `study,yi,vi` for GEN; other columns are ignored,
lines starting with '#' are comments. Every bad row is reported (row numbers count data rows from 1,
header and comment lines not counted); nothing is returned from a file with any problem.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

from nelm.meta.measures import MEASURES, PROPORTION_MEASURES, Effects, given_effects, proportion_effects

PROPORTION_COLUMNS = ("study", "events", "n")
EFFECT_COLUMNS = ("study", "yi", "vi")


class MetaInputError(ValueError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class MetaInput:
    measure: str
    studies: tuple[str, ...]
    events: tuple[int, ...] | None = None
    n: tuple[int, ...] | None = None
    yi: tuple[float, ...] | None = None
    vi: tuple[float, ...] | None = None

    def effects(self) -> Effects:
        if self.measure == "GEN":
            return given_effects(self.yi, self.vi)
        return proportion_effects(self.events, self.n, self.measure)


def parse_meta_csv(text: str, measure: str, *, min_studies: int = 2) -> MetaInput:
    """Parse and validate; raises MetaInputError listing every problem found."""
    measure = measure.upper()
    if measure not in MEASURES:
        raise MetaInputError([f"--measure {measure!r} is not one of {', '.join(MEASURES)}"])
    lines = [line for line in text.lstrip("\ufeff").splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise MetaInputError(["the file has no header and no rows"])
    reader = csv.reader(io.StringIO("\n".join(lines)))
    header = [h.strip().lower() for h in next(reader)]
    needed = PROPORTION_COLUMNS if measure in PROPORTION_MEASURES else EFFECT_COLUMNS
    missing = [c for c in needed if c not in header]
    if missing:
        raise MetaInputError([_missing_columns_message(missing, needed, measure, header)])
    col = {name: header.index(name) for name in needed}

    problems: list[str] = []
    studies, first, second = [], [], []
    for number, fields in enumerate(reader, start=1):
        if len(fields) < len(header):
            problems.append(f"row {number}: has {len(fields)} fields, the header has {len(header)}")
            continue
        study = fields[col["study"]].strip()
        where = f"row {number}" + (f" (study {study!r})" if study else "")
        if not study:
            problems.append(f"{where}: study is empty")
        if measure in PROPORTION_MEASURES:
            row_problems, values = _proportion_row(fields[col["events"]], fields[col["n"]])
        else:
            row_problems, values = _effect_row(fields[col["yi"]], fields[col["vi"]])
        problems.extend(f"{where}: {p}" for p in row_problems)
        if not row_problems and study:
            studies.append(study)
            first.append(values[0])
            second.append(values[1])
    if problems:
        raise MetaInputError(problems)
    if len(studies) < min_studies:
        raise MetaInputError([f"need at least {min_studies} studies, found {len(studies)}"])
    if measure in PROPORTION_MEASURES:
        return MetaInput(measure, tuple(studies), events=tuple(first), n=tuple(second))
    return MetaInput(measure, tuple(studies), yi=tuple(first), vi=tuple(second))


def _proportion_row(events_text: str, n_text: str) -> tuple[list[str], tuple[int, int]]:
    problems = []
    events, p1 = _whole_number("events", events_text)
    n, p2 = _whole_number("n", n_text)
    problems += p1 + p2
    if n is not None and n <= 0:
        problems.append(f"n ({n}) must be > 0")
    if events is not None and events < 0:
        problems.append(f"events ({events}) must be >= 0")
    if events is not None and n is not None and n > 0 and events > n:
        problems.append(f"events ({events}) > n ({n})")
    return problems, (events or 0, n or 0)


def _effect_row(yi_text: str, vi_text: str) -> tuple[list[str], tuple[float, float]]:
    yi, p1 = _finite("yi", yi_text)
    vi, p2 = _finite("vi", vi_text)
    problems = p1 + p2
    if vi is not None and vi < 0:
        problems.append(f"vi ({vi_text.strip()}) is a negative variance")
    elif vi is not None and vi == 0:
        problems.append("vi (0) must be > 0: a study with zero variance cannot be weighted")
    return problems, (yi or 0.0, vi or 0.0)


def _finite(name: str, text: str) -> tuple[float | None, list[str]]:
    raw = text.strip()
    if not raw:
        return None, [f"{name} is empty"]
    try:
        value = float(raw)
    except ValueError:
        return None, [f"{name} ({raw!r}) is not a number"]
    if not math.isfinite(value):
        return None, [f"{name} ({raw}) is not a finite number"]
    return value, []


def _whole_number(name: str, text: str) -> tuple[int | None, list[str]]:
    value, problems = _finite(name, text)
    if value is None:
        return None, problems
    if not value.is_integer():
        return None, [f"{name} ({text.strip()}) is not a whole number"]
    return int(value), []


def _missing_columns_message(missing, needed, measure, header) -> str:
    msg = f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}: measure {measure} needs {','.join(needed)}"
    if measure == "GEN" and {"events", "n"} <= set(header):
        msg += " (this file has events,n: use --measure PR, PLO, PAS or PFT)"
    elif measure != "GEN" and {"yi", "vi"} <= set(header):
        msg += " (this file has yi,vi: use --measure GEN)"
    return msg
