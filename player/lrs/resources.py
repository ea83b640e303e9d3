"""A local xAPI 1.0.3 LRS under /xapi/: statements, documents (state, activity and agent
profiles), activities, agents, about. Basic auth; launched content gets its own credential.

Storage goes through player.db like everything else; statements from launched content also
credit the learner's attempt and go to the outbox (player.learning.tracking.record_statement).
"""

from __future__ import annotations

import base64
import hmac
import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, jsonify, request

from packager.standards.xapi import (
    InvalidStatement,
    check_agent,
    check_iri,
    check_timestamp,
    check_uuid,
)
from player import bodies, db, tokens
from player.learning import statements as st
from player.lrs.record import (
    LRSError,
    agent_key,
    authority_for,
    canonical,
    owns,
    save_document,
    store_statements,
)
from player.store import attempts, learners
from player.store import lrs as store

bp = Blueprint("lrs", __name__, url_prefix="/xapi")
VERSION = "1.0.3"
MAX_LIMIT = 100
MAX_BODY = bodies.STATEMENTS  # per route, while read: player.bodies
T = TypeVar("T")


@bp.errorhandler(LRSError)
def lrs_error(exc: LRSError) -> Response:
    response = jsonify(error=exc.message)
    response.status_code = exc.status
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="ruche-lrs"'
    return response


@bp.errorhandler(InvalidStatement)
def invalid(exc: InvalidStatement) -> Response:
    return lrs_error(LRSError(400, str(exc)))


# ---------------------------------------------------------------------------------------------
# Auth, version headers


