"""The sync's state, read without a run: what waits in the outbox, what was refused, the last runs.

Callers outside Flask (the CLI, the background loop, tests) name the database by the app or its
path; each call opens its own connection and closes it (the sync runs in its own thread).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from player import db
from player.store import outbox, sync_log


class SyncError(Exception):
    """A sync that cannot start (no endpoint, a bad URL, no database)."""


def database_path(target: Any) -> str:
    """The database of a Flask app (its DATABASE setting) or a path."""
    config = getattr(target, "config", None)
    if config is not None and "DATABASE" in config:
        return str(config["DATABASE"])
    if isinstance(target, str | os.PathLike):
        return str(target)
    raise SyncError(f"sync needs a database path or the player app, not {type(target).__name__}")


@contextmanager
def open_database(target: Any) -> Iterator[sqlite3.Connection]:
    conn = db.connect(database_path(target))
    try:
        db.migrate(conn)
        yield conn
    finally:
        conn.close()


def pending_count(target: Any) -> int:
    """Statements waiting to be sent (refused ones not counted)."""
    with open_database(target) as conn:
        return outbox.pending_count(conn)


def status(target: Any, runs: int = 5) -> dict[str, Any]:
    """The state of the outbox and the last runs, for `python -m player sync --status`."""
    with open_database(target) as conn:
        return {
            "pending": outbox.pending_count(conn),
            "sent": outbox.sent_count(conn),
            "rejected": sync_log.rejected(conn),
            "runs": sync_log.runs(conn, runs),
            "remotes": sync_log.remotes(conn),
        }


def retry_rejected(target: Any) -> int:
    """Put the statements a remote refused back in the queue (after fixing the cause); returns how many."""
    with open_database(target) as conn, db.transaction(conn):
        return sync_log.clear_rejected(conn)
