"""Fixtures of the update tests: a hub (its own data folder, served on 127.0.0.1 in a thread), a
device (its own data folder), the course built in two versions once per session, a proxy.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from updkit import FaultProxy, Hub, build_versions, player  # noqa: E402

from player.fleet.sync import Retry  # noqa: E402

FAST = Retry(attempts=4, base=0.01, cap=0.05)


@pytest.fixture(scope="session")
def versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    return build_versions(tmp_path_factory.mktemp("course-versions"))


@pytest.fixture
def fast() -> Retry:
    return FAST


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    server = Hub(tmp_path / "hub")
    yield server
    server.stop()


@pytest.fixture
def device(tmp_path: Path):  # noqa: ANN201
    return player(tmp_path / "device")


@pytest.fixture
def make_proxy() -> Iterator[Callable[[str], FaultProxy]]:
    made: list[FaultProxy] = []

    def make(upstream: str) -> FaultProxy:
        made.append(FaultProxy(upstream))
        return made[-1]

    yield make
    for proxy in made:
        proxy.close()
