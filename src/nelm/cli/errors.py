"""How every command reports bad input: one line per problem, exit code 2, no traceback."""

from __future__ import annotations

from collections.abc import Iterable

import typer
from rich.console import Console
from rich.text import Text

_stderr = Console(stderr=True, highlight=False, soft_wrap=True)

BAD_INPUT = 2


class InputProblem(Exception):
    """Raised by doors when input cannot be used; carries one message per problem."""

    def __init__(self, problems: Iterable[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


def fail(problems: Iterable[str] | str, *, title: str = "error") -> typer.Exit:
    """Print every problem on its own line and return the Exit(2) to raise."""
    items = [problems] if isinstance(problems, str) else list(problems)
    for problem in items:
        # Problems quote user input, which may look like Rich markup ("[/x]"): print it as plain text.
        _stderr.print(Text.assemble((f"{title}:", "bold red"), " ", str(problem)))
    return typer.Exit(code=BAD_INPUT)
