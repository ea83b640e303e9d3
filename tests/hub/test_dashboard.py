"""The trainer dashboard: progress per course and learner, questions, filters, CSV export, SVG chart."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from hubkit import basic, device_with_progress, register, statement

from packager.standards.ids import agent_key
from player import db
from player.web import report as progress


def _page(client, url="/dashboard/", **query):
    """The page with no white space between tags (rows are easier to match)."""
    return re.sub(r">\s+<", "><", client.get(url, query_string=query).get_data(as_text=True))


def _send(hub, device_app, name, token):
    """What a sync does: the device's outbox, posted to the hub with the device token."""
    with device_app.app_context():
        body = [json.loads(r[0]) for r in db.get_db().execute("SELECT statement FROM outbox ORDER BY id")]
    response = hub.test_client().post("/xapi/statements", json=body, headers=basic(name, token))
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.fixture
def seeded(tmp_path, hub, trainer):
    tokens = {name: register(trainer, name) for name in ("portable-1", "portable-2")}
    _send(hub, device_with_progress(tmp_path / "a"), "portable-1", tokens["portable-1"])
    _send(hub, device_with_progress(tmp_path / "b", "Bruno", "60", "wrong"), "portable-2", tokens["portable-2"])
    late = statement("8f0f3ad5-5d0a-4c55-9d4b-00000000aaaa", name="Chloé")
    late["context"]["contextActivities"]["grouping"][0]["definition"] = {"name": {"fr": "Cours à distance"}}
    assert (
        hub.test_client()
        .post("/xapi/statements", json=late, headers=basic("portable-2", tokens["portable-2"]))
        .status_code
        == 200
    )
    return trainer


def test_progress_per_course_and_learner(seeded):
    page = _page(seeded)
    assert "Alice" in page and "Bruno" in page and "Chloé" in page
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td>", page)
    by_name = {r[1]: r for r in rows}
    assert by_name["Alice"][2] == "portable-1" and by_name["Alice"][3] == "1 sur 1 (100 %)"
    assert by_name["Alice"][4] == "90 %" and by_name["Bruno"][4] == "60 %"
    assert "12 min" in page  # the session time of the lesson
    assert "Cours à distance" in page  # a course name from the statements' activity definitions
    assert "<svg" in page and "<script" not in page and "cdn" not in page.lower()
    # success per question: Alice right, Bruno wrong
    assert re.search(r"<td>q1</td><td>2</td><td>1</td><td>50 %</td>", page)
    # last sync per device
    assert re.search(r"<td>portable-1</td><td>\d{4}-\d\d-\d\d \d\d:\d\d</td><td>6</td>", page)


def test_filters_are_query_parameters(seeded, hub):
    with hub.app_context():
        options = progress.options()
    bruno = next(value for value, name in options["learners"] if name == "Bruno")
    page = _page(seeded, **{"learner": bruno})
    assert "<td>Bruno</td>" in page and "<td>Alice</td>" not in page
    device = next(value for value, name in options["devices"] if name == "portable-1")
    page = _page(seeded, **{"device": device})
    assert "<td>Alice</td>" in page and "<td>Bruno</td>" not in page
    page = _page(seeded, **{"start": "2020-01-15", "end": "2020-01-15"})
    assert "<td>Chloé</td>" in page and "<td>Alice</td>" not in page
    page = _page(seeded, **{"start": "2001-01-01", "end": "2001-01-02"})
    assert "Aucune donnée pour ces filtres." in page
    assert seeded.get("/dashboard/?start=nonsense&end=2020-02-31&device=x").status_code == 200
    course = next(value for value, name in options["courses"] if name == "Cours à distance")
    page = _page(seeded, **{"course": course})
    assert "<td>Chloé</td>" in page and "<td>Alice</td>" not in page
    assert "selected>Cours à distance</option>" in page


