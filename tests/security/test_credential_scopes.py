"""Scoped LRS credentials (issue 10): each test tries one attack and fails if it works.

Before, a launch credential (xAPI, cmi5) read and changed every learner's data, and never expired;
on a hub, any device token was the whole LRS. Now a launch credential is its learner's, its
attempt's registration's, until the attempt ends or LAUNCH_CREDENTIAL_HOURS pass; a device token
sends statements and reads back only those it sent (docs/player.md, docs/hub.md).
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hub"))

from hubkit import ServerThread, basic, device_with_progress, hub_app, login, outbox_ids, register  # noqa: E402
from hubkit import statement as device_statement  # noqa: E402
from playerkit import csrf, import_file, new_learner  # noqa: E402

from player import db  # noqa: E402
from player.fleet import sync  # noqa: E402
from player.fleet.sync import Retry  # noqa: E402

FULL = basic("hub", "hub-secret")  # the LRS_KEY pair of tests/security/conftest.py
VERBS = "http://adlnet.gov/expapi/verbs/"
VOIDED = VERBS + "voided"
FAST = Retry(attempts=6, base=0.01, cap=0.05)


# ---------------------------------------------------------------------------------------------
# Helpers


class Launch:
    """One learner who opened the xAPI lesson: their client, launch parameters and credential."""

    def __init__(self, app, launch_id: int, name: str) -> None:
        self.app = app
        self.client = app.test_client()
        new_learner(self.client, name)
        opened = self.client.post(f"/api/launches/{launch_id}/open", headers={"X-CSRF-Token": csrf(self.client)})
        assert opened.status_code == 200, opened.get_data(as_text=True)
        self.params = {k: v[0] for k, v in parse_qs(urlsplit(opened.get_json()["src"]).query).items()}
        self.actor = json.loads(self.params["actor"])
        self.registration = self.params["registration"]
        self.activity = self.params["activity_id"]
        self.headers = {"Authorization": self.params["auth"], "X-Experience-API-Version": "1.0.3"}

    def statement(self, verb: str = "progressed", **over) -> dict:
        body = {
            "id": str(uuid.uuid4()),
            "actor": self.actor,
            "verb": {"id": VERBS + verb},
            "object": {"id": self.activity},
            "context": {"registration": self.registration},
        }
        body.update(over)
        return body

    def voiding(self, target: str) -> dict:
        body = self.statement(object={"objectType": "StatementRef", "id": target})
        del body["context"]  # a voiding statement carries no registration
        return dict(body, verb={"id": VOIDED})

    def send(self, body: dict, headers: dict | None = None):
        return self.client.post("/xapi/statements", headers=headers or self.headers, json=body)

    def state(self, **over) -> dict:
        query = {
            "activityId": self.activity,
            "agent": json.dumps(self.actor),
            "registration": self.registration,
            "stateId": "bookmark",
        }
        query.update(over)
        return query


def _xapi_launch(app, exports) -> int:
    result = import_file(app, next(exports.glob("guide-auteur-*-xapi.zip")))
    with app.app_context():
        row = (
            db.get_db()
            .execute("SELECT id FROM launch WHERE package_id = ? ORDER BY position", (result.package_id,))
            .fetchone()
        )
    return row[0]


def _count(app, sql: str, *params) -> int:
    with app.app_context():
        return db.get_db().execute(sql, params).fetchone()[0]


def _outbox(app) -> int:
    return _count(app, "SELECT COUNT(*) FROM outbox")


def _voided(app, statement_id: str) -> bool:
    return bool(_count(app, "SELECT voided FROM lrs_statement WHERE id = ?", statement_id))


@pytest.fixture
def pair(app, exports):
    """Alice and Bob, each with a launch of the same xAPI lesson; Bob has a statement and a state."""
    launch = _xapi_launch(app, exports)
    alice, bob = Launch(app, launch, "Alice"), Launch(app, launch, "Bob")
    bobs = bob.statement("completed", result={"completion": True})
    assert bob.send(bobs).status_code == 200
    put = bob.client.put("/xapi/activities/state", query_string=bob.state(), json={"page": 7}, headers=bob.headers)
    assert put.status_code == 204, put.data
    bob.sent = bobs["id"]
    return alice, bob


# ---------------------------------------------------------------------------------------------
# Launch credentials: the attacks


def test_a_launch_reads_only_its_own_learners_statements(pair):
    alice, bob = pair
    mine = alice.statement()
    assert alice.send(mine).status_code == 200
    listed = alice.client.get("/xapi/statements", headers=alice.headers).get_json()["statements"]
    assert [s["id"] for s in listed] == [mine["id"]]
    asked = alice.client.get("/xapi/statements", headers=alice.headers, query_string={"agent": json.dumps(bob.actor)})
    assert asked.status_code == 403
    single = alice.client.get("/xapi/statements", headers=alice.headers, query_string={"statementId": bob.sent})
    assert single.status_code == 404
    by_registration = alice.client.get(
        "/xapi/statements", headers=alice.headers, query_string={"registration": bob.registration}
    )
    assert by_registration.get_json()["statements"] == []


def test_a_launch_cannot_touch_another_learners_state(pair):
    alice, bob = pair
    theirs = bob.state()
    for method in ("get", "put", "post", "delete"):
        response = getattr(alice.client, method)(
            "/xapi/activities/state", query_string=theirs, json={"page": 1}, headers=alice.headers
        )
        assert response.status_code == 403, (method, response.data)
    listing = {k: v for k, v in theirs.items() if k != "stateId"}
    assert alice.client.delete("/xapi/activities/state", query_string=listing, headers=alice.headers).status_code == 403
    # Bob's agent with Alice's registration, and Alice's agent with Bob's registration: refused too
    mixed = bob.state(registration=alice.registration)
    assert (
        alice.client.put("/xapi/activities/state", query_string=mixed, json={}, headers=alice.headers).status_code
        == 403
    )
    own_agent = alice.state(registration=bob.registration)
    response = alice.client.put("/xapi/activities/state", query_string=own_agent, json={}, headers=alice.headers)
    assert response.status_code == 403
    intact = bob.client.get("/xapi/activities/state", query_string=theirs, headers=bob.headers)
    assert intact.status_code == 200 and intact.get_json() == {"page": 7}


def test_a_launch_cannot_void_another_learners_statement(pair):
    alice, bob = pair
    before = _outbox(alice.app)
    voiding = alice.voiding(bob.sent)
    response = alice.send(voiding)
    assert response.status_code == 403, response.data
    assert not _voided(alice.app, bob.sent)
    assert _outbox(alice.app) == before, "the refused voiding must not reach the hub"
    assert bob.client.get("/xapi/statements", headers=FULL, query_string={"statementId": bob.sent}).status_code == 200


def test_a_launch_cannot_credit_another_learners_registration(pair):
    alice, bob = pair
    before = _outbox(alice.app)
    failed = alice.statement("failed", result={"success": False, "score": {"scaled": -1}})
    failed["context"]["registration"] = bob.registration
    assert alice.send(failed).status_code == 403
    assert _outbox(alice.app) == before
    success = _count(alice.app, "SELECT success = 'failed' FROM attempt WHERE registration = ?", bob.registration)
    assert not success, "Bob's attempt was marked failed"


def test_a_launch_cannot_write_profiles_of_another_learner_or_of_activities(pair):
    alice, bob = pair
    theirs = {"agent": json.dumps(bob.actor), "profileId": "prefs"}
    put = alice.client.put("/xapi/agents/profile", query_string=theirs, json={"x": 1}, headers=alice.headers)
    assert put.status_code == 403
    assert alice.client.get("/xapi/agents/profile", query_string=theirs, headers=alice.headers).status_code == 403
    activity = {"activityId": alice.activity, "profileId": "shared"}
    put = alice.client.put("/xapi/activities/profile", query_string=activity, json={"x": 1}, headers=alice.headers)
    assert put.status_code == 403
    assert _count(alice.app, "SELECT COUNT(*) FROM lrs_document WHERE doc_id IN ('prefs', 'shared')") == 0


def test_a_launch_credential_ends_with_its_attempt(pair):
    alice, _bob = pair
    assert alice.send(alice.statement("terminated")).status_code == 200
    response = alice.client.get("/xapi/statements", headers=alice.headers)
    assert response.status_code == 401 and "attempt" in response.get_json()["error"]
    before = _outbox(alice.app)
    assert alice.send(alice.statement("passed")).status_code == 401
    assert _outbox(alice.app) == before


def test_a_launch_credential_expires(app, pair):
    alice, _bob = pair
    key = _count(app, "SELECT key FROM lrs_credential ORDER BY created_at LIMIT 1")  # Alice's: the first
    hours = app.config["LAUNCH_CREDENTIAL_HOURS"]
    assert hours == 12
    with app.app_context(), db.transaction() as conn:
        conn.execute("UPDATE lrs_credential SET created_at = '2000-01-01T00:00:00.000000Z' WHERE key = ?", (key,))
    response = alice.client.get("/xapi/statements", headers=alice.headers)
    assert response.status_code == 401 and "expired" in response.get_json()["error"]
    assert "WWW-Authenticate" in response.headers


# ---------------------------------------------------------------------------------------------
# Launch credentials and the LRS_KEY pair: what still works


def test_a_launch_keeps_its_own_statements_and_documents(pair):
    alice, _bob = pair
    mine = alice.statement("completed", result={"completion": True})
    assert alice.send(mine).status_code == 200
    again = alice.statement()
    put = alice.client.put(
        "/xapi/statements", query_string={"statementId": again["id"]}, json=again, headers=alice.headers
    )
    assert put.status_code == 204
    got = alice.client.get("/xapi/statements", headers=alice.headers, query_string={"agent": json.dumps(alice.actor)})
    assert mine["id"] in [s["id"] for s in got.get_json()["statements"]]
    single = alice.client.get("/xapi/statements", headers=alice.headers, query_string={"statementId": mine["id"]})
    assert single.status_code == 200
    for query in (alice.state(), alice.state(registration=None)):
        query = {k: v for k, v in query.items() if v is not None}
        client = alice.client
        assert (
            client.put("/xapi/activities/state", query_string=query, json={"p": 1}, headers=alice.headers).status_code
            == 204
        )
        assert (
            client.post("/xapi/activities/state", query_string=query, json={"q": 2}, headers=alice.headers).status_code
            == 204
        )
        got = client.get("/xapi/activities/state", query_string=query, headers=alice.headers)
        assert got.get_json() == {"p": 1, "q": 2}
        assert client.delete("/xapi/activities/state", query_string=query, headers=alice.headers).status_code == 204
    profile = {"agent": json.dumps(alice.actor), "profileId": "prefs"}
    assert (
        alice.client.put("/xapi/agents/profile", query_string=profile, json={"a": 1}, headers=alice.headers).status_code
        == 204
    )
    assert alice.client.get("/xapi/agents/profile", query_string=profile, headers=alice.headers).get_json() == {"a": 1}
    activity = {"activityId": alice.activity, "profileId": "shared"}
    assert alice.client.get("/xapi/activities/profile", query_string=activity, headers=alice.headers).status_code == 404
    voiding = alice.voiding(mine["id"])
    assert alice.send(voiding).status_code == 200
    assert _voided(alice.app, mine["id"])


def test_the_lrs_key_pair_keeps_every_right(pair):
    alice, bob = pair
    everyone = alice.client.get("/xapi/statements", headers=FULL).get_json()["statements"]
    assert bob.sent in [s["id"] for s in everyone]
    state = alice.client.get("/xapi/activities/state", query_string=bob.state(), headers=FULL)
    assert state.get_json() == {"page": 7}
    activity = {"activityId": alice.activity, "profileId": "shared"}
    assert alice.client.put("/xapi/activities/profile", query_string=activity, json={}, headers=FULL).status_code == 204
    voiding = {
        "actor": {"objectType": "Agent", "mbox": "mailto:trainer@example.org"},
        "verb": {"id": VOIDED},
        "object": {"objectType": "StatementRef", "id": bob.sent},
    }
    assert alice.client.post("/xapi/statements", headers=FULL, json=voiding).status_code == 200
    assert _voided(alice.app, bob.sent)


# ---------------------------------------------------------------------------------------------
# Hub device tokens


@pytest.fixture
def hub(tmp_path):
    app = hub_app(tmp_path / "hub", LRS_KEY="hub", LRS_SECRET="hub-secret")
    trainer = app.test_client()
    assert login(trainer).status_code == 302
    tokens = {name: register(trainer, name) for name in ("tablette-a", "tablette-b")}
    app.devices = {name: basic(name, token) for name, token in tokens.items()}
    app.tokens = tokens
    xapi = app.test_client()
    theirs = device_statement(str(uuid.uuid4()), name="Bea", verb="passed", success=True)
    assert xapi.post("/xapi/statements", json=theirs, headers=app.devices["tablette-b"]).status_code == 200
    app.theirs = theirs["id"]
    return app


def test_a_device_reads_only_the_statements_it_sent(hub):
    xapi, a = hub.test_client(), hub.devices["tablette-a"]
    mine = device_statement(str(uuid.uuid4()), name="Ali")
    assert xapi.post("/xapi/statements", json=mine, headers=a).status_code == 200
    listed = xapi.get("/xapi/statements", headers=a).get_json()["statements"]
    assert [s["id"] for s in listed] == [mine["id"]]
    assert xapi.get("/xapi/statements", headers=a, query_string={"statementId": hub.theirs}).status_code == 404
    bea = json.dumps(device_statement(hub.theirs)["actor"])
    assert xapi.get("/xapi/statements", headers=a, query_string={"agent": bea}).get_json()["statements"] == []


def test_a_device_cannot_void_another_devices_statement(hub):
    xapi, a = hub.test_client(), hub.devices["tablette-a"]
    voiding = dict(
        device_statement(str(uuid.uuid4()), name="Ali"),
        verb={"id": VOIDED},
        object={"objectType": "StatementRef", "id": hub.theirs},
    )
    del voiding["context"]
    assert xapi.post("/xapi/statements", json=voiding, headers=a).status_code == 403
    assert not _voided(hub, hub.theirs)
    assert _count(hub, "SELECT COUNT(*) FROM lrs_statement") == 1, "the refused voiding was stored"
    # its own statement, a device may void
    mine = device_statement(str(uuid.uuid4()), name="Ali")
    assert xapi.post("/xapi/statements", json=mine, headers=a).status_code == 200
    own = dict(voiding, id=str(uuid.uuid4()), object={"objectType": "StatementRef", "id": mine["id"]})
    assert xapi.post("/xapi/statements", json=own, headers=a).status_code == 200
    assert _voided(hub, mine["id"])


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [
        ("put", "/xapi/activities/state", {"stateId": "s", "activityId": "urn:a", "agent": "BEA"}),
        ("get", "/xapi/activities/state", {"stateId": "s", "activityId": "urn:a", "agent": "BEA"}),
        ("delete", "/xapi/activities/state", {"activityId": "urn:a", "agent": "BEA"}),
        ("put", "/xapi/agents/profile", {"profileId": "p", "agent": "BEA"}),
        ("get", "/xapi/agents/profile", {"profileId": "p", "agent": "BEA"}),
        ("put", "/xapi/activities/profile", {"profileId": "p", "activityId": "urn:a"}),
        ("get", "/xapi/activities", {"activityId": "urn:ruche:package:cours/lecon-1"}),
        ("get", "/xapi/agents", {"agent": "BEA"}),
    ],
)
def test_a_device_has_no_documents(hub, method, path, query):
    bea = json.dumps(device_statement(hub.theirs)["actor"])
    query = {k: (bea if v == "BEA" else v) for k, v in query.items()}
    response = getattr(hub.test_client(), method)(
        path, query_string=query, json={"x": 1}, headers=hub.devices["tablette-a"]
    )
    assert response.status_code == 403, response.data
    assert _count(hub, "SELECT COUNT(*) FROM lrs_document") == 0


def test_a_devices_sync_and_its_409_read_back_still_work(tmp_path, hub):
    server = ServerThread(hub)
    try:
        device = device_with_progress(tmp_path / "alice")
        sent = outbox_ids(device)
        auth = ("tablette-a", hub.tokens["tablette-a"])
        assert sync.sync(device, server.url + "/xapi", auth, retry=FAST).ok
        xapi = hub.test_client()
        for statement_id in sent:  # the read-back of the sync's 409 comparison (sync._fetch)
            got = xapi.get(
                "/xapi/statements", headers=hub.devices["tablette-a"], query_string={"statementId": statement_id}
            )
            assert got.status_code == 200 and got.get_json()["id"] == statement_id
        # the same statements again (a lost acknowledgement): accepted as the copies they are
        with device.app_context(), db.transaction() as conn:
            conn.execute("UPDATE outbox SET sent_at = NULL")
        again = sync.sync(device, server.url + "/xapi", auth, retry=FAST)
        assert again.ok and again.sent == len(sent) and again.rejected == 0
        # another device cannot read them back
        other = xapi.get("/xapi/statements", headers=hub.devices["tablette-b"], query_string={"statementId": sent[0]})
        assert other.status_code == 404
    finally:
        server.stop()
