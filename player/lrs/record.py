"""Storing statements and documents in the local LRS, without HTTP: the resources' views, the
cmi5 launch and the player's own statements all store through here.

A statement from launched content (or the player) credits its attempt and enters the outbox in
the same transaction (`tracking.record_statement`); when that attempt is a cmi5 AU, the LMS's
`satisfied` statements that its moveOn rule now calls for are stored with it (`move_on`). Keeping
that orchestration here is what frees `tracking` and `move_on` from importing the LRS.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from typing import Any

from packager.standards.ids import agent_key
from packager.standards.statements import equivalent
from packager.standards.xapi import VOIDED, check_statement
from player import db
from player.bodies import BadJSON, parse_json
from player.learning import move_on, tracking
from player.learning import statements as st
from player.store import learners
from player.store import lrs as store


class LRSError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def authority_for(key: str) -> dict:
    return {"objectType": "Agent", "name": "Ruche", "account": {"homePage": st.device_home_page(), "name": key}}


def _agents_of(agent: Any) -> list[str]:
    if not isinstance(agent, dict) or agent.get("objectType") not in (None, "Agent", "Group"):
        return []
    keys = [agent_key(agent)] if agent_key(agent) else []
    for member in agent.get("member") or []:
        keys.extend(_agents_of(member))
    return keys


def index_terms(body: dict) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    agents = [(k, 0) for k in _agents_of(body["actor"])] + [(k, 0) for k in _agents_of(body["object"])]
    activities = []
    obj = body["object"]
    if obj.get("objectType", "Activity") == "Activity":
        activities.append((obj["id"], 0))
    context = body.get("context") or {}
    agents += [(k, 1) for k in _agents_of(body.get("authority"))]
    agents += [(k, 1) for k in _agents_of(context.get("instructor"))]
    agents += [(k, 1) for k in _agents_of(context.get("team"))]
    for items in (context.get("contextActivities") or {}).values():
        activities += [(a["id"], 1) for a in items]
    if obj.get("objectType") == "SubStatement":
        agents += [(k, 1) for k in _agents_of(obj["actor"]) + _agents_of(obj["object"])]
        if obj["object"].get("objectType", "Activity") == "Activity":
            activities.append((obj["object"]["id"], 1))
        for items in ((obj.get("context") or {}).get("contextActivities") or {}).values():
            activities += [
                (a["id"] if isinstance(a, dict) else "", 1) for a in (items if isinstance(items, list) else [items])
            ]
    return list(dict.fromkeys(agents)), list(dict.fromkeys(activities))


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def activity_definitions(conn: sqlite3.Connection, body: dict) -> None:
    found = [body["object"]] if body["object"].get("objectType", "Activity") == "Activity" else []
    for items in ((body.get("context") or {}).get("contextActivities") or {}).values():
        found.extend(items)
    for activity in found:
        definition = activity.get("definition")
        if not definition:
            store.know_activity(conn, activity["id"])
            continue
        merged = store.activity_definition(activity["id"], conn) or {}
        for key, value in definition.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
        store.save_activity(conn, activity["id"], canonical(merged))


def etag(content: bytes) -> str:
    return hashlib.sha1(content).hexdigest()  # noqa: S324 - a content tag, not security


def store_statements(items: list[dict], credential: dict) -> list[str]:
    """Validate then store statements atomically; returns their ids. Raises LRSError/InvalidStatement."""
    seen: dict[str, str] = {}
    prepared = []
    for number, item in enumerate(items):
        where = "statement" if len(items) == 1 else f"statement[{number}]"
        check_statement(item, where)
        original = canonical(item)
        statement_id = item.get("id") or str(uuid.uuid4())
        if statement_id in seen:
            if seen[statement_id] != original:
                raise LRSError(400, f"{where}: the id {statement_id} is used twice in this request")
            continue
        seen[statement_id] = original
        learner_id = credential.get("learner_id")
        if learner_id is not None:
            learner = learners.get(learner_id)
            if learner is None or agent_key(item["actor"]) != agent_key(st.actor(learner)):
                raise LRSError(403, f"{where}: this launch may only send statements about its own learner")
            registration = (item.get("context") or {}).get("registration")
            if registration is not None and registration != credential.get("registration"):
                raise LRSError(403, f"{where}: this launch may only send statements of its own registration")
        prepared.append((statement_id, item, original))
    ids = []
    with db.transaction() as conn:
        for statement_id, item, original in prepared:
            ids.append(statement_id)
            old = store.original(conn, statement_id)
            if old is not None:  # xAPI Data 2.3.1: the same statement again is a no-op, another one a 409
                mine, theirs = json.loads(original), json.loads(old)
                if not equivalent(dict(mine, id=statement_id), dict(theirs, id=statement_id)):
                    raise LRSError(409, f"a different statement with id {statement_id} is already stored")
                continue
            stored = db.now()
            body = dict(
                item,
                id=statement_id,
                stored=stored,
                authority=credential["authority"],
                version=item.get("version", "1.0.0"),
            )
            body.setdefault("timestamp", stored)
            voids = None
            if body["verb"]["id"] == VOIDED:
                voids = body["object"]["id"]
                _check_voiding(conn, credential, voids)
                store.void(conn, voids, VOIDED)
            row = {
                "id": statement_id,
                "body": canonical(body),
                "original": original,
                "stored": stored,
                "verb": body["verb"]["id"],
                "registration": (body.get("context") or {}).get("registration"),
                "voids": voids,
            }
            store.insert_statement(conn, row, *index_terms(body))
            activity_definitions(conn, body)
            if credential.get("outbox"):  # from launched content or the player itself: credit it, sync it
                attempt = tracking.record_statement(conn, body)
                if attempt is not None and attempt["standard"] == "cmi5":  # moveOn → satisfied (cmi5 §9.3.9)
                    issued = move_on.satisfied_statements(conn, attempt, body)
                    if issued:
                        store_statements(issued, player_credential())
    return ids


def owns(credential: dict, body: dict) -> bool:
    """The statements a credential may read and void (docs/player.md, docs/hub.md): a launch its
    learner's, a hub device those it sent (its authority), the LRS_KEY pair and the player all."""
    scope = credential.get("scope", "full")
    if scope == "launch":
        return isinstance(body.get("actor"), dict) and agent_key(body["actor"]) == credential["agent"]
    if scope == "device":
        return (body.get("authority") or {}).get("account") == credential["authority"]["account"]
    return True


