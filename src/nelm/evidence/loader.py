"""Load the evidence base (data/*.csv, versioned with the code) and answer `evidence_for(modality)`.

Loading and pooling happen once per process (cached): the assessment engine calls evidence_for() per
option per case, so each call only copies a precomputed list.
"""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources

from nelm.evidence.models import MODALITIES, EvidenceItem, PooledSummary

EVIDENCE_FILES: tuple[str, ...] = ("review_table1.csv", "review_table2.csv", "review_text.csv", "clinical_brief.csv")

# The one pooled summary where pooling is meaningful: eight LT series reporting the same outcome.
LT_OS5_POOLING = "pooling_lt_os5.csv"
LT_OS5_MEASURE, LT_OS5_METHOD, LT_OS5_HK = "PLO", "REML", True
BACK_CALCULATED_NOTE = (
    "events (patients alive at 5 years) are back-calculated as round(5-year OS % × n) from the reported "
    "percentage and n, not reported by the sources; actuarial percentages are treated as crude proportions"
)


class EvidenceDataError(ValueError):
    """The packaged evidence files are inconsistent (a bug in the data, caught by the tests)."""


def evidence_for(modality: str) -> list[EvidenceItem]:
    """Every evidence item for one modality id (pooled summaries first), in source order."""
    catalogue = _catalogue()
    if modality not in catalogue:
        raise ValueError(f"unknown modality {modality!r}; known: {', '.join(MODALITIES)}")
    return list(catalogue[modality])


def evidence_dicts_for(modality: str) -> list[dict]:
    """evidence_for() as JSON-ready dicts (fresh copies), for callers that carry plain data."""
    return [item.model_dump(mode="json") for item in evidence_for(modality)]


def all_evidence() -> list[EvidenceItem]:
    """Every row of the evidence base, without pooled summaries, in file order."""
    return list(_items())


def back_calculated_events(percent: float | str, n: int) -> int:
    """round(percent × n / 100), halves rounded up (decimal arithmetic: 90 % of 15 is 13.5 -> 14)."""
    return int((Decimal(str(percent)) * n / 100).to_integral_value(rounding=ROUND_HALF_UP))


def lt_os5_pooling_inputs() -> list[dict]:
    """The LT 5-year OS rows that are pooled: study label, events (back-calculated), n, and where n comes from."""
    by_id = {item.source_id: item for item in _items()}
    inputs = []
    for row in _read(LT_OS5_POOLING):
        item = by_id.get(row["source_id"])
        if item is None or item.value is None:
            raise EvidenceDataError(f"{LT_OS5_POOLING}: {row['source_id']} has no 5-year OS value to pool")
        n = int(row["n"])
        inputs.append(
            {
                "source_id": item.source_id,
                "study": row["study"],
                "events": back_calculated_events(item.value, n),
                "n": n,
                "n_source": row["n_source"],
            }
        )
    return inputs


@cache
def _catalogue() -> dict[str, tuple[EvidenceItem, ...]]:
    by_modality: dict[str, list[EvidenceItem]] = {m: [] for m in MODALITIES}
    for item in (*_pooled_items(), *_items()):
        for modality in item.modalities:
            by_modality[modality].append(item)
    return {m: tuple(items) for m, items in by_modality.items()}


@cache
def _items() -> tuple[EvidenceItem, ...]:
    items: list[EvidenceItem] = []
    seen: set[str] = set()
    for name in EVIDENCE_FILES:
        for line, row in enumerate(_read(name), start=2):
            item = _item(row, f"{name} line {line}")
            if item.source_id in seen:
                raise EvidenceDataError(f"{name} line {line}: duplicate id {item.source_id}")
            seen.add(item.source_id)
            items.append(item)
    return tuple(items)


@cache
def _pooled_items() -> tuple[EvidenceItem, ...]:
    from nelm.meta import pool, proportion_effects  # numpy/scipy only when the catalogue is first built

    inputs = lt_os5_pooling_inputs()
    effects = proportion_effects([r["events"] for r in inputs], [r["n"] for r in inputs], LT_OS5_MEASURE)
    res = pool(effects, LT_OS5_METHOD, hk=LT_OS5_HK, studies=[r["study"] for r in inputs])
    summary = PooledSummary(
        measure=res.measure,
        method=res.method,
        hk=res.hk,
        k=res.k,
        scale="proportion",
        estimate=res.estimate,
        ci_lower=res.ci_lower,
        ci_upper=res.ci_upper,
        pi_lower=res.pi_lower,
        pi_upper=res.pi_upper,
        tau2=res.tau2,
        i2_percent=res.i2_percent,
        q=res.q,
        q_pvalue=res.q_pvalue,
        study_ids=tuple(r["source_id"] for r in inputs),
        note=BACK_CALCULATED_NOTE + "; Mazzaferro 2016 pooled with n = 42 transplanted (clinical brief §9)",
    )
    value_text = (
        f"{100 * res.estimate:.1f} % (95 % CI {100 * res.ci_lower:.1f}-{100 * res.ci_upper:.1f} %; "
        f"95 % PI {100 * res.pi_lower:.1f}-{100 * res.pi_upper:.1f} %; I² {res.i2_percent:.0f} %)"
    )
    item = EvidenceItem(
        source_id="pooled-lt-os5-table2",
        citation=f"nelm random-effects pooling of the {res.k} LT series in review Table 2",
        design=f"meta-analysis of published series (logit proportions, {res.method}, Knapp-Hartung)",
        n=sum(r["n"] for r in inputs),
        population="unresectable NELM treated with LT",
        outcome="5-year OS",
        value=round(100 * res.estimate, 1),
        unit="%",
        value_text=value_text,
        events=sum(r["events"] for r in inputs),
        events_basis="back-calculated",
        locator="review Table 2 (n of Mazzaferro 2016 from clinical brief §9)",
        modalities=("liver_transplantation",),
        note="pooled from retrospective and prospective series with no comparator; " + BACK_CALCULATED_NOTE,
        pooled=summary,
    )
    return (item,)


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("nelm.evidence").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _item(row: dict[str, str], where: str) -> EvidenceItem:
    modalities = tuple(m.strip() for m in row["modalities"].split(";") if m.strip())
    unknown = [m for m in modalities if m not in MODALITIES]
    if unknown or not modalities:
        raise EvidenceDataError(f"{where}: unknown or missing modality {unknown or row['modalities']!r}")
    try:
        return EvidenceItem(
            source_id=row["id"],
            citation=row["citation"],
            design=row["design"],
            period=row["period"] or None,
            n=int(row["n"]) if row["n"] else None,
            population=row["population"] or None,
            outcome=row["outcome"],
            value=float(row["value"]) if row["value"] else None,
            unit=row["unit"] or None,
            value_text=row["value_text"],
            comparator=row["comparator"] or None,
            comparator_value_text=row["comparator_value_text"] or None,
            p_value_text=row["p_value_text"] or None,
            events=int(row["events"]) if row["events"] else None,
            events_basis=row["events_basis"] or None,
            locator=row["locator"],
            modalities=modalities,
            note=row["note"] or None,
        )
    except (ValueError, KeyError) as exc:
        raise EvidenceDataError(f"{where}: {exc}") from None
