"""The learner as an xAPI actor of this device, and statements stamped with the player's clock.

Their shapes and vocabulary are `packager.standards.statements`; this module adds only what the
player knows: which device it is and what time it is.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app

from packager.standards import statements as xs
from player import db


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


def statement(
    verb: str,
    actor_: dict[str, Any],
    obj: dict[str, Any],
    context: dict[str, Any] | None = None,
    result: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A statement made now (the player's clock, as every row it stores)."""
    return xs.statement(verb, actor_, obj, context, result, timestamp=db.now())
