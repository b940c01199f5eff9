"""Site protocol: the thresholds centres set differently, each with its default's source.

A centre overrides any of them in a TOML or JSON file (`nelm assess --protocol FILE`); the report names the
protocol used. Where sources disagree the default follows the source named in `SETTINGS[...].source` and the
alternatives are listed so the report can say that others differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class G3NetResectionPolicy(StrEnum):
    selected = "selected"  # ESMO 2020: not excluded a priori; selected patients after MDT (Galleberg: Ki-67 21-54 %)
    not_recommended = "not_recommended"  # ENETS 2016 high-grade guideline


class AsymptomaticPrimaryPolicy(StrEnum):
    guideline = "guideline"  # ENETS 2016 and NCCN: do not resect with unresectable metastases
    consider = "consider"  # Bertani, Citterio: survival benefit in non-randomised series


class Protocol(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "nelm default protocol"

    # Liver transplantation (review; Milan-NET; ESMO 2020 [IV,B])
    transplant_age_below_years: float = Field(60, gt=0)
    transplant_ki67_below_percent: float = Field(10, ge=0, le=100)
    transplant_burden_below_percent: float = Field(50, ge=0, le=100)
    transplant_min_stable_months: float = Field(6, ge=0)

    # Debulking: share of tumour load that must be removable (review)
    debulking_min_resectable_percent: float = Field(70, ge=0, le=100)

    # Ablation (review; ENETS 2024 small-intestine guidance)
    ablation_complete_max_mm: float = Field(30, gt=0)
    ablation_unsuitable_above_mm: float = Field(50, gt=0)
    ablation_max_lesions: int = Field(5, ge=1)

    # Future liver remnant, minimum % by parenchyma (Kawaguchi 2019)
    flr_min_percent_normal: float = Field(20, ge=0, le=100)
    flr_min_percent_chemotherapy_injured: float = Field(30, ge=0, le=100)
    flr_min_percent_steatosis: float = Field(30, ge=0, le=100)
    flr_min_percent_fibrosis: float = Field(40, ge=0, le=100)
    flr_min_percent_cirrhosis: float = Field(40, ge=0, le=100)

    # Mayo subgroup, IAT, systemic therapy
    mayo_burden_above_percent: float = Field(25, ge=0, le=100)
    iat_relative_contraindication_burden_above_percent: float = Field(70, ge=0, le=100)
    ssa_max_ki67_percent: float = Field(10, ge=0, le=100)
    debulking_pancreatic_nonfunctioning_ki67_above_percent: float = Field(10, ge=0, le=100)
    gi_chemotherapy_min_ki67_percent: float = Field(15, ge=0, le=100)
    watch_and_wait_burden_below_percent: float = Field(10, ge=0, le=100)
    g3_net_resection_ki67_max_percent: float = Field(54, ge=20, le=100)

    # Where sources disagree
    g3_net_resection: G3NetResectionPolicy = G3NetResectionPolicy.selected
    asymptomatic_primary_resection: AsymptomaticPrimaryPolicy = AsymptomaticPrimaryPolicy.guideline

    # Robustness margins: how far a measured value may be from the truth. No clinical source gives a
    # figure for these; they are nelm defaults that a site should set from its own measurement error.
    ki67_margin_points: float = Field(2, ge=0)
    burden_margin_points: float = Field(5, ge=0)
    flr_margin_points: float = Field(5, ge=0)
    resectable_fraction_margin_points: float = Field(5, ge=0)

    @model_validator(mode="after")
    def _ablation_limits_ordered(self) -> Protocol:
        if self.ablation_complete_max_mm > self.ablation_unsuitable_above_mm:
            raise ValueError("ablation_complete_max_mm must not exceed ablation_unsuitable_above_mm")
        return self

    def flr_minimum(self, parenchyma: str) -> float:
        return float(getattr(self, f"flr_min_percent_{parenchyma}"))


@dataclass(frozen=True)
class SettingSource:
    source: str  # source id in knowledge.sources, or "nelm" for a tool default without a clinical source
    basis: str
    alternatives: str = ""


SETTINGS: dict[str, SettingSource] = {
    "transplant_age_below_years": SettingSource("esmo2020", "ESMO 2020 [IV,B]: age < 60", "Milan-NET 2007: 55 or younger (set 56); review: < 45-55"),
    "transplant_ki67_below_percent": SettingSource("esmo2020", "ESMO 2020 [IV,B] and Milan-NET: G1/G2 with Ki-67 < 10 %"),
    "transplant_burden_below_percent": SettingSource("chan2018", "review and ESMO 2020: hepatic tumour load < 50 %"),
    "transplant_min_stable_months": SettingSource("milan_net", "stable disease or response for at least 6 months (Milan-NET, ENETS, OPTN)"),
    "debulking_min_resectable_percent": SettingSource("chan2018", "review: some studies accept up to 30 % residual (>= 70 % removed)", "conservative: 90 % (review: survival benefit when > 80-90 % removed)"),
    "ablation_complete_max_mm": SettingSource("chan2018", "review: complete ablation is hard above 3 cm; ENETS 2024: lesions < 3 cm"),
    "ablation_unsuitable_above_mm": SettingSource("chan2018", "review: lesions above 5 cm are unsuitable"),
    "ablation_max_lesions": SettingSource("enets2024_si", "ENETS 2024: preferably at most 3-5 lesions", "stricter: 3"),
    "flr_min_percent_normal": SettingSource("kawaguchi2019", "normal liver 20-25 %", "conservative: 25"),
    "flr_min_percent_chemotherapy_injured": SettingSource("kawaguchi2019", "after more than 3 months of chemotherapy: 30 %"),
    "flr_min_percent_steatosis": SettingSource("nelm", "Kawaguchi 2019 as quoted in the brief gives no figure for steatosis; default treats it as injured liver (30 %): set per site"),
    "flr_min_percent_fibrosis": SettingSource("kawaguchi2019", "fibrosis or cirrhosis: 40 %"),
    "flr_min_percent_cirrhosis": SettingSource("kawaguchi2019", "fibrosis or cirrhosis: 40 %"),
    "mayo_burden_above_percent": SettingSource("mayo2010", "more than 25 % liver tumour burden and asymptomatic: little gain from surgery"),
    "iat_relative_contraindication_burden_above_percent": SettingSource("nccn", "tumour burden above 70 % is a relative contraindication to IAT (NCCN; verify before use)"),
    "ssa_max_ki67_percent": SettingSource("esmo2020", "SSA for SSTR-positive G1/G2 up to Ki-67 10 % (ESMO 2020 [I,A])"),
    "debulking_pancreatic_nonfunctioning_ki67_above_percent": SettingSource("esmo2020", "no debulking in non-functioning pancreatic NET with Ki-67 > 10 % (ESMO 2020 [IV,B])"),
    "gi_chemotherapy_min_ki67_percent": SettingSource("esmo2020", "chemotherapy not for G1/G2 GI NET except Ki-67 15-20 % or fast progression"),
    "watch_and_wait_burden_below_percent": SettingSource("esmo2020", "watch and wait: G1 and/or low burden (< 10 % of liver), stable"),
    "g3_net_resection_ki67_max_percent": SettingSource("galleberg2017", "better OS after resection with Ki-67 21-54 %"),
    "g3_net_resection": SettingSource("esmo2020", "ESMO 2020: NET G3 not excluded a priori; selected patients after MDT", "ENETS 2016 high-grade guideline: resection of metastases not recommended"),
    "asymptomatic_primary_resection": SettingSource("enets2016", "ENETS 2016 and NCCN: no primary resection when metastases are unresectable", "Bertani, Citterio: survival benefit (non-randomised)"),
    "ki67_margin_points": SettingSource("nelm", "Ki-67 is heterogeneous and measured on hot spots (brief §1); the margin itself is a nelm default, not a published figure"),
    "burden_margin_points": SettingSource("nelm", "tumour burden is estimated from imaging; the margin is a nelm default, not a published figure"),
    "flr_margin_points": SettingSource("kawaguchi2019", "width of the published normal-liver range (20-25 %)"),
    "resectable_fraction_margin_points": SettingSource("nelm", "surgeon's estimate; the margin is a nelm default, not a published figure"),
}


def load_protocol(data: dict, *, name: str | None = None) -> Protocol:
    """Build a protocol from a mapping (parsed TOML/JSON); raises pydantic.ValidationError on bad values."""
    values = dict(data)
    if name is not None and "name" not in values:
        values["name"] = name
    return Protocol.model_validate(values)


DEFAULT_PROTOCOL = Protocol()
