"""SCORM 2004 packages (one SCO per lesson) in a test LMS whose window.API_1484_11 is
scorm-again's Scorm2004API, a new instance for every SCO attempt (issue 4)."""

from __future__ import annotations

import pytest
from e2e_common import COURSES
from learner import Learner, wrong_response
from lxml import etree
from scorm_lms import DURATION_2004, LEARNER_2004, TestLMS, interactions, kept_2004

CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"


def scos(course) -> list[str]:
    """The SCOs' launch files in the organization's order (what an LMS reads in the manifest)."""
    root = etree.fromstring(course.read("scorm2004", "imsmanifest.xml").encode())
    hrefs = {r.get("identifier"): r.get("href") for r in root.iter(f"{CP}resource")}
    org = root.find(f"{CP}organizations/{CP}organization")
    return [hrefs[item.get("identifierref")] for item in org.iter(f"{CP}item")]


def nav(index: int, count: int) -> dict:
    """What the LMS's sequencer allows the SCO to request (continue / previous)."""
    return {"continue": "true" if index + 1 < count else "false", "previous": "true" if index else "false"}


def check_clean(lms: TestLMS, page) -> None:
    assert lms.errors() == [], "API calls the LMS refused"
    assert page.js_errors == [], "JavaScript errors in the pages"
    assert max(len(v) for v in lms.values("cmi.suspend_data")) <= 64000


def check_interactions(found: list[dict], learner: Learner, questions: list[dict], right: bool) -> None:
    assert [i["id"] for i in found] == [q.get("iri") or q["id"] for q in questions]
    for i, q in zip(found, questions, strict=True):
        assert i["type"] == {"multiple-choice": "choice"}.get(q["kind"], q["kind"])
        assert i["result"] == ("correct" if right else "incorrect"), (q["id"], i)
        given = learner.given[q["id"]]
        if q["kind"] == "fill-in":
            assert i["learner_response"].strip().lower() == given[0].strip().lower()
            patterns = [v for k, v in i.items() if k.startswith("correct_responses.")]
            assert q["answers"][0] in patterns, (q["id"], patterns)
        else:
            assert sorted(i["learner_response"].split("[,]")) == sorted(given)
            assert sorted(i["correct_responses.0.pattern"].split("[,]")) == sorted(q["correct"])
        assert DURATION_2004.match(i["latency"]), i["latency"]
        assert i["timestamp"], i


@pytest.mark.parametrize("slug", COURSES)
def test_every_sco_in_order(slug, packages, server, page):
    """Each lesson's SCO read and answered right, then its own "next" asks the LMS to continue:
    completed, passed where it has quizzes, scaled score 1, its interactions, ISO session time."""
    course = packages[slug]
    lms = TestLMS(page, server.url, "2004").open()
    files = scos(course)
    assert len(files) >= 2
    for index, name in enumerate(files):
        url = server.url + course.urls["scorm2004"] + name
        learner = lms.launch(url, {**LEARNER_2004, "cmi.entry": "ab-initio"}, nav(index, len(files)))
        data = learner.data
        learner.read_course(right=True)
        last_section = learner.sections()[-1]
        if index + 1 < len(files):
            assert learner.can_next(), f"{name}: the SCO does not offer to continue"
            learner.frame.locator("button[data-nav=next]").click()
            final = lms.wait_finished()
            assert lms.navigation == "continue", f"{name}: no continue request"
        else:
            assert not learner.can_next(), "the last SCO cannot continue"
            final = lms.leave()

        questions = [q for z in data["quizzes"] for q in z["questions"]]
        assert final["cmi.completion_status"] == "completed", name
        assert final["cmi.success_status"] == ("passed" if questions else "unknown"), name
        assert final["cmi.exit"] == "normal", name
        assert final["cmi.location"] == last_section
        assert float(final["cmi.progress_measure"]) == 1
        assert DURATION_2004.match(final["cmi.session_time"]), final["cmi.session_time"]
        if questions:
            assert 0 <= float(final["cmi.score.scaled"]) <= 1
            assert float(final["cmi.score.scaled"]) == 1
        check_interactions(interactions(final), learner, questions, right=True)
        check_clean(lms, page)


@pytest.mark.parametrize("slug", COURSES)
def test_suspend_retry_and_resume(slug, packages, server, page):
    """First SCO (introduction + first lesson): wrong answers, the learner leaves (suspend, failed,
    location kept); relaunched they land on the lesson with their answers shown, answer right
    and continue: passed, and the interactions of both sessions are there."""
    course = packages[slug]
    lms = TestLMS(page, server.url, "2004").open()
    files = scos(course)
    url = server.url + course.urls["scorm2004"] + files[0]
    learner = lms.launch(url, {**LEARNER_2004, "cmi.entry": "ab-initio"}, nav(0, len(files)))
    sections = learner.sections()
    assert len(sections) >= 2, "the first SCO holds the introduction and the first lesson"
    lesson = sections[-1]
    questions = [q for z in learner.data["quizzes"] for q in z["questions"]]
    assert questions
    learner.read_course(right=False)
    assert learner.current() == lesson
    first = lms.leave()
    assert first["cmi.exit"] == "suspend"
    assert first["cmi.success_status"] == "failed"
    assert first["cmi.location"] == lesson
    assert float(first["cmi.score.scaled"]) == 0
    check_interactions(interactions(first), learner, questions, right=False)
    check_clean(lms, page)

    again = lms.launch(url, kept_2004(first), nav(0, len(files)))
    assert again.current() == lesson, "resumed on the lesson the learner left"
    on_page = again.responses_on_page()
    for q in questions:
        if q["kind"] == "fill-in":
            assert on_page[q["id"]] and on_page[q["id"]][0].strip() == learner.given[q["id"]][0].strip()
        else:
            assert sorted(on_page[q["id"]]) == sorted(wrong_response(q))
    assert set(again.verdicts_on_page().values()) == {"ko"}
    for quiz in again.data["quizzes"]:
        again.answer(quiz, right=True)
    again.frame.locator("button[data-nav=next]").click()
    final = lms.wait_finished()
    assert lms.navigation == "continue"
    assert final["cmi.success_status"] == "passed"
    assert final["cmi.completion_status"] == "completed"
    assert float(final["cmi.score.scaled"]) == 1
    assert final["cmi.exit"] == "normal"
    found = interactions(final)
    assert len(found) == 2 * len(questions), "the first session's interactions are kept, new ones added"
    check_interactions(found[len(questions) :], again, questions, right=True)
    check_clean(lms, page)
