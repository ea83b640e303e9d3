"""cmi5's rules in pure Python: its vocabulary (cmi5 §9), moveOn (§13.1.4), and the ids an LMS
gives the course and block objects of its own `satisfied` statements (§9.4)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from packager.standards.statements import ref

CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
MOVE_ON_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/moveon"
SESSION_EXT = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
LAUNCH_MODE_EXT = "https://w3id.org/xapi/cmi5/context/extensions/launchmode"
MOVE_ON_EXT = "https://w3id.org/xapi/cmi5/context/extensions/moveon"
MASTERY_EXT = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore"
LAUNCH_URL_EXT = "https://w3id.org/xapi/cmi5/context/extensions/launchurl"
LAUNCH_PARAMS_EXT = "https://w3id.org/xapi/cmi5/context/extensions/launchparameters"
SATISFIED = "https://w3id.org/xapi/adl/verbs/satisfied"
COURSE_TYPE = "https://w3id.org/xapi/cmi5/activitytype/course"
BLOCK_TYPE = "https://w3id.org/xapi/cmi5/activitytype/block"


def move_on_met(move_on: str | None, completion: str, success: str) -> bool:
    """cmi5 §13.1.4: is an AU's moveOn rule met by its completion and success? (default NotApplicable)"""
    completed, passed = completion == "completed", success == "passed"
    return {
        "completed": completed,
        "passed": passed,
        "completedandpassed": completed and passed,
        "completedorpassed": completed or passed,
    }.get((move_on or "NotApplicable").lower(), True)  # a value outside the XSD's list counts as NotApplicable


def course_object_id(identifier: str) -> str:
    """The LMS's own id of a course (§9.4: generated, never the publisher's id)."""
    return f"urn:ruche:cmi5:course:{quote(identifier, safe='')}"


def block_object_id(identifier: str, path: list[str]) -> str:
    """The LMS's own id of a block, from the course and the titles of the blocks that lead to it."""
    return course_object_id(identifier) + "/block/" + "/".join(quote(title, safe="") for title in path)


def context_template(course_iri: str, session_id: str) -> dict[str, Any]:
    """LaunchData's contextTemplate (§10.2.1): what the AU puts in the context of all it sends."""
    return {"contextActivities": {"grouping": [ref(course_iri)]}, "extensions": {SESSION_EXT: session_id}}


def lms_context(registration: str, course_iri: str, session_id: str, **extensions: Any) -> dict[str, Any]:
    """The context of a statement the LMS makes itself (`launched`, `satisfied`): cmi5 category, session."""
    return {
        "registration": registration,
        "contextActivities": {"grouping": [ref(course_iri)], "category": [ref(CMI5_CATEGORY)]},
        "extensions": {SESSION_EXT: session_id, **extensions},
    }


def au_context(context: dict[str, Any], result: dict[str, Any] | None, mastery: float | None) -> dict[str, Any]:
    """The context of an AU's cmi5 defined statement: the cmi5 category (§9.6.2.1), the moveOn one
    where the result says completion or success (§9.6.2.2), the masteryScore judged by (§9.6.3.2)."""
    result = result or {}
    activities = dict(context.get("contextActivities", {}))
    categories = [*activities.get("category", []), ref(CMI5_CATEGORY)]
    if result.get("success") is not None or result.get("completion"):
        categories.append(ref(MOVE_ON_CATEGORY))
    out = dict(context, contextActivities=dict(activities, category=categories))
    if result.get("success") is not None and mastery is not None:
        out["extensions"] = {**context.get("extensions", {}), MASTERY_EXT: mastery}
    return out
