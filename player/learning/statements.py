"""Building xAPI statements (ADL's SCORM profile vocabulary) and the actor of a learner."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import quote

from flask import current_app

from player import db

ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {
    name: {"id": ADL + name, "display": {"en-US": name}}
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
        "launched",
        "satisfied",
        "abandoned",
        "waived",
    )
}
VERBS["satisfied"]["id"] = "https://w3id.org/xapi/adl/verbs/satisfied"
VERBS["abandoned"]["id"] = "https://w3id.org/xapi/adl/verbs/abandoned"
VERBS["waived"]["id"] = "https://w3id.org/xapi/adl/verbs/waived"
COURSE = "http://adlnet.gov/expapi/activities/course"
LESSON = "http://adlnet.gov/expapi/activities/lesson"
INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
ATTEMPT = "http://adlnet.gov/expapi/activities/attempt"
SCORM_PROFILE = "http://adlnet.gov/xapi/profile/scorm"
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")


def is_iri(value: str) -> bool:
    return bool(_IRI.match(value or ""))


def device_home_page() -> str:
    configured = current_app.config.get("DEVICE_HOME_PAGE")
    if configured:
        return configured
    device = db.get_setting("device_id")
    if device is None:
        device = str(uuid.uuid4())
        db.set_setting("device_id", device)
    return f"urn:ruche:device:{device}"


def actor(learner: dict[str, Any]) -> dict[str, Any]:
    """A learner as an xAPI Agent: an account on this device (no e-mail, no personal data but the name)."""
    return {
        "objectType": "Agent",
        "name": learner["name"],
        "account": {"homePage": device_home_page(), "name": learner["uuid"]},
    }


def course_iri(identifier: str) -> str:
    return identifier if is_iri(identifier) else f"urn:ruche:package:{quote(identifier, safe='')}"


def launch_iri(identifier: str, ident: str, kind: str) -> str:
    if kind in ("au", "activity") and is_iri(ident):
        return ident
    return f"{course_iri(identifier)}/{quote(ident, safe='')}"


def activity(iri: str, kind: str, name: str | None = None, **extra: Any) -> dict[str, Any]:
    definition: dict[str, Any] = {"type": kind}
    if name:
        definition["name"] = {"und": name}
    definition.update(extra)
    return {"objectType": "Activity", "id": iri, "definition": definition}


def statement(
    verb: str,
    actor_: dict,
    obj: dict,
    context: dict | None = None,
    result: dict | None = None,
    timestamp: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": actor_,
        "verb": VERBS[verb],
        "object": obj,
        "timestamp": timestamp or db.now(),
    }
    if result:
        body["result"] = result
    if context:
        body["context"] = context
    return body


def iso_duration(seconds: float) -> str:
    """Seconds as an xAPI/ISO 8601 duration, centisecond precision: PT1H2M3.45S."""
    centis = int(round(max(seconds, 0) * 100))
    hours, rest = divmod(centis, 360000)
    minutes, rest = divmod(rest, 6000)
    secs = rest / 100
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    return text + (f"{secs:.2f}".rstrip("0").rstrip(".") or "0") + "S"