def authenticate() -> dict:
    """The credential of the request, with its `scope` (docs/player.md, docs/hub.md):

    "full" for the LRS_KEY pair; "launch" for launched content (its learner's `agent`, its
    attempt's `registration`); "device" for a hub device (its `authority`).
    """
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        raise LRSError(401, "basic authentication is required")
    try:
        key, _, secret = base64.b64decode(header[6:], validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        raise LRSError(401, "the Authorization header is not valid basic authentication") from None
    config_key, config_secret = current_app.config.get("LRS_KEY"), current_app.config.get("LRS_SECRET")
    if (
        config_key
        and config_secret
        and hmac.compare_digest(key, config_key)
        and hmac.compare_digest(secret, config_secret)
    ):
        return {
            "key": key,
            "learner_id": None,
            "attempt_id": None,
            "authority": authority_for(key),
            "outbox": False,
            "scope": "full",
        }
    row = store.credential(key)
    if row is None and current_app.config.get("HUB"):
        from player.fleet import (
            devices as hub,  # hub mode: a registered device's token, checked on every request (docs/hub.md)
        )

        device = hub.check_device(key, secret)
        if device is None:
            raise LRSError(401, "unknown device, or a wrong or revoked token")
        # With an upstream, received statements enter this hub's outbox, in the same transaction.
        forward = hub.forwarding()
        return {
            "key": key,
            "learner_id": None,
            "attempt_id": None,
            "authority": authority_for(key),
            "outbox": forward,
            "scope": "device",
        }
    if row is None or not tokens.matches(row["secret"], secret):
        raise LRSError(401, "unknown key or wrong secret")
    return _launch_credential(row)


def _launch_credential(row: sqlite3.Row) -> dict:
    """A launch's credential while it lasts: until its attempt is finished, LAUNCH_CREDENTIAL_HOURS at most."""
    hours = float(current_app.config.get("LAUNCH_CREDENTIAL_HOURS", 12))
    created = datetime.strptime(row["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    if created + timedelta(hours=hours) <= datetime.now(UTC):
        raise LRSError(401, "this launch credential has expired: launch the activity again")
    attempt = attempts.get(db.get_db(), row["attempt_id"]) if row["attempt_id"] is not None else None
    learner = learners.get(row["learner_id"]) if row["learner_id"] is not None else None
    if attempt is None or learner is None:
        raise LRSError(401, "this launch credential's attempt no longer exists")
    if attempt["finished"]:
        raise LRSError(401, "this launch credential ended with its attempt: launch the activity again")
    return {
        "key": row["key"],
        "learner_id": row["learner_id"],
        "attempt_id": row["attempt_id"],
        "authority": authority_for("player"),
        "outbox": True,
        "scope": "launch",
        "agent": agent_key(st.actor(learner)),
        "registration": attempt["registration"],
    }


@bp.before_request
def before() -> None:
    if request.method == "OPTIONS":
        return
    if request.endpoint == "lrs.about":
        return
    g.credential = authenticate()
    version = request.headers.get("X-Experience-API-Version", "")
    if not version.startswith("1.0"):
        raise LRSError(400, "the X-Experience-API-Version header (1.0.x) is missing or not supported")


@bp.after_request
def after(response: Response) -> Response:
    response.headers["X-Experience-API-Version"] = VERSION
    response.headers["X-Experience-API-Consistent-Through"] = db.now()
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/about")
def about() -> Response:
    return jsonify(version=[VERSION, "1.0.2", "1.0.1", "1.0.0"], extensions={})


# ---------------------------------------------------------------------------------------------
# Agents and activities as index keys


# ---------------------------------------------------------------------------------------------
# Storing statements


def _json_body() -> Any:
    if request.mimetype.startswith("multipart/"):
        raise LRSError(400, "attachments (multipart/mixed) are not accepted by this LRS")
    if request.mimetype != "application/json":
        raise LRSError(400, "the body must be application/json")
    try:
        return bodies.parse_json(request.get_data())
    except bodies.BadJSON as exc:
        raise LRSError(400, str(exc)) from None


def _valid(check: Callable[[Any, str], T], value: Any, name: str) -> T:
    """Run an xAPI check on a request parameter: a bad parameter is the client's 400."""
    try:
        return check(value, name)
    except InvalidStatement as exc:
        raise LRSError(400, str(exc)) from None


@bp.post("/statements")
def post_statements() -> Response:
    body = _json_body()
    items = body if isinstance(body, list) else [body]
    if not items:
        raise LRSError(400, "no statement in the request")
    return jsonify(store_statements(items, g.credential))


@bp.put("/statements")
def put_statement() -> Response:
    statement_id = request.args.get("statementId")
    if not statement_id:
        raise LRSError(400, "PUT /statements needs the statementId parameter")
    _valid(check_uuid, statement_id, "statementId")
    body = _json_body()
    if not isinstance(body, dict):
        raise LRSError(400, "PUT /statements takes one statement")
    if "id" in body and body["id"] != statement_id:
        raise LRSError(400, "the statement's id differs from the statementId parameter")
    body = dict(body, id=statement_id)
    store_statements([body], g.credential)
    return Response(status=204)


# ---------------------------------------------------------------------------------------------
# Reading statements

QUERY_PARAMS = {
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
    "statementId",
    "voidedStatementId",
    "cursor",
}


def _bool(name: str) -> bool:
    value = request.args.get(name, "false").lower()
    if value not in ("true", "false"):
        raise LRSError(400, f"{name} must be true or false")
    return value == "true"


def _time_param(name: str) -> str | None:
    value = request.args.get(name)
    if value is None:
        return None
    when = _valid(check_timestamp, value, name)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _agent_param(name: str = "agent", required: bool = False) -> dict | None:
    raw = request.args.get(name)
    if raw is None:
        if required:
            raise LRSError(400, f"the {name} parameter is required")
        return None
    try:
        agent = bodies.parse_json(raw, name)
        return check_agent(agent, name)
    except (ValueError, InvalidStatement) as exc:
        raise LRSError(400, f"{name} is not a valid Agent: {exc}") from None


def _format(body: dict, fmt: str) -> dict:
    if fmt != "ids":
        return body

    def slim(value: Any) -> Any:
        if isinstance(value, dict):
            kind = value.get("objectType")
            if kind in (None, "Agent", "Group") and agent_key(value):
                out = {k: value[k] for k in ("objectType", "mbox", "mbox_sha1sum", "openid", "account") if k in value}
                return out
            if kind == "Group":
                return {"objectType": "Group", "member": [slim(m) for m in value.get("member", [])]}
            if kind in (None, "Activity") and "id" in value and "definition" in value:
                return {k: v for k, v in value.items() if k != "definition"}
        return value

    out = dict(body)
    for key in ("actor", "object", "authority"):
        if key in out:
            out[key] = slim(out[key])
    out["verb"] = {"id": body["verb"]["id"]}
    return out


def _reader_filters(credential: dict) -> dict[str, Any]:
    """The filters every statement query of this credential gets, whatever it asks (record.owns in SQL)."""
    if credential["scope"] == "launch":
        return {"actor": credential["agent"]}
    if credential["scope"] == "device":
        return {"authority": credential["authority"]}
    return {}


@bp.get("/statements")
def get_statements() -> Response:
    unknown = sorted(set(request.args) - QUERY_PARAMS)
    if unknown:
        raise LRSError(400, f"unknown parameter {unknown[0]!r}")
    fmt = request.args.get("format", "exact")
    if fmt not in ("ids", "exact", "canonical"):
        raise LRSError(400, "format must be ids, exact or canonical")
    _bool("attachments")
    single = request.args.get("statementId"), request.args.get("voidedStatementId")
    if any(single):
        if all(single):
            raise LRSError(400, "use statementId or voidedStatementId, not both")
        extra = set(request.args) - {"statementId", "voidedStatementId", "format", "attachments"}
        if extra:
            raise LRSError(400, f"{sorted(extra)[0]} cannot be used with statementId or voidedStatementId")
        wanted = single[0] or single[1]
        _valid(check_uuid, wanted, "statementId")
        row = store.statement(wanted)
        if row is None or bool(row["voided"]) != bool(single[1]) or not owns(g.credential, json.loads(row["body"])):
            raise LRSError(404, "no such statement")
        response = Response(canonical(_format(json.loads(row["body"]), fmt)), mimetype="application/json")
        response.headers["Last-Modified"] = json.loads(row["body"])["stored"]
        return response
    filters: dict[str, Any] = _reader_filters(g.credential)
    agent = _agent_param()
    if agent is not None:
        filters["agent"] = agent_key(agent)
        filters["related_agents"] = _bool("related_agents")
        if g.credential["scope"] == "launch" and filters["agent"] != g.credential["agent"]:
            raise LRSError(403, "this launch may only read statements about its own learner")
    if "verb" in request.args:
        _valid(check_iri, request.args["verb"], "verb")
        filters["verb"] = request.args["verb"]
    if "activity" in request.args:
        _valid(check_iri, request.args["activity"], "activity")
        filters["related_activities"] = _bool("related_activities")
        filters["activity"] = request.args["activity"]
    if "registration" in request.args:
        _valid(check_uuid, request.args["registration"], "registration")
        filters["registration"] = request.args["registration"]
    filters["since"], filters["until"] = _time_param("since"), _time_param("until")
    ascending = _bool("ascending")
    try:
        limit = int(request.args.get("limit", "0"))
        cursor = int(request.args["cursor"]) if "cursor" in request.args else None
    except ValueError:
        raise LRSError(400, "limit and cursor must be integers") from None
    if limit < 0:
        raise LRSError(400, "limit must be zero or more")
    limit = MAX_LIMIT if limit == 0 else min(limit, MAX_LIMIT)
    rows = store.find_statements(**filters, cursor=cursor, ascending=ascending, limit=limit + 1)
    more = ""
    if len(rows) > limit:
        rows = rows[:limit]
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        args["cursor"] = str(rows[-1]["seq"])
        more = f"{bp.url_prefix}/statements?{urlencode(args)}"
    body = {"statements": [_format(json.loads(r["body"]), fmt) for r in rows], "more": more}
    return Response(canonical(body), mimetype="application/json")


# ---------------------------------------------------------------------------------------------
# Documents: state, activity profile, agent profile


def _document_scope(kind: str) -> dict[str, str]:
    scope = {"activity": "", "agent": "", "registration": ""}
    if kind in ("state", "activity"):
        activity = request.args.get("activityId")
        if not activity:
            raise LRSError(400, "the activityId parameter is required")
        _valid(check_iri, activity, "activityId")
        scope["activity"] = activity
    if kind in ("state", "agent"):
        scope["agent"] = agent_key(_agent_param(required=True)) or ""
        if not scope["agent"]:
            raise LRSError(400, "the agent must have an identifier (mbox, mbox_sha1sum, openid or account)")
    if kind == "state" and "registration" in request.args:
        scope["registration"] = _valid(check_uuid, request.args["registration"], "registration")
    return scope


def _doc_param(kind: str) -> str | None:
    return request.args.get({"state": "stateId", "activity": "profileId", "agent": "profileId"}[kind])


def _check_preconditions(row: sqlite3.Row | None, kind: str, writing: bool) -> None:
    if_match, if_none = request.headers.get("If-Match"), request.headers.get("If-None-Match")
    current = row["etag"] if row else None
    if if_match is not None:
        tags = [t.strip().strip('"') for t in if_match.split(",")]
        if current is None or ("*" not in tags and current not in tags):
            raise LRSError(412, "If-Match does not match the document's current ETag")
    if if_none is not None:
        tags = [t.strip().strip('"') for t in if_none.split(",")]
        if current is not None and ("*" in tags or current in tags):
            raise LRSError(412, "If-None-Match: the document already exists")
    if (
        writing
        and kind != "state"
        and request.method == "PUT"
        and row is not None
        and if_match is None
        and if_none is None
    ):
        raise LRSError(409, "the document exists: send If-Match (its ETag) or If-None-Match to change it")


def _check_document_rights(kind: str, scope: dict[str, str]) -> None:
    """Documents: none for a device; a launch only its learner's, its registration's, and no activity profile write."""
    credential = g.credential
    if credential["scope"] == "device":
        raise LRSError(403, "a device token may only send and read back its statements, not documents")
    if credential["scope"] != "launch":
        return
    if kind in ("state", "agent") and scope["agent"] != credential["agent"]:
        raise LRSError(403, "this launch may only use the documents of its own learner")
    if kind == "state" and scope["registration"] and scope["registration"] != credential["registration"]:
        raise LRSError(403, "this launch may only use the state of its own registration")
    if kind == "activity" and request.method not in ("GET", "HEAD"):
        raise LRSError(403, "launched content may read activity profiles, not change them")


def _documents(kind: str) -> Response:
    scope = _document_scope(kind)
    _check_document_rights(kind, scope)
    doc_id = _doc_param(kind)
    reading = request.method in ("GET", "HEAD")  # HEAD is a GET without its body: it never writes
    if reading and doc_id is None:
        return jsonify(store.document_ids(kind, scope, _time_param("since")))
    if request.method == "DELETE" and doc_id is None:
        if kind != "state":
            raise LRSError(400, "profileId is required")
        with db.transaction() as tx:
            store.delete_documents(tx, kind, scope)
        return Response(status=204)
    if doc_id is None:
        raise LRSError(400, f"the {'stateId' if kind == 'state' else 'profileId'} parameter is required")
    with db.transaction() as tx:
        row = store.document(tx, kind, scope, doc_id)
        if reading:
            if row is None:
                raise LRSError(404, "no such document")
            _check_preconditions(row, kind, writing=False) if request.headers.get("If-Match") else None
            if request.if_none_match.contains(row["etag"]):
                return Response(status=304, headers={"ETag": f'"{row["etag"]}"'})
            return Response(
                row["content"],
                content_type=row["content_type"],
                headers={"ETag": f'"{row["etag"]}"', "Last-Modified": row["updated"]},
            )
        _check_preconditions(row, kind, writing=True)
        if request.method == "DELETE":
            if row is not None:
                store.delete_document(tx, row["id"])
            return Response(status=204)
        content_type = request.headers.get("Content-Type", "application/octet-stream")
        save_document(tx, kind, scope, doc_id, request.get_data(), content_type, merge=request.method == "POST")
    return Response(status=204)


@bp.route("/activities/state", methods=["GET", "PUT", "POST", "DELETE"])
def state() -> Response:
    return _documents("state")


@bp.route("/activities/profile", methods=["GET", "PUT", "POST", "DELETE"])
def activity_profile() -> Response:
    return _documents("activity")


@bp.route("/agents/profile", methods=["GET", "PUT", "POST", "DELETE"])
def agent_profile() -> Response:
    return _documents("agent")


def _no_device() -> None:
    if g.credential["scope"] == "device":
        raise LRSError(403, "a device token may only send and read back its statements")


@bp.get("/activities")
def activities() -> Response:
    _no_device()
    activity_id = request.args.get("activityId")
    if not activity_id:
        raise LRSError(400, "the activityId parameter is required")
    definition = store.activity_definition(activity_id)
    if definition is None:
        raise LRSError(404, "no statement mentions this activity")
    activity: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if definition:
        activity["definition"] = definition
    return jsonify(activity)


@bp.get("/agents")
def agents() -> Response:
    _no_device()
    agent = _agent_param(required=True)
    person: dict[str, Any] = {"objectType": "Person"}
    if agent.get("name"):
        person["name"] = [agent["name"]]
    for key in ("mbox", "mbox_sha1sum", "openid", "account"):
        if key in agent:
            person[key] = [agent[key]]
    return jsonify(person)
