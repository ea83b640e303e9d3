"""No working secret rests in the database in clear (issue 10).

Before: launch credentials and cmi5 fetch tokens were stored as given, so a copy of the player's
database (a USB backup, a stolen SD card) was every learner's live credential.
"""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import parse_qs, urlsplit

from playerkit import csrf, import_file

from player import db

HEADERS = {"X-Experience-API-Version": "1.0.3"}


def _launch(app, learner, exports, fmt: str) -> dict[str, str]:
    result = import_file(app, next(exports.glob(f"guide-auteur-*-{fmt}.zip")))
    with app.app_context():
        launch = db.get_db().execute("SELECT id FROM launch WHERE package_id = ?", (result.package_id,)).fetchone()[0]
    opened = learner.post(f"/api/launches/{launch}/open", headers={"X-CSRF-Token": csrf(learner)})
    return {k: v[0] for k, v in parse_qs(urlsplit(opened.get_json()["src"]).query).items()}


def _rows(app) -> list[dict]:
    with app.app_context():
        return [dict(r) for r in db.get_db().execute("SELECT * FROM lrs_credential")]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_an_xapi_launch_secret_is_stored_as_its_digest(app, learner, exports):
    params = _launch(app, learner, exports, "xapi")
    key, _, secret = base64.b64decode(params["auth"].split()[1]).decode().partition(":")
    (row,) = _rows(app)
    assert row["key"] == key and row["secret"] == _sha(secret)
    assert secret not in json.dumps(_rows(app))
    stolen = base64.b64encode(f"{key}:{row['secret']}".encode()).decode()  # the database's copy: useless
    assert learner.get("/xapi/about").status_code == 200
    agent = params["actor"]
    query = {"agent": agent}
    assert (
        learner.get(
            "/xapi/statements", query_string=query, headers={**HEADERS, "Authorization": f"Basic {stolen}"}
        ).status_code
        == 401
    )
    assert (
        learner.get(
            "/xapi/statements", query_string=query, headers={**HEADERS, "Authorization": params["auth"]}
        ).status_code
        == 200
    )


def test_a_cmi5_fetch_token_and_its_secret_rest_as_digests(app, learner, exports):
    params = _launch(app, learner, exports, "cmi5")
    token = parse_qs(urlsplit(params["fetch"]).query).get("token", [urlsplit(params["fetch"]).path.rsplit("/", 1)[-1]])[
        0
    ]
    (before,) = _rows(app)
    assert token not in json.dumps(before), "the fetch token is in the database in clear"
    answer = learner.post(urlsplit(params["fetch"]).path).get_json()
    key, _, secret = base64.b64decode(answer["auth-token"]).decode().partition(":")
    (after,) = _rows(app)
    assert after["key"] == key and after["secret"] == _sha(secret) and after["fetched"] == 1
    assert before["secret"] != after["secret"], "the secret handed out was made at fetch time"
    assert learner.post(urlsplit(params["fetch"]).path).get_json()["error-code"] == "1"
    auth = {**HEADERS, "Authorization": f"Basic {answer['auth-token']}"}
    state = {
        "activityId": params["activityId"],
        "agent": params["actor"],
        "registration": params["registration"],
        "stateId": "LMS.LaunchData",
    }
    assert learner.get("/xapi/activities/state", query_string=state, headers=auth).status_code == 200


def test_credentials_stored_in_clear_before_the_upgrade_are_dropped(tmp_path):
    from player import create_app

    data = tmp_path / "d"
    create_app({"DATA_DIR": str(data), "TESTING": True})
    conn = db.connect(data / "player.sqlite3")
    conn.execute("PRAGMA user_version = 6")
    conn.execute(
        "INSERT INTO lrs_credential(key, secret, created_at) VALUES (?, ?, ?)",
        ("launch-old", "clear-secret", "2026-01-01T00:00:00.000000Z"),
    )
    conn.close()
    create_app({"DATA_DIR": str(data), "TESTING": True})  # migration 0007
    conn = db.connect(data / "player.sqlite3")
    assert conn.execute("SELECT COUNT(*) FROM lrs_credential").fetchone()[0] == 0
    conn.close()
