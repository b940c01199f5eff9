"""Covariates given on the command line: `name[:transform]`, and the Ruzzenente defaults.

  lesion_count                linear (default)
  largest_lesion_mm:log       natural log
  ki67_percent:rcs4           restricted cubic spline, 4 knots at the rms default quantiles (rcs3..rcs7)
  ki67_percent:rcs=2,5,10,20  spline with the knots given
  primary_site:cat            categorical, reference = first level in sorted order (as R factors)
  primary_site:cat=pancreas   categorical with the reference level given
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Ruzzenente et al. nomogram variables (clinical brief section 3), with the v1 case fields they come from.
RUZZENENTE_VARIABLES = ("lesion_count", "largest_lesion_mm", "ki67_percent")
KNOWN_VARIABLES = {
    "lesion_count": ("lesion_count", "Number of liver metastases", "lesions"),
    "largest_lesion_mm": ("largest_lesion_mm", "Largest tumour size", "mm"),
    "ki67_percent": ("pathology.ki67_percent", "Ki-67 index", "%"),
}
DEFAULT_RCS_KNOTS = 4


class SpecError(ValueError):
    pass


@dataclass(frozen=True)
class CovariateSpec:
    name: str
    transform: str = "linear"  # linear | log | rcs | categorical
    n_knots: int | None = None
    knots: tuple[float, ...] | None = None
    reference: str | None = None


_RCS = re.compile(r"^rcs(\d*)$")


def parse_spec(text: str) -> CovariateSpec:
    name, _, rest = text.strip().partition(":")
    name = name.strip()
    if not name:
        raise SpecError(f"covariate {text!r}: empty name")
    rest = rest.strip()
    if rest in ("", "linear"):
        return CovariateSpec(name)
    if rest == "log":
        return CovariateSpec(name, "log")
    if rest in ("cat", "categorical"):
        return CovariateSpec(name, "categorical")
    if rest.startswith(("cat=", "categorical=")):
        return CovariateSpec(name, "categorical", reference=rest.split("=", 1)[1].strip())
    if rest.startswith("rcs="):
        try:
            knots = tuple(float(v) for v in rest[4:].split(","))
        except ValueError:
            raise SpecError(f"covariate {text!r}: knots must be numbers, e.g. rcs=2,5,10,20") from None
        return CovariateSpec(name, "rcs", knots=knots)
    match = _RCS.match(rest)
    if match:
        k = int(match.group(1)) if match.group(1) else DEFAULT_RCS_KNOTS
        if not 3 <= k <= 7:
            raise SpecError(f"covariate {text!r}: rcs needs 3 to 7 knots")
        return CovariateSpec(name, "rcs", n_knots=k)
    raise SpecError(f"covariate {text!r}: unknown transformation {rest!r} "
                    "(use linear, log, rcs, rcs3..rcs7, rcs=k1,k2,k3, cat or cat=REFERENCE)")


def parse_specs(texts: list[str]) -> list[CovariateSpec]:
    """Each text may hold several comma-free specs separated by spaces, or commas outside rcs=... knots."""
    specs = []
    for text in texts:
        for part in _split(text):
            specs.append(parse_spec(part))
    names = [s.name for s in specs]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise SpecError(f"covariate(s) given twice: {', '.join(duplicated)}")
    return specs


def _split(text: str) -> list[str]:
    # "a,b:rcs=1,2,3,c" -> ["a", "b:rcs=1,2,3", "c"]: a piece that is a bare number continues the knot list
    parts: list[str] = []
    for piece in text.replace(" ", ",").split(","):
        if not piece:
            continue
        if parts and "rcs=" in parts[-1] and _is_number(piece):
            parts[-1] += "," + piece
        else:
            parts.append(piece)
    return parts


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
