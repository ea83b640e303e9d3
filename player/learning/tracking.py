"""Attempts and their CMI data; crediting by the SCORM rules; statements into the outbox.

An *attempt* is a learner's record of one launch (a SCO, an AU, an xAPI activity). Its CMI
data is kept as the flat element → value map the player's LMS API script holds. The
server recomputes completion, success and score from that data by the SCORM rules, and
records what changed as xAPI statements (ADL's SCORM profile) in the outbox, in the same
transaction as the data.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import uuid
from typing import Any

from packager.standards import ids
from packager.standards import statements as xs
from packager.standards.cmi5 import move_on_met
from packager.standards.scorm import (
    EXIT,
    MAX_CMI_BYTES,
    SESSION_TIME,
    InvalidCMI,
    check_cmi,
    content_owned,
    credit,
    interactions,
    iso_duration,
    parse_timespan,
    score_of,
)
from packager.standards.scorm import initial_cmi as scorm_initial_cmi
from packager.standards.xapi import INTERACTION_TYPES
from player import db
from player.learning import statements as st
from player.store import attempts as store
from player.store import packages

# Refusals of a commit: a 4xx with a message (the LMS API script shows it and keeps the data).
TrackingError = InvalidCMI


# ---------------------------------------------------------------------------------------------
# Attempts


def _attempt_iris(attempt: dict, launch: dict) -> tuple[str, str]:
    """(course, launch) activity IRIs: the package's own (stored at import), else derived as before."""
    course = ids.package_course_iri(attempt["package_identifier"], launch.get("course_iri"))
    return course, ids.package_launch_iri(course, attempt["launch_ident"], launch.get("kind", "sco"), launch.get("iri"))


def _context(attempt: dict, launch: dict) -> dict:
    course, _sco = _attempt_iris(attempt, launch)
    if attempt["standard"].startswith("scorm"):
        return xs.scorm_context(attempt["registration"], course, attempt["number"])
    return xs.grouping_context(attempt["registration"], course)


def _outbox(conn: sqlite3.Connection, body: dict) -> None:
    store.outbox(conn, body, db.now())


def latest_attempt(learner_id: int, package: dict, ident: str) -> dict | None:
    return store.latest(db.get_db(), learner_id, package["identifier"], package["standard"], ident)


def open_attempt(learner: dict, package: dict, launch: dict) -> dict:
    """Start a session on a launch: continue the attempt or begin a new one; returns it with `entry`.

    A new attempt begins when the last one ended (Finish/Terminate) without cmi.exit=suspend.
    """
    with db.transaction() as conn:
        last = latest_attempt(learner["id"], package, launch["ident"])
        now = db.now()
        session = secrets.token_urlsafe(12)
        if last is None or (last["finished"] and last["exit"] != "suspend"):
            number = 1 if last is None else last["number"] + 1
            attempt_id = store.insert(
                conn,
                learner_id=learner["id"],
                package_identifier=package["identifier"],
                launch_ident=launch["ident"],
                number=number,
                registration=str(uuid.uuid4()),
                standard=package["standard"],
                session_id=session,
                started_at=now,
                updated_at=now,
            )
            entry = "ab-initio"
        else:
            attempt_id = last["id"]
            # RTE: "resume" after cmi.exit=suspend; "" when a session left data without suspending
            # (e.g. the browser closed before Finish); "ab-initio" when nothing was ever stored.
            stored = last["cmi"] not in ("", "{}")
            entry = "resume" if last["exit"] == "suspend" else ("" if stored or last["sessions"] else "ab-initio")
            store.update(conn, attempt_id, session_id=session, seq=0, finished=0, updated_at=now)
        attempt = store.get(conn, attempt_id)
        attempt["entry"] = entry
        if package["standard"] in ("scorm12", "scorm2004"):
            course, sco = _attempt_iris(attempt, launch)
            verb = "resumed" if entry == "resume" else "initialized"
            _outbox(
                conn,
                st.statement(
                    verb, st.actor(learner), xs.activity(sco, xs.LESSON, launch["title"]), _context(attempt, launch)
                ),
            )
        return attempt


def initial_cmi(attempt: dict, learner: dict, launch: dict) -> dict[str, str]:
    """The CMI data handed to the LMS API script at launch: stored data + what the LMS owns."""
    stored: dict[str, str] = json.loads(attempt["cmi"] or "{}") if attempt["entry"] != "ab-initio" else {}
    return scorm_initial_cmi(attempt["standard"], stored, learner, attempt, launch)


