"""Twenty devices syncing into the hub at once: every batch is stored, none answers 5xx (issue 10).

Before: under 20 devices at once the hub answered 500 "database is locked" twice (the devices
retried, nothing was lost). The hub here runs under waitress, the server `serve` uses, with more
threads than the default so that the database, not the thread pool, is what the devices contend for.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.request
import uuid
from collections import Counter

from player import create_app, db
from player import server as wsgi
from player.fleet import devices

DEVICES, BATCHES, BATCH = 20, 10, 40


def _statement(device: str, n: int) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": f"urn:ruche:device:{device}", "name": f"l{n % 5}"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
        "object": {"objectType": "Activity", "id": f"https://example.org/q/{n % 9}"},
        "timestamp": "2026-12-03T08:00:00.000Z",
    }


def test_twenty_devices_at_once_are_all_stored_without_a_5xx(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path / "hub"), "HUB": True, "SERVER_THREADS": DEVICES + 4})
    with app.app_context():
        tokens = {f"poste-{i}": devices.register(f"poste-{i}") for i in range(DEVICES)}
    server = wsgi.create(app, "127.0.0.1", 0)
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{server.effective_port}/xapi/statements"
    codes: Counter[int] = Counter()
    start = threading.Barrier(DEVICES)

    def sync(name: str, token: str) -> None:
        auth = "Basic " + base64.b64encode(f"{name}:{token}".encode()).decode()
        headers = {"Authorization": auth, "X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
        start.wait()
        for b in range(BATCHES):
            body = json.dumps([_statement(name, b * BATCH + i) for i in range(BATCH)]).encode()
            request = urllib.request.Request(url, data=body, method="POST", headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=60) as answer:
                    codes[answer.status] += 1
            except urllib.error.HTTPError as error:
                codes[error.code] += 1

    try:
        threads = [threading.Thread(target=sync, args=item) for item in tokens.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        server.close()
    assert codes == Counter({200: DEVICES * BATCHES}), codes
    with app.app_context():
        assert db.get_db().execute("SELECT COUNT(*) FROM lrs_statement").fetchone()[0] == DEVICES * BATCHES * BATCH
