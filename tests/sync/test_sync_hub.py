"""Sync against our own hub (the player's /xapi/), directly and through a faulty link."""

from __future__ import annotations

import fcntl
import io
import json
import threading
import time

import pytest
from synckit import (
    assert_exactly_once,
    fetch_statements,
    fill_outbox,
    id_counts,
    outbox_state,
    runs,
    sent_ids,
)

from player import db
from player.cli import print_progress
from player.fleet.sync import Retry, sync
from player.fleet.sync_loop import wait_and_sync
from player.fleet.sync_status import pending_count, retry_rejected, status

# ---------------------------------------------------------------------------------------------
# The plain path


def test_sync_sends_everything_once_and_logs_the_run(device, hub, make_proxy):
    ids = fill_outbox(device, 600)
    proxy = make_proxy(hub.url)
    seen: list[tuple[int, int]] = []
    result = sync(device, proxy.url, hub.credentials, batch_size=250, progress=lambda n, t: seen.append((n, t)))
    assert result.ok and result.status == "done", result.line()
    assert (result.pending, result.sent, result.rejected) == (600, 600, 0)
    assert result.gzip is True and all(e.gzip for e in proxy.log)
    assert [e.method for e in proxy.log] == ["POST"] * 3
    assert seen == [(250, 600), (500, 600), (600, 600)]
    assert result.bytes_out + result.bytes_in == proxy.wire_bytes  # the client counts what the wire carries
    assert_exactly_once(id_counts(hub.url, hub.auth), ids)
    assert outbox_state(device) == {"total": 600, "sent": 600, "tries": 600}
    [run] = runs(device)
    assert run["status"] == "done" and run["sent"] == 600 and run["failed"] == 0 and run["error"] is None
    assert run["pending"] == 600 and run["requests"] == 3 and run["bytes_out"] == result.bytes_out
    assert run["finished_at"] >= run["started_at"]
    # statement ids and bodies are the device's own
    stored = {s["id"]: s for s in fetch_statements(hub.url, hub.auth)}
    conn = db.connect(device)
    for row in conn.execute("SELECT statement_id, statement FROM outbox LIMIT 20"):
        mine, theirs = json.loads(row["statement"]), stored[row["statement_id"]]
        assert theirs["timestamp"] == mine["timestamp"] and theirs["verb"] == mine["verb"]
        assert theirs["actor"] == mine["actor"] and theirs.get("result") == mine.get("result")
    conn.close()


def test_empty_sync_costs_one_small_request(device, hub, make_proxy):
    fill_outbox(device, 10)
    proxy = make_proxy(hub.url)
    assert sync(device, proxy.url, hub.credentials).ok
    proxy.reset()
    result = sync(device, proxy.url, hub.credentials)
    assert result.ok and result.pending == 0 and result.reachable is True
    assert proxy.requests == 1 and proxy.log[0].path == "/xapi/about"
    assert proxy.wire_bytes <= 1024, proxy.wire_bytes
    assert result.requests == 1 and result.wire_bytes == proxy.wire_bytes


def test_plain_hub_gzip_is_probed_once_then_remembered(device, plain_hub, make_proxy):
    """Today's hub does not read gzip bodies: one 400, the same batch again plainly, never again."""
    ids = fill_outbox(device, 300)
    proxy = make_proxy(plain_hub.url)
    first = sync(device, proxy.url, plain_hub.credentials, batch_size=100)
    assert first.ok and first.gzip is False
    assert [(e.gzip, e.status) for e in proxy.log] == [(True, 400), (False, 200), (False, 200), (False, 200)]
    ids += fill_outbox(device, 100)
    proxy.reset()
    second = sync(device, proxy.url, plain_hub.credentials, batch_size=100)
    assert second.ok and [(e.gzip, e.status) for e in proxy.log] == [(False, 200)]
    assert_exactly_once(id_counts(plain_hub.url, plain_hub.auth), ids)
    assert status(device)["remotes"][0]["gzip"] == 0


# ---------------------------------------------------------------------------------------------
# Faults on the link

FAULTS = ["drop", "error500", "error503", "stall", "lose", "truncate", "late"]


