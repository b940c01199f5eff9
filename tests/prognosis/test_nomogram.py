"""Nomogram: points scale as R rms nomogram(), survival axes consistent with prediction, drawn with labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nelm.prognosis.covariate_spec import parse_specs
from nelm.prognosis.design import design_matrix
from nelm.prognosis.fit import fit_model
from nelm.prognosis.nomogram import nomogram
from nelm.prognosis.nomogram_plot import DEMO_BANNER, draw_nomogram
from nelm.prognosis.predict import predict_design
from tests.prognosis.reference import close, reference, shared_cohort


@pytest.fixture(scope="module")
def model():
    return fit_model(shared_cohort(), time="time_months", event="death",
                     specs=parse_specs(["lesion_count,largest_lesion_mm,ki67_percent"]), name="n",
                     intended_use="demonstration only: fit on synthetic data", baseline_times=[60, 120]).model


def test_points_per_covariate_and_scale_match_rms_nomogram(model):
    ref = reference()["nomogram"]
    nom = nomogram(model, values=ref["values"], survival_ticks=ref["fun_at"])
    assert close(nom.points_per_lp, ref["scale"], 1e-9)
    for axis in nom.covariates:
        assert close(axis.points, ref["points"][axis.name], 1e-9)


@pytest.mark.parametrize("key,j", [("s60", 0), ("s120", 1)])
def test_survival_axis_positions_match_rms_within_its_grid_interpolation(model, key, j):
    ref = reference()["nomogram"]
    axis = nomogram(model, values=ref["values"], survival_ticks=ref["fun_at"]).survival[j]
    # rms also limits axes to the linear predictors seen in the data; nelm to the totals reachable on the axes
    shared = [p for p in axis.probabilities if p in ref[f"{key}_at"]]
    mine = [axis.points[axis.probabilities.index(p)] for p in shared]
    theirs = [ref[f"{key}_x"][ref[f"{key}_at"].index(p)] for p in shared]
    assert len(shared) >= 3 and np.allclose(mine, theirs, atol=1e-3)


def test_reading_a_patient_off_the_nomogram_gives_the_model_prediction(model):
    nom = nomogram(model, values={"lesion_count": list(range(1, 10)), "largest_lesion_mm": [10, 50, 100, 150],
                                  "ki67_percent": [0, 10, 20, 40]})
    patient = {"lesion_count": 4, "largest_lesion_mm": 75.0, "ki67_percent": 15.0}
    total = nom.total_points(patient)
    lp = nom.lp_at_zero_points + total / nom.points_per_lp
    h0 = [p.cumhaz for p in model.baseline if p.time in (60, 120)]
    _, surv, *_ = predict_design(model, design_matrix(model.covariates, pd.DataFrame([patient])), [60, 120])
    assert np.allclose(np.exp(-np.array(h0) * np.exp(lp)), surv[:, 0], rtol=1e-12)


def test_default_axes_span_the_fit_data_range_with_round_ticks(model):
    nom = nomogram(model)
    ranges = model.fit_data.covariate_ranges
    for axis in nom.covariates:
        low, high = ranges[axis.name]
        step = axis.values[2] - axis.values[1]
        assert low <= axis.values[0] <= low + step / 2 and high - step / 2 <= axis.values[-1] <= high
    assert max(max(a.points) for a in nom.covariates) == pytest.approx(100.0)


def test_drawn_nomogram_carries_every_axis_and_the_demonstration_banner(model):
    nom = nomogram(model)
    fig = draw_nomogram(nom, title=model.name, intended_use=model.intended_use, demonstration=model.is_demonstration)
    texts = [t.get_text() for t in fig.texts] + [t.get_text() for ax in fig.axes for t in ax.texts]
    assert DEMO_BANNER in texts
    for label in ("Points", "Total points", "5-year survival", "10-year survival", "Number of liver metastases (lesions)",
                  "Largest tumour size (mm)", "Ki-67 index (%)"):
        assert label in texts


def test_a_model_for_clinical_use_has_no_demonstration_banner(model):
    nom = nomogram(model)
    fig = draw_nomogram(nom, title="x", intended_use="validated at centre X", demonstration=False)
    assert DEMO_BANNER not in [t.get_text() for t in fig.texts]
