"""Production code says each thing once: `duplicates` (the workplace's clone finder) finds no pair in it.

Three kinds of row are let through, and only these:
- a pair inside `player/migrations/`: the migrations are an append-only history, and SQLite has no
  ALTER VIEW, so a migration that changes a view restates it whole;
- a pair whose two sides hold declarations only (dataclass fields, parameters, keyword arguments,
  decorators, class and def lines, docstrings) and no other run: a list of names is not logic;
- a pair of two package runtime scripts that no format ships together (scorm12.js ~ scorm2004.js:
  a package holds one driver): code shared between them would be an indirection every package
  pays for in bytes (measured: +58 B gzipped per SCORM package for the resume/save pair), and
  the bytes are the learner's.
Any other row fails, and so does a row with more runs than the one it names (those are not read).

The tool lives on the developers' machines, not in the repository; where it is missing the test is
skipped and says so (CI on a machine without it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from archkit import ROOT

PRODUCTION = ("packager/", "player/")
HISTORY = "player/migrations/"
RUNTIME = "packager/runtime/"
ROW = re.compile(r"^D\d+ (\S+?):(\d+)-(\d+) ~ (\S+?):(\d+)-(\d+)(.*)$")
_NOT_A_NAME = r"(?!(?:else|try|finally|lambda|return|if|elif|for|while|with)\b)"
DECLARATION = re.compile(
    r"^(?:"
    r"@[\w.]+(?:\(.*\))?"  # decorator
    r"|class \w+.*:|(?:async )?def \w+\((?:self,?)?"  # class line, opening of a def
    r"|\*,|\)(?: -> .+)?:"  # keyword-only marker, end of a signature
    rf"|{_NOT_A_NAME}\w+: [\w\[\]|., \"']+(?: = .+)?,?"  # field or annotated parameter
    rf"|{_NOT_A_NAME}\w+=[^=].*,"  # keyword argument
    r"|[rbuf]?\"\"\".*|.*\"\"\""  # docstring
    r")$"
)


def _lines(root: Path, path: str, first: int, last: int) -> list[str]:
    text = (root / path).read_text(encoding="utf-8").splitlines()[first - 1 : last]
    return [s for s in (line.strip() for line in text) if s and not s.startswith("#")]


def declarations_only(lines: list[str]) -> bool:
    return all(DECLARATION.match(line) for line in lines)


def never_shipped_together(left: str, right: str, formats: list[tuple[str, ...]] | None = None) -> bool:
    """Two runtime scripts that no format's package holds both of (each package has one driver)."""
    if not (left.startswith(RUNTIME) and right.startswith(RUNTIME)) or left == right:
        return False
    if formats is None:
        from packager.formats import FORMATS

        formats = [fmt.scripts for fmt in FORMATS]
    a, b = left.removeprefix(RUNTIME), right.removeprefix(RUNTIME)
    return not any(a in scripts and b in scripts for scripts in formats)


def production_pairs(report: str, root: Path = ROOT) -> list[str]:
    """Rows of a `duplicates` report that say a thing twice in production code."""
    rows = []
    for line in report.splitlines():
        match = ROW.match(line)
        if not match:
            continue
        left, l1, l2, right, r1, r2, tail = match.groups()
        if not (left.startswith(PRODUCTION) and right.startswith(PRODUCTION)):
            continue
        if left.startswith(HISTORY) and right.startswith(HISTORY):
            continue
        if never_shipped_together(left, right):
            continue
        single_run = "more runs" not in tail
        sides = (_lines(root, left, int(l1), int(l2)), _lines(root, right, int(r1), int(r2)))
        if single_run and all(declarations_only(side) for side in sides):
            continue
        rows.append(line)
    return rows


def test_rows_are_read(tmp_path: Path) -> None:
    (tmp_path / "player").mkdir()
    fields = '@dataclass(frozen=True)\nclass A:\n    """Why."""\n\n    a: str\n    b: int = 0\n'
    logic = "def f(x):\n    if x:\n        return 1\n    return 2\n"
    (tmp_path / "player" / "a.py").write_text(fields + logic, encoding="utf-8")
    (tmp_path / "player" / "migrations").mkdir()
    (tmp_path / "player" / "migrations" / "0002_x.sql").write_text("SELECT 1;\n" * 9, encoding="utf-8")
    sample = (
        "D1 player/a.py:1-6 ~ player/a.py:1-6 shape\n"
        "D2 player/a.py:1-10 ~ player/a.py:1-10 shape\n"
        "D3 player/a.py:1-6 ~ player/a.py:1-6 shape (+2 more runs)\n"
        "D4 player/migrations/0002_x.sql:1-9 ~ player/migrations/0003_y.sql:1-9\n"
        "D5 player/migrations/0002_x.sql:1-9 ~ player/a.py:1-9\n"
        "D6 tests/x.py:1-7 ~ player/a.py:1-7\n"
    )
    kept = [row.split()[0] for row in production_pairs(sample, tmp_path)]
    assert kept == ["D2", "D3", "D5"]


def test_runtime_scripts_are_alternatives_only_when_no_package_holds_both() -> None:
    formats = [("core.js", "scorm.js", "scorm12.js"), ("core.js", "scorm.js", "scorm2004.js")]
    runtime = "packager/runtime/"
    assert never_shipped_together(runtime + "scorm12.js", runtime + "scorm2004.js", formats)
    assert not never_shipped_together(runtime + "scorm.js", runtime + "scorm12.js", formats)
    assert not never_shipped_together(runtime + "core.js", runtime + "core.js", formats)
    assert not never_shipped_together("player/static/lms.js", runtime + "scorm12.js", formats)
    assert never_shipped_together(runtime + "scorm12.js", runtime + "cmi5.js")  # the real registry


@pytest.mark.parametrize(
    ("line", "declaration"),
    [
        ("resolve_entities=False,", True),
        ("endpoint: str | None = None,", True),
        ('severity: Literal["error", "warning"] = "error"', True),
        ("def sync_command(", True),
        (") -> dict[str, Any]:", True),
        ("else: return x", False),
        ("if a == b:", False),
        ("set('cmi.location', b.slice(0, 1000));", False),
        ("total = total + 1", False),
    ],
)
def test_declarations_are_told_from_logic(line: str, declaration: bool) -> None:
    assert bool(DECLARATION.match(line)) is declaration


@pytest.mark.skipif(shutil.which("duplicates") is None, reason="the `duplicates` tool is not on this machine")
def test_production_code_has_no_duplicates() -> None:
    done = subprocess.run(
        ["duplicates", "--repo", str(ROOT), "--most", "200", "--seconds", "120"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "incomplete:" not in done.stdout, done.stdout[-2000:]
    assert "more pairs)" not in done.stdout, "--most cut the report: raise it"
    pairs = production_pairs(done.stdout)
    assert not pairs, "the same code twice in production code:\n" + "\n".join(pairs)
