"""End-to-end fixtures: every bundled course packaged, served, played in headless Debian chromium.

One of each per session: the build (the `exports` fixture of tests/conftest.py), the unzipped
packages and the test web server (e2e_server.py), the browser, Ralph LRS. Each test gets a fresh
browser context (its own localStorage).

Chromium is Debian's (/usr/bin/chromium, `make test` installs it when root): never a browser
downloaded by Playwright. Without it, or without Playwright, Ralph or the npm packages, the
tests that need them are skipped with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e_common import COURSES, FORMATS, HERE, SCORM_AGAIN  # noqa: E402
from e2e_server import E2EServer, basic  # noqa: E402
from processes import stop_process  # noqa: E402

CHROMIUM = Path(os.environ.get("RUCHE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: end-to-end test in headless chromium (tests/e2e)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


# ---- packages ----
@dataclass
class Course:
    slug: str
    dirs: dict[str, Path]  # format -> unzipped package
    urls: dict[str, str] = field(default_factory=dict)  # format -> /pkg/... base path

    def read(self, fmt: str, name: str) -> str:
        return (self.dirs[fmt] / name).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def packages(exports: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Course]:
    """Every bundled course's SCORM 1.2, SCORM 2004, xAPI and cmi5 packages, unzipped."""
    root = tmp_path_factory.mktemp("pkg")
    index = json.loads((exports / ".build-index.json").read_text(encoding="utf-8"))
    courses = {}
    for slug in COURSES:
        dirs, urls = {}, {}
        for fmt in FORMATS:
            target = root / f"{slug}-{fmt}"
            with zipfile.ZipFile(exports / index[slug]["files"][fmt]) as archive:
                archive.extractall(target)
            dirs[fmt] = target
            urls[fmt] = f"/pkg/{target.name}/"
        courses[slug] = Course(slug, dirs, urls)
    return courses


# ---- the web server ----
@pytest.fixture(scope="session")
def server(packages: dict[str, Course]):
    if not (SCORM_AGAIN / "scorm12.js").is_file():
        pytest.skip("npm packages missing: run `npm ci` (make test does) for scorm-again")
    any_course = next(iter(packages.values()))
    srv = E2EServer(next(iter(any_course.dirs.values())).parent, SCORM_AGAIN, HERE / "lms")
    srv.start()
    yield srv
    srv.stop()


# ---- the browser: the one session-wide `browser` fixture of tests/conftest.py ----


class PageErrors(list):
    """JavaScript errors the pages raised (uncaught exceptions, console errors)."""


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1024, "height": 768}, locale="fr-CA")
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    tab = context.new_page()
    tab.js_errors = PageErrors()
    tab.on("pageerror", lambda exc: tab.js_errors.append(f"{exc}"))
    tab.on(
        "console",
        lambda msg: (
            msg.type == "error"
            and not msg.text.startswith("Failed to load resource")
            and tab.js_errors.append(msg.text)
        ),
    )

    def failed(resp) -> None:  # a missing file of a package (the LRS answers are checked by the tests)
        if resp.status >= 400 and "/pkg/" in resp.url:
            tab.js_errors.append(f"HTTP {resp.status} {resp.url}")

    tab.on("response", failed)
    return tab


# ---- Ralph LRS ----
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Ralph:
    url: str
    user: str
    password: str
    data: Path

    @property
    def auth(self) -> str:
        return basic(self.user, self.password)

    def statements(self, **params: str) -> list[dict]:
        """Every statement matching `params` (xAPI GET /statements, following `more`)."""
        from urllib.parse import urlencode

        out, path = [], "/xAPI/statements?" + urlencode({"limit": 100, **params})
        while path:
            req = urllib.request.Request(
                self.url + path, headers={"Authorization": self.auth, "X-Experience-API-Version": "1.0.3"}
            )
            with urllib.request.urlopen(req, timeout=10) as resp:
                page = json.load(resp)
            out += page["statements"]
            path = page.get("more") or ""
        return out

    def stored_ids(self) -> list[str]:
        """The id of every statement in Ralph's storage file, duplicates included."""
        ids = []
        for f in self.data.glob("*.jsonl"):
            for line in f.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    ids.append(json.loads(line)["id"])
        return ids


@pytest.fixture(scope="session")
def ralph(tmp_path_factory: pytest.TempPathFactory, server: E2EServer):
    """Ralph LRS on 127.0.0.1 (file-system backend, basic auth), behind the server's /lrs/."""
    import importlib.util

    missing = [m for m in ("ralph", "fastapi", "uvicorn", "bcrypt", "requests") if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"Ralph LRS missing ({', '.join(missing)}): pip install 'ralph-malph[lrs]' requests")
    import bcrypt

    home = tmp_path_factory.mktemp("ralph")
    data = home / "data"
    data.mkdir()
    user, password = server.credentials
    (home / "auth.json").write_text(
        json.dumps(
            [
                {
                    "username": user,
                    "hash": bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode(),
                    "scopes": ["all"],
                    "agent": {"account": {"homePage": "http://127.0.0.1", "name": "ruche-tests"}},
                }
            ]
        ),
        encoding="utf-8",
    )
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RALPH_")}
    env.update(
        {
            "RALPH_APP_DIR": str(home),
            "RALPH_AUTH_FILE": str(home / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(data),
            "RALPH_BACKENDS__DATA__FS__DEFAULT_DIRECTORY_PATH": str(data),
        }
    )
    log = open(home / "ralph.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, str(HERE.parent / "ralph_server.py"), str(port)],
        cwd=home,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            req = urllib.request.Request(url + "/whoami", headers={"Authorization": basic(user, password)})
            with urllib.request.urlopen(req, timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            pytest.fail("Ralph LRS did not start:\n" + (home / "ralph.log").read_text(errors="replace")[-3000:])
        time.sleep(0.2)
    server.ralph_url = url
    yield Ralph(url, user, password, data)
    server.ralph_url = None
    stop_process(proc)
    log.close()
    shutil.rmtree(home, ignore_errors=True)
