"""The attack suite (issue 10): each test tries one attack on a real player or hub and fails if it works.

Fixtures: a player app on a fresh data folder, its test client, and a learner signed in. Helpers
for building packages and signing in come from tests/player/playerkit.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "player"))

from playerkit import TRAINER, new_learner  # noqa: E402

from player import create_app  # noqa: E402


@pytest.fixture
def app(tmp_path: Path):
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