@pytest.mark.parametrize("fault", FAULTS)
def test_faults_on_the_link_lose_nothing_and_duplicate_nothing(device, hub, make_proxy, fast, fault):
    ids = fill_outbox(device, 300)
    proxy = make_proxy(hub.url)
    proxy.stall = 0.6
    proxy.faults = ["pass", fault, fault, "pass", fault, "pass"]
    result = sync(device, proxy.url, hub.credentials, batch_size=50, timeout=0.3, retry=fast)
    assert result.ok, result.line()
    assert sum(1 for e in proxy.log if e.fault == fault) == 3
    assert_exactly_once(id_counts(hub.url, hub.auth), ids)
    assert outbox_state(device)["sent"] == 300
    if fault in ("lose", "truncate", "late"):  # the hub stored those batches: they went twice, stored once
        assert len(proxy.posted_ids()) > len(set(proxy.posted_ids())) == 300


def test_attempts_are_bounded_then_the_next_run_resumes(device, hub, make_proxy, fast):
    ids = fill_outbox(device, 200)
    proxy = make_proxy(hub.url)
    proxy.faults = ["pass"]  # the first batch goes through, then the hub breaks down
    proxy.rule = lambda e: "error500" if len(proxy.log) >= 1 else None
    result = sync(device, proxy.url, hub.credentials, batch_size=50, retry=Retry(attempts=4, base=0.01, cap=0.02))
    assert result.status == "partial" and result.sent == 50 and not result.ok
    assert "HTTP 500" in result.error and "4 tries" in result.error
    assert proxy.requests == 1 + 4
    assert outbox_state(device)["sent"] == 50
    conn = db.connect(device)
    tries = [r[0] for r in conn.execute("SELECT tries FROM outbox ORDER BY id")]
    conn.close()
    assert tries[:50] == [1] * 50 and tries[50:100] == [4] * 50 and tries[100:] == [0] * 100
    proxy.rule = None
    proxy.reset()
    again = sync(device, proxy.url, hub.credentials, batch_size=50, retry=fast)
    assert again.ok and again.sent == 150
    assert not set(proxy.posted_ids()) & set(ids[:50])  # what was acknowledged is not sent again
    assert_exactly_once(id_counts(hub.url, hub.auth), ids)
    assert [r["status"] for r in runs(device)] == ["partial", "done"]
    assert runs(device)[0]["error"] == result.error


def test_unreachable_remote_fails_fast_and_keeps_everything(device, fast):
    fill_outbox(device, 20)
    result = sync(device, "http://127.0.0.1:9/xapi", ("k", "s"), retry=Retry(attempts=3, base=0.01, cap=0.02))
    assert result.status == "failed" and result.reachable is False and result.sent == 0
    assert "ConnectionRefused" in result.error
    assert pending_count(device) == 20
    empty = device.parent / "empty.sqlite3"
    fill_outbox(empty, 0)
    probe = sync(empty, "http://127.0.0.1:9/xapi", ("k", "s"))
    assert probe.pending == 0 and probe.reachable is False and not probe.ok and probe.requests == 1


def test_refused_credentials_stop_the_run_without_retrying(device, hub, make_proxy, fast):
    fill_outbox(device, 20)
    proxy = make_proxy(hub.url)
    result = sync(device, proxy.url, ("hub", "wrong"), retry=fast, gzip=False)
    assert result.status == "failed" and "credentials refused" in result.error
    assert proxy.requests == 1 and pending_count(device) == 20


# ---------------------------------------------------------------------------------------------
# 409, 413 and statements refused for good


def test_lrs_answering_409_to_identical_copies(device, hub, make_proxy, fast):
    """Some LRSs refuse a batch with 409 as soon as one id is stored, even an identical copy: the
    batch is halved, then PUT one by one, then compared with what the LRS holds."""
    ids = fill_outbox(device, 200)
    proxy = make_proxy(hub.url)
    proxy.strict409 = True
    proxy.faults = ["pass", "lose"]  # the second batch is stored, its answer lost
    result = sync(device, proxy.url, hub.credentials, batch_size=50, retry=fast)
    assert result.ok and result.sent == 200, result.line()
    methods = [(e.method, e.status) for e in proxy.log]
    assert ("POST", 409) in methods and ("PUT", 409) in methods and ("GET", 200) in methods
    assert_exactly_once(id_counts(hub.url, hub.auth), ids)


