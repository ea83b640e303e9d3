"""cmi5 moveOn (§13.1.4): which AUs, blocks and courses a learner has satisfied, and the LMS's
`satisfied` statements (§9.3.9) that follow. Reads the store; stores nothing itself."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from packager.standards import ids
from packager.standards import statements as xs
from packager.standards.cmi5 import (
    BLOCK_TYPE,
    COURSE_TYPE,
    SATISFIED,
    SESSION_EXT,
    block_object_id,
    course_object_id,
    lms_context,
    move_on_met,
)
from player.learning import statements as st
from player.store import attempts, learners, packages
from player.store import lrs as lrs_store


def au_satisfied(conn: Any, learner_id: int, identifier: str, launch: dict) -> bool:
    """An AU is satisfied when any of the learner's attempts on it meets its moveOn rule."""
    if move_on_met(launch.get("move_on"), "not attempted", "unknown"):  # NotApplicable: met from the start
        return True
    rows = attempts.of_launch(learner_id, identifier, "cmi5", launch["ident"], conn)
    return any(move_on_met(launch.get("move_on"), r["completion"], r["success"]) for r in rows)


def satisfied_statements(conn: Any, attempt: dict, body: dict) -> list[dict]:
    """Called (inside the storing transaction) once a statement credited a cmi5 attempt.

    Issues `satisfied` for each block and for the course whose AUs now all meet their moveOn
    rule, unless this learner already has one for it. Returns those statements; the caller stores
    them in the same transaction (`player.lrs.record.store_statements`).
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
    agent = ids.agent_key(actor)
    session = ((body.get("context") or {}).get("extensions") or {}).get(SESSION_EXT) or str(uuid.uuid4())
    language = package["language"] if re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", package["language"]) else "und"
    issued = []
    for object_id, kind, name in targets:
        if lrs_store.has_statement(conn, SATISFIED, object_id, agent):
            continue
        course = ids.package_course_iri(package["identifier"], package.get("course_iri"))
        statement = st.statement(
            "satisfied",
            actor,
            xs.activity(object_id, kind, name, language),
            lms_context(attempt["registration"], course, session),
        )
        issued.append(statement)
    return issued
