"""Draw a Nomogram as rms plot(nomogram()) does: a Points ruler, one axis per covariate, Total points, and
predicted survival axes. Returns a matplotlib Figure (no pyplot state, no file I/O: the caller saves it)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from nelm.prognosis.nomogram import Nomogram

DEMO_BANNER = "DEMONSTRATION ONLY - not for clinical use"
_ROW = 0.62  # inches per axis row


def draw_nomogram(nom: Nomogram, *, title: str, intended_use: str, demonstration: bool) -> Figure:
    rows = [("Points", [(p, f"{p:g}") for p in range(0, 101, 10)], True)]
    for axis in nom.covariates:
        rows.append((axis.label, [(p, _fmt(v)) for v, p in zip(axis.values, axis.points)], False))
    total_scale = 100.0 / max(nom.total_points_max, 1e-12)  # the total-points row is drawn on the 0-100 width
    rows.append(("Total points", [(t * total_scale, f"{t:g}") for t in nom.total_points_ticks
                                  if t <= nom.total_points_max + 1e-9], True))
    for axis in nom.survival:
        label = axis.label + (" (extrapolated)" if axis.extrapolated else "")
        rows.append((label, [(p * total_scale, f"{s:g}") for s, p in zip(axis.probabilities, axis.points)], False))

    height = _ROW * (len(rows) + 3)
    fig = Figure(figsize=(10, height))
    ax = fig.add_axes((0.27, 0.08, 0.68, 0.80))
    ax.set_xlim(-4, 104)
    ax.set_ylim(len(rows) - 0.4, -0.8)
    ax.axis("off")
    for i, (label, ticks, ruler) in enumerate(rows):
        ax.text(-6, i, label, ha="right", va="center", fontsize=9, transform=ax.transData, clip_on=False)
        if not ticks:
            ax.text(0, i, "(outside the range of this model)", fontsize=8, color="grey", va="center")
            continue
        positions = [p for p, _ in ticks]
        end = 100.0 if label == "Total points" else max(positions)  # the total ruler spans every reachable total
        ax.plot([min(positions), end], [i, i], color="black", lw=0.9)
        monotone = all(b >= a for a, b in zip(positions, positions[1:])) or all(
            b <= a for a, b in zip(positions, positions[1:]))
        for k, (p, text) in enumerate(ticks):
            above = monotone or k % 2 == 0  # a non-monotone spline folds back: alternate labels to keep them legible
            ax.plot([p, p], [i, i - 0.12 if above else i + 0.12], color="black", lw=0.8)
            ax.text(p, i - 0.18 if above else i + 0.18, text, ha="center", va="bottom" if above else "top",
                    fontsize=7.5)
        if ruler:
            minor = np.arange(0, 100.001, 2) if label == "Points" else []
            for p in minor:
                ax.plot([p, p], [i, i - 0.06], color="black", lw=0.5)
    fig.text(0.02, 0.97, title, fontsize=12, weight="bold", va="top")
    fig.text(0.02, 0.935, f"Intended use: {intended_use}", fontsize=8.5, style="italic", va="top")
    if demonstration:
        for y in (0.905, 0.02):
            fig.text(0.5, y, DEMO_BANNER, ha="center", va="top" if y > 0.5 else "bottom", fontsize=12,
                     weight="bold", color="white", bbox={"facecolor": "#b00020", "edgecolor": "none", "pad": 4})
        fig.text(0.6, 0.45, "DEMONSTRATION ONLY", fontsize=40, color="#b00020", alpha=0.10, rotation=20,
                 ha="center", va="center", weight="bold")
    return fig


def _fmt(value) -> str:
    if isinstance(value, str):
        return value
    return f"{value:g}"
