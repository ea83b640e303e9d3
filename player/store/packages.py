"""The `package` table: the packages installed in the library."""

from __future__ import annotations

import sqlite3

# ---------------------------------------------------------------------------------------------
# Read by content updates (publishing and pull) and the dashboard's course names


def all_packages(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every installed package, in the order the hub publishes them."""
    return conn.execute("SELECT * FROM package ORDER BY identifier, standard").fetchall()


def package_by_id(conn: sqlite3.Connection, package_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM package WHERE id = ?", (package_id,)).fetchone()


def package_folder(conn: sqlite3.Connection, identifier: str, standard: str) -> str | None:
    """The library folder of the installed package with this identifier and standard, if any."""
    row = conn.execute(
        "SELECT folder FROM package WHERE identifier = ? AND standard = ?", (identifier, standard)
    ).fetchone()
    return row["folder"] if row else None


def package_hashes(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """(identifier, standard, sha256) of every package: what the library holds, in a stable order."""
    return [tuple(r) for r in conn.execute("SELECT identifier, standard, sha256 FROM package ORDER BY 1, 2")]


def package_titles(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(identifier, title) of every package."""
    return [(r["identifier"], r["title"]) for r in conn.execute("SELECT identifier, title FROM package")]
