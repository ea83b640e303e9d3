"""Package and launch rows: what is installed and what can be launched in it.

The one place that reads and writes the `package` and `launch` tables (library, launch pages,
search, tracking and cmi5 all ask here).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from player import db

# A launch as the player uses it: with the IRI of its course, which statements about it group under.
LAUNCH = "SELECT l.*, p.course_iri FROM launch l JOIN package p ON p.id = l.package_id"


def _rows(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    return [dict(r) for r in cursor]


def _row(row: sqlite3.Row | None) -> dict[str, Any] | None:
    return dict(row) if row is not None else None


def get(package_id: int, conn: sqlite3.Connection | None = None) -> dict[str, Any] | None:
    conn = conn or db.get_db()
    return _row(conn.execute("SELECT * FROM package WHERE id = ?", (package_id,)).fetchone())


def find(identifier: str, standard: str, conn: sqlite3.Connection | None = None) -> dict[str, Any] | None:
    """The installed package of a manifest identifier in one standard (attempts are keyed so)."""
    conn = conn or db.get_db()
    row = conn.execute("SELECT * FROM package WHERE identifier = ? AND standard = ?", (identifier, standard))
    return _row(row.fetchone())


def ordered_by_title(conn: sqlite3.Connection | None = None) -> list[dict[str, Any]]:
    conn = conn or db.get_db()
    return _rows(conn.execute("SELECT * FROM package ORDER BY title COLLATE NOCASE"))


def catalogue(conn: sqlite3.Connection | None = None) -> list[dict[str, Any]]:
    """Every package with its number of visible lessons and the first one (the home page)."""
    conn = conn or db.get_db()
    return _rows(
        conn.execute(
            "SELECT p.*, (SELECT COUNT(*) FROM launch l WHERE l.package_id = p.id AND l.visible) AS lessons, "
            "(SELECT id FROM launch l WHERE l.package_id = p.id AND l.visible ORDER BY position LIMIT 1) "
            "AS first_launch "
            "FROM package p ORDER BY p.title COLLATE NOCASE"
        )
    )


def all_ids(conn: sqlite3.Connection | None = None) -> list[int]:
    conn = conn or db.get_db()
    return [r["id"] for r in conn.execute("SELECT id FROM package ORDER BY id")]


def launches(package_id: int, conn: sqlite3.Connection | None = None) -> list[dict[str, Any]]:
    """A package's launches in manifest order."""
    conn = conn or db.get_db()
    return _rows(conn.execute(f"{LAUNCH} WHERE l.package_id = ? ORDER BY l.position", (package_id,)))


def get_launch(launch_id: int, conn: sqlite3.Connection | None = None) -> dict[str, Any] | None:
    conn = conn or db.get_db()
    return _row(conn.execute(f"{LAUNCH} WHERE l.id = ?", (launch_id,)).fetchone())


def launch_id(package_id: int, ident: str, conn: sqlite3.Connection | None = None) -> int | None:
    conn = conn or db.get_db()
    row = conn.execute("SELECT id FROM launch WHERE package_id = ? AND ident = ?", (package_id, ident)).fetchone()
    return row["id"] if row else None


def of_attempt(attempt_id: int, conn: sqlite3.Connection | None = None) -> tuple[dict | None, dict | None]:
    """(package, launch) an attempt belongs to, each None when no longer installed."""
    conn = conn or db.get_db()
    package = conn.execute(
        "SELECT p.* FROM attempt a JOIN package p ON p.identifier = a.package_identifier AND p.standard = a.standard "
        "WHERE a.id = ?",
        (attempt_id,),
    ).fetchone()
    launch = conn.execute(
        f"{LAUNCH} JOIN attempt a ON a.package_identifier = p.identifier AND a.standard = p.standard "
        "AND a.launch_ident = l.ident WHERE a.id = ?",
        (attempt_id,),
    ).fetchone()
    return _row(package), _row(launch)


def save(conn: sqlite3.Connection, values: dict[str, Any], launch_rows: list[dict[str, Any]]) -> int:
    """Insert or update a package (by identifier and standard) and replace its launches; returns its id."""
    row = conn.execute(
        "SELECT id FROM package WHERE identifier = ? AND standard = ?", (values["identifier"], values["standard"])
    ).fetchone()
    if row is None:
        cols = ", ".join(values)
        package_id = conn.execute(
            f"INSERT INTO package({cols}) VALUES ({', '.join('?' * len(values))})", tuple(values.values())
        ).lastrowid
    else:
        package_id = row["id"]
        sets = ", ".join(f"{k} = ?" for k in values)
        conn.execute(f"UPDATE package SET {sets}, revision = revision + 1 WHERE id = ?", (*values.values(), package_id))
    for launch in launch_rows:
        conn.execute(
            """INSERT INTO launch(package_id, position, ident, title, href, kind, mastery_score, move_on,
                   launch_data, completion_threshold, launch_method, visible, parents, iri)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(package_id, ident) DO UPDATE SET position = excluded.position,
                   title = excluded.title, href = excluded.href, kind = excluded.kind,
                   mastery_score = excluded.mastery_score, move_on = excluded.move_on,
                   launch_data = excluded.launch_data, completion_threshold = excluded.completion_threshold,
                   launch_method = excluded.launch_method, visible = excluded.visible,
                   parents = excluded.parents, iri = excluded.iri""",
            (
                package_id,
                launch["position"],
                launch["ident"],
                launch["title"],
                launch["href"],
                launch["kind"],
                launch["mastery_score"],
                launch["move_on"],
                launch["launch_data"],
                launch["completion_threshold"],
                launch["launch_method"],
                launch["visible"],
                launch["parents"],
                launch["iri"],
            ),
        )
    idents = [launch["ident"] for launch in launch_rows]
    marks = ", ".join("?" * len(idents))
    conn.execute(f"DELETE FROM launch WHERE package_id = ? AND ident NOT IN ({marks})", (package_id, *idents))
    return int(package_id)


def delete(conn: sqlite3.Connection, package_id: int) -> str | None:
    """Remove a package row (its launches go with it); returns its folder, None when unknown."""
    row = conn.execute("SELECT folder FROM package WHERE id = ?", (package_id,)).fetchone()
    if row is None:
        return None
    conn.execute("DELETE FROM package WHERE id = ?", (package_id,))
    return row["folder"]


# ---------------------------------------------------------------------------------------------
# Read by content updates (publishing and pull) and the dashboard's course names


def all_packages(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every installed package, in the order the hub publishes them."""
    return conn.execute("SELECT * FROM package ORDER BY identifier, standard").fetchall()


def package_by_id(conn: sqlite3.Connection, package_id: int) -> dict[str, Any] | None:
    return get(package_id, conn)


def package_folder(conn: sqlite3.Connection, identifier: str, standard: str) -> str | None:
    """The library folder of the installed package with this identifier and standard, if any."""
    row = conn.execute(
        "SELECT folder FROM package WHERE identifier = ? AND standard = ?", (identifier, standard)
    ).fetchone()
    return row["folder"] if row else None


def package_hashes(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """(identifier, standard, sha256) of every package: what the library holds, in a stable order."""
    return [tuple(r) for r in conn.execute("SELECT identifier, standard, sha256 FROM package ORDER BY 1, 2")]


def package_titles(conn: sqlite3.Connection) -> list[tuple[str, str | None, str]]:
    """(identifier, course IRI or None when imported before it was kept, title) of every package."""
    rows = conn.execute("SELECT identifier, course_iri, title FROM package")
    return [(r["identifier"], r["course_iri"], r["title"]) for r in rows]
