"""The sync's own records: one row per run (sync_run), what is known of each remote (sync_remote),
and the statements a remote refused for good (sync_rejected)."""

from __future__ import annotations

import sqlite3
from typing import Any


def interrupt_running(conn: sqlite3.Connection) -> None:
    """Runs still 'running' when the lock is ours were killed: say so."""
    conn.execute("UPDATE sync_run SET status = 'interrupted' WHERE status = 'running'")


def start_run(conn: sqlite3.Connection, endpoint: str, at: str, pending: int) -> int:
    return conn.execute(
        "INSERT INTO sync_run(endpoint, started_at, pending) VALUES (?, ?, ?)", (endpoint, at, pending)
    ).lastrowid


def run_counters(
    conn: sqlite3.Connection, run_id: int, sent: int, failed: int, requests: int, bytes_out: int, bytes_in: int
) -> None:
    conn.execute(
        "UPDATE sync_run SET sent = ?, failed = ?, requests = ?, bytes_out = ?, bytes_in = ? WHERE id = ?",
        (sent, failed, requests, bytes_out, bytes_in, run_id),
    )


def finish_run(conn: sqlite3.Connection, run_id: int, at: str, state: str, error: str | None) -> None:
    conn.execute("UPDATE sync_run SET finished_at = ?, status = ?, error = ? WHERE id = ?", (at, state, error, run_id))


def remote(conn: sqlite3.Connection, endpoint: str) -> sqlite3.Row:
    """The remote's row, created on first contact."""
    conn.execute("INSERT OR IGNORE INTO sync_remote(endpoint) VALUES (?)", (endpoint,))
    return conn.execute("SELECT * FROM sync_remote WHERE endpoint = ?", (endpoint,)).fetchone()


def learn_gzip(conn: sqlite3.Connection, endpoint: str, accepted: bool, at: str) -> None:
    conn.execute("UPDATE sync_remote SET gzip = ?, gzip_at = ? WHERE endpoint = ?", (int(accepted), at, endpoint))


def note_contact(conn: sqlite3.Connection, endpoint: str, at: str, *, acked: bool = False) -> None:
    """The remote answered (and, with `acked`, acknowledged statements) at `at`."""
    if acked:
        conn.execute("UPDATE sync_remote SET contact_at = ?, acked_at = ? WHERE endpoint = ?", (at, at, endpoint))
    else:
        conn.execute("UPDATE sync_remote SET contact_at = ? WHERE endpoint = ?", (at, endpoint))


def reject(conn: sqlite3.Connection, outbox_id: int, endpoint: str, status: int, error: str, at: str) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO sync_rejected(outbox_id, endpoint, status, error, at) VALUES (?, ?, ?, ?, ?)",
        (outbox_id, endpoint, status, error, at),
    )


def clear_rejected(conn: sqlite3.Connection) -> int:
    """Put every refused statement back in the queue; returns how many."""
    return conn.execute("DELETE FROM sync_rejected").rowcount


def rejected(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT r.*, o.statement_id FROM sync_rejected r JOIN outbox o ON o.id = r.outbox_id ORDER BY r.outbox_id"
    )
    return [dict(r) for r in rows]


def runs(conn: sqlite3.Connection, limit: int) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute("SELECT * FROM sync_run ORDER BY id DESC LIMIT ?", (limit,))]


def remotes(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute("SELECT * FROM sync_remote ORDER BY endpoint")]
