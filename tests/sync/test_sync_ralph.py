"""Sync against a real Ralph LRS (ralph-malph, file-system backend, started by the fixture)."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from synckit import assert_exactly_once, fetch_statements, fill_outbox, id_counts, outbox_state, runs

from player import db
from player.fleet.sync import sync


def test_ralph_receives_everything_once(device, ralph_lrs, make_proxy):
    ids = fill_outbox(device, 500)
    proxy = make_proxy(ralph_lrs.url)
    result = sync(device, proxy.url, ralph_lrs.credentials, batch_size=200)
    assert result.ok, result.line()
    # Ralph cannot read gzip bodies (it answers 500): learned on the first batch, then plain
    assert result.gzip is False
    assert [(e.gzip, e.status) for e in proxy.log[:1]] == [(True, 500)]
    assert all(not e.gzip for e in proxy.log[1:])
    statements = fetch_statements(ralph_lrs.url, ralph_lrs.auth)  # through xAPI, following `more`
    assert_exactly_once(Counter(s["id"] for s in statements), ids)
    assert_exactly_once(ralph_lrs.stored_ids(), ids)  # and in its storage file
    mine = {s["id"]: s for s in statements if s["id"] in set(ids)}
    conn = db.connect(device)
    for row in conn.execute("SELECT statement_id, statement FROM outbox"):
        sent = json.loads(row["statement"])
        assert mine[row["statement_id"]]["timestamp"] == sent["timestamp"]  # the device's time, kept
        assert mine[row["statement_id"]]["actor"] == sent["actor"]
    conn.close()
    assert outbox_state(device)["sent"] == 500 and runs(device)[-1]["status"] == "done"


def test_ralph_empty_sync_is_one_small_request(device, ralph_lrs, make_proxy):
    fill_outbox(device, 3)
    proxy = make_proxy(ralph_lrs.url)
    assert sync(device, proxy.url, ralph_lrs.credentials).ok
    proxy.reset()
    result = sync(device, proxy.url, ralph_lrs.credentials)
    # Ralph has no /about: its 404 still proves the line and the server are up
    assert result.ok and result.reachable and proxy.requests == 1 and proxy.log[0].status == 404
    assert proxy.wire_bytes <= 1024


@pytest.mark.parametrize("fault", ["drop", "error500", "lose", "truncate", "late"])
def test_ralph_faults_lose_nothing_duplicate_nothing(device, ralph_lrs, make_proxy, fast, fault):
    ids = fill_outbox(device, 200)
    proxy = make_proxy(ralph_lrs.url)
    proxy.stall = 0.6
    proxy.faults = ["pass", fault, "pass", fault]
    result = sync(device, proxy.url, ralph_lrs.credentials, batch_size=50, timeout=0.3, retry=fast, gzip=False)
    assert result.ok, result.line()
    assert_exactly_once(id_counts(ralph_lrs.url, ralph_lrs.auth), ids)
    assert_exactly_once(ralph_lrs.stored_ids(), ids)
    if fault in ("lose", "truncate", "late"):
        # Ralph stored those batches; the copies sent again were answered 204 (all known), not stored twice
        assert any(e.status == 204 for e in proxy.log)


def test_ralph_wrong_password_is_refused(device, ralph_lrs, make_proxy, fast):
    fill_outbox(device, 5)
    proxy = make_proxy(ralph_lrs.url)
    result = sync(device, proxy.url, (ralph_lrs.USER, "nope"), retry=fast, gzip=False)
    assert result.status == "failed" and "credentials refused" in result.error and proxy.requests == 1
