"""evidence_for(modality): what the assessment engine attaches to each option."""

from __future__ import annotations

import csv
import math
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from nelm.evidence import MODALITIES, EvidenceItem, all_evidence, evidence_dicts_for, evidence_for, loader
from tests.meta.reference import table

META_DATA = Path(__file__).resolve().parents[1] / "data" / "meta"


def test_every_modality_id_has_evidence_items():
    assert MODALITIES == (
        "curative_resection", "resection_plus_ablation", "debulking", "ablation", "liver_transplantation",
        "intra_arterial_therapy", "primary_tumour_resection", "somatostatin_analogue", "prrt", "targeted_therapy",
        "chemotherapy",
    )  # fmt: skip
    for modality in MODALITIES:
        items = evidence_for(modality)
        assert items and all(isinstance(i, EvidenceItem) and modality in i.modalities for i in items)


def test_unknown_modality_is_refused_with_the_known_ids():
    with pytest.raises(ValueError, match="unknown modality 'transplant'.*liver_transplantation"):
        evidence_for("transplant")


def test_review_tables_are_complete():
    table1 = [i for i in all_evidence() if i.locator == "review Table 1"]
    table2 = [i for i in all_evidence() if i.locator == "review Table 2"]
    assert len(table1) == 7 and all("curative_resection" in i.modalities for i in table1)
    assert len({i.citation for i in table2}) == 8
    assert sorted(i.outcome for i in table2) == ["5-year DFS"] * 8 + ["5-year OS"] * 8
    nguyen_dfs = next(i for i in table2 if i.source_id == "table2-nguyen-2011-dfs5")
    assert nguyen_dfs.value is None and nguyen_dfs.value_text == "Not mentioned"  # no figure invented


def test_every_item_names_where_it_comes_from():
    for item in all_evidence():
        assert item.locator.startswith(("review Table", "review, section", "clinical brief §")), item.source_id
        assert item.value_text


def test_back_calculated_events_are_round_half_up_of_percent_times_n():
    assert loader.back_calculated_events(90, 15) == 14  # 13.5 rounds up, not to even
    assert loader.back_calculated_events("49", 150) == 74  # 73.5
    table2 = {i.source_id: i for i in all_evidence()}
    expected = []
    for row in loader.lt_os5_pooling_inputs():
        pct = Decimal(str(table2[row["source_id"]].value))
        expected.append(int((pct * row["n"] / 100).to_integral_value(rounding=ROUND_HALF_UP)))
        assert row["events"] <= row["n"]
    assert [r["events"] for r in loader.lt_os5_pooling_inputs()] == expected


def test_pooling_inputs_are_the_data_set_checked_against_metafor():
    with open(META_DATA / "lt_os5_table2.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    inputs = loader.lt_os5_pooling_inputs()
    assert [(r["study"], int(r["events"]), int(r["n"])) for r in rows] == [(i["study"], i["events"], i["n"]) for i in inputs]


def test_lt_pooled_summary_matches_metafor_and_is_labelled_back_calculated():
    [item] = [i for i in evidence_for("liver_transplantation") if i.pooled is not None]
    p = item.pooled
    ref = table("reference_pool")
    exp = ref[(ref.dataset == "lt_os5_table2") & (ref.measure == p.measure) & (ref.method == p.method) & (ref.hk == p.hk)].iloc[0]
    for key in ("estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper", "tau2", "i2_percent", "q", "q_pvalue"):
        assert math.isclose(getattr(p, key), exp[key], rel_tol=1e-6), key
    assert p.k == 8 and p.scale == "proportion" and len(p.study_ids) == 8
    assert item.events_basis == "back-calculated"
    assert "back-calculated" in p.note and "back-calculated" in item.note
    assert evidence_for("liver_transplantation")[0] is item  # pooled summary first


def test_mazzaferro_is_pooled_with_the_42_transplanted_patients():
    mazzaferro = next(r for r in loader.lt_os5_pooling_inputs() if r["study"] == "Mazzaferro 2016")
    assert (mazzaferro["n"], mazzaferro["events"]) == (42, 41)
    assert "42 transplanted" in mazzaferro["n_source"]
    table2_row = next(i for i in all_evidence() if i.source_id == "table2-mazzaferro-2016-os5")
    assert table2_row.n == 88  # the evidence row keeps the review's figure; only the pooling uses 42


def test_items_are_immutable_and_callers_get_their_own_list():
    items = evidence_for("ablation")
    items.clear()
    assert evidence_for("ablation")
    with pytest.raises(ValidationError):
        evidence_for("ablation")[0].value = 1.0


def test_the_catalogue_is_loaded_and_pooled_once_per_process(monkeypatch):
    evidence_for("prrt")  # builds the cache

    def no_more_reading(name):
        raise AssertionError(f"re-read {name}")

    monkeypatch.setattr(loader, "_read", no_more_reading)
    monkeypatch.setattr("nelm.meta.pool", lambda *a, **k: (_ for _ in ()).throw(AssertionError("re-pooled")))
    for modality in MODALITIES:
        evidence_for(modality)


def test_items_serialise_to_json_for_the_engine():
    dumped = evidence_dicts_for("liver_transplantation")
    assert dumped == [i.model_dump(mode="json") for i in evidence_for("liver_transplantation")]
    assert dumped[0]["pooled"]["measure"] == "PLO" and dumped[1]["pooled"] is None
    dumped[0]["value"] = -1  # the caller's copy, not the cache
    assert evidence_dicts_for("liver_transplantation")[0]["value"] != -1
