"""The `nelm` command. Each command group lives in its own module and is registered here."""

from __future__ import annotations

import sys

import typer

from nelm import __version__
from nelm.cli.errors import BAD_INPUT, InputProblem, fail

app = typer.Typer(
    name="nelm",
    help="Decision support and outcomes research for neuroendocrine tumour liver metastases.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"nelm {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """nelm: every recommendation shows its rule, its reason and its source."""


def _register() -> None:
    # One line per command module; each module exposes `register(app)`.
    from nelm.cli import assess_cmd

    assess_cmd.register(app)
    for name in ("evidence_cmd", "meta_cmd", "stats_cmd", "model_cmd", "registry_cmd", "web_cmd", "fhir_cmd"):
        try:
            module = __import__(f"nelm.cli.{name}", fromlist=["register"])
        except ModuleNotFoundError as exc:  # a door not built yet in this checkout
            if exc.name != f"nelm.cli.{name}":
                raise
            continue
        module.register(app)


_register()


def main() -> None:
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
