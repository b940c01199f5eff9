"""Reading the files users name, with one clear message when they cannot be read."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class BadInput(Exception):
    """Input that cannot be used; one message per problem, each naming the field, row or file."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput([f"{path}: no such file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput([f"{path}: cannot be read ({exc})"]) from None
