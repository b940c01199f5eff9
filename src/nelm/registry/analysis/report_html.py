"""Self-contained HTML reports (figures embedded as base64 PNG; no external files, scripts or fonts)."""

from __future__ import annotations

import base64
import html
import json
from typing import Any

from nelm.registry.analysis.figures import km_figure

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2rem auto;max-width:60rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}
th:first-child,td:first-child{text-align:left;white-space:normal}td{white-space:nowrap}table.wrap td{white-space:normal;text-align:left}.banner{background:#fff3cd;border:2px solid #d39e00;padding:.7rem 1rem;font-weight:600}
.meta{color:#555;font-size:.85rem}img{max-width:100%}.note{color:#444;font-size:.85rem}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    """'p < 0.0001' or 'p = 0.0123'."""
    if value is None:
        return "p –"
    return "p < 0.0001" if value < 1e-4 else f"p = {value:.4f}"


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


def _table(header: list[str], rows: list[list[Any]], *, wrap: bool = False) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table{' class=wrap' if wrap else ''}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _km_table(groups: dict[str, dict[str, Any]]) -> str:
    rows = []
    for name, g in groups.items():
        ci = g["median_ci_years"]
        rows.append([name, g["n"], g["events"],
                     f"{_num(g['median_years'])} ({_num(ci[0])}–{_num(ci[1])})",
                     _pct(g["landmarks"]["5y"]["survival"]), _pct(g["landmarks"]["10y"]["survival"])])
    return _table(["group", "n", "events", "median, years (95 % CI)", "5-year", "10-year"], rows)


def _logrank(test: dict[str, Any] | None) -> str:
    if not test:
        return '<p class="note">Log-rank test: not available (one group or no events).</p>'
    return f"<p>Log-rank test: χ² = {_num(test['chisq'])}, df = {test['df']}, {_p(test['p'])}</p>"


def _hr(cox: dict[str, Any] | None) -> str:
    return "–" if not cox else f"{_num(cox['hr'])} ({_num(cox['ci_lower'])}–{_num(cox['ci_upper'])})"


def _cox(cox: dict[str, Any] | None) -> str:
    if not cox:
        return "–"
    return f"HR {_num(cox['hr'])} ({_num(cox['ci_lower'])}–{_num(cox['ci_upper'])}), {_p(cox['p'])}"


def _survival_body(r: dict[str, Any]) -> str:
    label = {"os": "Overall survival", "pfs": "Progression-free survival"}[r["endpoint"]]
    return (f"<h2>{label} by {_e(r['by'])}</h2>" + _img(km_figure(r["groups"], title=f"{label} by {r['by']}", ylabel=label), label)
            + _km_table(r["groups"]) + _logrank(r["logrank"]))


def _compare_body(r: dict[str, Any]) -> str:
    t, c = r["treatment"], r["control"]
    p = r["patients"]
    parts = [f"<h2>Propensity-matched comparison: {_e(t)} vs {_e(c)}</h2>",
             f"<p>Eligible: {_e(t)} {p['eligible'][t]}, {_e(c)} {p['eligible'][c]}; dropped for missing covariates: "
             f"{p['dropped_missing_covariates']}; matched pairs: {p['matched_pairs']}.</p>",
             "<h3>Balance (standardised mean differences)</h3>",
             _table(["covariate", "mean treated", "mean control (before)", "SMD before", "mean control (after)", "SMD after"],
                    [[k, _num(v["mean_treated_after"]), _num(v["mean_control_before"]), _num(v["smd_before"], 3),
                      _num(v["mean_control_after"]), _num(v["smd_after"], 3)] for k, v in r["balance"].items()]),
             "<h3>Matched survival</h3>",
             _img(km_figure(r["matched"]["arms"], title=f"Matched: {t} vs {c}", ylabel="Survival"), "matched Kaplan-Meier"),
             _km_table(r["matched"]["arms"]),
             f"<p>Cox (robust SE clustered on pair): {_e(_cox(r['matched']['cox']))}</p>", _logrank(r["matched"]["logrank"]),
             f"<h3>Subgroups (within the matched sample; T = {_e(t)}, C = {_e(c)})</h3>",
             _table(["subgroup", "n T", "n C", "median T, y", "median C, y", "Cox HR T vs C (95 % CI)", "p"],
                    [[name, s["n"][t], s["n"][c], _num((s["arms"].get(t) or {}).get("median_years")),
                      _num((s["arms"].get(c) or {}).get("median_years")), _hr(s["cox"]),
                      _p(s["cox"]["p"]) if s["cox"] else "–"] for name, s in r["subgroups"].items()])]
    return "".join(parts)


def _recurrence_body(r: dict[str, Any]) -> str:
    w5, early = r["recurred_within_5_years"], r["early_within_3_years"]
    parts = [f"<h2>Recurrence after {_e(r['modality'])}</h2>",
             f"<p>{r['patients']} patients; {w5['n']} recurred within 5 years ({_pct(w5['share'])}, {_e(w5['basis'])}); "
             f"early (≤ 3 years): {early['n']} ({_pct(early['share_of_recurrences_within_5_years'])} of recurrences within 5 years); "
             f"late: {r['late_after_3_years']['n']}.</p>"]
    if r["progression_free_survival"]:
        parts.append(_img(km_figure({"PFS": r["progression_free_survival"]}, title="Progression-free survival after resection",
                                    ylabel="Progression-free"), "PFS"))
    for endpoint, label in (("os", "Survival after recurrence"), ("pfs", "Progression-free survival after recurrence")):
        groups = {k: v for k, v in r["after_recurrence"][endpoint].items() if k != "logrank"}
        if groups:
            figure = km_figure(groups, title=label, ylabel=label, xlabel="Years since first recurrence")
            parts += [f"<h3>{label}: early vs late</h3>", _img(figure, label),
                      _km_table(groups), _logrank(r["after_recurrence"][endpoint].get("logrank"))]
    return "".join(parts)


def _concordance_body(r: dict[str, Any]) -> str:
    rows = [[d["patient"], d["date"], d["chosen_option"], d["status_now"], d["status_shown"] or "–",
             ", ".join(d["recommended_now"]) or "–", d["reason_given"] or "–"] for d in r["discordant"]]
    shown = rows[:500]
    return "".join([
        "<h2>Guideline concordance of tumour-board decisions</h2>",
        f"<p>{r['decisions_assessed']} decisions re-assessed with engine {_e(r['engine_version'])} and knowledge base "
        f"{_e(r['knowledge_base_version'])}: {r['concordant']} concordant ({_pct(r['concordant_share'])}). {_e(r['definition'])}.</p>",
        _table(["chosen option", "decisions", "concordant", "share"],
               [[k, v["decisions"], v["concordant"], _pct(v["concordant_share"])] for k, v in r["by_chosen_option"].items()]),
        f"<h3>Discordant decisions ({len(r['discordant'])}{', first 500 shown' if len(rows) > 500 else ''})</h3>",
        _table(["patient", "date", "chosen", "status now", "status shown", "recommended now", "reason given"], shown, wrap=True),
        f"<p class='note'>Not assessable: {len(r['not_assessable'])}.</p>",
    ])


BODIES = {"survival": _survival_body, "compare": _compare_body, "recurrence": _recurrence_body, "concordance": _concordance_body}


def render_report(result: dict[str, Any]) -> str:
    """The whole page for one analysis result (as returned by nelm.services.analyses)."""
    kind = result["analysis"]
    banner = f'<div class="banner">{_e(result["synthetic"]["banner"])}</div>' if result["synthetic"]["banner"] else ""
    meta = (f'<p class="meta">nelm {_e(result["nelm_version"])} · generated {_e(result["generated_at"])} · registry '
            f'{_e(result["database"])} · {result["synthetic"]["patients"]} synthetic of {result["synthetic"]["of"]} patients</p>')
    notes = "".join(f"<li>{_e(n)}</li>" for n in result["result"].get("notes", []))
    raw = html.escape(json.dumps({k: v for k, v in result.items() if k != "result"}, indent=1))
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>nelm {kind} report</title>"
            f"<style>{STYLE}</style></head><body>{banner}<h1>nelm registry analysis: {_e(kind)}</h1>{meta}"
            f"{BODIES[kind](result['result'])}{'<ul class=note>' + notes + '</ul>' if notes else ''}"
            f"<details><summary>Run details</summary><pre>{raw}</pre></details>{banner}</body></html>")
