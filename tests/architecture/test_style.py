"""One style across the repository: `ruff check` and `ruff format --check` are both clean.

Ruff is a dev dependency (pyproject.toml), so `make test` has it; the rules are in pyproject.toml.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from archkit import ROOT


@pytest.mark.parametrize("command", [["check", "."], ["format", "--check", "."]], ids=["check", "format"])
def test_ruff_is_clean(command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *command], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]