def test_a_different_statement_under_our_id_is_refused_not_lost(device, hub, make_proxy, fast):
    ids = fill_outbox(device, 120)
    conn = db.connect(device)
    theirs = json.loads(conn.execute("SELECT statement FROM outbox WHERE statement_id = ?", (ids[70],)).fetchone()[0])
    conn.close()
    theirs["verb"] = {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}}
    hub.app.test_client().post(
        "/xapi/statements",
        json=theirs,
        headers={"Authorization": hub.auth, "X-Experience-API-Version": "1.0.3"},
    )
    proxy = make_proxy(hub.url)
    result = sync(device, proxy.url, hub.credentials, batch_size=50, retry=fast)
    assert result.status == "done" and result.sent == 119 and result.rejected == 1 and not result.ok
    state = status(device)
    assert [r["statement_id"] for r in state["rejected"]] == [ids[70]] and state["rejected"][0]["status"] == 409
    assert state["pending"] == 0 and state["runs"][0]["failed"] == 1
    counts = id_counts(hub.url, hub.auth)
    assert_exactly_once(counts, [i for i in ids if i != ids[70]])
    # nothing left to send: the refused one waits for a person; retry puts it back in the queue
    assert sync(device, proxy.url, hub.credentials).requests == 1
    assert retry_rejected(device) == 1 and pending_count(device) == 1
    again = sync(device, proxy.url, hub.credentials, retry=fast)
    assert again.rejected == 1 and again.sent == 0


def test_413_halves_the_batches(device, hub, make_proxy, fast):
    ids = fill_outbox(device, 400)
    proxy = make_proxy(hub.url)
    proxy.rule = lambda e: "error413" if e.method == "POST" and len(e.ids) > 60 else None
    result = sync(device, proxy.url, hub.credentials, batch_size=200, retry=fast)
    assert result.ok, result.line()
    accepted = [len(e.ids) for e in proxy.log if e.status == 200]
    assert accepted and max(accepted) <= 60
    assert_exactly_once(id_counts(hub.url, hub.auth), ids)


# ---------------------------------------------------------------------------------------------
# Resuming, one run at a time, progress, the background loop


def test_a_stopped_run_resumes_without_resending(device, hub, make_proxy, fast):
    ids = fill_outbox(device, 500)
    proxy = make_proxy(hub.url)
    stop = threading.Event()
    first = sync(device, proxy.url, hub.credentials, batch_size=100, stop=stop, progress=lambda n, t: stop.set())
    assert first.status == "stopped" and first.sent == 100
    before = set(proxy.posted_ids())
    proxy.reset()
    second = sync(device, proxy.url, hub.credentials, batch_size=100)
    assert second.ok and second.pending == 400 and second.sent == 400
    assert not before & set(proxy.posted_ids()) and before | set(proxy.posted_ids()) == set(ids)
    assert sent_ids(device) == set(ids)


def test_one_sync_at_a_time(device, hub):
    fill_outbox(device, 5)
    with open(f"{device}.sync-lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = sync(device, hub.url, hub.credentials)
    assert result.status == "busy" and result.requests == 0 and pending_count(device) == 5
    assert sync(device, hub.url, hub.credentials).ok


def test_a_killed_run_is_marked_interrupted(device, hub):
    fill_outbox(device, 5)
    conn = db.connect(device)
    conn.execute("INSERT INTO sync_run(endpoint, started_at) VALUES ('http://gone/xapi', ?)", (db.now(),))
    conn.close()
    assert sync(device, hub.url, hub.credentials).ok
    assert [r["status"] for r in runs(device)] == ["interrupted", "done"]


def test_progress_line():
    out = io.StringIO()
    show = print_progress(out)
    show(250, 600)
    show(600, 600)
    assert out.getvalue() == "sync: 250/600\nsync: 600/600\n"


def test_background_sync_starts_when_the_remote_answers(device, hub, make_proxy):
    ids = fill_outbox(device, 150)
    proxy = make_proxy(hub.url)
    down = threading.Event()
    down.set()
    proxy.rule = lambda e: "drop" if down.is_set() else None
    stop = threading.Event()
    results = []
    thread = threading.Thread(
        target=wait_and_sync,
        args=(device, proxy.url, hub.credentials),
        kwargs={
            "stop": stop,
            "interval": 0.05,
            "max_wait": 0.2,
            "on_result": results.append,
            "batch_size": 50,
            "retry": Retry(attempts=2, base=0.01, cap=0.02),
        },
        daemon=True,
    )
    thread.start()
    time.sleep(0.8)
    assert pending_count(device) == 150 and proxy.requests >= 2  # it keeps knocking, gently
    down.clear()
    deadline = time.monotonic() + 15
    while pending_count(device) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pending_count(device) == 0
    fill_outbox(device, 30)  # new statements are picked up by the next round
    deadline = time.monotonic() + 15
    while pending_count(device) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(3)
    assert not thread.is_alive()
    assert pending_count(device) == 0 and any(r.ok and r.sent for r in results)
    assert len(id_counts(hub.url, hub.auth)) == 180
    assert_exactly_once(id_counts(hub.url, hub.auth), ids)