def test_csv_export_of_the_filtered_table(seeded, hub):
    with hub.app_context():
        device = next(value for value, name in progress.options()["devices"] if name == "portable-2")
    response = seeded.get("/dashboard/export.csv", query_string={"device": device})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert sorted(r["Personne"] for r in rows) == ["Bruno", "Chloé"]
    bruno = next(r for r in rows if r["Personne"] == "Bruno")
    assert bruno["Score moyen (%)"] == "60" and bruno["Temps (min)"] == "12" and bruno["Appareil"] == "portable-2"
    assert bruno["Leçons terminées"] == "1" and bruno["Échouées"] == "1"
    english = seeded.get("/dashboard/export.csv?lang=en").get_data(as_text=True)
    assert english.splitlines()[0].startswith("\ufeffCourses,Person,Device")


def test_csv_cells_cannot_be_formulas(hub, trainer):
    token = register(trainer, "portable-1")
    body = statement("8f0f3ad5-5d0a-4c55-9d4b-00000000bbbb", name="=HYPERLINK(1)")
    assert hub.test_client().post("/xapi/statements", json=body, headers=basic("portable-1", token)).status_code == 200
    text = trainer.get("/dashboard/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text


def test_svg_chart_is_cumulative_and_accessible():
    with __import__("flask").Flask(__name__).test_request_context():
        svg = progress.svg_chart([("2026-11-01", 2), ("2026-11-03", 5), ("2026-11-04", 6)], "Leçons <terminées>")
        empty = progress.svg_chart([], "Rien")
    tree = ET.fromstring(str(svg))
    ns = "{http://www.w3.org/2000/svg}"
    assert tree.get("role") == "img" and tree.find(ns + "title").text == "Leçons <terminées>"
    assert "2026-11-03: 5" in tree.find(ns + "desc").text
    assert len(tree.findall(ns + "circle")) == 3
    points = [tuple(map(float, p.split(","))) for p in tree.find(ns + "polyline").get("points").split()]
    ys = [y for _x, y in points]
    assert ys == sorted(ys, reverse=True)  # never goes down: a cumulative count
    xs = [x for x, _y in points]
    assert xs == sorted(xs) and xs[0] == 48 and xs[-1] == 640 - 16
    assert "<script" not in str(svg)
    assert "Aucune donnée" in str(empty) and ET.fromstring(str(empty)).find(ns + "polyline") is None


def test_timeline_counts_first_completions(seeded, hub):
    with hub.app_context():
        points = progress.timeline(progress.Filters())
    assert points[0] == ("2020-01-15", 1) and points[-1][1] == 3  # Chloé then Alice and Bruno today


def test_dashboard_in_english_and_on_a_device(tmp_path, seeded):
    page = seeded.get("/dashboard/?lang=en").get_data(as_text=True)
    assert "Progress per course and per person" in page and "Export as CSV" in page
    device = device_with_progress(tmp_path / "own")  # a learner device: its own statements, no hub
    client = device.test_client()
    from hubkit import login

    login(client)
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "Alice" in page and "Cours tiers douze" in page and "1 sur 1 (100 %)" in page


def test_statements_stored_before_the_hub_migration_are_counted(tmp_path):
    """The back-fills of 0004_hub.sql and 0006_agent_key.sql read the same projection as the triggers."""
    conn = db.connect(str(tmp_path / "old.sqlite3"))
    conn.executescript(db.SCHEMA.read_text(encoding="utf-8") + "\nPRAGMA user_version=1;")
    for number, path in db.migrations():
        if number < 4:
            conn.executescript(f"BEGIN;\n{path.read_text(encoding='utf-8')}\nPRAGMA user_version={number};\nCOMMIT;")
    received = statement("11111111-1111-4111-8111-111111111111", name="Bea", score={"scaled": 0.5})
    own = statement("22222222-2222-4222-8222-222222222222", name="Caro", verb="passed")
    voiding = statement("33333333-3333-4333-8333-333333333333", verb="voided")
    conn.execute(
        "INSERT INTO lrs_statement (id, body, original, stored, verb) VALUES (?, ?, ?, ?, ?)",
        (received["id"], json.dumps(received), json.dumps(received), "2020-01-16T00:00:00Z", received["verb"]["id"]),
    )
    for body in (own, voiding):
        conn.execute(
            "INSERT INTO outbox (statement_id, statement, created_at) VALUES (?, ?, ?)",
            (body["id"], json.dumps(body), "2020-01-16T00:00:00Z"),
        )
    conn.commit()
    db.migrate(conn)
    rows = {r["statement_id"]: dict(r) for r in conn.execute("SELECT * FROM progress_fact")}
    assert set(rows) == {received["id"], own["id"]}, "a voiding statement is no progress"
    assert rows[received["id"]]["learner"] == "account:urn:ruche:device:x|Bea"  # agent_key (0006)
    assert rows[own["id"]]["learner"] == "account:urn:ruche:device:x|Caro"
    assert rows[received["id"]]["score"] == 0.5
    assert rows[received["id"]]["course"] == "urn:ruche:package:cours"
    assert rows[own["id"]]["verb"] == "http://adlnet.gov/expapi/verbs/passed"
    assert rows[own["id"]]["timestamp"] == "2020-01-15T10:00:00.000Z"
    conn.close()


AGENTS = {  # one actor per xAPI inverse functional identifier
    "Dora": {"mbox": "mailto:dora@example.org"},
    "Emile": {"mbox_sha1sum": "ABCDEF0123456789ABCDEF0123456789ABCDEF01"},
    "Fanny": {"openid": "https://id.example.org/fanny"},
    "Gaspard": {"account": {"homePage": "urn:ruche:device:y", "name": "Gaspard"}},
}


def _agent_statements() -> list[dict]:
    out = []
    for n, (name, ifi) in enumerate(AGENTS.items()):
        body = statement(f"8f0f3ad5-5d0a-4c55-9d4b-0000000000{n:02d}", name=name)
        body["actor"] = {"objectType": "Agent", "name": name, **ifi}
        out.append(body)
    return out


def test_dashboard_learner_is_the_lrs_agent_key(hub, trainer):
    """One learner key: the dashboard's is packager.standards.ids.agent_key, for every kind of actor."""
    token = register(trainer, "portable-1")
    bodies = _agent_statements()
    response = hub.test_client().post("/xapi/statements", json=bodies, headers=basic("portable-1", token))
    assert response.status_code == 200, response.get_data(as_text=True)
    with hub.app_context():
        rows = {r["learner_name"]: r["learner"] for r in db.get_db().execute("SELECT * FROM progress_fact")}
        options = dict(progress.options()["learners"])
    assert rows == {b["actor"]["name"]: agent_key(b["actor"]) for b in bodies}
    assert set(options) == set(rows.values()) and sorted(options.values()) == sorted(AGENTS)
    for name, key in rows.items():  # the filter by learner still finds each one, by name
        page = _page(trainer, learner=key)
        assert f"<td>{name}</td>" in page and all(f"<td>{o}</td>" not in page for o in AGENTS if o != name)


def test_migration_0006_rekeys_rows_stored_before(tmp_path):
    """An existing hub database: rows of the dashboard stored under 0004's key get agent_key's."""
    conn = db.connect(str(tmp_path / "old.sqlite3"))
    conn.executescript(db.SCHEMA.read_text(encoding="utf-8") + "\nPRAGMA user_version=1;")
    for number, path in db.migrations():
        if number < 6:
            conn.executescript(f"BEGIN;\n{path.read_text(encoding='utf-8')}\nPRAGMA user_version={number};\nCOMMIT;")
    bodies = _agent_statements()
    for body in bodies[:2]:
        conn.execute(
            "INSERT INTO lrs_statement (id, body, original, stored, verb) VALUES (?, ?, ?, ?, ?)",
            (body["id"], json.dumps(body), json.dumps(body), "2020-01-16T00:00:00Z", body["verb"]["id"]),
        )
    for body in bodies[2:]:
        conn.execute(
            "INSERT INTO outbox (statement_id, statement, created_at) VALUES (?, ?, ?)",
            (body["id"], json.dumps(body), "2020-01-16T00:00:00Z"),
        )
    conn.commit()
    before = {r["statement_id"]: r["learner"] for r in conn.execute("SELECT * FROM progress_fact")}
    assert before[bodies[0]["id"]] == "mailto:dora@example.org"  # 0004's own spelling
    assert db.migrate(conn) >= 6
    after = {r["statement_id"]: r["learner"] for r in conn.execute("SELECT * FROM progress_fact")}
    assert after == {b["id"]: agent_key(b["actor"]) for b in bodies}
    conn.close()
