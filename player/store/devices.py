"""The hub's device registry (hub_device): names, token hashes, revocations, last contacts."""

from __future__ import annotations

import sqlite3
from typing import Any


def exists(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM hub_device WHERE name = ?", (name,)).fetchone() is not None


def add(conn: sqlite3.Connection, name: str, token_hash: str, at: str) -> None:
    conn.execute("INSERT INTO hub_device(name, token_hash, created_at) VALUES (?, ?, ?)", (name, token_hash, at))


def name_of(conn: sqlite3.Connection, device_id: int) -> str | None:
    row = conn.execute("SELECT name FROM hub_device WHERE id = ?", (device_id,)).fetchone()
    return row["name"] if row else None


def set_token(conn: sqlite3.Connection, device_id: int, token_hash: str) -> None:
    """A new token hash; a revoked device comes back to life with it."""
    conn.execute("UPDATE hub_device SET token_hash = ?, revoked_at = NULL WHERE id = ?", (token_hash, device_id))


def revoke(conn: sqlite3.Connection, device_id: int, at: str) -> None:
    conn.execute("UPDATE hub_device SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (at, device_id))


def all_devices(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute("SELECT * FROM hub_device ORDER BY name COLLATE NOCASE")]


def by_name(conn: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM hub_device WHERE name = ?", (name,)).fetchone()


def note_sync(conn: sqlite3.Connection, device_id: int, at: str) -> None:
    conn.execute("UPDATE hub_device SET last_sync_at = ? WHERE id = ?", (at, device_id))


def choices(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(id, name) of every device, for the dashboard's filter."""
    return [(str(r["id"]), r["name"]) for r in conn.execute("SELECT id, name FROM hub_device ORDER BY name")]
