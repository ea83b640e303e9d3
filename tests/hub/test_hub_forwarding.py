"""Forwarding: a device syncs into hub 1 with its token; hub 1 forwards upstream to hub 2, each statement once."""

from __future__ import annotations

import threading
import time
from collections import Counter

from hubkit import (
    HUB_KEY,
    HUB_SECRET,
    ServerThread,
    device_with_progress,
    hub_app,
    login,
    outbox_ids,
    register,
    stored_ids,
)

from player import create_app
from player.fleet import sync, sync_loop, sync_status
from player.fleet.sync import Retry

FAST = Retry(attempts=6, base=0.01, cap=0.05)


def test_statements_reach_the_upstream_exactly_once(tmp_path):
    upstream = ServerThread(
        create_app({"DATA_DIR": str(tmp_path / "hub2"), "TESTING": True, "LRS_KEY": HUB_KEY, "LRS_SECRET": HUB_SECRET})
    )
    hub1 = ServerThread(
        hub_app(
            tmp_path / "hub1",
            HUB_UPSTREAM_ENDPOINT=upstream.url + "/xapi",
            HUB_UPSTREAM_KEY=HUB_KEY,
            HUB_UPSTREAM_SECRET=HUB_SECRET,
            SYNC_INTERVAL=0.05,
        )
    )
    stop = threading.Event()
    try:
        assert sync.settings(hub1.app) == (upstream.url + "/xapi", (HUB_KEY, HUB_SECRET))
        trainer = hub1.app.test_client()
        login(trainer)
        token = register(trainer, "portable-12")
        alice = device_with_progress(tmp_path / "alice")
        bruno = device_with_progress(tmp_path / "bruno", learner="Bruno", score="60", answer="wrong")
        # the background sync of hub 1 (as `serve` starts it) forwards what arrives
        assert sync_loop.start_background(hub1.app, stop) is not None
        for device in (alice, bruno):
            result = sync.sync(device, hub1.url + "/xapi", ("portable-12", token), retry=FAST, batch_size=2)
            assert result.ok and result.status == "done", result
            again = sync.sync(device, hub1.url + "/xapi", ("portable-12", token), retry=FAST)
            assert again.sent == 0 and again.requests == 1
        expected = outbox_ids(alice) + outbox_ids(bruno)
        assert Counter(stored_ids(hub1.app)) == Counter(expected)  # at hub 1, once each
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(stored_ids(upstream.app)) < len(expected):
            time.sleep(0.05)
        counts = Counter(stored_ids(upstream.app))
        assert counts == Counter(expected), "each statement exactly once at hub 2"
        # a forced second run of hub 1 sends nothing again
        stop.set()
        time.sleep(0.1)
        assert sync.sync(hub1.app, upstream.url + "/xapi", (HUB_KEY, HUB_SECRET), retry=FAST).sent == 0
        assert Counter(stored_ids(upstream.app)) == Counter(expected)
        assert sync_status.pending_count(hub1.app) == 0
    finally:
        stop.set()
        hub1.stop()
        upstream.stop()


def test_without_upstream_received_statements_do_not_wait_in_the_outbox(tmp_path):
    hub1 = ServerThread(hub_app(tmp_path / "hub1"))
    try:
        trainer = hub1.app.test_client()
        login(trainer)
        token = register(trainer, "portable-12")
        alice = device_with_progress(tmp_path / "alice")
        assert sync.sync(alice, hub1.url + "/xapi", ("portable-12", token), retry=FAST).ok
        assert len(stored_ids(hub1.app)) == len(outbox_ids(alice))
        assert outbox_ids(hub1.app) == []
    finally:
        hub1.stop()
