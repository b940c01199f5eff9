"""Which statuses would change if a measured input near a cut-off were off by its stated margin.

Ki-67 is measured on hot spots and is heterogeneous (brief §1); burden, FLR and resectable fraction are
estimates. For each such input near one of the knowledge base's cut-offs, the engine is re-run with the
value moved down and up by the protocol's margin, and every status that changes is reported.
"""

from __future__ import annotations

from collections.abc import Callable

from nelm.case.grading import KI67_G2_FROM, KI67_G3_ABOVE
from nelm.case.model import Case
from nelm.engine.result import RobustnessFlag, StatusChange
from nelm.knowledge.protocol import SETTINGS, Protocol


def _ki67_cutoffs(p: Protocol) -> list[float]:
    return [KI67_G2_FROM, p.transplant_ki67_below_percent, p.ssa_max_ki67_percent, p.debulking_pancreatic_nonfunctioning_ki67_above_percent,
            p.gi_chemotherapy_min_ki67_percent, KI67_G3_ABOVE, p.g3_net_resection_ki67_max_percent]


def _burden_cutoffs(p: Protocol) -> list[float]:
    return [p.watch_and_wait_burden_below_percent, p.mayo_burden_above_percent, p.transplant_burden_below_percent, p.iat_relative_contraindication_burden_above_percent]


def _flr_cutoffs(p: Protocol) -> list[float]:
    return sorted({p.flr_minimum(kind) for kind in ("normal", "chemotherapy_injured", "steatosis", "fibrosis", "cirrhosis")})


def _fraction_cutoffs(p: Protocol) -> list[float]:
    return [p.debulking_min_resectable_percent]


# field path, (section, attribute), cut-offs, margin setting name
_INPUTS: list[tuple[str, str, str, Callable[[Protocol], list[float]], str]] = [
    ("pathology.ki67_percent", "pathology", "ki67_percent", _ki67_cutoffs, "ki67_margin_points"),
    ("liver.tumour_burden_percent", "liver", "tumour_burden_percent", _burden_cutoffs, "burden_margin_points"),
    ("liver.future_liver_remnant_percent", "liver", "future_liver_remnant_percent", _flr_cutoffs, "flr_margin_points"),
    ("liver.resectable_fraction_percent", "liver", "resectable_fraction_percent", _fraction_cutoffs, "resectable_fraction_margin_points"),
]


def _with_value(case: Case, section: str, attribute: str, value: float) -> Case:
    part = getattr(case, section).model_copy(update={attribute: value})
    return case.model_copy(update={section: part})


def robustness_flags(case: Case, protocol: Protocol, current: dict[str, str]) -> tuple[RobustnessFlag, ...]:
    from nelm.engine.evaluate import statuses  # the evaluation under test

    flags = []
    for path, section, attribute, cutoffs_of, margin_name in _INPUTS:
        value = getattr(getattr(case, section), attribute)
        if value is None:
            continue
        margin = float(getattr(protocol, margin_name))
        near = tuple(sorted({c for c in cutoffs_of(protocol) if abs(value - c) <= margin}))
        if not near or margin == 0:
            continue
        changes = []
        # Probe only the sides that have a cut-off within the margin: the other side cannot cross one.
        probes = [max(0.0, value - margin)] if any(c <= value for c in near) else []
        probes += [min(100.0, value + margin)] if any(c >= value for c in near) else []
        for probe in probes:
            if probe == value:
                continue
            for modality, status in statuses(_with_value(case, section, attribute, probe), protocol).items():
                if status != current[modality]:
                    changes.append(StatusChange(modality, current[modality], status, probe))
        flags.append(RobustnessFlag(path, value, margin, SETTINGS[margin_name].basis, near, tuple(changes)))
    return tuple(flags)
