"""Fixtures of the hub tests: a hub app (HUB=True, a trainer password) and a logged-in trainer client."""

from __future__ import annotations

from pathlib import Path

import pytest
from hubkit import hub_app, login


@pytest.fixture
def hub(tmp_path: Path):
    return hub_app(tmp_path / "hub")


@pytest.fixture
def trainer(hub):
    client = hub.test_client()
    assert login(client).status_code == 302
    return client
