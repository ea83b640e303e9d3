"""The parts of player.fleet.sync on their own: backoff, statement comparison, endpoints, the hub's
gzip middleware, the command, the background thread."""

from __future__ import annotations

import gzip
import io
import json
import random
import threading
import time

import pytest
from synckit import assert_exactly_once, basic, fill_outbox, id_counts

from packager.standards.statements import equivalent
from player import create_app, db
from player.cli import sync_command as run_command
from player.fleet.gzip_requests import GunzipRequests
from player.fleet.sync import Retry, SyncError, split_endpoint, sync
from player.fleet.sync_loop import start_background
from player.fleet.sync_status import pending_count


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    retry = Retry(base=0.5, cap=30.0)
    rng = random.Random(1)
    for failures in range(1, 12):
        ceiling = min(30.0, 0.5 * 2 ** (failures - 1))
        delays = [retry.delay(failures, rng) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert max(delays) - min(delays) > ceiling / 4  # jitter: devices do not knock in step
    assert retry.delay(50) <= 30.0


def test_statement_comparison_follows_the_spec():
    mine = {
        "id": "6fa0b2a4-1111-4e6a-9e3a-1234567890ab",
        "actor": {"objectType": "Agent", "account": {"homePage": "urn:ruche:device:x", "name": "u"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
        "object": {"objectType": "Activity", "id": "urn:ruche:package:x/y"},
        "context": {"registration": "0b6b3c1e-2f4a-4f7e-9d55-3f0f5e2d4a10"},
        "timestamp": "2026-01-05T10:00:00.120000Z",
    }
    theirs = dict(
        mine,
        id=mine["id"].upper(),
        timestamp="2026-01-05T10:00:00.12+00:00",
        stored="2026-01-05T17:00:00Z",
        authority={"objectType": "Agent", "account": {"homePage": "http://lrs", "name": "key"}},
        version="1.0.0",
        context={"registration": "0B6B3C1E-2F4A-4F7E-9D55-3F0F5E2D4A10"},
    )
    assert equivalent(mine, theirs)
    assert not equivalent(mine, dict(theirs, verb={"id": "http://adlnet.gov/expapi/verbs/passed"}))
    assert not equivalent(mine, dict(theirs, result={"success": True}))
    assert not equivalent(mine, dict(theirs, timestamp="2026-01-05T10:00:01Z"))
    assert not equivalent(mine, dict(theirs, id="6fa0b2a4-1111-4e6a-9e3a-1234567890ac"))


def test_endpoints_and_credentials():
    assert split_endpoint("http://hub.local:5000/xapi/") == ("http://hub.local:5000/xapi", None)
    assert split_endpoint("https://dev:s%40crét@lrs.example.org/xAPI") == (
        "https://lrs.example.org/xAPI",
        ("dev", "s@crét"),
    )
    assert split_endpoint("http://a:b@h/x", ("k", "s")) == ("http://h/x", ("k", "s"))
    for bad in ("ftp://h/x", "hub:5000/xapi", ""):
        with pytest.raises(SyncError):
            split_endpoint(bad)


def test_hub_gzip_middleware(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path), "TESTING": True, "LRS_KEY": "hub", "LRS_SECRET": "s"})
    app.wsgi_app = GunzipRequests(app.wsgi_app, max_bytes=1024 * 1024)
    client = app.test_client()
    headers = {
        "X-Experience-API-Version": "1.0.3",
        "Content-Type": "application/json",
        "Authorization": basic("hub", "s"),
    }
    statement = {
        "actor": {"objectType": "Agent", "account": {"homePage": "urn:ruche:device:x", "name": "u"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": "urn:ruche:package:x/y"},
    }
    body = gzip.compress(json.dumps([statement]).encode())
    ok = client.post("/xapi/statements", data=body, headers={**headers, "Content-Encoding": "gzip"})
    assert ok.status_code == 200 and len(ok.json) == 1
    assert client.post("/xapi/statements", data=body, headers={**headers, "Content-Encoding": "br"}).status_code == 415
    bomb = gzip.compress(b"[" + b" " * (3 * 1024 * 1024) + b"]")
    assert len(bomb) < 10_000
    assert (
        client.post("/xapi/statements", data=bomb, headers={**headers, "Content-Encoding": "gzip"}).status_code == 413
    )
    cut = client.post("/xapi/statements", data=body[: len(body) // 2], headers={**headers, "Content-Encoding": "gzip"})
    assert cut.status_code == 400
    plain = client.post("/xapi/statements", data=json.dumps(statement), headers=headers)
    assert plain.status_code == 200  # plain bodies are untouched


def test_a_statement_stored_without_its_id_is_sent_with_it(device, hub):
    ids = fill_outbox(device, 3)
    conn = db.connect(device)
    body = json.loads(conn.execute("SELECT statement FROM outbox WHERE statement_id = ?", (ids[1],)).fetchone()[0])
    del body["id"]
    conn.execute("UPDATE outbox SET statement = ? WHERE statement_id = ?", (json.dumps(body), ids[1]))
    conn.close()
    assert sync(device, hub.url, hub.credentials).ok
    assert_exactly_once(id_counts(hub.url, hub.auth), ids)


def test_command_line_entry(device, hub, tmp_path, monkeypatch):
    for name in ("ENDPOINT", "KEY", "SECRET"):
        monkeypatch.delenv(f"RUCHE_SYNC_{name}", raising=False)
    app = create_app({"DATA_DIR": str(device.parent), "TESTING": True})
    fill_outbox(app.config["DATABASE"], 30)
    out = io.StringIO()
    assert run_command(app, out=out, quiet=True) == 2 and "no remote" in out.getvalue()
    monkeypatch.setenv("RUCHE_SYNC_ENDPOINT", hub.url)
    monkeypatch.setenv("RUCHE_SYNC_KEY", "hub")
    monkeypatch.setenv("RUCHE_SYNC_SECRET", "wrong")
    out = io.StringIO()
    assert run_command(app, out=out, quiet=True) == 1 and "credentials refused" in out.getvalue()
    out = io.StringIO()
    assert run_command(app, key="hub", secret="hub-secret", out=out, quiet=True) == 0
    assert out.getvalue().startswith("sync done: 30/30 sent")
    out = io.StringIO()
    assert run_command(app, show_status=True, out=out) == 0
    state = json.loads(out.getvalue())
    assert state["pending"] == 0 and state["sent"] == 30 and [r["status"] for r in state["runs"]] == ["done", "failed"]


def test_background_thread_from_the_app_config(device, hub, monkeypatch):
    for name in ("ENDPOINT", "KEY", "SECRET"):
        monkeypatch.delenv(f"RUCHE_SYNC_{name}", raising=False)
    app = create_app(
        {
            "DATA_DIR": str(device.parent),
            "TESTING": True,
            "SYNC_ENDPOINT": hub.url,
            "SYNC_KEY": "hub",
            "SYNC_SECRET": "hub-secret",
            "SYNC_INTERVAL": 0.05,
        }
    )
    fill_outbox(app.config["DATABASE"], 40)
    stop = threading.Event()
    thread = start_background(app, stop)
    assert thread is not None
    deadline = time.monotonic() + 10
    while pending_count(app) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(3)
    assert pending_count(app) == 0 and not thread.is_alive()
    assert start_background(create_app({"DATA_DIR": str(device.parent / "other"), "TESTING": True}), stop) is None
