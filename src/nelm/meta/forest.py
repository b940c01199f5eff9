"""Forest plot of a pooled result (matplotlib), laid out the way journals print them.

Rows: study label, events/n (or yi), weight, estimate [95 % CI]; squares with area proportional to the
weight; the pooled diamond; the prediction interval; a heterogeneity line. Returns a Figure: the door
decides where it goes (no files here).
"""

from __future__ import annotations

import math

from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
from matplotlib.transforms import blended_transform_factory

from nelm.meta.pool import PoolResult
from nelm.meta.report import scale_of

_ROW_INCH = 0.28
_FONT = 8.5


def forest_figure(result: PoolResult, *, title: str | None = None, percent: bool | None = None) -> Figure:
    proportion = scale_of(result) == "proportion"
    percent = proportion if percent is None else percent
    scale = 100.0 if percent else 1.0
    digits = 1 if percent else _digits(min(s.ci_upper - s.ci_lower for s in result.studies))
    k = result.k
    n_rows = k + 4  # header, k studies, gap, pooled, prediction interval
    title_inch, bottom_inch = (0.35 if title else 0.0), 0.95  # x axis, its label, then the heterogeneity line
    height = _ROW_INCH * (n_rows + 0.5) + bottom_inch + title_inch + 0.1
    fig = Figure(figsize=(10.0, height))
    bottom, top = bottom_inch / height, 1 - (title_inch + 0.1) / height
    ax = fig.add_axes((0.42, bottom, 0.34, top - bottom))
    text_at = blended_transform_factory(fig.transFigure, ax.transData)

    y_header, y_pool, y_pi = k + 1, -1.0, -2.0
    ax.set_ylim(y_pi - 0.8, y_header + 0.6)
    heads = [(0.02, "Study", "left"), (0.30, "Events / n" if proportion else "yi", "right"), (0.39, "Weight", "right"), (0.98, _estimate_header(result, percent), "right")]
    for x, label, ha in heads:
        ax.text(x, y_header, label, transform=text_at, ha=ha, va="center", fontsize=_FONT, fontweight="bold")

    max_w = max(s.weight_percent for s in result.studies)
    for i, s in enumerate(result.studies):
        y = k - i
        ax.plot([s.ci_lower * scale, s.ci_upper * scale], [y, y], color="black", lw=0.8, solid_capstyle="butt")
        ax.plot([s.estimate * scale], [y], marker="s", color="black", ms=3 + 7 * (s.weight_percent / max_w) ** 0.5, ls="none")
        counts = f"{s.events} / {s.n}" if s.events is not None else f"{s.yi:.3g}"
        study = s.study.replace("$", r"\$")  # a '$' pair would start matplotlib mathtext
        for x, label, ha in ((0.02, study, "left"), (0.30, counts, "right"), (0.39, f"{s.weight_percent:.1f} %", "right"), (0.98, _interval(s.estimate, s.ci_lower, s.ci_upper, scale, digits), "right")):
            ax.text(x, y, label, transform=text_at, ha=ha, va="center", fontsize=_FONT)

    est, lo, hi = result.estimate * scale, result.ci_lower * scale, result.ci_upper * scale
    ax.add_patch(Polygon([(lo, y_pool), (est, y_pool + 0.35), (hi, y_pool), (est, y_pool - 0.35)], closed=True, color="black"))
    model = "Common-effect model" if result.method == "FE" else f"RE model ({result.method}{', HK' if result.hk else ''})"
    ax.text(0.02, y_pool, model, transform=text_at, ha="left", va="center", fontsize=_FONT, fontweight="bold")
    ax.text(0.39, y_pool, "100 %", transform=text_at, ha="right", va="center", fontsize=_FONT, fontweight="bold")
    ax.text(0.98, y_pool, _interval(result.estimate, result.ci_lower, result.ci_upper, scale, digits), transform=text_at, ha="right", va="center", fontsize=_FONT, fontweight="bold")

    pi_lo, pi_hi = result.pi_lower * scale, result.pi_upper * scale
    ax.plot([pi_lo, pi_hi], [y_pi, y_pi], color="black", lw=0.8)
    ax.plot([pi_lo, pi_hi], [y_pi, y_pi], marker="|", color="black", ms=6, ls="none")
    ax.text(0.02, y_pi, "95 % prediction interval", transform=text_at, ha="left", va="center", fontsize=_FONT)
    ax.text(0.98, y_pi, f"[{_fmt(pi_lo, digits)}, {_fmt(pi_hi, digits)}]", transform=text_at, ha="right", va="center", fontsize=_FONT)

    ax.axvline(est, color="0.55", lw=0.6, ls=(0, (3, 3)), zorder=0)
    null = _null_line(result)
    if null is not None:
        ax.axvline(null, color="black", lw=0.6, zorder=0)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="x", labelsize=_FONT)
    ax.set_xlabel(_axis_label(result, percent), fontsize=_FONT)
    if result.exponentiated:
        ax.set_xscale("log")
        lo_lim, hi_lim = ax.get_xlim()
        ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100) if lo_lim <= t <= hi_lim]
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_locator(NullLocator())
    fig.text(0.02, 0.1 / height, _heterogeneity_line(result), ha="left", va="bottom", fontsize=_FONT)
    if title:
        fig.text(0.02, 1 - 0.1 / height, title, ha="left", va="top", fontsize=_FONT + 2, fontweight="bold")
    return fig


def _heterogeneity_line(r: PoolResult) -> str:
    p = "p < 0.001" if r.q_pvalue < 0.001 else f"p = {r.q_pvalue:.3f}"
    tau = "" if r.method == "FE" else f"τ² = {r.tau2:.4g} ({r.method}), "
    test = f"; CI and PI with t({r.q_df}) (Knapp-Hartung)" if r.hk else ""
    return f"Heterogeneity: {tau}I² = {r.i2_percent:.1f} %, H² = {r.h2:.2f}; Q = {r.q:.2f} (df = {r.q_df}), {p}{test}"


def _estimate_header(r: PoolResult, percent: bool) -> str:
    unit = " (%)" if percent else ""
    return f"Estimate{unit} [95 % CI]"


def _axis_label(r: PoolResult, percent: bool) -> str:
    if scale_of(r) == "proportion":
        return "Proportion (%)" if percent else "Proportion"
    return "Ratio (log scale)" if r.exponentiated else "Effect"


def _null_line(r: PoolResult) -> float | None:
    if scale_of(r) == "proportion":
        return None
    return 1.0 if r.exponentiated else 0.0


def _interval(est: float, lo: float, hi: float, scale: float, digits: int) -> str:
    return f"{_fmt(est * scale, digits)} [{_fmt(lo * scale, digits)}, {_fmt(hi * scale, digits)}]"


def _digits(narrowest_ci: float) -> int:
    """Decimals that give the narrowest study CI about two significant figures (2 to 4)."""
    if narrowest_ci <= 0 or not math.isfinite(narrowest_ci):
        return 2
    return min(4, max(2, 1 - math.floor(math.log10(narrowest_ci))))


def _fmt(x: float, digits: int) -> str:
    return f"{round(x, digits) + 0.0:.{digits}f}"  # + 0.0 turns -0.0 into 0.0
