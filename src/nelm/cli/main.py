"""The `nelm` command. Each command group lives in its own module and is registered here."""

from __future__ import annotations

import importlib
import sys

import typer

from nelm import __version__
from nelm.cli.errors import BAD_INPUT, InputProblem, fail

# Top-level command -> the module that registers it (each exposes `register(app)`). Only the module a
# command needs is imported, so `nelm assess` does not pay for scipy, SQLAlchemy or FastAPI start-up.
COMMAND_MODULES = {
    "assess": "assess_cmd", "schema": "assess_cmd", "rules": "assess_cmd", "protocol": "assess_cmd",
    "evidence": "evidence_cmd", "meta": "meta_cmd", "stats": "stats_cmd", "model": "model_cmd",
    "db": "registry_cmd", "registry": "registry_cmd", "demo-data": "registry_cmd", "analyze": "registry_cmd",
    "serve": "web_cmd", "user": "web_cmd", "fhir": "fhir_cmd", "cds": "fhir_cmd",
}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"nelm {__version__}")
        raise typer.Exit()


def build_app(command: str | None = None) -> typer.Typer:
    """The `nelm` app with every command, or only the group `command` needs."""
    app = typer.Typer(
        name="nelm",
        help="Decision support and outcomes research for neuroendocrine tumour liver metastases.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
    ) -> None:
        """nelm: every recommendation shows its rule, its reason and its source."""

    wanted = [COMMAND_MODULES[command]] if command in COMMAND_MODULES else list(dict.fromkeys(COMMAND_MODULES.values()))
    for name in wanted:
        try:
            module = importlib.import_module(f"nelm.cli.{name}")
        except ModuleNotFoundError as exc:  # a door not built yet in this checkout
            if exc.name != f"nelm.cli.{name}":
                raise
            continue
        module.register(app)
    return app


def __getattr__(name: str):
    if name == "app":  # the full app, for tests and documentation tools
        return build_app()
    raise AttributeError(name)


def main() -> None:
    app = build_app(sys.argv[1] if len(sys.argv) > 1 else None)
    try:
        app()
    except InputProblem as problem:
        raise SystemExit(_exit_for(problem)) from None


def _exit_for(problem: InputProblem) -> int:
    try:
        raise fail(problem.problems)
    except typer.Exit:
        return BAD_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
