"""The one source of the names that several stages and formats must spell the same way.

The packager writes these IRIs into every format's manifest and pages; the player reads them back
from the package (`packager.packages`), so that one course played as SCORM 1.2, SCORM 2004, xAPI
and cmi5 is one course activity with the same lesson activities. A package from another tool keeps
its own ids: the `package_*` functions only derive one where its manifest declares none.
Pure rules, no I/O.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

# LOM (IEEE 1484.12.1 §1.1 / IMS MD 1.2.1 catalogentry): the catalog under which a SCORM manifest's
# metadata declares an activity IRI.
LOM_CATALOG = "URI"
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")


def is_iri(value: str | None) -> bool:
    """An absolute IRI as xAPI requires for activity ids (a scheme, then no white space)."""
    return bool(_IRI.match(value or ""))


# ---------------------------------------------------------------------------------------------
# Ruche's own courses: the course id of the front matter is the course activity IRI.


def lesson_iri(course_id: str, lesson_slug: str) -> str:
    return f"{course_id}/{lesson_slug}"


def question_iri(course_id: str, question_id: str) -> str:
    return f"{course_id}/q/{question_id}"


def au_iri(course_id: str) -> str:
    """The one cmi5 AU of a course (the whole course in one launch)."""
    return f"{course_id}/au"


def manifest_id(course_slug: str) -> str:
    """A SCORM manifest identifier (xs:ID), stable across versions and rebuilds: an LMS keys learners'
    progress on it, so a new one per build would orphan them."""
    return f"ruche-{course_slug}"


# ---------------------------------------------------------------------------------------------
# Any package: the ids the player gives activities whose manifest names none.


def package_course_iri(identifier: str, declared: str | None = None) -> str:
    """The course activity of a package: the IRI it declares, its identifier when that is an IRI,
    else one derived from the identifier (a SCORM manifest identifier is an xs:ID, never an IRI)."""
    if declared:
        return declared
    return identifier if is_iri(identifier) else f"urn:ruche:package:{quote(identifier, safe='')}"


def package_launch_iri(course_iri: str, ident: str, kind: str, declared: str | None = None) -> str:
    """The activity of one launch: declared, or the AU / xAPI activity id, or one under the course."""
    if declared:
        return declared
    if kind in ("au", "activity") and is_iri(ident):
        return ident
    return f"{course_iri}/{quote(ident, safe='')}"


def interaction_iri(launch_iri: str, interaction_id: str) -> str:
    """A SCORM interaction's activity: its id when that is an IRI (Ruche's SCORM 2004 runtime sends
    the question IRI, the one its xAPI runtime uses), else under its SCO's activity (ADL's SCORM profile)."""
    if is_iri(interaction_id):
        return interaction_id
    return f"{launch_iri}/interactions/{quote(interaction_id, safe='')}"


def agent_key(agent: dict[str, Any]) -> str | None:
    """One string per xAPI inverse functional identifier (xAPI 1.0.3 §2.4.2.1); None without one.

    The player's LRS indexes statements by it, its cmi5 moveOn keeps one `satisfied` per learner by
    it, and its documents are scoped by it."""
    if "mbox" in agent:
        return "mbox:" + agent["mbox"]
    if "mbox_sha1sum" in agent:
        return "sha1:" + agent["mbox_sha1sum"].lower()
    if "openid" in agent:
        return "openid:" + agent["openid"]
    if "account" in agent:
        return f"account:{agent['account']['homePage']}|{agent['account']['name']}"
    return None
