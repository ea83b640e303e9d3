"""xAPI (Tin Can launch) packages against Ralph LRS (issue 4): every statement arrives once and
validates, the bookmark lives in the State resource, and a connection lost mid-lesson loses nothing
and duplicates nothing."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from e2e_common import COURSES
from learner import Learner
from lxml import etree
from xapi_check import (
    ISO_DURATION,
    VERBS,
    learner_agent,
    new_registration,
    tincan_url,
    validate_learninglocker,
    validate_ralph,
    verb,
    wait_until,
)

TINCAN = "{http://projecttincan.com/tincan.xsd}"


def activities(course) -> dict[str, str]:
    """tincan.xml: activity id -> activity type; the launch activity first."""
    root = etree.fromstring(course.read("xapi", "tincan.xml").encode())
    return {a.get("id"): a.get("type") for a in root.iter(f"{TINCAN}activity")}


def launch_activity(course) -> str:
    root = etree.fromstring(course.read("xapi", "tincan.xml").encode())
    return next(a.get("id") for a in root.iter(f"{TINCAN}activity") if a.find(f"{TINCAN}launch") is not None)


class Created:
    """Ids of the statements the page tried to send: every POST body the browser issued (even those
    that failed offline), and every one that reached the endpoint (a keepalive request sent while
    the page unloads is not always reported by the browser)."""

    def __init__(self, page, server):
        self.server = server
        self.first = len(server.log)
        self.browser: list[str] = []
        page.on("request", self.seen)

    def seen(self, request) -> None:
        if request.method == "POST" and "/lrs/statements" in request.url and request.post_data:
            self.browser += [s["id"] for s in json.loads(request.post_data)]

    @property
    def ids(self) -> list[str]:
        out = list(self.browser)
        for req in self.server.log[self.first :]:
            if req.path == "statements" and req.method == "POST":
                out += [s["id"] for s in req.json()]
        return list(dict.fromkeys(out))


def leave(page) -> None:
    """The learner closes the course (pagehide: terminated, state saved, queue flushed)."""
    page.goto("about:blank")


def arrived(ralph, registration: str, count: int | None = None, last: str = "terminated"):
    def check():
        found = ralph.statements(registration=registration)
        verbs = [verb(s) for s in found]
        if count is not None:
            return found if verbs.count(last) >= count else None
        return found if last in verbs else None

    return check


def check_valid(statements: list[dict]) -> None:
    assert validate_ralph(statements) == []
    assert validate_learninglocker(statements) == []


def check_requests(server) -> None:
    for req in server.statement_requests():
        assert req.headers.get("x-experience-api-version", "").startswith("1.0"), req.headers
        assert req.headers.get("authorization") == server.auth


@pytest.mark.parametrize("slug", COURSES)
def test_statements_state_and_resume(slug, packages, server, ralph, browser, page):
    course = packages[slug]
    registration = new_registration()
    actor = learner_agent(registration[:8])
    activity = launch_activity(course)
    url = tincan_url(server.url, course.urls["xapi"], server.url + "/lrs/", server.auth, actor, registration, activity)
    created = Created(page, server)
    page.goto(url)
    learner = Learner(page)
    data = learner.data
    lessons = [le["id"] for le in data["lessons"]]
    questions = learner.questions()
    learner.read_course(right=True)
    bookmark = lessons[len(lessons) // 2]
    learner.goto(bookmark)
    given = dict(learner.given)
    leave(page)

    statements = wait_until(arrived(ralph, registration), 20, "the terminated statement", page)
    ids = [s["id"] for s in statements]
    assert len(ids) == len(set(ids))
    stored = Counter(ralph.stored_ids())
    assert all(stored[i] == 1 for i in ids), "a statement stored twice"
    assert set(ids) == set(created.ids), "every statement the page created reached the LRS"
    statements.sort(key=lambda s: s["timestamp"])
    verbs = Counter(verb(s) for s in statements)
    assert verbs["initialized"] == 1 and verbs["terminated"] == 1
    assert verbs["experienced"] == len(lessons)
    assert verbs["answered"] == len(questions)
    assert verbs["completed"] == 1 and verbs["passed"] == 1 and verbs["failed"] == 0
    assert verb(statements[0]) == "initialized" and verb(statements[-1]) == "terminated"
    check_valid(statements)
    check_requests(server)

    kinds, mismatched = activities(course), set()
    for s in statements:
        assert s["actor"]["account"] == actor["account"]
        assert s["context"]["registration"] == registration
        assert s["verb"]["id"].startswith(VERBS)
        definition = s["object"].get("definition", {})
        if "type" in definition and definition["type"] != kinds.get(s["object"]["id"]):
            mismatched.add(f"{s['object']['id']}: {definition['type']} (tincan.xml: {kinds.get(s['object']['id'])})")
        if verb(s) in ("initialized", "completed", "passed", "terminated"):
            assert s["object"]["id"] == activity
        if "duration" in s.get("result", {}):
            assert ISO_DURATION.match(s["result"]["duration"]), s["result"]["duration"]
    answered = [s for s in statements if verb(s) == "answered"]
    assert [s["object"]["id"] for s in answered] == [q["iri"] for q in questions]
    assert all(s["result"]["success"] is True for s in answered)
    passed = next(s for s in statements if verb(s) == "passed")
    assert passed["result"]["success"] is True and passed["result"]["score"]["scaled"] == 1

    # The bookmark and the answers live in the State resource: a new browser (no localStorage)
    # resumes where the learner left.
    # The last State PUT leaves at pagehide, independently of the statements: wait for it.
    def saved_bookmark():
        doc = server.get_document(
            "activities/state",
            {"activityId": activity, "agent": json.dumps(actor), "registration": registration, "stateId": "ruche"},
        )
        return doc and json.loads(doc).get("b") == bookmark

    wait_until(saved_bookmark, 10, "the state document with the bookmark")
    other = browser.new_context()
    try:
        page2 = other.new_page()
        page2.goto(url)
        again = Learner(page2)
        again.wait_ready()
        assert again.current() == bookmark
        on_page = again.responses_on_page()
        for q in questions:
            assert [v.strip().lower() for v in on_page[q["id"]]] == [
                v.strip().lower() for v in given[q["id"]]
            ] or sorted(on_page[q["id"]]) == sorted(given[q["id"]])
        leave(page2)
    finally:
        other.close()
    statements = wait_until(arrived(ralph, registration, count=2), 20, "the second terminated", page)
    verbs = Counter(verb(s) for s in statements)
    assert verbs["initialized"] == 2 and verbs["terminated"] == 2
    assert verbs["completed"] == 1 and verbs["passed"] == 1, "a relaunch does not complete or pass twice"
    check_valid(statements)
    assert not mismatched, "activity types in statements differ from tincan.xml"


def test_failing_learner(packages, server, ralph, page):
    """Every answer wrong: completed and failed (with the score), never passed; all valid."""
    course = packages[COURSES[0]]
    registration = new_registration()
    url = tincan_url(
        server.url,
        course.urls["xapi"],
        server.url + "/lrs/",
        server.auth,
        learner_agent(registration[:8]),
        registration,
        launch_activity(course),
    )
    page.goto(url)
    learner = Learner(page)
    learner.read_course(right=False)
    leave(page)
    statements = wait_until(arrived(ralph, registration), 20, "the terminated statement", page)
    verbs = Counter(verb(s) for s in statements)
    assert verbs["completed"] == 1 and verbs["failed"] == 1 and verbs["passed"] == 0
    assert verbs["answered"] == len(learner.questions())
    assert all(s["result"]["success"] is False for s in statements if verb(s) == "answered")
    failed = next(s for s in statements if verb(s) == "failed")
    assert failed["result"]["success"] is False and failed["result"]["score"]["scaled"] == 0
    check_valid(statements)


@pytest.mark.parametrize("slug", COURSES[:2])
def test_offline_midlesson_delivers_each_statement_once(slug, packages, server, ralph, context, page):
    """The connection drops in the middle of the course (the browser goes offline), the learner
    goes on; back online every statement reaches the LRS exactly once, even the batch the LRS
    stored but whose answer was lost on the way back."""
    course = packages[slug]
    registration = new_registration()
    actor = learner_agent(registration[:8])
    activity = launch_activity(course)
    url = tincan_url(server.url, course.urls["xapi"], server.url + "/lrs/", server.auth, actor, registration, activity)
    created = Created(page, server)
    page.goto(url)
    learner = Learner(page)
    lessons = [le["id"] for le in learner.data["lessons"]]
    middle = lessons[len(lessons) // 2]
    learner.read_course(right=True, until=lessons[0])
    at_lrs = lambda: {s["id"] for s in ralph.statements(registration=registration)}  # noqa: E731
    wait_until(lambda: len(created.ids) >= 2 and set(created.ids) <= at_lrs(), 10, "the first statements", page)
    before = at_lrs()

    context.set_offline(True)
    learner.read_course(right=True, until=middle)
    page.wait_for_timeout(1500)  # the runtime tries, fails, and backs off
    offline_ids = set(created.ids) - before
    assert offline_ids, "statements created while offline"
    assert at_lrs() == before, "nothing can reach the LRS while offline"
    queued = page.evaluate(
        "Object.keys(localStorage).filter(k => k.indexOf('ruche.q:') === 0)"
        ".map(k => JSON.parse(localStorage.getItem(k))).flat().map(s => s.id)"
    )
    assert offline_ids <= set(queued), "what could not be sent waits in localStorage"

    server.lose_responses = 1  # the first batch back online reaches Ralph, its answer does not
    context.set_offline(False)
    wait_until(lambda: offline_ids <= at_lrs(), 40, "the statements queued offline", page)
    assert server.lose_responses == 0, "a batch was stored with its answer lost"
    learner.read_course(right=True)
    leave(page)
    statements = wait_until(arrived(ralph, registration), 30, "the terminated statement", page)
    page.wait_for_timeout(500)
    statements = ralph.statements(registration=registration)

    ids = [s["id"] for s in statements]
    assert sorted(ids) == sorted(set(created.ids)), "exactly the statements the page created"
    stored = Counter(ralph.stored_ids())
    assert all(stored[i] == 1 for i in ids), "a statement stored twice"
    verbs = Counter(verb(s) for s in statements)
    assert verbs["answered"] == len(learner.questions())
    assert verbs["completed"] == 1 and verbs["passed"] == 1 and verbs["terminated"] == 1
    check_valid(statements)


def test_launch_url_with_form_encoded_spaces(packages, server, ralph, page):
    """LMSs that build the launch URL as an HTML form would (Java's URLEncoder, PHP's urlencode,
    Python's urlencode) write spaces as "+": "auth=Basic+…" and the actor JSON with "+" between
    tokens. The package must still find its LRS (and not fall back to localStorage silently)."""
    course = packages[COURSES[0]]
    registration = new_registration()
    actor = learner_agent(registration[:8])
    url = tincan_url(
        server.url,
        course.urls["xapi"],
        server.url + "/lrs/",
        server.auth,
        actor,
        registration,
        launch_activity(course),
        plus=True,
    )
    assert "+" in url
    page.goto(url)
    Learner(page).wait_ready()
    statements = wait_until(
        lambda: ralph.statements(registration=registration), 10, "statements from a launch URL with + for spaces", page
    )
    assert verb(statements[0]) == "initialized"
