from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from playerkit import TRAINER, scorm12_zip, scorm2004_zip
from processes import stop_process

ROOT = Path(__file__).resolve().parents[2]


# ---- end-to-end: the real server and Debian chromium (one of each for the session) ----


class Server:
    def __init__(self, data: Path, import_dir: Path) -> None:
        self.data, self.import_dir, self.proc, self.url = data, import_dir, None, ""

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "player",
                "--data",
                str(self.data),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--import-dir",
                str(self.import_dir),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.time() + 60
        lines = []
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            match = re.search(r"on (http://127\.0\.0\.1:\d+/)", line)
            if match:
                self.url = match.group(1)
                return
        self.stop()
        raise RuntimeError("the server did not start:\n" + "".join(lines))

    def stop(self) -> None:
        if self.proc:
            stop_process(self.proc)


@pytest.fixture(scope="session")
def player_server(tmp_path_factory, exports):
    root = tmp_path_factory.mktemp("player-e2e")
    usb = root / "usb"
    usb.mkdir()
    for package in exports.glob("*.zip"):
        if not package.name.endswith("-web.zip"):
            (usb / package.name).write_bytes(package.read_bytes())
    scorm2004_zip(usb / "tiers-2004.zip")
    scorm12_zip(usb / "tiers-12.zip")
    scorm12_zip(root / "tiers-12-v2.zip", text="Le jardin communautaire, deuxième version.")
    data = root / "data"
    subprocess.run(
        [sys.executable, "-m", "player", "--data", str(data), "trainer-password"],
        input=TRAINER + "\n",
        text=True,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    srv = Server(data, usb)
    srv.start()
    srv.root = root
    yield srv
    srv.stop()


# `browser` (one Debian chromium for the whole run) comes from tests/conftest.py: Playwright's sync API
# allows one instance per thread, so the player tests share it.
