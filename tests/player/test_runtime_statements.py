"""The package runtime's statements are the Python builders' (issue 9: one place builds statements).

The runtime's JavaScript (packager/runtime/lrs.js, xapi.js, cmi5.js) cannot import Python, so it
builds its statements itself. Here the author's guide is played as xAPI and as cmi5 in real Chromium,
every statement the runtime sent is read back from the player's LRS exactly as it arrived, and each
is rebuilt with `packager.standards` from the facts of its event (the course model, the launch): the
two must be equal, field for field. Only what the event itself decides (id, timestamp, durations) is
taken from the sent statement, and checked for form.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from coursekit import COURSES
from e2e.learner import Learner
from playerkit import CHROMIUM, learner_in_browser

from packager.load import load_course
from packager.model import Course
from packager.render import lesson_iri, question_iri
from packager.standards import cmi5, ids, xapi
from packager.standards import statements as xs

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium (/usr/bin/chromium) is absent")

GUIDE = "Guide de l'auteur Ruche"
LMS_VERBS = {"launched", "satisfied"}  # the player's own statements (cmi5 §9.3), not the runtime's


def _read(data: Path, sql: str, *args: Any) -> list[sqlite3.Row]:
    conn = sqlite3.connect(f"file:{data / 'player.sqlite3'}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def sent_by(data: Path, name: str) -> list[dict[str, Any]]:
    """Every statement about `name`'s learner, as it arrived (`original`), in the order stored."""
    rows = _read(data, "SELECT original FROM lrs_statement WHERE json_extract(original, '$.actor.name') = ?", name)
    return [json.loads(r["original"]) for r in rows]


def play(page, url: str, standard: str) -> Learner:
    """Open the guide's launch in `standard`, read every lesson and answer every quiz right."""
    page.goto(url)
    card = page.locator("li.card", has_text=GUIDE).filter(has_text=standard).first
    card.locator("h2 a").click()
    page.locator("ol.lessons a").first.click()
    page.wait_for_selector("#sco")
    learner = Learner(page.query_selector("#sco").content_frame())
    learner.wait_ready(timeout=15)
    learner.read_course(right=True)
    return learner


class Event:
    """The facts of one play of the guide, from which each statement of the runtime is rebuilt."""

    def __init__(
        self, course: Course, standard: str, registration: str, given: dict[str, list[str]], lms: list[dict]
    ) -> None:
        self.course, self.standard, self.registration, self.given = course, standard, registration, given
        self.language = course.language
        self.lessons = {lesson_iri(course, le): le for le in course.lessons}
        self.questions = {question_iri(course, q.id): q for le in course.lessons for q in le.questions}
        if standard == "cmi5":
            launched = next(s for s in lms if s["verb"]["id"].endswith("/launched"))
            extensions = launched["context"]["extensions"]
            self.template = cmi5.context_template(course.id, extensions[cmi5.SESSION_EXT])
            self.mastery = extensions.get(cmi5.MASTERY_EXT)
            self.obj = xs.ref(ids.au_iri(course.id))
        else:
            self.template, self.mastery = None, None
            self.obj = xs.activity(course.id, xs.COURSE, course.title, self.language)

    def context(self, parent: list[dict] | None = None, grouping: list[dict] | None = None) -> dict[str, Any]:
        return xs.runtime_context(self.language, self.registration, self.template, parent, grouping)

    def rebuilt(self, sent: dict[str, Any]) -> dict[str, Any]:
        """The statement the Python builders make for the event `sent` reports."""
        verb = sent["verb"]["id"].rsplit("/", 1)[-1]
        duration = (sent.get("result") or {}).get("duration")
        if verb == "experienced":
            lesson = self.lessons[sent["object"]["id"]]
            obj = xs.activity(sent["object"]["id"], xs.MODULE, lesson.title, self.language)
            context, result = self.context(parent=[xs.ref(self.obj["id"])]), None
        elif verb == "answered":
            q = self.questions[sent["object"]["id"]]
            lesson = next(iri for iri, le in self.lessons.items() if q in le.questions)
            choices = {c.id: c.text for c in q.choices}
            correct = [c.id for c in q.choices if c.correct]
            obj = xs.interaction_activity(
                sent["object"]["id"], q.kind, q.prompt, self.language, correct, q.answers, choices
            )
            given = self.given[q.id]
            response = given[0].strip() if q.kind == "fill-in" else "[,]".join(c for c in choices if c in given)
            context = self.context(parent=[xs.ref(lesson)], grouping=[xs.ref(self.obj["id"])])
            result = {"success": True, "response": response, "duration": duration}
        else:
            obj, context, result = self.obj, self.context(), self._course_result(verb, duration)
            if self.standard == "cmi5":
                context = cmi5.au_context(context, result, self.mastery)
        return xs.statement(
            verb, sent["actor"], obj, context, result, timestamp=sent["timestamp"], statement_id=sent["id"]
        )

    def _course_result(self, verb: str, duration: str | None) -> dict[str, Any] | None:
        """The result of a course-level statement when every answer is right (a score of 100 %)."""
        if verb == "initialized":
            return None
        if verb == "completed":
            return {"completion": True, "duration": duration}
        if verb == "passed" and self.standard == "cmi5":
            return {"success": True, "duration": duration, "score": {"scaled": 1}}
        if verb == "passed":
            score = {"scaled": 1, "raw": 100, "min": 0, "max": 100}
            return {"success": True, "completion": True, "duration": duration, "score": score}
        return {"duration": duration}


