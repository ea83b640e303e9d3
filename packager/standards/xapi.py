"""Validation of xAPI 1.0.3 statements: raises InvalidStatement with a message saying what is wrong."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any


class InvalidStatement(ValueError):
    pass


IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]*$")
LANG = re.compile(r"^(?:[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|und)$")
DURATION = re.compile(
    r"^P(?:\d+(?:\.\d+)?W|(?:\d+(?:\.\d+)?Y)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?D)?"
    r"(?:T(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?)$"
)
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$")
INTERACTION_TYPES = {
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
}
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
STATEMENT_KEYS = {
    "id",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "stored",
    "authority",
    "version",
    "attachments",
    "objectType",
}
SUB_KEYS = {"actor", "verb", "object", "result", "context", "timestamp", "attachments", "objectType"}


def fail(where: str, message: str) -> None:
    raise InvalidStatement(f"{where}: {message}")


def _object(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        fail(where, "must be a JSON object")
    return value


def _keys(value: dict, allowed: set[str], where: str) -> None:
    extra = sorted(set(value) - allowed)
    if extra:
        fail(where, f"unknown property {extra[0]!r} (allowed: {', '.join(sorted(allowed))})")


def check_uuid(value: Any, where: str) -> str:
    if not isinstance(value, str):
        fail(where, "must be a UUID string")
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        fail(where, f"{value!r} is not a UUID")
    if str(parsed) != value.lower() or len(value) != 36:
        fail(where, f"{value!r} is not a UUID in its canonical form")
    return value


def check_iri(value: Any, where: str) -> str:
    if not isinstance(value, str) or not IRI.match(value):
        fail(where, f"{value!r} is not an absolute IRI")
    return value


def check_langmap(value: Any, where: str) -> None:
    _object(value, where)
    for key, text in value.items():
        if not LANG.match(key):
            fail(where, f"{key!r} is not a language tag")
        if not isinstance(text, str):
            fail(f"{where}.{key}", "must be a string")


def check_extensions(value: Any, where: str) -> None:
    _object(value, where)
    for key in value:
        check_iri(key, f"{where} key")


def check_timestamp(value: Any, where: str) -> datetime:
    if (
        not isinstance(value, str)
        or not TIMESTAMP.match(value)
        or value.endswith("-00:00")
        or value.endswith("-0000")
        or value.endswith("-00")
    ):
        fail(where, f"{value!r} is not an ISO 8601 timestamp")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        fail(where, f"{value!r} is not a valid date and time")
    raise AssertionError


def check_agent(value: Any, where: str, group_ok: bool = True, require_ifi: bool = True) -> dict:
    agent = _object(value, where)
    kind = agent.get("objectType", "Agent")
    if kind not in ("Agent", "Group") or (kind == "Group" and not group_ok):
        fail(where, f"objectType {kind!r} is not allowed here")
    allowed = {"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"} | (
        {"member"} if kind == "Group" else set()
    )
    _keys(agent, allowed, where)
    ifis = [k for k in ("mbox", "mbox_sha1sum", "openid", "account") if k in agent]
    if len(ifis) > 1:
        fail(where, f"has {len(ifis)} inverse functional identifiers ({', '.join(ifis)}); exactly one is allowed")
    if kind == "Agent" and not ifis and require_ifi:
        fail(where, "an Agent needs one of mbox, mbox_sha1sum, openid or account")
    if "name" in agent and not isinstance(agent["name"], str):
        fail(f"{where}.name", "must be a string")
    if "mbox" in agent and (
        not isinstance(agent["mbox"], str) or not re.match(r"^mailto:[^@\s]+@[^@\s]+$", agent["mbox"])
    ):
        fail(f"{where}.mbox", "must be a 'mailto:' IRI")
    if "mbox_sha1sum" in agent and (
        not isinstance(agent["mbox_sha1sum"], str) or not re.match(r"^[0-9a-fA-F]{40}$", agent["mbox_sha1sum"])
    ):
        fail(f"{where}.mbox_sha1sum", "must be 40 hexadecimal characters")
    if "openid" in agent:
        check_iri(agent["openid"], f"{where}.openid")
    if "account" in agent:
        account = _object(agent["account"], f"{where}.account")
        _keys(account, {"homePage", "name"}, f"{where}.account")
        check_iri(account.get("homePage"), f"{where}.account.homePage")
        if not isinstance(account.get("name"), str) or not account["name"]:
            fail(f"{where}.account.name", "must be a non-empty string")
    if kind == "Group":
        members = agent.get("member")
        if not ifis and not isinstance(members, list):
            fail(where, "an anonymous Group needs a member list")
        if members is not None:
            if not isinstance(members, list):
                fail(f"{where}.member", "must be a list")
            for i, member in enumerate(members):
                check_agent(member, f"{where}.member[{i}]", group_ok=False)
    return agent


def check_verb(value: Any, where: str = "verb") -> None:
    verb = _object(value, where)
    _keys(verb, {"id", "display"}, where)
    check_iri(verb.get("id"), f"{where}.id")
    if "display" in verb:
        check_langmap(verb["display"], f"{where}.display")


def check_activity(value: Any, where: str) -> dict:
    act = _object(value, where)
    _keys(act, {"objectType", "id", "definition"}, where)
    if act.get("objectType", "Activity") != "Activity":
        fail(where, "objectType must be 'Activity'")
    check_iri(act.get("id"), f"{where}.id")
    if "definition" in act:
        d = _object(act["definition"], f"{where}.definition")
        _keys(
            d,
            {
                "name",
                "description",
                "type",
                "moreInfo",
                "extensions",
                "interactionType",
                "correctResponsesPattern",
                "choices",
                "scale",
                "source",
                "target",
                "steps",
            },
            f"{where}.definition",
        )
        for key in ("name", "description"):
            if key in d:
                check_langmap(d[key], f"{where}.definition.{key}")
        for key in ("type", "moreInfo"):
            if key in d:
                check_iri(d[key], f"{where}.definition.{key}")
        if "extensions" in d:
            check_extensions(d["extensions"], f"{where}.definition.extensions")
        kind = d.get("interactionType")
        if "interactionType" in d and (not isinstance(kind, str) or kind not in INTERACTION_TYPES):
            fail(f"{where}.definition.interactionType", f"{d['interactionType']!r} is not an interaction type")
        if "correctResponsesPattern" in d and (
            not isinstance(d["correctResponsesPattern"], list)
            or not all(isinstance(x, str) for x in d["correctResponsesPattern"])
        ):
            fail(f"{where}.definition.correctResponsesPattern", "must be a list of strings")
        for key in ("choices", "scale", "source", "target", "steps"):
            if key in d:
                if "interactionType" not in d:
                    fail(f"{where}.definition.{key}", "needs an interactionType")
                if not isinstance(d[key], list):
                    fail(f"{where}.definition.{key}", "must be a list")
                for i, component in enumerate(d[key]):
                    component = _object(component, f"{where}.definition.{key}[{i}]")
                    _keys(component, {"id", "description"}, f"{where}.definition.{key}[{i}]")
                    if not isinstance(component.get("id"), str):
                        fail(f"{where}.definition.{key}[{i}].id", "must be a string")
                    if "description" in component:
                        check_langmap(component["description"], f"{where}.definition.{key}[{i}].description")
    return act


def check_statement_ref(value: Any, where: str) -> None:
    ref = _object(value, where)
    _keys(ref, {"objectType", "id"}, where)
    if ref.get("objectType") != "StatementRef":
        fail(where, "objectType must be 'StatementRef'")
    check_uuid(ref.get("id"), f"{where}.id")


def check_result(value: Any, where: str = "result") -> None:
    result = _object(value, where)
    _keys(result, {"score", "success", "completion", "response", "duration", "extensions"}, where)
    if "score" in result:
        score = _object(result["score"], f"{where}.score")
        _keys(score, {"scaled", "raw", "min", "max"}, f"{where}.score")
        for key in score:
            if isinstance(score[key], bool) or not isinstance(score[key], int | float):
                fail(f"{where}.score.{key}", "must be a number")
        if "scaled" in score and not -1 <= score["scaled"] <= 1:
            fail(f"{where}.score.scaled", "must be between -1 and 1")
        low, high, raw = score.get("min"), score.get("max"), score.get("raw")
        if low is not None and high is not None and low > high:
            fail(f"{where}.score", "min is greater than max")
        if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
            fail(f"{where}.score.raw", "must be between min and max")
    for key in ("success", "completion"):
        if key in result and not isinstance(result[key], bool):
            fail(f"{where}.{key}", "must be true or false")
    if "response" in result and not isinstance(result["response"], str):
        fail(f"{where}.response", "must be a string")
    if "duration" in result and (
        not isinstance(result["duration"], str)
        or not DURATION.match(result["duration"])
        or result["duration"] in ("P", "PT")
        or result["duration"].endswith("T")
    ):
        fail(f"{where}.duration", f"{result['duration']!r} is not an ISO 8601 duration")
    if "extensions" in result:
        check_extensions(result["extensions"], f"{where}.extensions")


def check_context(value: Any, object_type: str, where: str = "context") -> None:
    context = _object(value, where)
    _keys(
        context,
        {
            "registration",
            "instructor",
            "team",
            "contextActivities",
            "revision",
            "platform",
            "language",
            "statement",
            "extensions",
        },
        where,
    )
    if "registration" in context:
        check_uuid(context["registration"], f"{where}.registration")
    if "instructor" in context:
        check_agent(context["instructor"], f"{where}.instructor")
    if "team" in context:
        team = check_agent(context["team"], f"{where}.team")
        if team.get("objectType") != "Group":
            fail(f"{where}.team", "must be a Group")
    if "contextActivities" in context:
        activities = _object(context["contextActivities"], f"{where}.contextActivities")
        _keys(activities, {"parent", "grouping", "category", "other"}, f"{where}.contextActivities")
        for key, items in list(activities.items()):
            items = items if isinstance(items, list) else [items]
            for i, item in enumerate(items):
                check_activity(item, f"{where}.contextActivities.{key}[{i}]")
            activities[key] = items  # the LRS returns arrays
    for key in ("revision", "platform"):
        if key in context:
            if not isinstance(context[key], str):
                fail(f"{where}.{key}", "must be a string")
            if object_type != "Activity":
                fail(f"{where}.{key}", "is only allowed when the object is an Activity")
    if "language" in context and (not isinstance(context["language"], str) or not LANG.match(context["language"])):
        fail(f"{where}.language", "must be a language tag")
    if "statement" in context:
        check_statement_ref(context["statement"], f"{where}.statement")
    if "extensions" in context:
        check_extensions(context["extensions"], f"{where}.extensions")


def check_statement(value: Any, where: str = "statement", sub: bool = False) -> dict:
    """Validate one statement (or sub-statement) in place; returns it."""
    statement = _object(value, where)
    _keys(statement, SUB_KEYS if sub else STATEMENT_KEYS, where)
    if sub and statement.get("objectType") != "SubStatement":
        fail(where, "objectType must be 'SubStatement'")
    if not sub and "objectType" in statement:
        fail(where, "a statement has no objectType")
    if "attachments" in statement:
        fail(where, "attachments are not accepted by this LRS")
    if "id" in statement:
        check_uuid(statement["id"], f"{where}.id")
    for key in ("actor", "verb", "object"):
        if key not in statement:
            fail(where, f"{key} is missing")
    check_agent(statement["actor"], f"{where}.actor")
    check_verb(statement["verb"], f"{where}.verb")
    obj = _object(statement["object"], f"{where}.object")
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        check_activity(obj, f"{where}.object")
    elif kind in ("Agent", "Group"):
        check_agent(obj, f"{where}.object")
    elif kind == "StatementRef":
        check_statement_ref(obj, f"{where}.object")
    elif kind == "SubStatement" and not sub:
        check_statement(obj, f"{where}.object", sub=True)
    else:
        fail(f"{where}.object", f"objectType {kind!r} is not allowed here")
    if statement["verb"]["id"] == VOIDED and kind != "StatementRef":
        fail(f"{where}.object", "a voiding statement must target a StatementRef")
    if "result" in statement:
        check_result(statement["result"], f"{where}.result")
    if "context" in statement:
        check_context(statement["context"], kind, f"{where}.context")
    if "timestamp" in statement:
        check_timestamp(statement["timestamp"], f"{where}.timestamp")
    if not sub:
        if "stored" in statement:
            check_timestamp(statement["stored"], f"{where}.stored")
        if "authority" in statement:
            check_agent(statement["authority"], f"{where}.authority")
        if "version" in statement and (
            not isinstance(statement["version"], str) or not re.match(r"^1\.0(\.\d+)?$", statement["version"])
        ):
            fail(f"{where}.version", "must be 1.0.x")
    return statement
