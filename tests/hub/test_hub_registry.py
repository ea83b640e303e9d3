"""Hub mode: devices registered by a trainer, tokens checked on every /xapi/ request, revocation."""

from __future__ import annotations

import hashlib

from hubkit import HUB_KEY, HUB_SECRET, basic, csrf_of, hub_app, register, statement

from player import create_app, db


def _device(app, name):
    with app.app_context():
        return dict(db.get_db().execute("SELECT * FROM hub_device WHERE name = ?", (name,)).fetchone())


def test_a_token_is_shown_once_and_only_its_hash_is_stored(hub, trainer):
    token = register(trainer, "portable-12")
    assert len(token) >= 40
    row = _device(hub, "portable-12")
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in trainer.get("/hub/devices").get_data(as_text=True)  # never shown again
    with hub.app_context():
        dump = "\n".join(db.get_db().iterdump())
    assert token not in dump


def test_names_are_checked(hub, trainer):
    register(trainer, "portable-12")
    for bad in ("portable-12", "", "a:b", "player", "x" * 61, "../x"):
        r = trainer.post("/hub/devices", data={"name": bad, "csrf_token": csrf_of(trainer, "/hub/devices")})
        assert r.status_code == 400, bad


def test_the_token_is_checked_on_every_request_and_revocation_gives_401(hub, trainer):
    token = register(trainer, "portable-12")
    xapi = hub.test_client()
    ok = xapi.post(
        "/xapi/statements", json=statement("8f0f3ad5-5d0a-4c55-9d4b-000000000001"), headers=basic("portable-12", token)
    )
    assert ok.status_code == 200, ok.get_data(as_text=True)
    assert xapi.get("/xapi/statements", headers=basic("portable-12", token)).status_code == 200
    assert xapi.get("/xapi/statements", headers=basic("portable-12", token + "x")).status_code == 401
    assert xapi.get("/xapi/statements", headers=basic("portable-13", token)).status_code == 401
    device_id = _device(hub, "portable-12")["id"]
    r = trainer.post(f"/hub/devices/{device_id}/revoke", data={"csrf_token": csrf_of(trainer, "/hub/devices")})
    assert r.status_code == 302
    refused = xapi.post(
        "/xapi/statements", json=statement("8f0f3ad5-5d0a-4c55-9d4b-000000000002"), headers=basic("portable-12", token)
    )
    assert refused.status_code == 401 and "WWW-Authenticate" in refused.headers
    assert xapi.get("/xapi/statements", headers=basic("portable-12", token)).status_code == 401
    # a new token works again; the revoked one stays refused
    page = trainer.post(f"/hub/devices/{device_id}/token", data={"csrf_token": csrf_of(trainer, "/hub/devices")})
    assert page.status_code == 201
    import re

    fresh = re.search(r'<code id="device-token">([^<]+)</code>', page.get_data(as_text=True)).group(1)
    assert xapi.get("/xapi/statements", headers=basic("portable-12", fresh)).status_code == 200
    assert xapi.get("/xapi/statements", headers=basic("portable-12", token)).status_code == 401


def test_last_sync_and_statement_count_are_recorded(hub, trainer):
    token = register(trainer, "portable-12")
    assert _device(hub, "portable-12")["last_sync_at"] is None
    xapi = hub.test_client()
    assert xapi.get("/xapi/about", headers=basic("portable-12", token)).status_code == 200  # an empty sync
    first = _device(hub, "portable-12")
    assert first["last_sync_at"] and first["statements"] == 0
    ids = [f"8f0f3ad5-5d0a-4c55-9d4b-00000000001{n}" for n in range(3)]
    body = [statement(i) for i in ids]
    assert xapi.post("/xapi/statements", json=body, headers=basic("portable-12", token)).status_code == 200
    assert xapi.post("/xapi/statements", json=body, headers=basic("portable-12", token)).status_code == 200  # resent
    row = _device(hub, "portable-12")
    assert row["statements"] == 3 and row["last_statement_at"]
    page = trainer.get("/hub/devices").get_data(as_text=True)
    assert "portable-12" in page and "<td>3</td>" in page
    # the LRS pair of the hub still works, and is not counted as a device
    assert xapi.get("/xapi/statements", headers=basic(HUB_KEY, HUB_SECRET)).status_code == 401  # not configured
    other = hub_app(hub.config["DATA_DIR"] + "-2", LRS_KEY=HUB_KEY, LRS_SECRET=HUB_SECRET).test_client()
    assert other.get("/xapi/statements", headers=basic(HUB_KEY, HUB_SECRET)).status_code == 200


def test_device_tokens_count_only_in_hub_mode(tmp_path, hub, trainer):
    token = register(trainer, "portable-12")
    assert hub.test_client().get("/xapi/statements", headers=basic("portable-12", token)).status_code == 200
    plain = create_app({"DATA_DIR": hub.config["DATA_DIR"], "TESTING": True})  # same data, hub mode off
    assert plain.test_client().get("/xapi/statements", headers=basic("portable-12", token)).status_code == 401
    assert plain.test_client().get("/hub/devices").status_code == 404
