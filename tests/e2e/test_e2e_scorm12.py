"""SCORM 1.2 packages in a test LMS whose window.API is scorm-again's Scorm12API (issue 4)."""

from __future__ import annotations

import re

import pytest
from e2e_common import COURSES
from learner import Learner, right_response
from scorm_lms import TIMESPAN_12, TestLMS, first_launch_12, interactions, kept_12, mastery_12


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def same_responses(page_responses: dict, given: dict) -> None:
    for qid, response in given.items():
        on_page = page_responses.get(qid)
        if len(response) == 1 and response[0].strip() != response[0]:  # fill-in text
            assert on_page and fold(on_page[0]) == fold(response[0]), (qid, on_page, response)
        else:
            assert sorted(on_page or []) == sorted(response), (qid, on_page, response)


def check_clean(lms: TestLMS, page) -> None:
    assert lms.errors() == [], "API calls the LMS refused"
    assert page.js_errors == [], "JavaScript errors in the pages"
    lengths = [len(v) for v in lms.values("cmi.suspend_data")]
    assert lengths and max(lengths) <= 4096


def check_interactions(final: dict, learner: Learner, questions: list[dict]) -> None:
    found = interactions(final)
    assert [i["id"] for i in found] == [q["id"] for q in questions]
    for i, q in zip(found, questions, strict=True):
        right = learner.given[q["id"]] == right_response(q) or (
            q["kind"] == "fill-in" and fold(learner.given[q["id"]][0]) in q["answers"]
        )
        assert i["result"] == ("correct" if right else "wrong"), (q["id"], i)
        assert i["type"] == {"multiple-choice": "choice"}.get(q["kind"], q["kind"])
        assert i.get("correct_responses.0.pattern"), (q["id"], i)
        assert TIMESPAN_12.match(i["latency"]), i["latency"]
        response = i["student_response"]
        if q["kind"] == "true-false":
            assert response in ("t", "f") and (response == "t") == (learner.given[q["id"]] == ["true"])
            assert i["correct_responses.0.pattern"] == q["correct"][0][0]
        elif q["kind"] == "fill-in":
            assert fold(response) == fold(learner.given[q["id"]][0])
        else:
            assert sorted(response.split(",")) == sorted(learner.given[q["id"]])
            assert sorted(i["correct_responses.0.pattern"].split(",")) == sorted(q["correct"])


