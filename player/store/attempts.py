"""Attempt rows and the outbox INSERT: an attempt's change and its statements share one transaction."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from packager.standards.ids import agent_key
from player import db


def _row(row: sqlite3.Row | None) -> dict[str, Any] | None:
    return dict(row) if row is not None else None


def latest(
    conn: sqlite3.Connection, learner_id: int, identifier: str, standard: str, ident: str
) -> dict[str, Any] | None:
    return _row(
        conn.execute(
            "SELECT * FROM attempt WHERE learner_id = ? AND package_identifier = ? AND standard = ? "
            "AND launch_ident = ? "
            "ORDER BY number DESC LIMIT 1",
            (learner_id, identifier, standard, ident),
        ).fetchone()
    )


def of_launch(
    learner_id: int, identifier: str, standard: str, ident: str, conn: sqlite3.Connection | None = None
) -> list[dict[str, Any]]:
    """Every attempt of a learner on one launch."""
    conn = conn or db.get_db()
    return [
        dict(r)
        for r in conn.execute(
            "SELECT * FROM attempt WHERE learner_id = ? AND package_identifier = ? AND standard = ? "
            "AND launch_ident = ?",
            (learner_id, identifier, standard, ident),
        )
    ]


def of_learner(learner_id: int, conn: sqlite3.Connection | None = None) -> list[dict[str, Any]]:
    conn = conn or db.get_db()
    return [
        dict(r) for r in conn.execute("SELECT * FROM attempt WHERE learner_id = ? ORDER BY updated_at", (learner_id,))
    ]


def get(conn: sqlite3.Connection, attempt_id: int, learner_id: int | None = None) -> dict[str, Any] | None:
    """One attempt; with `learner_id`, only when it is that learner's."""
    if learner_id is None:
        return _row(conn.execute("SELECT * FROM attempt WHERE id = ?", (attempt_id,)).fetchone())
    return _row(
        conn.execute("SELECT * FROM attempt WHERE id = ? AND learner_id = ?", (attempt_id, learner_id)).fetchone()
    )


def by_registration(conn: sqlite3.Connection, registration: str) -> dict[str, Any] | None:
    return _row(conn.execute("SELECT * FROM attempt WHERE registration = ?", (registration,)).fetchone())


def insert(conn: sqlite3.Connection, **values: Any) -> int:
    cols = ", ".join(values)
    cur = conn.execute(f"INSERT INTO attempt({cols}) VALUES ({', '.join('?' * len(values))})", tuple(values.values()))
    return int(cur.lastrowid)


def update(conn: sqlite3.Connection, attempt_id: int, **sets: Any) -> None:
    """Set columns of an attempt; `sessions_added` adds to the session counter."""
    added = sets.pop("sessions_added", None)
    assignments = [f"{k} = ?" for k in sets]
    params = list(sets.values())
    if added is not None:
        assignments.append("sessions = sessions + ?")
        params.append(added)
    conn.execute(f"UPDATE attempt SET {', '.join(assignments)} WHERE id = ?", (*params, attempt_id))


def outbox(conn: sqlite3.Connection, body: dict, created_at: str) -> None:
    """Queue a statement for the sync (in the caller's transaction)."""
    conn.execute(
        "INSERT INTO outbox(statement_id, statement, created_at, actor) VALUES (?, ?, ?, ?)",
        (
            body["id"],
            json.dumps(body, ensure_ascii=False, separators=(",", ":")),
            created_at,
            agent_key(body["actor"]) if isinstance(body.get("actor"), dict) else None,  # dashboard's learner key
        ),
    )


def pending_outbox(conn: sqlite3.Connection | None = None) -> int:
    """Statements not yet sent (the admin page's counter)."""
    conn = conn or db.get_db()
    return conn.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0]
