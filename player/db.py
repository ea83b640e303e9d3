"""The one SQLite database of the player: connection, schema, migrations, transactions.

Nothing else in the player opens a connection. Each request (or CLI command, or the folder
watcher) gets one connection through `get_db()`; every write goes through `transaction()`.
The database runs in WAL mode (readers never wait for the writer) with foreign keys on.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, current_app, g

from packager.standards.ids import agent_key

HERE = Path(__file__).parent
SCHEMA = HERE / "schema.sql"
MIGRATIONS = HERE / "migrations"


def now() -> str:
    """The current UTC time as stored everywhere: ISO 8601, microseconds, 'Z' (sorts as text)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# WAL with synchronous=FULL: a COMMIT returns once the WAL is on disk, so what the player acknowledges
# (a saved answer, a stored statement, a sync batch) survives a power cut. NORMAL may lose the last
# commits in one; `make bench` measures what FULL costs (bench/durability_bench.py).
SYNCHRONOUS = ("FULL", "NORMAL")


def connect(path: str | Path, synchronous: str = "FULL") -> sqlite3.Connection:
    """Open the database with the player's settings (autocommit; writes use transaction())."""
    if synchronous not in SYNCHRONOUS:
        raise ValueError(f"synchronous must be one of {SYNCHRONOUS}")
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=15, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA busy_timeout=15000")
    conn.create_function("agent_key", 1, sql_agent_key, deterministic=True)
    return conn


def sql_agent_key(actor: str | None) -> str | None:
    """`agent_key` of an actor given as JSON text, for SQL: migration 0006 back-fills stored rows
    with the very rule the store applies in Python, rather than a second spelling of it in SQL."""
    try:
        agent = json.loads(actor) if actor else None
        return agent_key(agent) if isinstance(agent, dict) else None
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def migrations() -> list[tuple[int, Path]]:
    """Numbered migrations (`0002_name.sql` …) in order; schema.sql is version 1."""
    found = []
    for path in sorted(MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.sql")):
        found.append((int(path.name[:4]), path))
    numbers = [n for n, _ in found]
    if len(numbers) != len(set(numbers)) or 1 in numbers:
        # Two files with one number: only one would ever run, silently.
        raise RuntimeError(f"migration numbers must be unique and start at 2: {[p.name for _, p in found]}")
    return found


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the database to the newest schema; returns the resulting version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    steps: list[tuple[int, str]] = []
    if version == 0:
        steps.append((1, SCHEMA.read_text(encoding="utf-8")))
    steps.extend((number, path.read_text(encoding="utf-8")) for number, path in migrations() if number > version)
    for number, script in steps:
        if number <= version:
            continue
        # executescript commits first; the script runs in its own explicit transaction.
        conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version={number:d};\nCOMMIT;")
        version = number
    return version


def get_db() -> sqlite3.Connection:
    """The connection of the current app context (opened on first use, closed at teardown)."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"], current_app.config["DB_SYNCHRONOUS"])
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()


@contextmanager
def transaction(conn: sqlite3.Connection | None = None) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT (ROLLBACK on error). Nested calls join the outer transaction."""
    conn = conn or get_db()
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def get_setting(key: str, default: str | None = None) -> str | None:
    row = get_db().execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
    return row["value"] if row else default


def set_setting(key: str, value: str) -> None:
    with transaction() as conn:
        conn.execute(
            "INSERT INTO setting(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


def init_app(app: Flask) -> None:
    path = Path(app.config["DATABASE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(path, app.config["DB_SYNCHRONOUS"])
    try:
        migrate(conn)
    finally:
        conn.close()
    private(path)
    app.teardown_appcontext(close_db)


def private(path: Path) -> None:
    """The database and its WAL files readable by this account only (PIN and secret hashes)."""
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists():
            os.chmod(file, 0o600)
