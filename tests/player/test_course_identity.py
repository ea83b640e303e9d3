"""One course, one identity: the same course played as SCORM 1.2, SCORM 2004, xAPI and cmi5 in the player
groups under ONE course activity id, names its first lesson with ONE lesson activity id, and is one course
on the trainer's dashboard (issue 9).

Real parts: the bundled guide-auteur packages, the player server, Debian chromium running the package
runtime; the statements are read from the player's outbox as the sync would send them.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from coursekit import COURSES
from e2e.learner import Learner
from playerkit import CHROMIUM, TRAINER, learner_in_browser

from packager.load import load_course
from packager.render import lesson_iri

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium (/usr/bin/chromium) is absent")

TITLE = "Guide de l'auteur Ruche"
STANDARDS = ("SCORM 1.2", "SCORM 2004", "xAPI", "cmi5")
LEARNER = "Iris Identité"
SCORM_PROFILE = "http://adlnet.gov/xapi/profile/scorm"


def contexts(statement: dict) -> dict:
    return (statement.get("context") or {}).get("contextActivities") or {}


def dashboard_course(statement: dict) -> str:
    """The course a statement counts for, by the dashboard's rule: grouping, else parent, else the object."""
    activities = contexts(statement)
    for kind in ("grouping", "parent"):
        if activities.get(kind):
            return activities[kind][0]["id"]
    return statement["object"]["id"]


def outbox_statements(data: Path, learner: str) -> list[dict]:
    conn = sqlite3.connect(data / "player.sqlite3")
    try:
        rows = [json.loads(r[0]) for r in conn.execute("SELECT statement FROM outbox ORDER BY id")]
    finally:
        conn.close()
    return [s for s in rows if s.get("actor", {}).get("name") == learner]


def play_first_lesson(page, url: str, standard: str) -> None:
    page.goto(url)
    page.locator("li.card", has_text=TITLE).filter(has_text=standard).first.locator("h2 a").click()
    page.locator("ol.lessons a").first.click()
    page.wait_for_selector("#sco")
    learner = Learner(page.query_selector("#sco").content_frame())
    learner.wait_ready(timeout=15)
    learner.read_course(right=True)
    page.wait_for_timeout(1500)  # the runtime's statement batches and the SCORM commit leave the page
    page.goto(url + "progress")  # leaving the lesson ends the SCORM session (Finish / Terminate)


def test_one_course_one_lesson_id_across_formats(player_server, browser):
    course = load_course(COURSES / "guide-auteur")
    first_lesson = lesson_iri(course, course.lessons[0])
    url = player_server.url
    context, page = learner_in_browser(browser, url, LEARNER)
    try:
        for standard in STANDARDS:
            play_first_lesson(page, url, standard)
        statements: list[dict] = []
        for _ in range(40):  # xAPI and cmi5 statements arrive in batches
            statements = outbox_statements(player_server.data, LEARNER)
            ended = [s for s in statements if s["verb"]["id"].endswith(("/terminated", "/suspended"))]
            if len(ended) >= len(STANDARDS):
                break
            page.wait_for_timeout(250)
        assert statements, "no statement recorded"

        courses = {dashboard_course(s) for s in statements}
        assert courses == {course.id}, courses

        lesson_objects = {
            s["object"]["id"]
            for s in statements
            if (s["object"].get("definition") or {}).get("type", "").endswith(("/lesson", "/module"))
        }
        assert first_lesson in lesson_objects, lesson_objects
        scorm_lessons = {
            s["object"]["id"]
            for s in statements
            if (s["object"].get("definition") or {}).get("type") == "http://adlnet.gov/expapi/activities/lesson"
            and SCORM_PROFILE in [c["id"] for c in contexts(s).get("category", [])]
        }
        # SCORM 2004: the first lesson's SCO is that lesson; SCORM 1.2: the one SCO is the whole course
        assert scorm_lessons == {first_lesson, course.id}, scorm_lessons

        trainer = browser.new_context(locale="fr-CA")
        tp = trainer.new_page()
        try:
            tp.goto(url + "admin")
            tp.fill("#password", TRAINER)
            tp.click("button:has-text('Entrer')")
            tp.goto(url + "dashboard/")
            names = [o.inner_text() for o in tp.locator("#f-course option").all()]
            assert names.count(TITLE) == 1, names
            rows = tp.locator("table tr", has_text=LEARNER)
            assert rows.count() == 1, [r.inner_text() for r in rows.all()]
        finally:
            trainer.close()
    finally:
        context.close()
