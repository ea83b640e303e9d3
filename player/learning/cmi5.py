"""Launching xAPI (Tin Can) and cmi5 content against the local LRS.

xAPI: the launch URL carries endpoint, auth, actor, registration and activity_id (the Tin Can
launch convention). cmi5: the LMS writes the LMS.LaunchData state document and a 'launched'
statement, and the URL carries endpoint, fetch, actor, registration and activityId; the fetch
URL hands out the auth token once (cmi5 §8.2).

moveOn (cmi5 §13.1.4): after each statement of an AU (and after `launched`, for NotApplicable AUs),
the player evaluates the moveOn rule of every AU of the course for the learner, and issues the
LMS-defined `satisfied` statement (§9.3.9, object per §9.4) for each block and for the course whose
AUs are all satisfied, once per learner. "My progress" counts an AU as done when its moveOn is met.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import uuid
from typing import Any
from urllib.parse import quote, urlencode

from flask import Blueprint, jsonify, request, url_for

from player import db
from player.learning import statements as st
from player.lrs import resources as lrs
from player.store import attempts, learners, packages
from player.store import lrs as lrs_store

bp = Blueprint("cmi5", __name__)
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
SESSION_EXT = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
LAUNCH_MODE_EXT = "https://w3id.org/xapi/cmi5/context/extensions/launchmode"
MOVE_ON_EXT = "https://w3id.org/xapi/cmi5/context/extensions/moveon"
MASTERY_EXT = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore"
LAUNCH_URL_EXT = "https://w3id.org/xapi/cmi5/context/extensions/launchurl"
LAUNCH_PARAMS_EXT = "https://w3id.org/xapi/cmi5/context/extensions/launchparameters"
SATISFIED = "https://w3id.org/xapi/adl/verbs/satisfied"
COURSE_TYPE = "https://w3id.org/xapi/cmi5/activitytype/course"
BLOCK_TYPE = "https://w3id.org/xapi/cmi5/activitytype/block"


def _credential(learner: dict, attempt: dict, fetch: bool) -> tuple[str, str, str | None]:
    key, secret = f"launch-{secrets.token_hex(8)}", secrets.token_urlsafe(24)
    token = secrets.token_urlsafe(24) if fetch else None
    with db.transaction() as conn:
        lrs_store.add_credential(conn, key, secret, learner["id"], attempt["id"], token, db.now())
    return key, secret, token


def launch_url(package: dict, launch: dict, attempt: dict, learner: dict, src: str) -> str:
    """The URL that starts an xAPI activity or a cmi5 AU for this attempt."""
    endpoint = request.host_url.rstrip("/") + lrs.bp.url_prefix + "/"
    actor = st.actor(learner)
    activity_id = launch["ident"]
    if package["standard"] == "xapi":
        key, secret, _ = _credential(learner, attempt, fetch=False)
        auth = "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()
        params = {
            "endpoint": endpoint,
            "auth": auth,
            "actor": json.dumps(actor),
            "registration": attempt["registration"],
            "activity_id": activity_id,
        }
    else:
        _key, _secret, token = _credential(learner, attempt, fetch=True)
        _write_launch_data(package, launch, attempt, learner)
        params = {
            "endpoint": endpoint,
            "fetch": request.host_url.rstrip("/") + url_for("cmi5.fetch", token=token),
            "actor": json.dumps(actor),
            "registration": attempt["registration"],
            "activityId": activity_id,
        }
    base, _, fragment = src.partition("#")
    joined = base + ("&" if "?" in base else "?") + urlencode(params)
    return joined + (f"#{fragment}" if fragment else "")


def _write_launch_data(package: dict, launch: dict, attempt: dict, learner: dict) -> None:
    session_id = str(uuid.uuid4())
    actor = st.actor(learner)
    # cmi5 §10.2.6: returnURL is where the AU sends the browser when it exits: an absolute URL.
    return_url = request.host_url.rstrip("/") + url_for("learn.course", package_id=package["id"])
    context_template = {
        "contextActivities": {"grouping": [{"objectType": "Activity", "id": package["identifier"]}]},
        "extensions": {SESSION_EXT: session_id},
    }
    data = {
        "contextTemplate": context_template,
        "launchMode": "Normal",
        "moveOn": launch.get("move_on") or "NotApplicable",
        "returnURL": return_url,
    }
    if launch.get("mastery_score") is not None:
        data["masteryScore"] = launch["mastery_score"]
    if launch.get("launch_data"):
        data["launchParameters"] = launch["launch_data"]
    scope = {"activity": launch["ident"], "agent": lrs.agent_key(actor), "registration": attempt["registration"]}
    launched = {
        "id": str(uuid.uuid4()),
        "actor": actor,
        "verb": {"id": st.ADL + "launched", "display": {"en-US": "launched"}},
        "object": {"objectType": "Activity", "id": launch["ident"]},
        "timestamp": db.now(),
        "context": {
            "registration": attempt["registration"],
            "contextActivities": {
                "grouping": [{"objectType": "Activity", "id": package["identifier"]}],
                "category": [{"objectType": "Activity", "id": CMI5_CATEGORY}],
            },
            "extensions": {
                SESSION_EXT: session_id,
                LAUNCH_MODE_EXT: "Normal",
                LAUNCH_URL_EXT: launch["href"],
                MOVE_ON_EXT: data["moveOn"],
            },
        },
    }
    if launch.get("mastery_score") is not None:
        launched["context"]["extensions"][MASTERY_EXT] = launch["mastery_score"]
    with db.transaction() as conn:
        lrs.save_document(
            conn, "state", scope, "LMS.LaunchData", lrs._canonical(data).encode(), "application/json", merge=False
        )
        pref_scope = {"activity": "", "agent": scope["agent"], "registration": ""}
        if lrs_store.document(conn, "agent", pref_scope, "cmi5LearnerPreferences") is None:
            prefs = {"languagePreference": "fr-CA,fr,en", "audioPreference": "on"}
            lrs.save_document(
                conn,
                "agent",
                pref_scope,
                "cmi5LearnerPreferences",
                lrs._canonical(prefs).encode(),
                "application/json",
                merge=False,
            )
    lrs.store_statements(
        [launched],
        {
            "key": "player",
            "learner_id": None,
            "attempt_id": None,
            "authority": lrs._authority_for("player"),
            "outbox": True,
        },
    )


@bp.post("/cmi5/fetch/<token>")
def fetch(token: str):
    """cmi5 fetch URL: returns the auth token the first time only, an error afterwards."""
    with db.transaction() as conn:
        row = lrs_store.take_fetch_token(conn, token)
        if row is None:
            return jsonify({"error-code": "1", "error-text": "This fetch URL was already used or is unknown."}), 200
    auth = base64.b64encode(f"{row['key']}:{row['secret']}".encode()).decode()
    return jsonify({"auth-token": auth})


# ---------------------------------------------------------------------------------------------
# moveOn and the satisfied statement


def move_on_met(move_on: str | None, completion: str, success: str) -> bool:
    """cmi5 §13.1.4: is an AU's moveOn rule met by its completion and success? (default NotApplicable)"""
    completed, passed = completion == "completed", success == "passed"
    return {
        "completed": completed,
        "passed": passed,
        "completedandpassed": completed and passed,
        "completedorpassed": completed or passed,
    }.get((move_on or "NotApplicable").lower(), True)  # a value outside the XSD's list counts as NotApplicable


