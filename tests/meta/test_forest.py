"""The forest plot carries what a journal expects: one row per study, weights, diamond, PI, heterogeneity."""

from __future__ import annotations

from matplotlib.patches import Polygon

from nelm.meta import pool
from nelm.meta.forest import forest_figure
from tests.meta.reference import effects


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [t.get_text() for t in fig.texts]


def test_forest_has_a_row_per_study_with_weight_and_interval_and_a_pooled_diamond():
    es, studies = effects("lt_os5_table2", "PLO")
    result = pool(es, "REML", hk=True, studies=studies)
    fig = forest_figure(result, title="5-year OS after LT")
    texts = _texts(fig)
    for s in result.studies:
        assert s.study in texts
        assert f"{s.weight_percent:.1f} %" in texts
        assert f"{s.events} / {s.n}" in texts
    [diamond] = [p for p in fig.axes[0].patches if isinstance(p, Polygon)]
    xs = diamond.get_xy()[:, 0]
    assert min(xs) == result.ci_lower * 100 and max(xs) == result.ci_upper * 100


def test_forest_shows_the_prediction_interval_and_a_heterogeneity_line():
    es, studies = effects("bcg_logrr", "GEN")
    result = pool(es, "DL", studies=studies, exponentiate=True)
    fig = forest_figure(result)
    texts = _texts(fig)
    assert "95 % prediction interval" in texts
    assert any(t.startswith("Heterogeneity: τ² = ") and "I² = " in t and "Q = " in t for t in texts)
    pi_lines = [line for line in fig.axes[0].lines if list(line.get_xdata()) == [result.pi_lower, result.pi_upper]]
    assert pi_lines
    assert fig.axes[0].get_xscale() == "log"


def test_common_effect_forest_has_no_tau2_and_says_so():
    es, studies = effects("hine1989_rd", "GEN")
    texts = _texts(forest_figure(pool(es, "FE", studies=studies)))
    assert "Common-effect model" in texts
    assert not any("τ²" in t for t in texts)