def commit(attempt_id: int, learner: dict, payload: dict, launch: dict) -> dict[str, Any]:
    """Store a commit (or the final Finish/Terminate) of the LMS API script."""
    raw_size = len(json.dumps(payload))
    if raw_size > MAX_CMI_BYTES:
        raise TrackingError("the CMI data is too large", 413)
    cmi = check_cmi(payload.get("cmi"))
    session, seq = str(payload.get("session", "")), payload.get("seq")
    finished = bool(payload.get("finished"))
    if not isinstance(seq, int) or seq < 1:
        raise TrackingError("seq must be a positive integer")
    with db.transaction() as conn:
        attempt = store.get(conn, attempt_id, learner["id"])
        if attempt is None:
            raise TrackingError("no such attempt for this learner", 404)
        if session != attempt["session_id"]:
            raise TrackingError("this session was replaced by a newer launch", 409)
        if seq <= attempt["seq"]:
            return {"ok": True, "duplicate": True}
        standard = attempt["standard"]
        old = json.loads(attempt["cmi"] or "{}")
        exit_value = cmi.get(EXIT[standard], "")
        session_seconds = parse_timespan(cmi.get(SESSION_TIME[standard], ""))
        keep = content_owned(standard, cmi)
        before = credit(standard, old, launch)
        after = credit(standard, keep, launch, finished=finished)
        if standard == "scorm12":
            keep["cmi.core.lesson_status"] = after["lesson_status"]
        events = _events(attempt, launch, learner, old, keep, before, after)
        total = attempt["total_seconds"]
        if finished:
            total += session_seconds
            verb = "suspended" if exit_value == "suspend" else "terminated"
            course, sco = _attempt_iris(attempt, launch)
            events.append(
                st.statement(
                    verb,
                    st.actor(learner),
                    xs.activity(sco, xs.LESSON, launch["title"]),
                    _context(attempt, launch),
                    {"duration": iso_duration(session_seconds)},
                )
            )
        store.update(
            conn,
            attempt_id,
            cmi=json.dumps(keep, ensure_ascii=False, separators=(",", ":")),
            completion=after["completion"],
            success=after["success"],
            score=after["score"],
            exit=exit_value if finished else attempt["exit"],
            total_seconds=total,
            sessions_added=1 if finished else 0,
            finished=1 if finished else 0,
            seq=seq,
            updated_at=db.now(),
        )
        for body in events:
            _outbox(conn, body)
    return {"ok": True, "completion": after["completion"], "success": after["success"], "score": after["score"]}


def _events(attempt: dict, launch: dict, learner: dict, old: dict, new: dict, before: dict, after: dict) -> list[dict]:
    course, sco = _attempt_iris(attempt, launch)
    who, context = st.actor(learner), _context(attempt, launch)
    obj = xs.activity(sco, xs.LESSON, launch["title"])
    out = []
    score = score_of(attempt["standard"], new, after["score"])
    if after["score"] != before["score"] and score:
        out.append(st.statement("scored", who, obj, context, {"score": score}))
    if after["completion"] == "completed" and before["completion"] != "completed":
        out.append(st.statement("completed", who, obj, context, {"completion": True}))
    if after["success"] in ("passed", "failed") and after["success"] != before["success"]:
        result: dict[str, Any] = {"success": after["success"] == "passed"}
        if score:
            result["score"] = score
        out.append(st.statement(after["success"], who, obj, context, result))
    old_answers, new_answers = interactions(old), interactions(new)
    for index, item in sorted(new_answers.items(), key=lambda kv: int(kv[0])):
        if old_answers.get(index) == item or not item.get("id"):
            continue
        response = item.get("learner_response", item.get("student_response"))
        if response is None and "result" not in item:
            continue
        definition = {"interactionType": _interaction_type(item.get("type", ""))}
        iri = ids.interaction_iri(sco, item["id"])
        result = {}
        if response is not None:
            result["response"] = response
        if item.get("result") in ("correct", "wrong", "incorrect"):
            result["success"] = item["result"] == "correct"
        out.append(
            st.statement(
                "responded",
                who,
                xs.activity(iri, xs.INTERACTION, item.get("description"), **definition),
                xs.with_parent(context, sco),
                result or None,
            )
        )
    return out


def _interaction_type(kind: str) -> str:
    return kind if kind in INTERACTION_TYPES else "other"


# ---------------------------------------------------------------------------------------------
# Progress


RANK = {"completed": 3, "incomplete": 2, "unknown": 1, "not attempted": 0}


def best(attempts: list[dict]) -> dict | None:
    """The attempt that counts for progress: completed before not, passed before failed, then score."""
    if not attempts:
        return None
    return max(
        attempts,
        key=lambda a: (
            RANK.get(a["completion"], 0),
            {"passed": 2, "failed": 1}.get(a["success"], 0),
            a["score"] if a["score"] is not None else -2,
            a["updated_at"],
        ),
    )


