"""Calibration plot of a validation result: per time, grouped Kaplan-Meier observed risk (with 95 % CI) against
mean predicted risk, the smoothed curve (Austin et al. 2020) and the diagonal. Returns a Figure; no file I/O."""

from __future__ import annotations

from matplotlib.figure import Figure

from nelm.prognosis.nomogram_plot import DEMO_BANNER


def draw_calibration(result: dict, *, title: str, demonstration: bool) -> Figure:
    panels = [c for c in result["calibration"] if c.get("groups")]
    n = max(len(panels), 1)
    fig = Figure(figsize=(4.6 * n, 5.2))
    for k, panel in enumerate(panels):
        ax = fig.add_subplot(1, n, k + 1)
        groups = panel["groups"]
        top = max([1e-3] + [g["predicted_risk"] for g in groups] + [g["ci_upper"] or 0 for g in groups])
        top = min(1.0, top * 1.1)
        ax.plot([0, top], [0, top], color="grey", lw=0.8, ls="--", label="ideal")
        x = [g["predicted_risk"] for g in groups]
        y = [g["observed_risk"] for g in groups]
        err = [[max(0.0, g["observed_risk"] - (g["ci_lower"] if g["ci_lower"] is not None else g["observed_risk"]))
                for g in groups],
               [max(0.0, (g["ci_upper"] if g["ci_upper"] is not None else g["observed_risk"]) - g["observed_risk"])
                for g in groups]]
        ax.errorbar(x, y, yerr=err, fmt="o", color="black", ms=4, capsize=2, label="grouped Kaplan-Meier")
        smooth = panel["smoothed"]
        if smooth.get("available"):
            ax.plot([p["predicted_risk"] for p in smooth["curve"]], [p["observed_risk"] for p in smooth["curve"]],
                    color="#1f5fa8", lw=1.5, label="smoothed (Cox rcs of cloglog)")
            ax.text(0.03, 0.97, f"ICI {smooth['ici']:.3f}\nE50 {smooth['e50']:.3f}\nE90 {smooth['e90']:.3f}",
                    transform=ax.transAxes, va="top", fontsize=8)
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_xlabel(f"Predicted risk of death by {panel['time']:g} months")
        ax.set_ylabel("Observed risk (Kaplan-Meier)")
        ax.set_title(f"{panel['time']:g} months", fontsize=10)
        ax.legend(loc="lower right", fontsize=7)
    fig.suptitle(title, fontsize=11, weight="bold")
    if demonstration:
        fig.text(0.5, 0.005, DEMO_BANNER, ha="center", va="bottom", fontsize=11, weight="bold", color="white",
                 bbox={"facecolor": "#b00020", "edgecolor": "none", "pad": 3})
    fig.tight_layout(rect=(0, 0.05, 1, 0.95))
    return fig
