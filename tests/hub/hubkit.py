"""Helpers of the hub tests: a learner device with real progress, a player app served in a thread."""

from __future__ import annotations

import base64
import json
import logging
import re
import sys
import threading
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

from player import create_app, db

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "player"))  # playerkit: packages, learners
from playerkit import import_file, new_learner, scorm12_zip  # noqa: E402

TRAINER = "mot-de-passe-formation"
HUB_KEY, HUB_SECRET = "hub", "hub-secret"
XAPI = {"X-Experience-API-Version": "1.0.3"}


def basic(key: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode(), **XAPI}


def csrf_of(client: Any, url: str = "/learners") -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(client: Any, password: str = TRAINER) -> Any:
    return client.post("/admin/login", data={"password": password, "csrf_token": csrf_of(client)})


def hub_app(data: Path, **config: Any) -> Flask:
    return create_app({"DATA_DIR": str(data), "TESTING": True, "HUB": True, "TRAINER_PASSWORD": TRAINER, **config})


def register(client: Any, name: str) -> str:
    """Register a device through the trainer page (client logged in); returns the token shown once."""
    response = client.post("/hub/devices", data={"name": name, "csrf_token": csrf_of(client, "/hub/devices")})
    assert response.status_code == 201, response.get_data(as_text=True)
    return re.search(r'<code id="device-token">([^<]+)</code>', response.get_data(as_text=True)).group(1)


def device_with_progress(data: Path, learner: str = "Alice", score: str = "90", answer: str = "correct") -> Flask:
    """A learner device where `learner` played a SCORM 1.2 lesson: its outbox holds real statements."""
    app = create_app({"DATA_DIR": str(data), "TESTING": True, "TRAINER_PASSWORD": TRAINER})
    import_file(app, scorm12_zip(data / "douze.zip"))
    client = app.test_client()
    new_learner(client, learner)
    with app.app_context():
        launch = db.get_db().execute("SELECT id FROM launch ORDER BY id LIMIT 1").fetchone()[0]
    token = csrf_of(client)
    opened = client.post(f"/api/launches/{launch}/open", headers={"X-CSRF-Token": token}).get_json()
    cmi = dict(
        opened["cmi"],
        **{
            "cmi.core.lesson_status": "completed",
            "cmi.core.score.raw": score,
            "cmi.core.exit": "",
            "cmi.core.session_time": "0000:12:00",
            "cmi.interactions.0.id": "q1",
            "cmi.interactions.0.type": "choice",
            "cmi.interactions.0.student_response": "b",
            "cmi.interactions.0.result": answer,
        },
    )
    response = client.post(
        opened["commit"],
        json={"session": opened["session"], "seq": 1, "finished": True, "cmi": cmi},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return app


def outbox_ids(app: Flask) -> list[str]:
    with app.app_context():
        return [r[0] for r in db.get_db().execute("SELECT statement_id FROM outbox ORDER BY id")]


def stored_ids(app: Flask) -> list[str]:
    """Every statement id in the app's LRS, duplicates included (one row per stored copy)."""
    with app.app_context():
        return [r[0] for r in db.get_db().execute("SELECT id FROM lrs_statement ORDER BY seq")]


def statement(sid: str, name: str = "Bea", verb: str = "completed", **result: Any) -> dict:
    body = {
        "id": sid,
        "actor": {"objectType": "Agent", "name": name, "account": {"homePage": "urn:ruche:device:x", "name": name}},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en-US": verb}},
        "object": {"objectType": "Activity", "id": "urn:ruche:package:cours/lecon-1"},
        "context": {"contextActivities": {"grouping": [{"id": "urn:ruche:package:cours"}]}},
        "timestamp": "2020-01-15T10:00:00Z",
    }
    if result:
        body["result"] = result
    return json.loads(json.dumps(body))


class ServerThread:
    """A player app served by werkzeug on 127.0.0.1 (ephemeral port) in a thread; stop() at teardown."""

    def __init__(self, app: Flask) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)
