"""xAPI/cmi5 launches against the local LRS, search, and the interface (i18n, gzip, caching, a11y)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playerkit import csrf, import_file, scorm2004_zip

from player import db, i18n
from player.learning import search


def _launch_src(client, launch: int) -> str:
    """The content's launch URL, as the lesson page's script gets it (a POST: opening writes)."""
    opened = client.post(f"/api/launches/{launch}/open", headers={"X-CSRF-Token": csrf(client)})
    assert opened.status_code == 200, opened.get_data(as_text=True)
    return opened.get_json()["src"]


def _package(app, exports, fmt, slug="guide-auteur"):
    result = import_file(app, next(exports.glob(f"{slug}-*-{fmt}.zip")))
    with app.app_context():
        return (
            db.get_db()
            .execute("SELECT id FROM launch WHERE package_id = ? ORDER BY position", (result.package_id,))
            .fetchone()[0]
        )


def test_cmi5_launch_fetch_once_and_launch_data(app, learner, exports):
    launch = _package(app, exports, "cmi5")
    src = _launch_src(learner, launch)
    params = {k: v[0] for k, v in parse_qs(urlsplit(src).query).items()}
    assert set(params) == {"endpoint", "fetch", "actor", "registration", "activityId"}
    fetch_path = urlsplit(params["fetch"]).path
    token = learner.post(fetch_path).get_json()["auth-token"]
    assert learner.post(fetch_path).get_json()["error-code"] == "1"
    headers = {"Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"}
    state = learner.get(
        "/xapi/activities/state",
        headers=headers,
        query_string={
            "activityId": params["activityId"],
            "agent": params["actor"],
            "registration": params["registration"],
            "stateId": "LMS.LaunchData",
        },
    ).get_json()
    assert state["launchMode"] == "Normal" and state["moveOn"] == "CompletedAndPassed"
    assert 0 < state["masteryScore"] <= 1 and state["returnURL"].startswith("http://localhost/courses/")
    assert state["contextTemplate"]["extensions"]["https://w3id.org/xapi/cmi5/context/extensions/sessionid"]
    launched = learner.get(
        "/xapi/statements", headers=headers, query_string={"registration": params["registration"]}
    ).get_json()["statements"]
    assert [s["verb"]["id"] for s in launched] == ["http://adlnet.gov/expapi/verbs/launched"]
    actor = json.loads(params["actor"])
    base = {
        "actor": actor,
        "object": {"id": params["activityId"]},
        "context": {"registration": params["registration"], **state["contextTemplate"]},
    }
    stranger = dict(base, actor={"mbox": "mailto:x@example.org"}, verb={"id": "http://adlnet.gov/expapi/verbs/passed"})
    assert learner.post("/xapi/statements", headers=headers, json=stranger).status_code == 403
    for verb, result in (
        ("initialized", None),
        ("completed", {"completion": True}),
        ("passed", {"success": True, "score": {"scaled": 0.9}}),
        ("terminated", {"duration": "PT2M"}),
    ):
        body = dict(base, verb={"id": f"http://adlnet.gov/expapi/verbs/{verb}"})
        if result:
            body["result"] = result
        assert learner.post("/xapi/statements", headers=headers, json=body).status_code == 200
    late = learner.post("/xapi/statements", headers=headers, json=dict(base, verb={"id": "http://x.org/v"}))
    assert late.status_code == 401, "the AU's credential ends with its attempt (terminated)"
    page = learner.get("/progress").get_data(as_text=True)
    assert "Réussi" in page and "score 90 %" in page
    with app.app_context():
        outbox = db.get_db().execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    assert outbox == 6  # launched + the four from the AU + the course satisfied (moveOn CompletedAndPassed)


def test_xapi_launch_gets_credentials(app, learner, exports):
    launch = _package(app, exports, "xapi")
    src = _launch_src(learner, launch)
    params = {k: v[0] for k, v in parse_qs(urlsplit(src).query).items()}
    assert params["endpoint"].endswith("/xapi/") and params["auth"].startswith("Basic ")
    headers = {"Authorization": params["auth"], "X-Experience-API-Version": "1.0.3"}
    body = {
        "actor": json.loads(params["actor"]),
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": params["activity_id"]},
        "context": {"registration": params["registration"]},
    }
    assert learner.post("/xapi/statements", headers=headers, json=body).status_code == 200
    assert "Terminé" in learner.get("/progress").get_data(as_text=True)


def test_search_is_french_aware_and_follows_imports(app, client, tmp_path):
    result = import_file(app, scorm2004_zip(tmp_path / "deux.zip", text="Les élèves apprennent la coopération."))
    for query in ("eleve", "élève", "ÉLÈVES", "cooperation", "coopérations"):
        page = client.get("/search", query_string={"q": query}).get_data(as_text=True)
        assert "Première partie" in page, query
        assert "/play/" in page
    assert "Première partie" not in client.get("/search?q=jardin").get_data(as_text=True)
    with app.app_context():
        assert search.query("la le les") == []
        from player.learning import library

        library.remove_package(result.package_id)
        assert search.query("élèves") == []


def test_search_links_into_lesson_sections(app, client, exports):
    _package(app, exports, "scorm12", "mobiliser-communaute")
    page = client.get("/search?q=impact collectif").get_data(as_text=True)
    assert re.search(r'href="/play/\d+\?at=[\w-]+"', page)


def test_language_choice(client):
    assert 'lang="fr"' in client.get("/").get_data(as_text=True)
    page = client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="en"' in page and "Courses" in page
    assert client.get_cookie("ruche_lang").value == "en"
    assert "Courses" in client.get("/").get_data(as_text=True)  # remembered
    other = client.application.test_client()
    assert "Courses" in other.get("/", headers={"Accept-Language": "en-US,en;q=0.8"}).get_data(as_text=True)
    assert "Cours" in other.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)


def test_every_interface_string_has_an_english_translation():
    root = Path(i18n.__file__).parent
    found = set()
    for path in list((root / "templates").glob("*.html")) + list(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'_\(\s*"((?:[^"\\]|\\.)*)"', text))
        found |= set(re.findall(r"_\(\s*'((?:[^'\\]|\\.)*)'", text))
    found = {f for f in found if f}
    missing = sorted(f for f in found if f not in i18n.CATALOGUES["en"])
    assert not missing, missing
    unused = sorted(set(i18n.CATALOGUES["en"]) - found)
    assert not unused, unused


def test_html_is_gzipped_and_static_files_are_immutable(client):
    home = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert home.headers["Content-Encoding"] == "gzip"
    css = re.search(r'href="(/static/player\.css\?v=\w+)"', client.get("/").get_data(as_text=True)).group(1)
    r = client.get(css, headers={"Accept-Encoding": "gzip"})
    assert "immutable" in r.headers["Cache-Control"] and r.headers["Content-Encoding"] == "gzip"
    assert client.get(css, headers={"If-None-Match": r.headers["ETag"]}).status_code == 304
    assert "immutable" not in client.get("/static/player.css").headers["Cache-Control"]
    assert client.get("/static/../__init__.py").status_code == 404


def test_pages_work_without_javascript_and_are_accessible(app, learner, tmp_path):
    import_file(app, scorm2004_zip(tmp_path / "deux.zip"))
    for url in ("/", "/learners", "/progress", "/search?q=partie", "/courses/1", "/play/1"):
        page = learner.get(url).get_data(as_text=True)
        assert "<main" in page and "<nav" in page and 'class="skip"' in page, url
        assert "fonts.googleapis" not in page and "@font-face" not in page
        assert not re.search(r'(src|href)="https?://', page), url
        for field in re.findall(r'<input (?![^>]*type="(?:hidden|submit)")[^>]*id="([^"]+)"', page):
            assert f'for="{field}"' in page, (url, field)
        if url != "/play/1":
            assert "<script" not in page, url
    css = (Path(i18n.__file__).parent / "static" / "player.css").read_text()
    assert "@import" not in css and "url(" not in css


def test_content_is_served_from_the_package_only(app, client, tmp_path):
    import_file(app, scorm2004_zip(tmp_path / "deux.zip"))
    with app.app_context():
        rev = db.get_db().execute("SELECT sha256 FROM package").fetchone()[0][:12]
    ok = client.get(f"/content/1/{rev}/one.html")
    assert ok.status_code == 200 and "immutable" in ok.headers["Cache-Control"]
    assert client.get(f"/content/1/{rev}/../../player.sqlite3").status_code == 404
    assert client.get(f"/content/1/{rev}/%2e%2e/x").status_code == 404
    assert client.get("/content/99/x/one.html").status_code == 404


@pytest.mark.parametrize("url", ["/nope", "/courses/999", "/play/999"])
def test_errors_are_pages(learner, url):
    r = learner.get(url)
    assert r.status_code == 404 and "<main" in r.get_data(as_text=True)
