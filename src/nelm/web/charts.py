"""Pictures for the registry and evidence pages, as PNG bytes, sized and lettered for a projector.

Uses matplotlib's object API (Figure + Agg canvas), not pyplot: pyplot keeps global state and is not safe
in a threaded server.
"""

from __future__ import annotations

import io
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from nelm.web.labels import SHORT_LABELS as _SHORT

# Okabe-Ito: distinguishable with the common colour-vision deficiencies; line styles differ as well.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442", "#8C564B", "#7F7F7F", "#17BECF"]
STYLES = ["-", "--", "-.", ":"]
SHORT_LABELS = {**_SHORT, "intra_arterial_therapy": "Intra-arterial", "somatostatin_analogue": "SSA",
                "early": "Early (≤ 3 y)", "late": "Late (> 3 y)"}
AT_RISK_YEARS = (0, 2, 4, 6, 8, 10)


def short_label(name: str) -> str:
    return SHORT_LABELS.get(name, name.replace("_", " "))


def png(fig: Figure, dpi: int = 100) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.15)  # keep legends outside the axes
    return buffer.getvalue()


def km_chart(groups: dict[str, dict[str, Any]], *, title: str, ylabel: str, max_years: float = 10.0,
             xlabel: str = "Years since first treatment") -> bytes:
    """Kaplan-Meier step curves with 95 % bands, censoring-free for legibility, and numbers at risk below."""
    shown = {name: g for name, g in groups.items() if g and g.get("curve")}
    rows = max(1, len(shown))
    height = 6.2 + 0.34 * rows
    fig = Figure(figsize=(13.5, height))
    risk_height = (0.34 * rows + 0.6) / height
    left, width = 0.19, 0.55
    ax = fig.add_axes((left, risk_height + 0.1, width, 0.86 - risk_height - 0.1 + 0.04))
    for i, (name, g) in enumerate(shown.items()):
        curve = g["curve"]
        colour, style = PALETTE[i % len(PALETTE)], STYLES[(i // 3) % len(STYLES)] if i >= 3 else "-"
        ax.step(curve["time"], curve["survival"], where="post", color=colour, linestyle=style, linewidth=2.4,
                label=f"{short_label(name)} (n = {g['n']})")
        lower = [v if v is not None else 0.0 for v in curve["ci_lower"]]
        upper = [v if v is not None else 1.0 for v in curve["ci_upper"]]
        ax.fill_between(curve["time"], lower, upper, step="post", color=colour, alpha=0.10, linewidth=0)
    ax.set_xlim(0, max_years)
    ax.set_ylim(0, 1.02)
    ax.set_xticks(list(AT_RISK_YEARS))
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0], ["0 %", "25 %", "50 %", "75 %", "100 %"])
    ax.tick_params(labelsize=14)
    ax.set_xlabel(xlabel, fontsize=15)
    ax.set_ylabel(ylabel, fontsize=15)
    ax.set_title(title, fontsize=17, loc="left", fontweight="bold")
    ax.grid(alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if shown:
        ax.legend(fontsize=13, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, handlelength=2.6)
    # numbers at risk, aligned with the x ticks
    fig.text(0.01, risk_height - 0.01, "Number at risk", fontsize=13, fontweight="bold", va="bottom")
    for i, (name, g) in enumerate(shown.items()):
        y = risk_height - 0.045 - i * (0.34 / height)
        fig.text(0.01, y, short_label(name), fontsize=12.5, color=PALETTE[i % len(PALETTE)], va="center", fontweight="bold")
        for year in AT_RISK_YEARS:
            x = left + width * (year / max_years)
            fig.text(x, y, str(g.get("at_risk", {}).get(str(year), "")), fontsize=12.5, ha="center", va="center")
    return png(fig)

