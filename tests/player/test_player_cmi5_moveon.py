"""cmi5 moveOn: the player evaluates each AU's rule from the statements it sends, and issues the
LMS-defined `satisfied` statement (cmi5 §9.3.9) for the block and the course once, when all their AUs
are satisfied. "My progress" counts an AU as done when its moveOn rule is met.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playerkit import csrf, import_file, write_zip

from packager.standards import cmi5
from player import db

COURSE_ID = "https://example.org/tiers/cmi5-course"
AU_PAGE = '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>AU</title></head><body>AU</body></html>'
VERBS = "http://adlnet.gov/expapi/verbs/"
TRAINER_LRS = {"Authorization": "Basic aHViOmh1Yi1zZWNyZXQ=", "X-Experience-API-Version": "1.0.3"}  # hub:hub-secret


def cmi5_zip(path: Path, aus: list[tuple[str, str]], block: str | None = None) -> Path:
    """A hand-written cmi5 package: one AU per (id suffix, moveOn), optionally all inside one block."""
    units = "".join(
        f'<au id="{COURSE_ID}/{name}" moveOn="{move_on}" masteryScore="0.8"><title><langstring lang="fr">{name}'
        f'</langstring></title><description><langstring lang="fr">{name}</langstring></description>'
        f"<url>{name}.html</url></au>"
        for name, move_on in aus
    )
    if block:
        units = (
            f'<block id="{COURSE_ID}/bloc"><title><langstring lang="fr">{block}</langstring></title>'
            f'<description><langstring lang="fr">{block}</langstring></description>{units}</block>'
        )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">'
        f'<course id="{COURSE_ID}"><title><langstring lang="fr">Cours tiers cmi5</langstring></title>'
        '<description><langstring lang="fr">Un cours.</langstring></description></course>'
        f"{units}</courseStructure>"
    )
    files: dict[str, str | bytes] = {"cmi5.xml": manifest}
    files.update({f"{name}.html": AU_PAGE for name, _ in aus})
    return write_zip(path, files)


class AU:
    """One launch of an AU, seen from the AU: fetch the token, read LMS.LaunchData, send statements."""

    def __init__(self, client, launch_id: int) -> None:
        opened = client.post(f"/api/launches/{launch_id}/open", headers={"X-CSRF-Token": csrf(client)})
        src = opened.get_json()["src"]
        self.client = client
        self.params = {k: v[0] for k, v in parse_qs(urlsplit(src).query).items()}
        token = client.post(urlsplit(self.params["fetch"]).path).get_json()["auth-token"]
        self.headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}
        self.state = client.get(
            "/xapi/activities/state",
            headers=self.headers,
            query_string={
                "activityId": self.params["activityId"],
                "agent": self.params["actor"],
                "registration": self.params["registration"],
                "stateId": "LMS.LaunchData",
            },
        ).get_json()

    def send(self, verb: str, result: dict | None = None) -> None:
        body = {
            "actor": json.loads(self.params["actor"]),
            "verb": {"id": VERBS + verb},
            "object": {"id": self.params["activityId"]},
            "context": {"registration": self.params["registration"], **self.state["contextTemplate"]},
        }
        if result:
            body["result"] = result
        response = self.client.post("/xapi/statements", headers=self.headers, json=body)
        assert response.status_code == 200, response.get_data(as_text=True)

    def satisfied(self) -> list[dict]:
        """Every satisfied statement the LRS holds for this learner (any registration).

        Read with the LRS_KEY pair: the AU's own credential ends with its attempt (`terminated`).
        """
        found = self.client.get(
            "/xapi/statements",
            headers=TRAINER_LRS,
            query_string={"agent": self.params["actor"], "verb": cmi5.SATISFIED, "limit": 100},
        ).get_json()["statements"]
        return found


def _launch_ids(app, package_id: int) -> list[int]:
    with app.app_context():
        rows = db.get_db().execute("SELECT id FROM launch WHERE package_id = ? ORDER BY position", (package_id,))
        return [r[0] for r in rows]


def _outbox_satisfied(app) -> list[dict]:
    with app.app_context():
        rows = db.get_db().execute("SELECT statement FROM outbox ORDER BY id").fetchall()
    return [s for s in (json.loads(r[0]) for r in rows) if s["verb"]["id"] == cmi5.SATISFIED]


COMPLETED = ("completed", {"completion": True, "duration": "PT1M"})
PASSED = ("passed", {"success": True, "score": {"scaled": 0.9}, "duration": "PT1M"})
FAILED = ("failed", {"success": False, "score": {"scaled": 0.5}, "duration": "PT1M"})


@pytest.mark.parametrize(
    ("move_on", "sequence", "met"),
    [
        ("Completed", [], False),
        ("Completed", [PASSED], False),
        ("Completed", [COMPLETED], True),
        ("Passed", [COMPLETED], False),
        ("Passed", [FAILED], False),
        ("Passed", [PASSED], True),
        ("CompletedAndPassed", [COMPLETED], False),
        ("CompletedAndPassed", [PASSED], False),
        ("CompletedAndPassed", [COMPLETED, FAILED], False),
        ("CompletedAndPassed", [COMPLETED, PASSED], True),
        ("CompletedOrPassed", [FAILED], False),
        ("CompletedOrPassed", [COMPLETED], True),
        ("CompletedOrPassed", [PASSED], True),
        ("NotApplicable", [], True),
    ],
)
def test_move_on_rule_decides_satisfied(app, learner, tmp_path, move_on, sequence, met):
    result = import_file(app, cmi5_zip(tmp_path / "c.zip", [("au1", move_on)]))
    au = AU(learner, _launch_ids(app, result.package_id)[0])
    assert au.state["moveOn"] == move_on
    au.send("initialized")
    for verb, res in sequence:
        au.send(verb, res)
    au.send("terminated", {"duration": "PT2M"})
    satisfied = au.satisfied()
    assert len(satisfied) == (1 if met else 0)
    progress = learner.get("/progress").get_data(as_text=True)
    assert ("1 sur 1 terminé(s)" in progress) is met
    if met:
        statement = satisfied[0]
        assert statement["object"]["id"] == cmi5.course_object_id(COURSE_ID) != COURSE_ID  # §9.4: LMS's own id
        assert statement["object"]["definition"]["type"] == cmi5.COURSE_TYPE
        assert statement["actor"] == json.loads(au.params["actor"])
        context = statement["context"]
        assert context["registration"] == au.params["registration"]
        assert {"objectType": "Activity", "id": cmi5.CMI5_CATEGORY} in context["contextActivities"]["category"]
        assert {"objectType": "Activity", "id": COURSE_ID} in context["contextActivities"]["grouping"]
        # §9.3.9: the session id of the AU launch that triggered it
        session = au.state["contextTemplate"]["extensions"][cmi5.SESSION_EXT]
        assert context["extensions"][cmi5.SESSION_EXT] == session
        assert [s["id"] for s in _outbox_satisfied(app)] == [statement["id"]]  # also queued for the sync


def test_move_on_met_table():
    for move_on, completion, success, met in (
        ("Completed", "completed", "unknown", True),
        ("Completed", "incomplete", "passed", False),
        ("Passed", "completed", "failed", False),
        ("Passed", "incomplete", "passed", True),
        ("CompletedAndPassed", "completed", "passed", True),
        ("CompletedAndPassed", "completed", "failed", False),
        ("CompletedOrPassed", "not attempted", "passed", True),
        ("CompletedOrPassed", "incomplete", "failed", False),
        ("NotApplicable", "not attempted", "unknown", True),
        (None, "not attempted", "unknown", True),  # cmi5 §13.1.4: the default is NotApplicable
        ("completedAndPassed", "completed", "failed", False),  # a third-party tool's casing
    ):
        assert cmi5.move_on_met(move_on, completion, success) is met, (move_on, completion, success)


def test_satisfied_written_once_per_block_and_course(app, learner, tmp_path):
    result = import_file(
        app, cmi5_zip(tmp_path / "c.zip", [("au1", "Completed"), ("au2", "Passed"), ("au3", "NotApplicable")], "Bloc")
    )
    first, second, _third = _launch_ids(app, result.package_id)
    one = AU(learner, first)
    one.send("initialized")
    one.send(*COMPLETED)
    one.send("terminated", {"duration": "PT1M"})
    assert one.satisfied() == []  # au2 is not passed yet: neither the block nor the course
    assert "2 sur 3 terminé(s)" in learner.get("/progress").get_data(as_text=True)  # au3: NotApplicable

    two = AU(learner, second)
    two.send("initialized")
    two.send(*FAILED)
    assert two.satisfied() == []
    two.send(*PASSED)
    found = two.satisfied()
    kinds = sorted(s["object"]["definition"]["type"] for s in found)
    assert kinds == sorted([cmi5.BLOCK_TYPE, cmi5.COURSE_TYPE])
    block = next(s for s in found if s["object"]["definition"]["type"] == cmi5.BLOCK_TYPE)
    assert block["object"]["id"] == cmi5.block_object_id(COURSE_ID, ["Bloc"])
    assert block["object"]["id"] != f"{COURSE_ID}/bloc"  # never the publisher's block id
    assert "3 sur 3 terminé(s)" in learner.get("/progress").get_data(as_text=True)

    # More statements, a second session, a new attempt: no second satisfied statement.
    two.send(*PASSED)
    two.send("terminated", {"duration": "PT1M"})
    again = AU(learner, second)
    again.send("initialized")
    again.send(*PASSED)
    again.send("terminated", {"duration": "PT1M"})
    AU(learner, first).send("initialized")
    assert sorted(s["id"] for s in again.satisfied()) == sorted(s["id"] for s in found)
    assert len(_outbox_satisfied(app)) == 2


def test_satisfied_is_per_learner(app, client, tmp_path):
    from playerkit import new_learner

    result = import_file(app, cmi5_zip(tmp_path / "c.zip", [("au1", "NotApplicable")]))
    launch = _launch_ids(app, result.package_id)[0]
    new_learner(client, "Alice")
    alice = AU(client, launch)
    assert len(alice.satisfied()) == 1  # NotApplicable: satisfied as soon as it is launched (§9.6.1)
    other = app.test_client()
    new_learner(other, "Bruno")
    bruno = AU(other, launch)
    assert len(bruno.satisfied()) == 1
    assert len(_outbox_satisfied(app)) == 2


def test_return_url_is_absolute(app, learner, tmp_path):
    result = import_file(app, cmi5_zip(tmp_path / "c.zip", [("au1", "Completed")]))
    au = AU(learner, _launch_ids(app, result.package_id)[0])
    assert re.fullmatch(r"http://localhost/courses/\d+", au.state["returnURL"]), au.state["returnURL"]
