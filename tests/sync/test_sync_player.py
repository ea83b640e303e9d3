"""What the player really writes to its outbox (a learner playing SCORM 1.2 and 2004 lessons through
the app) is accepted by our hub and by Ralph, once each."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from synckit import assert_exactly_once, id_counts

from player import create_app, db
from player.fleet.sync import sync

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "player"))
from playerkit import csrf, import_file, new_learner, scorm12_zip, scorm2004_zip  # noqa: E402


def _launch(app, identifier: str) -> int:
    with app.app_context():
        return (
            db.get_db()
            .execute(
                "SELECT l.id FROM launch l JOIN package p ON p.id = l.package_id WHERE p.identifier = ? "
                "ORDER BY l.position",
                (identifier,),
            )
            .fetchone()[0]
        )


def _play(client, launch_id: int, cmi: dict) -> None:
    token = {"X-CSRF-Token": csrf(client)}
    opened = client.post(f"/api/launches/{launch_id}/open", headers=token).get_json()
    body = {"session": opened["session"], "seq": 1, "finished": True, "cmi": dict(opened["cmi"], **cmi)}
    assert client.post(opened["commit"], json=body, headers=token).status_code == 200


@pytest.mark.parametrize("lrs_name", ["hub", "ralph_lrs"])
def test_statements_the_player_writes_are_accepted(request, tmp_path, lrs_name):
    lrs = request.getfixturevalue(lrs_name)
    app = create_app({"DATA_DIR": str(tmp_path / "device"), "TESTING": True})
    import_file(app, scorm2004_zip(tmp_path / "deux.zip"))
    import_file(app, scorm12_zip(tmp_path / "douze.zip"))
    client = app.test_client()
    for name in ("Alice", "Bruno"):
        new_learner(client, name)
        _play(
            client,
            _launch(app, "com.example.tiers.deux-sco"),
            {
                "cmi.interactions.0.id": "q1",
                "cmi.interactions.0.type": "choice",
                "cmi.interactions.0.learner_response": "a",
                "cmi.interactions.0.result": "correct",
                "cmi.score.scaled": "0.9",
                "cmi.completion_status": "completed",
                "cmi.exit": "normal",
                "cmi.session_time": "PT1M",
            },
        )
        _play(
            client,
            _launch(app, "com.example.tiers.douze"),
            {"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "60", "cmi.core.session_time": "0000:02:00"},
        )
    with app.app_context():
        rows = db.get_db().execute("SELECT statement_id, statement FROM outbox").fetchall()
    ids = [r["statement_id"] for r in rows]
    verbs = {json.loads(r["statement"])["verb"]["id"].rsplit("/", 1)[1] for r in rows}
    assert len(ids) >= 12 and {"initialized", "responded", "scored", "completed", "passed", "failed"} <= verbs
    result = sync(app, lrs.url, lrs.credentials)
    assert result.ok and result.sent == len(ids), result.line()
    assert_exactly_once(id_counts(lrs.url, lrs.auth), ids)
