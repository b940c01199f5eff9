"""`nelm stats match`: propensity-score matching of a CSV file (door over nelm.stats.ps_match)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from nelm.cli.errors import fail
from nelm.stats.ps_match import MatchingInputError, PropensityMatch, propensity_score_match


def add_commands(stats_app: typer.Typer) -> None:
    stats_app.command("match")(match_command)


def _names(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise fail([f"DATA: no such file: {path}"])
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise fail([f"DATA: {path} is not a readable CSV file ({str(exc).strip().splitlines()[0]})"]) from None


def match_command(
    data: Path = typer.Argument(..., help="CSV file, one row per patient; a column `id` names rows in the output."),
    treatment: str = typer.Option(..., "--treatment", help="0/1 column; 1 = treated (e.g. surgery)."),
    covariates: str = typer.Option(..., "--covariates", help="Comma-separated columns for the propensity model."),
    caliper: float = typer.Option(0.2, "--caliper", help="Caliper in SDs of the distance (all rows); 0 = none."),
    ratio: int = typer.Option(1, "--ratio", help="Controls per treated row (1:k)."),
    replace: bool = typer.Option(False, "--replace", help="Let a control serve several treated rows."),
    exact: str | None = typer.Option(None, "--exact", help="Comma-separated columns to match exactly on."),
    m_order: str = typer.Option("largest", "--m-order", help="Order treated rows choose: largest|smallest|random|data."),
    seed: int | None = typer.Option(None, "--seed", help="Seed for --m-order random (reported in the output)."),
    distance: str = typer.Option("logit", "--distance", help="Match on the logit of the PS (logit) or the PS (ps)."),
    format: str = typer.Option("json", "--format", help="json (for tools) or text (for people)."),
) -> None:
    """Greedy nearest-neighbour propensity-score matching (MatchIt-compatible, ATT) with a balance table."""
    if format not in ("json", "text"):
        raise fail([f"--format must be json or text (got '{format}')"])
    table = read_table(data)
    try:
        run = propensity_score_match(
            table,
            treatment,
            _names(covariates),
            caliper=caliper if caliper else None,
            ratio=ratio,
            replace=replace,
            exact=_names(exact),
            m_order=m_order,
            seed=seed,
            distance=distance,  # type: ignore[arg-type]
        )
    except MatchingInputError as bad:
        raise fail(bad.problems) from None
    if format == "json":
        typer.echo(json.dumps(run.to_json(), indent=2, allow_nan=False))
    else:
        render_text(run, Console(highlight=False))


def _fmt(value: float | None, digits: int = 3) -> str:
    return "NA" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def render_text(run: PropensityMatch, console: Console) -> None:
    out = run.to_json()
    console.print(
        f"[bold]Propensity-score matching[/] of {out['treatment']} (1 = treated): "
        f"1:{out['ratio']} nearest neighbour on the {'logit of the PS' if out['distance'] == 'logit' else 'PS'}, "
        f"order {out['m_order']}, {'with' if out['replace'] else 'without'} replacement, "
        + (f"caliper {out['caliper']} SD ({_fmt(out['caliper_distance_units'], 4)})" if out["caliper"] else "no caliper")
        + (f", exact on {', '.join(out['exact'])}" if out["exact"] else "")
        + (f", seed {out['seed']}" if out["seed"] is not None else "")
    )
    console.print(
        f"Treated: {out['n_treated_matched']} of {out['n_treated']} matched ({out['n_treated_unmatched']} unmatched). "
        f"Controls: {out['n_control_matched']} of {out['n_control']} used ({out['n_control_unmatched']} unused)."
    )
    table = Table(title="Balance (SMD: treated-SD denominator; VR: variance ratio treated/control)")
    for header in ("covariate", "SMD before", "SMD after", "VR before", "VR after"):
        table.add_column(header, justify="left" if header == "covariate" else "right")
    rows = [("distance", out["distance_balance"])] + list(out["balance"].items())
    for name, b in rows:
        table.add_row(name, _fmt(b["smd_before"]), _fmt(b["smd_after"]), _fmt(b["var_ratio_before"]),
                      _fmt(b["var_ratio_after"]))
    console.print(table)
