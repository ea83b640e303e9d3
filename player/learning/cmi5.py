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
import secrets
import uuid
from urllib.parse import urlencode

from flask import Blueprint, jsonify, request, url_for

from packager.standards import ids
from packager.standards import statements as xs
from packager.standards.cmi5 import LAUNCH_MODE_EXT, LAUNCH_URL_EXT, MASTERY_EXT, MOVE_ON_EXT, lms_context
from packager.standards.cmi5 import context_template as context_template_for
from packager.standards.ids import agent_key
from player import db, tokens
from player.learning import statements as st
from player.lrs import record
from player.lrs import resources as lrs
from player.store import lrs as lrs_store

bp = Blueprint("cmi5", __name__)


def _credential(learner: dict, attempt: dict, fetch: bool) -> tuple[str, str, str | None]:
    key, secret = f"launch-{secrets.token_hex(8)}", tokens.new()
    token = tokens.new() if fetch else None
    fetch_digest = tokens.digest(token) if token else None
    with db.transaction() as conn:
        lrs_store.add_credential(conn, key, tokens.digest(secret), learner["id"], attempt["id"], fetch_digest, db.now())
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
    course = ids.package_course_iri(package["identifier"], package.get("course_iri"))
    # cmi5 §10.2.6: returnURL is where the AU sends the browser when it exits: an absolute URL.
    return_url = request.host_url.rstrip("/") + url_for("learn.course", package_id=package["id"])
    context_template = context_template_for(course, session_id)
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
    scope = {"activity": launch["ident"], "agent": agent_key(actor), "registration": attempt["registration"]}
    extensions = {LAUNCH_MODE_EXT: "Normal", LAUNCH_URL_EXT: launch["href"], MOVE_ON_EXT: data["moveOn"]}
    if launch.get("mastery_score") is not None:
        extensions[MASTERY_EXT] = launch["mastery_score"]
    launched = st.statement(
        "launched",
        actor,
        xs.ref(launch["ident"]),
        lms_context(attempt["registration"], course, session_id, **extensions),
    )
    with db.transaction() as conn:
        record.save_document(
            conn, "state", scope, "LMS.LaunchData", record.canonical(data).encode(), "application/json", merge=False
        )
        pref_scope = {"activity": "", "agent": scope["agent"], "registration": ""}
        if lrs_store.document(conn, "agent", pref_scope, "cmi5LearnerPreferences") is None:
            prefs = {"languagePreference": "fr-CA,fr,en", "audioPreference": "on"}
            record.save_document(
                conn,
                "agent",
                pref_scope,
                "cmi5LearnerPreferences",
                record.canonical(prefs).encode(),
                "application/json",
                merge=False,
            )
    record.store_statements([launched], record.player_credential())


@bp.post("/cmi5/fetch/<token>")
def fetch(token: str):
    """cmi5 fetch URL: returns the auth token the first time only, an error afterwards."""
    secret = tokens.new()  # made now: a secret stored only as its digest can't be read back
    with db.transaction() as conn:
        row = lrs_store.take_fetch_token(conn, tokens.digest(token), tokens.digest(secret))
        if row is None:
            return jsonify({"error-code": "1", "error-text": "This fetch URL was already used or is unknown."}), 200
    auth = base64.b64encode(f"{row['key']}:{secret}".encode()).decode()
    return jsonify({"auth-token": auth})
