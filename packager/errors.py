"""Source errors that name the file, the line and the fix, so an author can act without reading code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class Issue:
    """One problem in a course source. `hint` says how to fix it."""

    file: Path
    line: int
    message: str
    hint: str = ""
    severity: Literal["error", "warning"] = "error"
    code: str = ""

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}: {self.severity}: {self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text


class SourceError(Exception):
    """Raised when a course cannot be loaded; carries every error found, not just the first."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))
