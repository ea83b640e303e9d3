"""What the player acknowledges is on disk, and its files are this account's only (issue 10).

Before: WAL with synchronous=NORMAL (a commit the browser was told is saved could vanish in a power
cut, the common failure of a Raspberry Pi on a community centre's mains), the database 0644 and the
data folder 0755 (the 4-digit PIN hashes readable by any local account).
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from player import db

FULL = 2  # PRAGMA synchronous


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_connection_of_the_app_commits_to_disk(app):
    with app.app_context():
        assert db.get_db().execute("PRAGMA synchronous").fetchone()[0] == FULL
        assert db.get_db().execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_connections_outside_the_app_commit_to_disk_too(app):
    conn = db.connect(app.config["DATABASE"])  # the sync, the CLI and the hub's workers open these
    try:
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == FULL
    finally:
        conn.close()


def test_an_unknown_synchronous_mode_is_refused(app):
    with pytest.raises(ValueError):
        db.connect(app.config["DATABASE"], "OFF")


def test_the_data_folder_and_the_database_are_private(app, learner):
    data = Path(app.config["DATA_DIR"])
    database = Path(app.config["DATABASE"])
    assert mode(data) == 0o700
    assert mode(database) == 0o600
    with app.app_context():  # an open connection with a write: the WAL and its index exist now
        conn = db.get_db()
        db.set_setting("probe", "1")
        wal = database.with_name(database.name + "-wal")
        assert wal.exists() and mode(wal) == 0o600
        conn.execute("SELECT 1")
    assert mode(data / "secret_key") == 0o600


def test_an_existing_world_readable_database_is_made_private(tmp_path):
    from player import create_app

    data = tmp_path / "data"
    create_app({"DATA_DIR": str(data), "TESTING": True})
    (data / "player.sqlite3").chmod(0o644)
    data.chmod(0o755)
    create_app({"DATA_DIR": str(data), "TESTING": True})  # the next start
    assert mode(data) == 0o700 and mode(data / "player.sqlite3") == 0o600
