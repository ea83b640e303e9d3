"""The local LRS's tables: statements and their agent/activity indexes, activities, documents, credentials."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from packager.standards.ids import agent_key
from player import db

# ---------------------------------------------------------------------------------------------
# Credentials


def credential(key: str, conn: sqlite3.Connection | None = None) -> sqlite3.Row | None:
    conn = conn or db.get_db()
    return conn.execute("SELECT * FROM lrs_credential WHERE key = ?", (key,)).fetchone()


def add_credential(
    conn: sqlite3.Connection,
    key: str,
    secret_digest: str,
    learner_id: int,
    attempt_id: int,
    fetch_digest: str | None,
    at: str,
) -> None:
    """A launch credential; its secret and its cmi5 fetch token as digests only (player/tokens.py)."""
    conn.execute(
        "INSERT INTO lrs_credential(key, secret, learner_id, attempt_id, fetch_token, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (key, secret_digest, learner_id, attempt_id, fetch_digest, at),
    )


def take_fetch_token(conn: sqlite3.Connection, fetch_digest: str, secret_digest: str) -> sqlite3.Row | None:
    """The credential of a cmi5 fetch token, the first time only: it is marked fetched and given the
    secret handed out now (the one made at launch was never shown)."""
    row = conn.execute("SELECT * FROM lrs_credential WHERE fetch_token = ?", (fetch_digest,)).fetchone()
    if row is None or row["fetched"]:
        return None
    conn.execute("UPDATE lrs_credential SET fetched = 1, secret = ? WHERE key = ?", (secret_digest, row["key"]))
    return row


# ---------------------------------------------------------------------------------------------
# Statements


def original(conn: sqlite3.Connection, statement_id: str) -> str | None:
    """A stored statement as it was received (canonical JSON), None when unknown."""
    row = conn.execute("SELECT original FROM lrs_statement WHERE id = ?", (statement_id,)).fetchone()
    return row["original"] if row else None


def void(conn: sqlite3.Connection, statement_id: str, voided_verb: str) -> None:
    """Mark a statement voided, unless it is itself a voiding statement (those cannot be voided)."""
    target = conn.execute("SELECT verb FROM lrs_statement WHERE id = ?", (statement_id,)).fetchone()
    if target is not None and target["verb"] != voided_verb:
        conn.execute("UPDATE lrs_statement SET voided = 1 WHERE id = ?", (statement_id,))


def _actor_key(body: str) -> str | None:
    """The dashboard's learner key (migration 0006): agent_key of the actor, the LRS's own rule."""
    actor = json.loads(body).get("actor")
    return agent_key(actor) if isinstance(actor, dict) else None


def insert_statement(
    conn: sqlite3.Connection,
    row: dict[str, Any],
    agents: list[tuple[str, int]],
    activities: list[tuple[str, int]],
) -> int:
    """One statement with its index terms; returns its sequence number."""
    seq = conn.execute(
        "INSERT INTO lrs_statement(id, body, original, stored, verb, registration, voids, actor) "
        "VALUES (:id, :body, :original, :stored, :verb, :registration, :voids, :actor)",
        {**row, "actor": _actor_key(row["body"])},
    ).lastrowid
    conn.executemany(
        "INSERT INTO lrs_statement_agent(seq, agent, related) VALUES (?, ?, ?)", [(seq, k, r) for k, r in agents]
    )
    conn.executemany(
        "INSERT INTO lrs_statement_activity(seq, activity, related) VALUES (?, ?, ?)",
        [(seq, a, r) for a, r in activities],
    )
    return int(seq)


def statement(statement_id: str, conn: sqlite3.Connection | None = None) -> sqlite3.Row | None:
    conn = conn or db.get_db()
    return conn.execute("SELECT body, voided FROM lrs_statement WHERE id = ?", (statement_id,)).fetchone()


_AUTHORITY = (
    "json_extract(s.body, '$.authority.account.homePage') || ' ' "
    "|| json_extract(s.body, '$.authority.account.name') = ?"
)


def _indexed(table: str, column: str, related: bool) -> str:
    """A filter on an index table (agents, activities); unless related, only the actor or object counts."""
    return f"s.seq IN (SELECT seq FROM {table} WHERE {column} = ?{'' if related else ' AND related = 0'})"


def find_statements(
    *,
    agent: str | None = None,
    related_agents: bool = False,
    verb: str | None = None,
    activity: str | None = None,
    related_activities: bool = False,
    registration: str | None = None,
    actor: str | None = None,
    authority: dict | None = None,
    since: str | None = None,
    until: str | None = None,
    cursor: int | None = None,
    ascending: bool = False,
    limit: int,
    conn: sqlite3.Connection | None = None,
) -> list[sqlite3.Row]:
    """Unvoided statements (seq, body) matching the xAPI GET filters, newest first unless ascending.

    `actor` (an agent key) and `authority` (an account Agent) narrow them to what a scoped
    credential may read: a launch's learner, a hub device (player.lrs.resources).
    """
    conn = conn or db.get_db()
    account = (authority or {}).get("account") or {}
    filters: list[tuple[object, str]] = [
        (agent, _indexed("lrs_statement_agent", "agent", related_agents)),
        (verb, "s.verb = ?"),
        (activity, _indexed("lrs_statement_activity", "activity", related_activities)),
        (registration, "s.registration = ?"),
        (actor, "s.actor = ?"),
        (f"{account.get('homePage')} {account.get('name')}" if authority else None, _AUTHORITY),
        (since or None, "s.stored > ?"),
        (until or None, "s.stored <= ?"),
        (cursor, "s.seq > ?" if ascending else "s.seq < ?"),
    ]
    where, params = ["s.voided = 0"], []
    for value, condition in filters:
        if value is not None:
            where.append(condition)
            params.append(value)
    order = "ASC" if ascending else "DESC"
    return conn.execute(
        f"SELECT s.seq, s.body FROM lrs_statement s WHERE {' AND '.join(where)} ORDER BY s.seq {order} LIMIT ?",
        (*params, limit),
    ).fetchall()


def has_statement(conn: sqlite3.Connection, verb: str, activity: str, agent: str) -> bool:
    """Is there an unvoided statement with this verb, this object activity and this actor?"""
    return (
        conn.execute(
            "SELECT 1 FROM lrs_statement s "
            "JOIN lrs_statement_activity a ON a.seq = s.seq AND a.related = 0 AND a.activity = ? "
            "JOIN lrs_statement_agent g ON g.seq = s.seq AND g.related = 0 AND g.agent = ? "
            "WHERE s.verb = ? AND s.voided = 0 LIMIT 1",
            (activity, agent, verb),
        ).fetchone()
        is not None
    )


# ---------------------------------------------------------------------------------------------
# Activities


def activity_definition(activity_id: str, conn: sqlite3.Connection | None = None) -> dict | None:
    conn = conn or db.get_db()
    row = conn.execute("SELECT definition FROM lrs_activity WHERE id = ?", (activity_id,)).fetchone()
    return json.loads(row["definition"]) if row else None


def know_activity(conn: sqlite3.Connection, activity_id: str) -> None:
    conn.execute("INSERT OR IGNORE INTO lrs_activity(id, definition) VALUES (?, '{}')", (activity_id,))


def save_activity(conn: sqlite3.Connection, activity_id: str, definition: str) -> None:
    conn.execute(
        "INSERT INTO lrs_activity(id, definition) VALUES (?, ?) "
        "ON CONFLICT(id) DO UPDATE SET definition = excluded.definition",
        (activity_id, definition),
    )


# ---------------------------------------------------------------------------------------------
# Documents (state, activity profile, agent profile), by kind and scope

_SCOPE = "kind = ? AND activity = ? AND agent = ? AND registration = ?"


def _scope(kind: str, scope: dict[str, str]) -> tuple[str, str, str, str]:
    return kind, scope["activity"], scope["agent"], scope["registration"]


def document(conn: sqlite3.Connection, kind: str, scope: dict[str, str], doc_id: str) -> sqlite3.Row | None:
    return conn.execute(
        f"SELECT * FROM lrs_document WHERE {_SCOPE} AND doc_id = ?", (*_scope(kind, scope), doc_id)
    ).fetchone()


def document_ids(kind: str, scope: dict[str, str], since: str | None = None) -> list[str]:
    where, params = _SCOPE, list(_scope(kind, scope))
    if since:
        where += " AND updated > ?"
        params.append(since)
    rows = db.get_db().execute(f"SELECT doc_id FROM lrs_document WHERE {where} ORDER BY doc_id", params)
    return [r["doc_id"] for r in rows]


def delete_documents(conn: sqlite3.Connection, kind: str, scope: dict[str, str]) -> None:
    conn.execute(f"DELETE FROM lrs_document WHERE {_SCOPE}", _scope(kind, scope))


def delete_document(conn: sqlite3.Connection, row_id: int) -> None:
    conn.execute("DELETE FROM lrs_document WHERE id = ?", (row_id,))


def put_document(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    """Create or replace one document; row holds the scope's columns, doc_id, content, content_type, etag, updated."""
    conn.execute(
        "INSERT INTO lrs_document(kind, activity, agent, registration, doc_id, content, content_type, etag, updated) "
        "VALUES (:kind, :activity, :agent, :registration, :doc_id, :content, :content_type, :etag, :updated) "
        "ON CONFLICT(kind, activity, agent, registration, doc_id) DO UPDATE SET "
        "content = excluded.content, content_type = excluded.content_type, etag = excluded.etag, "
        "updated = excluded.updated",
        row,
    )
