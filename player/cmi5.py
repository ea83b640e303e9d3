"""Launching xAPI (Tin Can) and cmi5 content against the local LRS.

xAPI: the launch URL carries endpoint, auth, actor, registration and activity_id (the Tin Can
launch convention). cmi5: the LMS writes the LMS.LaunchData state document and a 'launched'
statement, and the URL carries endpoint, fetch, actor, registration and activityId; the fetch
URL hands out the auth token once (cmi5 §8.2).
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from urllib.parse import urlencode

from flask import Blueprint, jsonify, request, url_for

from player import db, lrs
from player import statements as st

bp = Blueprint("cmi5", __name__)
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
SESSION_EXT = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
LAUNCH_MODE_EXT = "https://w3id.org/xapi/cmi5/context/extensions/launchmode"
MOVE_ON_EXT = "https://w3id.org/xapi/cmi5/context/extensions/moveon"
MASTERY_EXT = "https://w3id.org/xapi/cmi5/context/extensions/masteryscore"
LAUNCH_URL_EXT = "https://w3id.org/xapi/cmi5/context/extensions/launchurl"
LAUNCH_PARAMS_EXT = "https://w3id.org/xapi/cmi5/context/extensions/launchparameters"


def _credential(learner: dict, attempt: dict, fetch: bool) -> tuple[str, str, str | None]:
    key, secret = f"launch-{secrets.token_hex(8)}", secrets.token_urlsafe(24)
    token = secrets.token_urlsafe(24) if fetch else None
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO lrs_credential(key, secret, learner_id, attempt_id, fetch_token, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (key, secret, learner["id"], attempt["id"], token, db.now()),
        )
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
    return_url = url_for("learn.course", package_id=package["id"])
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
        exists = conn.execute(
            "SELECT 1 FROM lrs_document WHERE kind = 'agent' AND agent = ? AND doc_id = ?",
            (scope["agent"], "cmi5LearnerPreferences"),
        ).fetchone()
        if not exists:
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
        row = conn.execute("SELECT * FROM lrs_credential WHERE fetch_token = ?", (token,)).fetchone()
        if row is None or row["fetched"]:
            return jsonify({"error-code": "1", "error-text": "This fetch URL was already used or is unknown."}), 200
        conn.execute("UPDATE lrs_credential SET fetched = 1 WHERE key = ?", (row["key"],))
    auth = base64.b64encode(f"{row['key']}:{row['secret']}".encode()).decode()
    return jsonify({"auth-token": auth})
