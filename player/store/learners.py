"""Learner rows (names, hashed PINs) and the trainer's password (a setting)."""

from __future__ import annotations

import sqlite3
from typing import Any

from player import db

TRAINER_PASSWORD = "trainer_password"


def get(learner_id: int, conn: sqlite3.Connection | None = None) -> dict[str, Any] | None:
    conn = conn or db.get_db()
    row = conn.execute("SELECT * FROM learner WHERE id = ?", (learner_id,)).fetchone()
    return dict(row) if row else None


def name_taken(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM learner WHERE name = ?", (name,)).fetchone() is not None


def insert(conn: sqlite3.Connection, name: str, pin_hash: str | None, uuid: str, created_at: str) -> int:
    cur = conn.execute(
        "INSERT INTO learner(name, pin_hash, uuid, created_at) VALUES (?, ?, ?, ?)", (name, pin_hash, uuid, created_at)
    )
    return int(cur.lastrowid)


def reserve_pin_try(conn: sqlite3.Connection, learner_id: int, limit: int) -> bool:
    """Count one PIN try before it is checked, in one statement: False once `limit` are spent, so
    concurrent guesses can never be evaluated more than `limit` times."""
    cursor = conn.execute(
        "UPDATE learner SET failed_pins = failed_pins + 1 WHERE id = ? AND failed_pins < ?", (learner_id, limit)
    )
    return cursor.rowcount == 1


def clear_failed_pins(conn: sqlite3.Connection, learner_id: int) -> None:
    conn.execute("UPDATE learner SET failed_pins = 0 WHERE id = ?", (learner_id,))


def reset_pin(conn: sqlite3.Connection, learner_id: int) -> None:
    conn.execute("UPDATE learner SET pin_hash = NULL, failed_pins = 0 WHERE id = ?", (learner_id,))


def delete(conn: sqlite3.Connection, learner_id: int) -> None:
    conn.execute("DELETE FROM learner WHERE id = ?", (learner_id,))


def names(conn: sqlite3.Connection | None = None) -> list[sqlite3.Row]:
    """The learner picker: id, name and whether a PIN is set; nothing else leaves the table."""
    conn = conn or db.get_db()
    return conn.execute("SELECT id, name, pin_hash IS NOT NULL AS has_pin FROM learner ORDER BY name").fetchall()


def with_activity(conn: sqlite3.Connection | None = None) -> list[dict[str, Any]]:
    """Every learner with the number of completed attempts and the last time seen (admin page)."""
    conn = conn or db.get_db()
    return [
        dict(r)
        for r in conn.execute(
            "SELECT l.*, (SELECT COUNT(*) FROM attempt a WHERE a.learner_id = l.id AND a.completion = 'completed') "
            "AS completed, (SELECT MAX(updated_at) FROM attempt a WHERE a.learner_id = l.id) AS last_seen "
            "FROM learner l ORDER BY name COLLATE NOCASE"
        )
    ]


def trainer_password_hash() -> str | None:
    return db.get_setting(TRAINER_PASSWORD)


def set_trainer_password_hash(password_hash: str) -> None:
    db.set_setting(TRAINER_PASSWORD, password_hash)
