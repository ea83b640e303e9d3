"""A device whose clock is hours off the hub's (freezegun on the device; the hub runs in its own
process on the real clock): statements keep their own timestamps, the hub's `stored` is its own
time so since/until still find them, and backoff still works on a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from synckit import HubProcess, assert_exactly_once, fetch_statements, fill_outbox, runs

from player.fleet.sync import Retry, sync


@pytest.fixture(scope="module")
def real_hub(tmp_path_factory):
    server = HubProcess(tmp_path_factory.mktemp("clock-hub"), gzip_bodies=True)
    yield server
    server.stop()


def _xapi_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("hours", [-7, 5])
def test_device_clock_hours_off_the_hub(device, real_hub, make_proxy, hours):
    proxy = make_proxy(real_hub.url)
    proxy.faults = ["error500", "drop", "pass", "error503"]  # backoff has to work on a frozen clock
    before = datetime.now(UTC) - timedelta(seconds=1)  # the hub's (real) time
    device_time = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=hours)
    with freeze_time(device_time):  # frozen: time.monotonic/perf_counter do not move either
        ids = fill_outbox(device, 120)
        result = sync(device, proxy.url, real_hub.credentials, batch_size=50, retry=Retry(base=0.02, cap=0.1))
    after = datetime.now(UTC) + timedelta(seconds=1)
    assert result.ok, result.line()
    assert [e.fault for e in proxy.log[:4]] == ["error500", "drop", "pass", "error503"]

    statements = {s["id"]: s for s in fetch_statements(real_hub.url, real_hub.auth) if s["id"] in set(ids)}
    assert_exactly_once({i: 1 for i in statements}, ids)
    for statement in statements.values():
        assert _instant(statement["timestamp"]) == device_time  # the device's own time, kept
        assert before <= _instant(statement["stored"]) <= after  # the hub's time
    # since/until filter on `stored` (the hub's clock), whatever the device believed
    since = {s["id"] for s in fetch_statements(real_hub.url, real_hub.auth, since=_xapi_time(before))}
    assert set(ids) <= since
    until = {s["id"] for s in fetch_statements(real_hub.url, real_hub.auth, until=_xapi_time(before))}
    assert not set(ids) & until
    # the device's log keeps the device's time: that is the only clock it has
    [run] = runs(device)
    assert _instant(run["started_at"]) == device_time and run["status"] == "done"
