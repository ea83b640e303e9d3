"""Attempts, statements in the outbox, "my progress" (the crediting rules: tests/test_standards_scorm.py)."""

from __future__ import annotations

import json

from playerkit import csrf, import_file, new_learner, scorm12_zip, scorm2004_zip

from player import db


def _launch_id(app, identifier):
    with app.app_context():
        return (
            db.get_db()
            .execute(
                "SELECT l.id FROM launch l JOIN package p ON p.id = l.package_id "
                "WHERE p.identifier = ? ORDER BY l.position",
                (identifier,),
            )
            .fetchone()[0]
        )


def _open(client, launch_id):
    response = client.post(f"/api/launches/{launch_id}/open", headers={"X-CSRF-Token": csrf(client)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _commit(client, opened, seq, cmi, finished=False):
    return client.post(
        opened["commit"],
        json={"session": opened["session"], "seq": seq, "finished": finished, "cmi": dict(opened["cmi"], **cmi)},
        headers={"X-CSRF-Token": csrf(client)},
    )


def _outbox(app):
    with app.app_context():
        return [json.loads(r[0]) for r in db.get_db().execute("SELECT statement FROM outbox ORDER BY id")]


def test_scorm2004_session_commit_finish_resume(app, learner, tmp_path):
    import_file(app, scorm2004_zip(tmp_path / "deux.zip"))
    launch = _launch_id(app, "com.example.tiers.deux-sco")
    opened = _open(learner, launch)
    assert opened["entry"] == "ab-initio"
    assert opened["cmi"]["cmi.scaled_passing_score"] == "0.8"
    assert opened["cmi"]["cmi.learner_name"] == "Alice"
    r = _commit(
        learner,
        opened,
        1,
        {
            "cmi.location": "p2",
            "cmi.suspend_data": "x" * 100,
            "cmi.interactions.0.id": "q1",
            "cmi.interactions.0.type": "choice",
            "cmi.interactions.0.learner_response": "a",
            "cmi.interactions.0.result": "correct",
        },
    )
    assert r.status_code == 200
    assert _commit(learner, opened, 1, {}).get_json()["duplicate"] is True
    r = _commit(
        learner, opened, 2, {"cmi.location": "p3", "cmi.exit": "suspend", "cmi.session_time": "PT30S"}, finished=True
    )
    assert r.status_code == 200
    again = _open(learner, launch)
    assert again["entry"] == "resume" and again["cmi"]["cmi.location"] == "p3"
    assert again["cmi"]["cmi.total_time"] == "PT30S"
    assert "cmi.exit" not in again["cmi"]
    # the old session cannot write any more
    assert _commit(learner, opened, 3, {}).status_code == 409
    r = _commit(
        learner,
        again,
        1,
        {
            "cmi.score.scaled": "0.9",
            "cmi.completion_status": "completed",
            "cmi.exit": "normal",
            "cmi.session_time": "PT1M",
        },
        finished=True,
    )
    assert r.get_json() == {"ok": True, "completion": "completed", "success": "passed", "score": 0.9}
    verbs = [s["verb"]["id"].rsplit("/", 1)[1] for s in _outbox(app)]
    assert verbs == ["initialized", "responded", "suspended", "resumed", "scored", "completed", "passed", "terminated"]
    statement = _outbox(app)[-2]
    assert statement["result"] == {"success": True, "score": {"scaled": 0.9}}
    assert statement["context"]["contextActivities"]["category"] == [
        {"id": "http://adlnet.gov/xapi/profile/scorm", "objectType": "Activity"}
    ]
    assert statement["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/lesson"
    answered = _outbox(app)[1]
    assert answered["object"]["id"].endswith("/ITEM1/interactions/q1")
    assert answered["result"] == {"response": "a", "success": True}
    # a finished, non-suspended attempt: the next launch is a new attempt
    third = _open(learner, launch)
    assert third["entry"] == "ab-initio" and third["attempt"] != again["attempt"]
    progress = learner.get("/progress").get_data(as_text=True)
    assert "Cours tiers deux SCO" in progress and "Réussi" in progress and "1 sur 2" in progress


def test_commit_refuses_bad_data_and_other_learners(app, client, tmp_path):
    import_file(app, scorm12_zip(tmp_path / "douze.zip"))
    launch = _launch_id(app, "com.example.tiers.douze")
    new_learner(client, "Alice")
    opened = _open(client, launch)
    assert _commit(client, opened, 1, {"bad key": "x"}).status_code == 400
    assert _commit(client, opened, 0, {}).status_code == 400
    assert client.post(opened["commit"], json={"session": opened["session"], "seq": 1, "cmi": {}}).status_code == 400
    new_learner(client, "Bruno")
    assert _commit(client, opened, 1, {}).status_code == 404


def test_scorm12_mastery_and_two_learners_are_separate(app, client, tmp_path):
    import_file(app, scorm12_zip(tmp_path / "douze.zip"))
    launch = _launch_id(app, "com.example.tiers.douze")
    new_learner(client, "Alice")
    a = _open(client, launch)
    assert a["cmi"]["cmi.student_data.mastery_score"] == "80"
    r = _commit(
        client,
        a,
        1,
        {
            "cmi.core.lesson_status": "completed",
            "cmi.core.score.raw": "90",
            "cmi.core.exit": "",
            "cmi.core.session_time": "0000:01:00",
        },
        finished=True,
    )
    assert r.get_json()["success"] == "passed"
    assert "Réussi" in client.get("/progress").get_data(as_text=True)
    new_learner(client, "Bruno")
    assert "aucun cours" in client.get("/progress").get_data(as_text=True)
    b = _open(client, launch)
    assert b["entry"] == "ab-initio" and b["cmi"]["cmi.core.student_name"] == "Bruno"
