from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent / "player"))  # playerkit: the player tests' helpers

from coursekit import COURSES  # noqa: E402
from playerkit import TRAINER, new_learner  # noqa: E402

# ---- a player on a fresh data folder (tests/player, tests/security, …) ----


@pytest.fixture
def app(tmp_path: Path):
    from player import create_app

    return create_app(
        {
            "DATA_DIR": str(tmp_path / "data"),
            "TESTING": True,
            "TRAINER_PASSWORD": TRAINER,
            "LRS_KEY": "hub",
            "LRS_SECRET": "hub-secret",
            "IMPORT_DIRS": [str(tmp_path / "usb")],
        }
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def learner(client):
    new_learner(client)
    return client


@pytest.fixture(scope="session")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every bundled course built once, in every format, for the tests that read packages."""
    from packager.build import build

    out = tmp_path_factory.mktemp("exports")
    report = build(COURSES, out, progress=lambda _line: None)
    assert report.ok, "\n".join(str(i) for i in report.errors)
    return out


CHROMIUM = Path(os.environ.get("RUCHE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """One headless Debian chromium for the whole run (Playwright's sync API allows one per thread)."""
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} missing: install Debian's chromium (make test does it as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright (Python) missing: pip install -e '.[dev]'")
    with sync_playwright() as pw:
        handle = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield handle
        handle.close()
