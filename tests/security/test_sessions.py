"""The trainer's session ends when it should, and a copied cookie dies with it (issue 10).

Before: the trainer's session survived a learner picking a name on the shared laptop (a lesson's
script then acted as the trainer), logging out only dropped the flag from the browser's own cookie
(a copy of the cookie stayed a trainer), and a trainer session never went idle.
"""

from __future__ import annotations

import re

from freezegun import freeze_time
from playerkit import as_trainer, csrf, new_learner


def _is_trainer(client) -> bool:
    return client.get("/admin").status_code == 200


def _copy_of(client, app):
    """Another browser holding the same session cookie (as a script or a person might copy it)."""
    thief = app.test_client()
    thief.set_cookie("ruche_session", client.get_cookie("ruche_session").value)
    return thief


def test_logout_ends_every_copy_of_the_trainer_cookie(app, client):
    as_trainer(client)
    thief = _copy_of(client, app)
    assert _is_trainer(thief)
    client.post("/admin/logout", data={"csrf_token": csrf(client)})
    assert not _is_trainer(client)
    assert not _is_trainer(thief), "a copied trainer cookie still works after logout"


def test_the_next_login_is_a_new_session(app, client):
    as_trainer(client)
    old = _copy_of(client, app)
    client.post("/admin/logout", data={"csrf_token": csrf(client)})
    as_trainer(client)
    assert _is_trainer(client) and not _is_trainer(old)


def test_a_learner_choosing_their_name_ends_the_trainer_session(app, client):
    new_learner(client, "Élise")
    client.post("/learners/leave", data={"csrf_token": csrf(client)})
    as_trainer(client)
    learner_id = int(re.search(r"/learners/(\d+)/choose", client.get("/learners").get_data(as_text=True)).group(1))
    client.post(f"/learners/{learner_id}/choose", data={"pin": "", "csrf_token": csrf(client)})
    assert "Bonjour, Élise" in client.get("/").get_data(as_text=True)
    assert not _is_trainer(client)


def test_creating_a_profile_and_changing_person_end_the_trainer_session(client):
    as_trainer(client)
    new_learner(client, "Félix")
    assert not _is_trainer(client)
    as_trainer(client)
    client.post("/learners/leave", data={"csrf_token": csrf(client)})
    assert not _is_trainer(client)


def test_an_idle_trainer_session_ends(app, client):
    idle = float(app.config["TRAINER_IDLE"])
    with freeze_time("2026-12-03 09:00:00") as clock:
        as_trainer(client)
        clock.tick(idle - 60)
        assert _is_trainer(client), "active within the idle time"
        clock.tick(idle - 60)
        assert _is_trainer(client), "each trainer page restarts the idle time"
        clock.tick(idle + 1)
        assert not _is_trainer(client)
        clock.tick(1)
        assert not _is_trainer(client)