@pytest.mark.parametrize("slug", COURSES)
def test_whole_course_then_resume(slug, packages, server, page):
    """Every lesson read and every quiz answered right: passed, 100, one interaction per question;
    relaunched, the learner is back on the lesson they left with their answers shown."""
    course = packages[slug]
    lms = TestLMS(page, server.url, "12").open()
    url = server.url + course.urls["scorm12"] + "index.html"
    learner = lms.launch(url, first_launch_12(course))
    questions = learner.questions()
    assert questions, "every bundled course has quizzes"
    seen = learner.read_course(right=True)
    assert seen == learner.sections()
    assert set(learner.submitted) == {z["id"] for z in learner.data["quizzes"]}
    lessons = [le["id"] for le in learner.data["lessons"]]
    bookmark = lessons[len(lessons) // 2]
    learner.goto(bookmark)
    final = lms.leave()

    assert final["cmi.core.lesson_status"] == "passed"
    assert (final["cmi.core.score.raw"], final["cmi.core.score.min"], final["cmi.core.score.max"]) == (
        "100",
        "0",
        "100",
    )
    assert TIMESPAN_12.match(final["cmi.core.session_time"]), final["cmi.core.session_time"]
    assert final["cmi.core.exit"] == ""  # finished: not a suspended session
    assert final["cmi.core.lesson_location"] == bookmark
    check_interactions(final, learner, questions)
    check_clean(lms, page)
    assert lms.page.evaluate("lms.commits.length") >= 1, "the SCO never committed"

    # Relaunch with what the LMS kept.
    given = dict(learner.given)
    again = lms.launch(url, kept_12(final, entry="resume"))
    assert again.current() == bookmark
    same_responses(again.responses_on_page(), given)
    assert set(again.verdicts_on_page().values()) == {"ok"}
    final2 = lms.leave()
    assert final2["cmi.core.lesson_status"] == "passed"
    assert final2["cmi.core.score.raw"] == "100"
    assert interactions(final2) == [], "a relaunch without new answers reports no interaction"
    assert "incomplete" not in lms.values("cmi.core.lesson_status")
    check_clean(lms, page)


@pytest.mark.parametrize("slug", COURSES)
def test_suspend_midway_and_resume(slug, packages, server, page):
    """Leaving halfway suspends (incomplete, bookmark, answers kept); the resumed session lands on
    the bookmark with the answers restored, and finishing it passes."""
    course = packages[slug]
    lms = TestLMS(page, server.url, "12").open()
    url = server.url + course.urls["scorm12"] + "index.html"
    learner = lms.launch(url, first_launch_12(course))
    lessons = [le["id"] for le in learner.data["lessons"]]
    middle = lessons[len(lessons) // 2]
    learner.read_course(right=True, until=middle)
    final = lms.leave()
    answered = [q for z in learner.data["quizzes"] if z["id"] in learner.submitted for q in z["questions"]]
    total = len(learner.questions())
    assert answered, "the first half of every bundled course has a quiz"

    assert final["cmi.core.exit"] == "suspend"
    assert final["cmi.core.lesson_status"] == "incomplete"
    assert final["cmi.core.lesson_location"] == middle
    # a score while quizzes remain is the share of all the questions, or none at all yet
    assert final.get("cmi.core.score.raw", "") in ("", str(round(100 * len(answered) / total)))
    check_interactions(final, learner, answered)
    check_clean(lms, page)

    resumed = lms.launch(url, kept_12(final))
    assert resumed.current() == middle
    same_responses(resumed.responses_on_page(), learner.given)
    resumed.submitted = list(learner.submitted)
    resumed.read_course(right=True)
    final2 = lms.leave()
    assert final2["cmi.core.lesson_status"] == "passed"
    assert final2["cmi.core.score.raw"] == "100"
    assert final2["cmi.core.exit"] == ""
    rest = [q for q in learner.questions() if q not in answered]
    check_interactions(final2, resumed, rest)
    check_clean(lms, page)


def test_failing_learner(packages, server, page):
    """Every answer wrong: failed, a score under the mastery score, every interaction wrong."""
    course = packages[COURSES[0]]
    lms = TestLMS(page, server.url, "12").open()
    learner = lms.launch(server.url + course.urls["scorm12"] + "index.html", first_launch_12(course))
    learner.read_course(right=False)
    final = lms.leave()
    assert final["cmi.core.lesson_status"] == "failed"
    assert int(final["cmi.core.score.raw"]) < int(mastery_12(course))
    assert final["cmi.core.score.raw"] == "0"
    found = interactions(final)
    assert len(found) == len(learner.questions())
    assert {i["result"] for i in found} == {"wrong"}
    assert final["cmi.core.exit"] == "suspend", "quizzes can be retried: the learner may come back"
    check_clean(lms, page)


def longest_course(packages) -> str:
    def size(slug):
        text = packages[slug].read("scorm12", "index.html")
        return (text.count('class="r-q"'), text.count('class="r-lesson"'))

    return max(COURSES, key=size)


def test_suspend_data_fits_4096_on_longest_course(packages, server, page):
    """The longest bundled course, every question answered with the longest answers a learner can
    give (every box ticked, 500-character texts): suspend_data never exceeds 4096 characters,
    and what it keeps still brings the learner back to their place."""
    course = packages[longest_course(packages)]
    lms = TestLMS(page, server.url, "12").open()
    url = server.url + course.urls["scorm12"] + "index.html"
    learner = lms.launch(url, first_launch_12(course))
    long_text = ("Une réponse très longue, écrite sans se presser, " * 12)[:500]
    learner.wait_ready()
    for section in learner.sections():
        if learner.current() != section:
            learner.goto(section)
        for quiz in learner.quizzes_in(section):
            for q in quiz["questions"]:
                if q["kind"] == "fill-in":
                    learner.respond(q, [long_text])
                elif q["kind"] == "multiple-choice":
                    learner.respond(q, list(q["choices"]))
                else:
                    learner.respond(q, [list(q["choices"])[-1]])
            learner.frame.locator(f"form#{quiz['id']} button[type=submit]").click()
    lessons = [le["id"] for le in learner.data["lessons"]]
    learner.goto(lessons[-1])
    final = lms.leave()
    lengths = [len(v) for v in lms.values("cmi.suspend_data")]
    assert max(lengths) <= 4096, max(lengths)
    assert lms.errors() == []
    assert len(interactions(final)) == len(learner.questions())
    again = lms.launch(url, kept_12(final, entry="resume"))
    assert again.current() == lessons[-1]
    lms.leave()
    assert lms.errors() == []
