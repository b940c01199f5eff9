"""Kaplan-Meier figures with a numbers-at-risk table, as PNG bytes (matplotlib, Agg backend; no files)."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402

AT_RISK_SHOWN = [0, 2, 4, 6, 8, 10]


def km_figure(groups: dict[str, dict[str, Any]], *, title: str, ylabel: str, max_years: float = 10.0,
              xlabel: str = "Years since first treatment") -> bytes:
    """Step curves with 95 % bands; below them the numbers at risk every two years."""
    fig = plt.figure(figsize=(8, 5.6), dpi=110)
    grid = fig.add_gridspec(2, 1, height_ratios=[4, max(1, len(groups)) * 0.35 + 0.4], hspace=0.35)
    ax = fig.add_subplot(grid[0])
    for name, g in groups.items():
        curve = g.get("curve")
        if not curve:
            continue
        line = ax.step(curve["time"], curve["survival"], where="post", label=f"{name} (n={g['n']})", linewidth=1.6)[0]
        lower = [v if v is not None else 0.0 for v in curve["ci_lower"]]
        upper = [v if v is not None else 1.0 for v in curve["ci_upper"]]
        ax.fill_between(curve["time"], lower, upper, step="post", alpha=0.12, color=line.get_color())
    ax.set_xlim(0, max_years)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    table = fig.add_subplot(grid[1])
    table.axis("off")
    rows = [[str(g["at_risk"].get(str(y), "")) for y in AT_RISK_SHOWN] for g in groups.values()]
    if rows:
        t = table.table(cellText=rows, rowLabels=list(groups), colLabels=[f"{y} y" for y in AT_RISK_SHOWN],
                        loc="center", cellLoc="center")
        t.auto_set_font_size(False)
        t.set_fontsize(8)
        table.set_title("Number at risk", fontsize=9, loc="left")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()