def progress(learner_id: int) -> list[dict]:
    """Every package this learner touched (installed or not) with per-launch and overall status."""
    conn = db.get_db()
    attempts = store.of_learner(learner_id, conn)
    by_package: dict[tuple[str, str], dict[str, list[dict]]] = {}
    for a in attempts:
        by_package.setdefault((a["package_identifier"], a["standard"]), {}).setdefault(a["launch_ident"], []).append(a)
    out = []
    for (identifier, standard), launches in by_package.items():
        package = packages.find(identifier, standard, conn)
        rows = packages.launches(package["id"], conn) if package else []
        items = []
        for launch in rows or [{"ident": k, "title": k, "kind": "sco"} for k in launches]:
            chosen = best(launches.get(launch["ident"], []))
            item = {"launch": launch, "attempt": chosen}
            if standard == "cmi5" and "move_on" in launch:  # an AU is done when its moveOn rule is met
                item["satisfied"] = move_on_met(launch["move_on"], "not attempted", "unknown") or any(
                    move_on_met(launch["move_on"], a["completion"], a["success"])
                    for a in launches.get(launch["ident"], [])
                )
            items.append(item)
        out.append(
            {
                "package": package if package else {"identifier": identifier, "title": identifier, "id": None},
                "items": items,
                **summary(items),
            }
        )
    out.sort(
        key=lambda p: max((i["attempt"]["updated_at"] for i in p["items"] if i["attempt"]), default=""), reverse=True
    )
    return out


def summary(items: list[dict]) -> dict[str, Any]:
    tracked = [i for i in items if i["launch"].get("kind") != "asset"] or items
    done = [i for i in tracked if i.get("satisfied", bool(i["attempt"] and i["attempt"]["completion"] == "completed"))]
    successes = [i["attempt"]["success"] for i in tracked if i["attempt"] and i["attempt"]["success"] != "unknown"]
    scores = [i["attempt"]["score"] for i in tracked if i["attempt"] and i["attempt"]["score"] is not None]
    if "failed" in successes:
        success = "failed"
    elif successes and len(successes) == sum(
        1 for i in tracked if i["attempt"] and i["attempt"]["success"] != "unknown"
    ):
        success = "passed"
    else:
        success = "unknown"
    started = any(i["attempt"] for i in tracked)
    completion = (
        "completed" if tracked and len(done) == len(tracked) else ("incomplete" if started else "not attempted")
    )
    return {
        "completion": completion,
        "success": success,
        "done": len(done),
        "total": len(tracked),
        "score": sum(scores) / len(scores) if scores else None,
        "seconds": sum(i["attempt"]["total_seconds"] for i in items if i["attempt"]),
    }


# ---------------------------------------------------------------------------------------------
# Statements from xAPI / cmi5 content (stored by the local LRS)


def record_statement(conn: sqlite3.Connection, body: dict) -> dict | None:
    """Credit the attempt a content statement belongs to (by registration), and queue it for sync.

    Returns that attempt as it was before this statement (None when none is credited), so that the
    caller can apply the rules that follow from it (cmi5 moveOn) without this module importing them.
    """
    _outbox(conn, body)
    registration = (body.get("context") or {}).get("registration")
    if not registration:
        return None
    row = store.by_registration(conn, registration)
    if row is None or row["standard"] not in ("xapi", "cmi5"):
        return None
    verb = (body.get("verb") or {}).get("id", "")
    result = body.get("result") or {}
    sets: dict[str, Any] = {}
    if verb.endswith("/completed") or result.get("completion") is True:
        sets["completion"] = "completed"
    elif verb.endswith(("/initialized", "/launched", "/progressed")) and row["completion"] == "not attempted":
        sets["completion"] = "incomplete"
    if verb.endswith("/passed") or (result.get("success") is True and not verb.endswith(("/answered", "/responded"))):
        sets["success"] = "passed"
    elif (
        (verb.endswith("/failed") or result.get("success") is False)
        and row["success"] != "passed"
        and not verb.endswith(("/answered", "/responded"))
    ):
        sets["success"] = "failed"
    scaled = (result.get("score") or {}).get("scaled")
    if isinstance(scaled, int | float) and verb.endswith(("/passed", "/failed", "/scored", "/completed")):
        sets["score"] = float(scaled)
    if verb.endswith(("/terminated", "/suspended")):
        sets["finished"] = 1
        sets["exit"] = "suspend" if verb.endswith("/suspended") else "normal"
        duration = parse_timespan(result.get("duration", "")) if isinstance(result.get("duration"), str) else 0
        sets["total_seconds"] = row["total_seconds"] + duration
        sets["sessions"] = row["sessions"] + 1
    if sets:
        sets["updated_at"] = db.now()
        store.update(conn, row["id"], **sets)
    return row
