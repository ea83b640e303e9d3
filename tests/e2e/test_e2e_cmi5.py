"""cmi5 packages launched as a cmi5 LMS would (issue 4): fetch URL, LMS.LaunchData in the State
resource, statements to Ralph LRS; the AU's defined statements, session id, registration, moveOn.

The test plays the LMS: it writes LMS.LaunchData (the endpoint's State resource, served by the
test server since Ralph has none), sends `launched` itself, launches the AU, and after the exit
evaluates moveOn from the statements at the LRS."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest
from e2e_common import COURSES
from learner import Learner
from lxml import etree
from xapi_check import (
    CMI5,
    ISO_DURATION,
    SESSION_ID,
    VERBS,
    learner_agent,
    new_registration,
    query,
    validate_learninglocker,
    validate_ralph,
    verb,
    wait_until,
)

CS = "{https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd}"
CAT_CMI5 = CMI5 + "categories/cmi5"
CAT_MOVEON = CMI5 + "categories/moveon"
DEFINED = ("initialized", "completed", "passed", "failed", "terminated")


def structure(course) -> dict:
    root = etree.fromstring(course.read("cmi5", "cmi5.xml").encode())
    au = root.find(f"{CS}au")
    return {
        "course": root.find(f"{CS}course").get("id"),
        "au": au.get("id"),
        "url": au.findtext(f"{CS}url"),
        "moveOn": au.get("moveOn"),
        "masteryScore": au.get("masteryScore"),
    }


def post_as_lms(ralph, statement: dict) -> None:
    import urllib.request

    headers = {"Authorization": ralph.auth, "Content-Type": "application/json", "X-Experience-API-Version": "1.0.3"}
    req = urllib.request.Request(
        ralph.url + "/xAPI/statements", data=json.dumps(statement).encode(), method="POST", headers=headers
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


def categories(s: dict) -> set[str]:
    return {a["id"] for a in s.get("context", {}).get("contextActivities", {}).get("category", [])}


def move_on(rule: str, verbs: set[str]) -> bool:
    """cmi5 section 9.6.2: is the AU's moveOn criterion met by these verbs?"""
    return {
        "Passed": "passed" in verbs,
        "Completed": "completed" in verbs,
        "CompletedAndPassed": {"completed", "passed"} <= verbs,
        "CompletedOrPassed": bool({"completed", "passed"} & verbs),
        "NotApplicable": True,
    }[rule]


class Cmi5Launch:
    """One AU launch prepared by the test LMS."""

    def __init__(self, course, server, ralph):
        self.cs = structure(course)
        self.registration = new_registration()
        self.session = str(uuid.uuid4())
        self.actor = learner_agent(self.registration[:8])
        self.return_url = server.url + "/lms/returned.html?" + self.session
        self.fetch_key = self.session
        self.launch_data = {
            "contextTemplate": {
                "contextActivities": {"grouping": [{"objectType": "Activity", "id": self.cs["course"]}]},
                "extensions": {SESSION_ID: self.session},
            },
            "launchMode": "Normal",
            "launchParameters": "",
            "moveOn": self.cs["moveOn"],
            "returnURL": self.return_url,
        }
        if self.cs["masteryScore"]:
            self.launch_data["masteryScore"] = float(self.cs["masteryScore"])
        server.put_document(
            "activities/state",
            {
                "activityId": self.cs["au"],
                "agent": json.dumps(self.actor),
                "registration": self.registration,
                "stateId": "LMS.LaunchData",
            },
            json.dumps(self.launch_data).encode(),
        )
        post_as_lms(
            ralph,
            {
                "id": str(uuid.uuid4()),
                "actor": self.actor,
                "timestamp": datetime.now(UTC).isoformat(),
                "verb": {"id": VERBS + "launched", "display": {"en-US": "launched"}},
                "object": {"id": self.cs["au"], "objectType": "Activity"},
                "context": {
                    "registration": self.registration,
                    "contextActivities": {
                        "category": [{"id": CAT_CMI5, "objectType": "Activity"}],
                        "grouping": [{"id": self.cs["course"], "objectType": "Activity"}],
                    },
                    "extensions": {
                        SESSION_ID: self.session,
                        CMI5 + "extensions/launchmode": "Normal",
                        CMI5 + "extensions/moveon": self.cs["moveOn"],
                        CMI5 + "extensions/launchurl": self.cs["url"],
                        CMI5 + "extensions/launchparameters": "",
                    },
                },
            },
        )
        self.url = (
            server.url
            + course.urls["cmi5"]
            + self.cs["url"]
            + "?"
            + query(
                {
                    "endpoint": server.url + "/lrs/",
                    "fetch": f"{server.url}/cmi5/fetch/{self.fetch_key}",
                    "actor": json.dumps(self.actor),
                    "registration": self.registration,
                    "activityId": self.cs["au"],
                }
            )
        )


