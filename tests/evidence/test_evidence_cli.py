"""`nelm evidence list` and `nelm evidence show MODALITY`."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from nelm.cli.main import app
from nelm.evidence import MODALITIES, evidence_for

runner = CliRunner()


def test_list_json_names_every_modality_with_its_count_and_pooled_summary():
    result = runner.invoke(app, ["evidence", "list", "--format", "json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["modality"] for r in rows] == list(MODALITIES)
    assert all(r["items"] == len(evidence_for(r["modality"])) for r in rows)
    lt = next(r for r in rows if r["modality"] == "liver_transplantation")
    assert lt["pooled"] and lt["pooled"][0].startswith("5-year OS: ")


def test_show_json_is_the_evidence_items_of_that_modality():
    result = runner.invoke(app, ["evidence", "show", "ablation", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [i.model_dump(mode="json") for i in evidence_for("ablation")]


def test_show_text_gives_figures_sources_and_the_back_calculation_label():
    result = runner.invoke(app, ["evidence", "show", "liver_transplantation"])
    assert result.exit_code == 0
    out = " ".join(result.stdout.split())
    for fragment in ("Coppa et al. [2001]", "70 %", "source: review Table 2", "back-calculated", "Knapp-Hartung"):
        assert fragment in out


def test_show_unknown_modality_exits_2_naming_the_known_ids():
    result = runner.invoke(app, ["evidence", "show", "surgery"])
    assert result.exit_code == 2
    assert "unknown modality 'surgery'" in result.stderr and "curative_resection" in result.stderr
