"""xAPI statements as Ruche builds them: the vocabulary, the builders, and when two are the same.

One place for the shapes of the statements the player sends (ADL's SCORM profile for SCORM
attempts, cmi5's for the LMS's own statements); the package runtime's JavaScript (`lrs.js`)
builds the same shapes in the browser, and tests/player/test_runtime_statements.py holds it to
these builders. Pure: the caller gives the time, so that tests and the hub can fix it.
"""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime
from typing import Any

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"
_W3ID_VERBS = "https://w3id.org/xapi/adl/verbs/"
VERBS: dict[str, dict[str, Any]] = {
    name: {"id": (_W3ID_VERBS if name in ("satisfied", "abandoned", "waived") else ADL_VERBS) + name}
    | {"display": {"en-US": name}}
    for name in (
        "initialized",
        "terminated",
        "suspended",
        "resumed",
        "passed",
        "failed",
        "scored",
        "completed",
        "responded",
        "answered",
        "experienced",
        "launched",
        "satisfied",
        "abandoned",
        "waived",
    )
}
COURSE = ADL_ACTIVITIES + "course"
LESSON = ADL_ACTIVITIES + "lesson"
MODULE = ADL_ACTIVITIES + "module"
INTERACTION = ADL_ACTIVITIES + "cmi.interaction"
ATTEMPT = ADL_ACTIVITIES + "attempt"
SCORM_PROFILE = "http://adlnet.gov/xapi/profile/scorm"
SCORM_ATTEMPT_EXT = "https://w3id.org/xapi/scorm/attempt"


def ref(iri: str) -> dict[str, str]:
    """An activity as it stands in contextActivities: its id only."""
    return {"id": iri, "objectType": "Activity"}


def activity(iri: str, kind: str, name: str | None = None, language: str = "und", **extra: Any) -> dict[str, Any]:
    definition: dict[str, Any] = {"type": kind}
    if name:
        definition["name"] = {language: name}
    definition.update(extra)
    return {"objectType": "Activity", "id": iri, "definition": definition}


def statement(
    verb: str,
    actor: dict[str, Any],
    obj: dict[str, Any],
    context: dict[str, Any] | None = None,
    result: dict[str, Any] | None = None,
    *,
    timestamp: str,
    statement_id: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": statement_id or str(uuid.uuid4()),
        "actor": actor,
        "verb": VERBS[verb],
        "object": obj,
        "timestamp": timestamp,
    }
    if result:
        body["result"] = result
    if context:
        body["context"] = context
    return body


def scorm_context(registration: str, course_iri: str, attempt_number: int) -> dict[str, Any]:
    """ADL's SCORM profile: the course as grouping, the profile as category, the attempt number."""
    return {
        "registration": registration,
        "contextActivities": {"grouping": [ref(course_iri)], "category": [ref(SCORM_PROFILE)]},
        "extensions": {SCORM_ATTEMPT_EXT: attempt_number},
    }


def grouping_context(registration: str, course_iri: str) -> dict[str, Any]:
    return {"registration": registration, "contextActivities": {"grouping": [ref(course_iri)]}}


def with_parent(context: dict[str, Any], parent_iri: str) -> dict[str, Any]:
    """The same context with a parent activity (an interaction's SCO or lesson)."""
    return dict(context, contextActivities=dict(context["contextActivities"], parent=[ref(parent_iri)]))


# ---------------------------------------------------------------------------------------------
# What the package runtime sends (packager/runtime/lrs.js, xapi.js, cmi5.js). The browser builds these
# itself; tests/player/test_runtime_statements.py holds every statement it sends to these builders.


def runtime_context(
    language: str,
    registration: str = "",
    template: dict[str, Any] | None = None,
    parent: list[dict[str, Any]] | None = None,
    grouping: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The context of a runtime statement: cmi5's contextTemplate (kept whole: §10.2.1 forbids
    overwriting it), the registration, the course language, and parent / grouping added to its own."""
    context = copy.deepcopy(template or {})
    activities = context.get("contextActivities", {})
    if registration:
        context["registration"] = registration
    context["language"] = context.get("language") or language
    if parent:
        activities["parent"] = [*activities.get("parent", []), *parent]
    if grouping:
        activities["grouping"] = [*activities.get("grouping", []), *grouping]
    if activities:
        context["contextActivities"] = activities
    return context


def interaction_activity(
    iri: str,
    kind: str,
    prompt: str,
    language: str,
    correct: list[str],
    answers: tuple[str, ...] | list[str],
    choices: dict[str, str],
) -> dict[str, Any]:
    """A quiz question as an xAPI interaction (Data 2.4.4.1.1): a fill-in's accepted texts, or the
    correct choices in one pattern; the choices themselves for (multiple-)choice questions."""
    definition: dict[str, Any] = {
        "interactionType": "choice" if kind == "multiple-choice" else kind,
        "correctResponsesPattern": list(answers) if kind == "fill-in" else ["[,]".join(correct)],
    }
    if kind in ("choice", "multiple-choice"):
        definition["choices"] = [{"id": key, "description": {language: text}} for key, text in choices.items()]
    return activity(iri, INTERACTION, prompt, language, **definition)


# ---------------------------------------------------------------------------------------------
# Statement comparison (xAPI 1.0.3 Data 2.3.1): is a stored statement the one sent? The LRS answers
# 409 to a different one under a known id; the sync takes a 409 for an identical copy as delivered.

_LRS_SET = ("id", "stored", "authority", "version", "timestamp")


def instant(value: Any) -> datetime | None:
    """An xAPI timestamp as an aware datetime (no zone: UTC); None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _normal(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _normal(v, k) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if key in ("registration", "id") and isinstance(value, str) and len(value) == 36:
        return value.lower()  # UUIDs compare without case
    return value


def equivalent(mine: dict[str, Any], stored: dict[str, Any]) -> bool:
    """Is `stored` the statement `mine`, by the spec's comparison rules (what the LRS sets is ignored)?"""
    if str(mine.get("id", "")).lower() != str(stored.get("id", "")).lower():
        return False
    if "timestamp" in mine and "timestamp" in stored:
        a, b = instant(mine["timestamp"]), instant(stored["timestamp"])
        if a is None or b is None or a != b:
            return False

    def strip(body: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in body.items() if k not in _LRS_SET}

    return _normal(strip(mine)) == _normal(strip(stored))