def run(course, server, ralph, page, right: bool):
    launch = Cmi5Launch(course, server, ralph)
    page.goto(launch.url)
    learner = Learner(page)
    learner.read_course(right=right)
    exit_button = page.locator("button[data-nav=exit]")
    assert exit_button.count() == 1, "a returnURL gives the learner a way back to the LMS"
    exit_button.click()
    page.wait_for_url(launch.return_url, timeout=15_000)
    statements = wait_until(
        lambda: (
            [s for s in ralph.statements(registration=launch.registration) if verb(s) == "terminated"]
            and ralph.statements(registration=launch.registration)
        ),
        20,
        "the terminated statement",
        page,
    )
    statements.sort(key=lambda s: s["timestamp"])
    return launch, learner, statements


def check_au_statements(launch: Cmi5Launch, statements: list[dict]) -> list[dict]:
    """The AU's statements (all but the LMS's launched): session, registration, actor, categories."""
    au = [s for s in statements if verb(s) != "launched"]
    assert au, "the AU sent nothing"
    for s in au:
        ctx = s["context"]
        assert ctx["registration"] == launch.registration, verb(s)
        assert ctx.get("extensions", {}).get(SESSION_ID) == launch.session, f"{verb(s)} without the session id"
        assert s["actor"]["account"] == launch.actor["account"]
        grouping = {a["id"] for a in ctx.get("contextActivities", {}).get("grouping", [])}
        assert launch.cs["course"] in grouping, f"{verb(s)}: the context template's grouping was dropped"
        if verb(s) in DEFINED:
            assert s["object"]["id"] == launch.cs["au"], verb(s)
            assert CAT_CMI5 in categories(s), f"{verb(s)} lacks the cmi5 category"
        if "duration" in s.get("result", {}):
            assert ISO_DURATION.match(s["result"]["duration"])
    assert verb(au[0]) == "initialized", "the AU's first statement is initialized"
    assert verb(au[-1]) == "terminated", "nothing after terminated"
    assert [verb(s) for s in au].count("initialized") == 1
    assert [verb(s) for s in au].count("terminated") == 1
    ids = [s["id"] for s in statements]
    assert len(ids) == len(set(ids))
    assert validate_ralph(statements) == []
    assert validate_learninglocker(statements) == []
    return au


@pytest.mark.parametrize("slug", COURSES)
def test_cmi5_pass_and_move_on(slug, packages, server, ralph, page):
    course = packages[slug]
    launch, learner, statements = run(course, server, ralph, page, right=True)
    assert server.fetch_calls.get(launch.fetch_key) == 1, "the fetch URL is used once per session"
    au = check_au_statements(launch, statements)
    verbs = Counter(verb(s) for s in au)
    assert verbs["completed"] == 1 and verbs["passed"] == 1 and verbs["failed"] == 0
    completed = next(s for s in au if verb(s) == "completed")
    assert completed["result"]["completion"] is True and CAT_MOVEON in categories(completed)
    assert "success" not in completed["result"] and "score" not in completed["result"]
    passed = next(s for s in au if verb(s) == "passed")
    assert passed["result"]["success"] is True and CAT_MOVEON in categories(passed)
    if launch.cs["masteryScore"]:
        mastery = float(launch.cs["masteryScore"])
        assert passed["context"]["extensions"][CMI5 + "extensions/masteryscore"] == mastery
        assert passed["result"]["score"]["scaled"] >= mastery
    assert verbs["answered"] == len(learner.questions())
    for s in au:
        if verb(s) not in DEFINED:
            assert CAT_CMI5 not in categories(s), f"{verb(s)} is not a cmi5 defined statement"
    assert move_on(launch.cs["moveOn"], set(verbs)), f"moveOn {launch.cs['moveOn']} not satisfied"
    for req in server.statement_requests():
        assert req.headers.get("authorization") == server.auth


def test_cmi5_fail(packages, server, ralph, page):
    """All answers wrong: failed (once, before terminated, with the mastery score), moveOn not met."""
    course = packages[COURSES[0]]
    launch, learner, statements = run(course, server, ralph, page, right=False)
    au = check_au_statements(launch, statements)
    verbs = [verb(s) for s in au]
    assert verbs.count("failed") == 1 and "passed" not in verbs
    assert verbs.index("failed") < verbs.index("terminated")
    failed = au[verbs.index("failed")]
    assert failed["result"]["success"] is False and CAT_MOVEON in categories(failed)
    if launch.cs["masteryScore"]:
        assert failed["context"]["extensions"][CMI5 + "extensions/masteryscore"] == float(launch.cs["masteryScore"])
    assert not move_on(launch.cs["moveOn"], set(verbs))
