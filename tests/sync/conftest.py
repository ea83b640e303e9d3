"""Fixtures of the sync tests: every server is started here, on 127.0.0.1, and stopped at teardown.

- `hub`: our player app's /xapi/ (create_app, temp data) in a werkzeug thread, taking gzip bodies
  (player.fleet.gzip_requests.GunzipRequests, as create_app will install it); `plain_hub`: the same as the
  player is today, without gzip.
- `ralph_lrs`: Ralph LRS (ralph-malph) on its file-system backend, one per session; tests tell
  their statements apart by id.
- `proxy`: a fault-injecting proxy in front of any of them (synckit.FaultProxy).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from synckit import FaultProxy, HubThread, RalphProcess

from player.fleet.sync import Retry

FAST = Retry(attempts=6, base=0.01, cap=0.05)


@pytest.fixture
def fast() -> Retry:
    """Backoff in hundredths of a second: the tests check behaviour, not patience."""
    return FAST


@pytest.fixture
def device(tmp_path: Path) -> Path:
    """The database of a learner device (created by the first fill_outbox)."""
    return tmp_path / "device" / "player.sqlite3"


@pytest.fixture(autouse=True)
def _device_dir(device: Path) -> None:
    device.parent.mkdir(parents=True, exist_ok=True)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[HubThread]:
    server = HubThread(tmp_path / "hub", gzip_bodies=True)
    yield server
    server.stop()


@pytest.fixture
def plain_hub(tmp_path: Path) -> Iterator[HubThread]:
    server = HubThread(tmp_path / "plain-hub", gzip_bodies=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def ralph_lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RalphProcess]:
    missing = [m for m in ("ralph", "fastapi", "uvicorn", "bcrypt") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"Ralph LRS missing ({', '.join(missing)}): pip install 'ralph-malph[lrs]'")
    server = RalphProcess(tmp_path_factory.mktemp("ralph") / "home")
    yield server
    server.stop()


@pytest.fixture
def make_proxy() -> Iterator[Callable[[str], FaultProxy]]:
    made: list[FaultProxy] = []

    def make(upstream: str) -> FaultProxy:
        made.append(FaultProxy(upstream))
        return made[-1]

    yield make
    for proxy in made:
        proxy.close()
