"""The first trainer password takes the code `serve` prints on its console (issue 10).

Before: on a device with no trainer password, the first `POST /admin/login` from the device set it,
and a lesson's script runs on the device: a package could make itself the trainer.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from playerkit import csrf

from player import create_app, db
from player.web import auth


@pytest.fixture
def fresh(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path / "d"), "TESTING": True})
    return app, app.test_client()


def _first(client, password="longenough", **extra):
    return client.post("/admin/login", data={"password": password, "csrf_token": csrf(client), **extra})


def test_without_the_code_the_device_itself_cannot_set_the_first_password(fresh):
    app, client = fresh
    assert _first(client).status_code == 403
    with app.app_context():
        auth.new_setup_code()
    assert _first(client, code="0000-0000").status_code == 403
    assert _first(client).status_code == 403
    with app.app_context():
        assert not auth.trainer_exists()


def test_the_code_sets_it_once(fresh):
    app, client = fresh
    with app.app_context():
        code = auth.new_setup_code()
        assert code not in (db.get_setting("trainer_setup_code") or ""), "the code is stored hashed"
    assert _first(client, code=code).status_code == 302
    assert client.get("/admin").status_code == 200
    client.post("/admin/logout", data={"csrf_token": csrf(client)})
    other = create_app({"DATA_DIR": app.config["DATA_DIR"], "TESTING": True}).test_client()
    assert _first(other, password="autremotdepasse", code=code).status_code == 403, "the code is spent"


def test_guessing_the_code_is_rate_limited(fresh):
    app, client = fresh
    app.config["LOGIN_MAX_FAILURES"] = 3
    with app.app_context():
        auth.new_setup_code()
    codes = [_first(client, code=f"{n:08d}").status_code for n in range(5)]
    assert codes[:3] == [403, 403, 403] and codes[3:] == [429, 429]


def test_serve_prints_the_code_on_its_console(tmp_path):
    data = tmp_path / "d"
    proc = subprocess.Popen(
        [sys.executable, "-m", "player", "--data", str(data), "serve", "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "Ruche player on" in line:
                break
        text = "".join(lines)
        match = re.search(r"setup code (\d{4}-\d{4})", text)
        assert match, text
    finally:
        proc.terminate()
        proc.wait(10)
    app = create_app({"DATA_DIR": str(data), "TESTING": True})
    client = app.test_client()
    assert _first(client, code=match.group(1)).status_code == 302
