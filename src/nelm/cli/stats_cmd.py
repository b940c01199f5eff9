"""`nelm stats ...`: survival, Cox, concordance and matching on a CSV file."""

from __future__ import annotations

import typer

stats_app = typer.Typer(help="Survival statistics (R-exact): km, cox, cindex, match.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    # Commands live in stats_survival_cmd.py and stats_match_cmd.py; each exposes add_commands(stats_app).
    for name in ("stats_survival_cmd", "stats_match_cmd"):
        try:
            module = __import__(f"nelm.cli.{name}", fromlist=["add_commands"])
        except ModuleNotFoundError as exc:
            if exc.name != f"nelm.cli.{name}":
                raise
            continue
        module.add_commands(stats_app)
    app.add_typer(stats_app, name="stats")