def _check_voiding(conn: sqlite3.Connection, credential: dict, target_id: str) -> None:
    """A credential voids only the statements it owns; voiding an unknown statement changes nothing."""
    row = store.statement(target_id, conn)
    if row is None or owns(credential, json.loads(row["body"])):
        return
    if credential["scope"] == "launch":
        raise LRSError(403, "this launch may only void statements about its own learner")
    raise LRSError(403, "a device may only void statements it sent")


def save_document(
    conn: sqlite3.Connection,
    kind: str,
    scope: dict[str, str],
    doc_id: str,
    content: bytes,
    content_type: str,
    merge: bool,
) -> None:
    row = store.document(conn, kind, scope, doc_id)
    if merge and row is not None:
        if not row["content_type"].startswith("application/json") or not content_type.startswith("application/json"):
            raise LRSError(400, "POST merges JSON documents only; both must be application/json")
        try:
            old, new = parse_json(row["content"], "the stored document"), parse_json(content)
        except BadJSON as exc:
            raise LRSError(400, f"POST merges JSON objects only: {exc}") from None
        if not isinstance(old, dict) or not isinstance(new, dict):
            raise LRSError(400, "POST merges JSON objects only")
        content = canonical({**old, **new}).encode()
    elif merge and content_type.startswith("application/json"):
        try:
            if not isinstance(parse_json(content), dict):
                raise BadJSON("the body is not a JSON object")
        except BadJSON as exc:
            raise LRSError(400, f"POST with application/json needs a JSON object: {exc}") from None
    document = {**scope, "kind": kind, "doc_id": doc_id, "content": content, "content_type": content_type}
    store.put_document(conn, {**document, "etag": etag(content), "updated": db.now()})


def player_credential() -> dict[str, Any]:
    """The credential the player itself stores its statements with (cmi5 `launched`, `satisfied`)."""
    return {
        "key": "player",
        "learner_id": None,
        "attempt_id": None,
        "authority": authority_for("player"),
        "outbox": True,
        "scope": "full",
    }
