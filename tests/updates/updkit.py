"""Helpers of the update tests (and bench/updates_bench.py): courses built in two versions, a hub
and a device (each its own data folder), the hub served on 127.0.0.1 in a thread.
"""

from __future__ import annotations

import logging
import re
import shutil
import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent / "sync"))  # synckit: the fault-injecting proxy that counts bytes

from synckit import FaultProxy, basic  # noqa: E402, F401

from player import create_app, db  # noqa: E402

KEY, SECRET = "device-1", "device-secret"
COURSE = ROOT / "courses" / "metiers-developpement"
CHANGED_LESSON = "03-mrc-des-appalaches.md"


def build_versions(
    work: Path, formats: tuple[str, ...] = ("scorm2004", "cmi5"), bump: bool = True
) -> tuple[dict, dict]:
    """The course built as 1.0.0, then with one lesson changed (as 1.0.1 when `bump`): {format: zip path} each."""
    from packager.build import build

    source = work / "course"
    shutil.copytree(COURSE, source)
    v1, v2 = work / "v1", work / "v2"
    report = build(source, v1, formats=formats, progress=lambda _line: None)
    assert report.ok, report.errors
    course = source / "course.md"
    if bump:
        text = course.read_text(encoding="utf-8")
        course.write_text(re.sub(r"(?m)^version: .*$", 'version: "1.0.1"', text, count=1), encoding="utf-8")
    lesson = source / CHANGED_LESSON
    lesson.write_text(
        lesson.read_text(encoding="utf-8") + "\n\nUn paragraphe ajouté dans la version 1.0.1 de ce cours.\n",
        encoding="utf-8",
    )
    report = build(source, v2, formats=formats, progress=lambda _line: None)
    assert report.ok, report.errors

    def by_format(folder: Path) -> dict[str, Path]:
        return {fmt: next(folder.glob(f"*-{fmt}.zip")) for fmt in formats}

    return by_format(v1), by_format(v2)


def player(data: Path, **config):  # noqa: ANN003, ANN201
    return create_app({"DATA_DIR": str(data), "TESTING": True, **config})


def install(app, path: Path):  # noqa: ANN001, ANN201
    from player.learning import library

    with app.app_context():
        return library.import_zip(path)


def packages(app) -> dict[tuple[str, str], dict]:  # noqa: ANN001
    with app.app_context():
        rows = db.get_db().execute("SELECT * FROM package").fetchall()
        return {(r["identifier"], r["standard"]): dict(r) for r in rows}


class Hub:
    """A player app publishing its library under /updates/, served by werkzeug in a thread."""

    def __init__(self, data: Path, **config) -> None:  # noqa: ANN003
        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.app = player(data, LRS_KEY=KEY, LRS_SECRET=SECRET, **config)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.url = f"{self.origin}/updates"
        self.auth = (KEY, SECRET)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), name="hub", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)
