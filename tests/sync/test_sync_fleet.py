"""50 devices syncing 20,000 statements into one hub at once (threads, one database each), over a
link that loses a few answers: no error, every statement once."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter

import pytest
from synckit import HubProcess, assert_exactly_once, fetch_statements, fill_outbox

from player.fleet.sync import Retry, sync

DEVICES = 50
PER_DEVICE = 400


@pytest.fixture
def fleet_hub(tmp_path):
    server = HubProcess(tmp_path / "hub", gzip_bodies=True)  # its own process: the hub gets a core of its own
    yield server
    server.stop()


def test_fifty_devices_twenty_thousand_statements(tmp_path, fleet_hub, make_proxy):
    databases = [tmp_path / f"device-{n:02d}" / "player.sqlite3" for n in range(DEVICES)]
    ids: list[str] = []
    for path in databases:
        path.parent.mkdir()
        ids += fill_outbox(path, PER_DEVICE)
    proxy = make_proxy(fleet_hub.url)
    chance = random.Random(6)
    proxy.rule = lambda e: "lose" if e.method == "POST" and chance.random() < 0.05 else None
    results = [None] * DEVICES
    barrier = threading.Barrier(DEVICES)

    def device(n: int) -> None:
        barrier.wait()
        results[n] = sync(
            databases[n],
            proxy.url,
            fleet_hub.credentials,
            batch_size=100,
            timeout=60,
            retry=Retry(attempts=8, base=0.05, cap=1.0),
        )

    threads = [threading.Thread(target=device, args=(n,)) for n in range(DEVICES)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    seconds = time.perf_counter() - started
    failed = [r.line() for r in results if r is None or not r.ok]
    assert not failed, failed[:3]
    assert sum(r.sent for r in results) == DEVICES * PER_DEVICE
    counts = Counter(s["id"] for s in fetch_statements(fleet_hub.url, fleet_hub.auth))
    assert sum(counts.values()) == len(ids) == DEVICES * PER_DEVICE
    assert_exactly_once(counts, ids)
    lost = sum(1 for e in proxy.log if e.fault == "lose")
    print(
        f"\n{len(ids)} statements from {DEVICES} devices in {seconds:.1f} s "
        f"({len(ids) / seconds:.0f}/s), {proxy.requests} requests, {lost} answers lost on the way"
    )