def au_satisfied(conn: Any, learner_id: int, identifier: str, launch: dict) -> bool:
    """An AU is satisfied when any of the learner's attempts on it meets its moveOn rule."""
    if move_on_met(launch.get("move_on"), "not attempted", "unknown"):  # NotApplicable: met from the start
        return True
    rows = attempts.of_launch(learner_id, identifier, "cmi5", launch["ident"], conn)
    return any(move_on_met(launch.get("move_on"), r["completion"], r["success"]) for r in rows)


def course_object_id(identifier: str) -> str:
    """The LMS's own id of a course (§9.4: generated, never the publisher's id)."""
    return f"urn:ruche:cmi5:course:{quote(identifier, safe='')}"


def block_object_id(identifier: str, path: list[str]) -> str:
    """The LMS's own id of a block, from the course and the titles of the blocks that lead to it."""
    return course_object_id(identifier) + "/block/" + "/".join(quote(title, safe="") for title in path)


def after_statement(conn: Any, attempt: dict, body: dict) -> list[str]:
    """Called (inside the storing transaction) once a statement credited a cmi5 attempt.

    Issues `satisfied` for each block and for the course whose AUs now all meet their moveOn
    rule, unless this learner already has one for it. Returns the ids of the statements issued.
    """
    if (body.get("verb") or {}).get("id") == SATISFIED:
        return []
    package = packages.find(attempt["package_identifier"], "cmi5", conn)
    learner = learners.get(attempt["learner_id"], conn)
    if package is None or learner is None:
        return []
    launches = [dict(r, parents=json.loads(r["parents"] or "[]")) for r in packages.launches(package["id"], conn)]
    this = next((la for la in launches if la["ident"] == attempt["launch_ident"]), None)
    if this is None or not au_satisfied(conn, learner["id"], package["identifier"], this):
        return []
    done = {la["ident"]: au_satisfied(conn, learner["id"], package["identifier"], la) for la in launches}
    targets = []
    for depth in range(len(this["parents"]), 0, -1):  # the innermost block first, then its parents
        path = this["parents"][:depth]
        if all(done[la["ident"]] for la in launches if la["parents"][:depth] == path):
            targets.append((block_object_id(package["identifier"], path), BLOCK_TYPE, path[-1]))
    if all(done.values()):
        targets.append((course_object_id(package["identifier"]), COURSE_TYPE, package["title"]))
    actor = st.actor(learner)
    agent = lrs.agent_key(actor)
    session = ((body.get("context") or {}).get("extensions") or {}).get(SESSION_EXT) or str(uuid.uuid4())
    language = package["language"] if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", package["language"]) else "und"
    issued = []
    for object_id, kind, name in targets:
        if lrs_store.has_statement(conn, SATISFIED, object_id, agent):
            continue
        statement = {
            "id": str(uuid.uuid4()),
            "actor": actor,
            "verb": {"id": SATISFIED, "display": {"en-US": "satisfied"}},
            "object": {
                "objectType": "Activity",
                "id": object_id,
                "definition": {"type": kind, "name": {language: name}},
            },
            "timestamp": db.now(),
            "context": {
                "registration": attempt["registration"],
                "contextActivities": {
                    "grouping": [{"objectType": "Activity", "id": package["identifier"]}],
                    "category": [{"objectType": "Activity", "id": CMI5_CATEGORY}],
                },
                "extensions": {SESSION_EXT: session},
            },
        }
        issued += lrs.store_statements(
            [statement],
            {
                "key": "player",
                "learner_id": None,
                "attempt_id": None,
                "authority": lrs._authority_for("player"),
                "outbox": True,
            },
        )
    return issued
