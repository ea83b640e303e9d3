"""Hub mode: the devices that sync into this player, their revocable tokens, and forwarding upstream.

The trainer's pages over this registry are player.web.hub.

A trainer registers a device by name and gets a token once; only its SHA-256 is stored. The
device syncs with basic auth (key = its name, secret = the token), checked on every /xapi/
request by `lrs.authenticate` through `check_device`. When an upstream LRS is set
(HUB_UPSTREAM_ENDPOINT/KEY/SECRET or $RUCHE_HUB_UPSTREAM_*), it becomes this player's sync remote,
so received statements go through the outbox and the existing sync forwards them exactly once.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, current_app

from player import db, tokens
from player.i18n import _
from player.store import devices as store

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$")
RESERVED = {"player"}  # the authority name of launch credentials
CONTACT_EVERY = timedelta(seconds=30)  # last_sync_at is written at most this often per device


def enabled() -> bool:
    return bool(current_app.config.get("HUB"))


def forwarding(app: Flask | None = None) -> bool:
    """True when received statements must enter the outbox (an upstream or sync remote is set)."""
    from player.fleet import sync

    return bool(sync.settings(app or current_app)[0])


# ---------------------------------------------------------------------------------------------
# The registry


def register(name: str) -> str:
    """Register a device; returns its token (shown once). Raises ValueError with a message."""
    name = name.strip()
    reserved = RESERVED | {current_app.config.get("LRS_KEY") or ""}
    if not NAME.match(name) or name in reserved:
        raise ValueError(_("Nom d'appareil invalide : lettres, chiffres, point, tiret ou souligné (60 au plus)."))
    token = secrets.token_urlsafe(32)
    with db.transaction() as conn:
        if store.exists(conn, name):
            raise ValueError(_("Cet appareil existe déjà."))
        store.add(conn, name, tokens.digest(token), db.now())
    return token


def new_token(device_id: int) -> tuple[str, str]:
    """A fresh token for a device (the old one stops working); returns (name, token)."""
    token = secrets.token_urlsafe(32)
    with db.transaction() as conn:
        name = store.name_of(conn, device_id)
        if name is None:
            raise KeyError(device_id)
        store.set_token(conn, device_id, tokens.digest(token))
    return name, token


def revoke(device_id: int) -> None:
    with db.transaction() as conn:
        store.revoke(conn, device_id, db.now())


def devices() -> list[dict[str, Any]]:
    return store.all_devices(db.get_db())


def check_device(key: str, secret: str) -> dict[str, Any] | None:
    """The device row when `key`/`secret` is a live device token, else None; notes the contact."""
    row = store.by_name(db.get_db(), key)
    if row is None or row["revoked_at"] or not tokens.matches(row["token_hash"], secret):
        return None
    now = db.now()
    if not row["last_sync_at"] or _parse(row["last_sync_at"]) + CONTACT_EVERY < _parse(now):
        with db.transaction() as conn:  # throttled: a sync of many batches costs one extra write, not one each
            store.note_sync(conn, row["id"], now)
    return dict(row)


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
