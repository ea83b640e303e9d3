from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))

COURSES = ROOT / "courses"
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every bundled course built once, in every format, for the tests that read packages."""
    from packager.build import build

    out = tmp_path_factory.mktemp("exports")
    report = build(COURSES, out, progress=lambda _line: None)
    assert report.ok, "\n".join(str(i) for i in report.errors)
    return out
