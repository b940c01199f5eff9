"""What one piece of published evidence looks like when it travels with an assessment option."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# Contract shared with the assessment engine and the CLI (`nelm evidence show`).
MODALITIES: tuple[str, ...] = (
    "curative_resection",
    "resection_plus_ablation",
    "debulking",
    "ablation",
    "liver_transplantation",
    "intra_arterial_therapy",
    "primary_tumour_resection",
    "somatostatin_analogue",
    "prrt",
    "targeted_therapy",
    "chemotherapy",
)


class PooledSummary(BaseModel):
    """A random-effects (or common-effect) pooled estimate over several rows of the evidence base."""

    model_config = ConfigDict(frozen=True)

    measure: str = Field(description="PR, PLO, PAS, PFT or GEN (metafor's names)")
    method: str = Field(description="tau² estimator: DL, REML, PM, ML or FE")
    hk: bool = Field(description="Knapp-Hartung adjustment (t(k-1) CI and PI)")
    k: int
    scale: str = Field(description="scale of estimate and intervals, e.g. 'proportion'")
    estimate: float
    ci_lower: float
    ci_upper: float
    pi_lower: float
    pi_upper: float
    tau2: float
    i2_percent: float
    q: float
    q_pvalue: float
    study_ids: tuple[str, ...] = Field(description="source_id of every pooled row")
    note: str = Field(description="how the inputs were obtained (e.g. events back-calculated)")


class EvidenceItem(BaseModel):
    """One outcome of one study (or one pooled summary), worded as the source words it."""

    model_config = ConfigDict(frozen=True)

    source_id: str
    citation: str
    design: str
    period: str | None = None
    n: int | None = Field(None, description="patients the outcome refers to, as the source gives it")
    population: str | None = None
    outcome: str = Field(description="e.g. '5-year OS'")
    value: float | None = Field(None, description="point value in `unit`; None when the source gives none")
    unit: str | None = None
    value_text: str = Field(description="the figure as the source words it, e.g. '58-70 %'")
    comparator: str | None = None
    comparator_value_text: str | None = None
    p_value_text: str | None = None
    events: int | None = None
    events_basis: Literal["reported", "back-calculated"] | None = Field(
        None, description="'back-calculated' = round(value% × n), not reported by the source"
    )
    locator: str = Field(description="where in the source: 'review Table 2', 'clinical brief §9', ...")
    modalities: tuple[str, ...]
    note: str | None = None
    pooled: PooledSummary | None = None