def _exit_lesson(page, url: str) -> None:
    """Leave the lesson as a learner does (another page): the runtime's pagehide sends `terminated`."""
    page.goto(url + "progress")


@pytest.mark.parametrize("standard", ["xAPI", "cmi5"])
def test_every_runtime_statement_is_the_python_builders(player_server, browser, standard):
    url, name = player_server.url, f"Énoncés {standard}"
    course = load_course(COURSES / "guide-auteur")
    context, page = learner_in_browser(browser, url, name)
    try:
        learner = play(page, url, standard)
        _exit_lesson(page, url)
        wanted = {"initialized", "completed", "passed", "terminated", "experienced", "answered"}
        sent: list[dict] = []
        for _ in range(60):  # statements leave the page in batches, terminated with the page
            everything = sent_by(player_server.data, name)
            sent = [s for s in everything if s["verb"]["id"].rsplit("/", 1)[-1] not in LMS_VERBS]
            if wanted <= {s["verb"]["id"].rsplit("/", 1)[-1] for s in sent}:
                break
            page.wait_for_timeout(250)
    finally:
        context.close()

    verbs = [s["verb"]["id"].rsplit("/", 1)[-1] for s in sent]
    assert wanted <= set(verbs), verbs
    rows = _read(
        player_server.data,
        "SELECT a.registration FROM attempt a JOIN learner l ON l.id = a.learner_id WHERE l.name = ?",
        name,
    )
    assert len(rows) == 1, "one attempt"
    lms = [s for s in everything if s not in sent]
    event = Event(course, "cmi5" if standard == "cmi5" else "xapi", rows[0]["registration"], learner.given, lms)
    answered = {s["object"]["id"] for s in sent if s["verb"]["id"].endswith("/answered")}
    assert answered == set(event.questions), "one answered statement per question of the guide"
    experienced = {s["object"]["id"] for s in sent if s["verb"]["id"].endswith("/experienced")}
    assert experienced <= set(event.lessons) and experienced
    for statement in sent:
        xapi.check_statement(statement)
        assert xs.instant(statement["timestamp"]) is not None, statement["timestamp"]
        duration = (statement.get("result") or {}).get("duration")
        assert duration is None or xapi.DURATION.match(duration), duration
        assert statement == event.rebuilt(statement), statement["verb"]["id"]
