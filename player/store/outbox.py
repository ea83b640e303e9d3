"""The outbox as sync reads it: statements waiting, sent, refused for good.

Rows are written by the attempts store (one insert per statement); sync only reads them and marks
them sent, so a crash between the two costs a resend, never a loss.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

# Waiting: not acknowledged by a remote and not refused by one (refused rows wait for retry_rejected).
_PENDING = (
    "FROM outbox o WHERE o.sent_at IS NULL AND NOT EXISTS (SELECT 1 FROM sync_rejected r WHERE r.outbox_id = o.id)"
)


def pending_count(conn: sqlite3.Connection) -> int:
    return conn.execute(f"SELECT COUNT(*) {_PENDING}").fetchone()[0]


def pending_span(conn: sqlite3.Connection) -> tuple[int, int]:
    """(statements waiting, highest waiting id): a run sends up to that id, not what arrives meanwhile."""
    count, last = conn.execute(f"SELECT COUNT(*), COALESCE(MAX(o.id), 0) {_PENDING}").fetchone()
    return count, last


def pending_batch(conn: sqlite3.Connection, after: int, last_id: int, limit: int) -> list[sqlite3.Row]:
    """The next waiting rows (id, statement_id, statement) after `after`, in outbox order."""
    return conn.execute(
        f"SELECT o.id, o.statement_id, o.statement {_PENDING} AND o.id > ? AND o.id <= ? ORDER BY o.id LIMIT ?",
        (after, last_id, limit),
    ).fetchall()


def sent_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL").fetchone()[0]


def mark_sent(conn: sqlite3.Connection, ids: Iterable[int], at: str) -> int:
    """Mark rows acknowledged; returns how many were not already marked."""
    marked = 0
    for outbox_id in ids:
        marked += conn.execute(
            "UPDATE outbox SET sent_at = ? WHERE id = ? AND sent_at IS NULL", (at, outbox_id)
        ).rowcount
    return marked


def add_tries(conn: sqlite3.Connection, tries: Iterable[tuple[int, int]]) -> None:
    """Add (requests, outbox id) pairs to each row's try counter."""
    conn.executemany("UPDATE outbox SET tries = tries + ? WHERE id = ?", list(tries))
