"""The import log: zips already seen in a watched folder (a USB key is not re-imported every scan)."""

from __future__ import annotations

import sqlite3

from player import db


def seen(path: str, sha256: str, conn: sqlite3.Connection | None = None) -> bool:
    conn = conn or db.get_db()
    return conn.execute("SELECT 1 FROM import_log WHERE path = ? AND sha256 = ?", (path, sha256)).fetchone() is not None


def log(conn: sqlite3.Connection, path: str, sha256: str, at: str, result: str) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO import_log(path, sha256, at, result) VALUES (?, ?, ?, ?)", (path, sha256, at, result)
    )
