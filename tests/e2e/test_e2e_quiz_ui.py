"""Quiz interaction as a person does it, in the SCORM 1.2 test LMS (issue 4: quizzes, retry)."""

from __future__ import annotations

from e2e_common import COURSES
from scorm_lms import TestLMS, first_launch_12, interactions


def test_retry_fill_in_then_click_check_once(packages, server, page):
    """A wrong fill-in answer, its feedback shown; the learner types the right answer and clicks
    "Vérifier" once, without leaving the field first: that one click must submit the quiz."""
    for slug in COURSES:
        course = packages[slug]
        lms = TestLMS(page, server.url, "12").open()
        learner = lms.launch(server.url + course.urls["scorm12"] + "index.html", first_launch_12(course))
        quiz = next((z for z in learner.data["quizzes"] if any(q["kind"] == "fill-in" for q in z["questions"])), None)
        if quiz:
            break
    assert quiz, "a bundled course has a fill-in question"
    learner.goto(quiz["lesson"])
    learner.answer(quiz, right=False)
    form = learner.frame.locator(f"form#{quiz['id']}")
    assert form.locator(".r-q.r-ko").count() == len(quiz["questions"])
    for q in sorted(quiz["questions"], key=lambda q: q["kind"] == "fill-in"):
        if q["kind"] == "fill-in":  # typed straight in, then the button: no Tab, no Enter
            form.locator(f"fieldset#{q['id']} input[type=text]").fill(q["answers"][0])
        else:
            learner.respond(q, q["correct"])
    form.locator("button[type=submit]").click()
    n = len(quiz["questions"])
    form.locator(".r-score").filter(has_text=f"{n} / {n}").wait_for(timeout=3000)
    final = lms.leave()
    assert [i["result"] for i in interactions(final)][-n:] == ["correct"] * n
