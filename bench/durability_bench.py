"""`make bench`: what durable commits cost (issue 10). One JSON line per figure.

The player's SQLite runs WAL with synchronous=FULL: a commit returns once it is on disk, so a saved
answer or a stored statement survives a power cut. Its peer in the same run is synchronous=NORMAL
(what the player used before), on the same disk, alternated and repeated; medians are quoted with
the load average. Both go through the real endpoints in-process (Flask's test client), so the
figures are the database's cost plus the app's, without a network.
"""

from __future__ import annotations

import base64
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from figures import emit  # noqa: E402

from packager.build import build  # noqa: E402
from player import create_app, db  # noqa: E402
from player.learning import library  # noqa: E402

ROUNDS = 3
COMMITS = 150
BATCHES, BATCH = 20, 50
BASIC = "Basic " + base64.b64encode(b"bench:bench-secret").decode()
AUTH = {"Authorization": BASIC, "X-Experience-API-Version": "1.0.3"}


def csrf(client) -> str:
    page = client.get("/learners").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def statement(n: int) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": "urn:ruche:device:bench", "name": f"l{n % 40}"}},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
        "object": {"objectType": "Activity", "id": f"https://example.org/q/{n % 25}"},
        "result": {"success": n % 3 != 0},
        "timestamp": "2026-12-03T08:00:00.000Z",
    }


def one_round(package: Path, synchronous: str, folder: Path) -> tuple[float, float]:
    """(LMS commits per second, statements stored per second) of a fresh player in this mode."""
    app = create_app(
        {
            "DATA_DIR": str(folder),
            "TESTING": True,
            "TRAINER_PASSWORD": "bench-trainer-password",
            "LRS_KEY": "bench",
            "LRS_SECRET": "bench-secret",
            "DB_SYNCHRONOUS": synchronous,
        }
    )
    with app.app_context():
        library.import_zip(package)
        launch = db.get_db().execute("SELECT id FROM launch ORDER BY position LIMIT 1").fetchone()["id"]
    client = app.test_client()
    client.post("/learners/new", data={"name": "Banc", "pin": "", "csrf_token": csrf(client)})
    token = {"X-CSRF-Token": csrf(client)}
    opened = client.post(f"/api/launches/{launch}/open", headers=token).get_json()
    started = time.perf_counter()
    for seq in range(1, COMMITS + 1):
        cmi = dict(opened["cmi"], **{"cmi.location": f"p{seq}", "cmi.suspend_data": "x" * (seq % 200)})
        answer = client.post(
            opened["commit"], json={"session": opened["session"], "seq": seq, "cmi": cmi}, headers=token
        )
        assert answer.status_code == 200, answer.get_data(as_text=True)
    commits = COMMITS / (time.perf_counter() - started)
    started = time.perf_counter()
    for b in range(BATCHES):
        batch = [statement(b * BATCH + i) for i in range(BATCH)]
        answer = client.post("/xapi/statements", json=batch, headers=AUTH)
        assert answer.status_code == 200, answer.get_data(as_text=True)
    ingest = BATCHES * BATCH / (time.perf_counter() - started)
    return commits, ingest


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "exports"
        report = build(ROOT / "courses", out, ["scorm2004"], progress=lambda _line: None)
        package = next(r.path for r in report.built if r.course == "guide-auteur")
        figures: dict[str, dict[str, list[float]]] = {"FULL": {"c": [], "i": []}, "NORMAL": {"c": [], "i": []}}
        for n in range(ROUNDS):
            for mode in ("NORMAL", "FULL") if n % 2 else ("FULL", "NORMAL"):
                commits, ingest = one_round(package, mode, Path(tmp) / f"{mode}-{n}")
                figures[mode]["c"].append(commits)
                figures[mode]["i"].append(ingest)
    load = os.getloadavg()[0]
    for mode, key in (("FULL", "full"), ("NORMAL", "normal")):
        emit(f"durability.lms_commits_per_s.{key}", statistics.median(figures[mode]["c"]), "commits/s", rounds=ROUNDS)
        emit(
            f"durability.ingest_statements_per_s.{key}",
            statistics.median(figures[mode]["i"]),
            "statements/s",
            rounds=ROUNDS,
            batch=BATCH,
        )
    full_c, normal_c = (statistics.median(figures[m]["c"]) for m in ("FULL", "NORMAL"))
    full_i, normal_i = (statistics.median(figures[m]["i"]) for m in ("FULL", "NORMAL"))
    emit("durability.commit_cost_ratio", normal_c / full_c, "x", note="NORMAL / FULL commits per second", load=load)
    emit("durability.ingest_cost_ratio", normal_i / full_i, "x", note="NORMAL / FULL statements per second", load=load)


if __name__ == "__main__":
    main()
