"""`make bench` (player part): what a learner's device pays for the offline player. One JSON line per figure.

The bench builds the bundled courses, starts the real server (`python -m player serve`) on a free
port with them in its import folder, and measures (budgets from issue 5):

- wire bytes and requests of a first visit (cold cache) of the learner home page and of a lesson
  page, counted with Chromium's DevTools protocol (Network.loadingFinished.encodedDataLength:
  headers and body as received). A lesson page's figures are split: the player's own responses
  (page, CSS, its LMS script, its /api/ calls) against the budget, the package (/content/, the
  local LRS /xapi/ and /cmi5/ calls of the content) reported beside them;
- the time to open a lesson until its content is shown, with a slow line (300 ms latency,
  250 kbit/s down, 100 kbit/s up);
- the resident memory of the idle server (VmRSS) after the import of every bundled package and a
  few requests;
- the time from process start to the first 200 (restart of a device that has its packages);
- search latency p50/p95 over the bundled courses, ~30 French queries through HTTP.

    .venv/bin/python bench/player_bench.py           # needs Debian's chromium for the browser figures
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(ROOT / "tests"))  # processes.stop_process

from figures import emit  # noqa: E402
from processes import stop_process  # noqa: E402

from packager.build import build  # noqa: E402

CHROMIUM = os.environ.get("RUCHE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
KB = 1024
BUDGETS = {
    "home_kb": 40,
    "lesson_chrome_kb": 60,
    "throttled_open_s": 4.0,
    "idle_rss_mb": 60,
    "start_s": 1.0,
    "search_p95_ms": 50,
}
SLOW_LINE = {"offline": False, "latency": 300, "downloadThroughput": 250_000 / 8, "uploadThroughput": 100_000 / 8}
CONTENT_PREFIXES = ("/content/", "/xapi/", "/cmi5/")
QUERIES = [
    "communauté",
    "développement",
    "élève",
    "eleves",
    "impact",
    "mobiliser",
    "soutien",
    "partenaires",
    "évaluation",
    "objectifs",
    "bénévoles",
    "diagnostic",
    "priorités",
    "ressources",
    "réunion",
    "participation",
    "citoyens",
    "financement",
    "indicateurs",
    "changement",
    "collaboration",
    "compétences",
    "métiers",
    "accompagnement",
    "quiz",
    "leçon",
    "Markdown",
    "plan d'action",
    "théorie du changement",
    "jeunes du quartier",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`python -m player --data DATA serve --port PORT --import-dir USB`, started and stopped by the bench."""

    def __init__(self, data: Path, usb: Path) -> None:
        self.data, self.usb, self.proc, self.port = data, usb, None, 0
        self.log = data.parent / "server.log"

    def start(self) -> float:
        """Start it; returns the seconds from process start to the first 200 on `/`."""
        self.port = free_port()
        command = [
            sys.executable,
            "-m",
            "player",
            "--data",
            str(self.data),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--import-dir",
            str(self.usb),
        ]
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        while time.perf_counter() - started < 300:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the player stopped:\n{self.log.read_text()[-3000:]}")
            try:
                if get(self.port, "/")[0] == 200:
                    return time.perf_counter() - started
            except OSError:
                pass
            time.sleep(0.005)
        raise RuntimeError("the player did not answer within 300 s")

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        if self.proc:
            stop_process(self.proc, sig=signal.SIGINT)  # serve stops cleanly on Ctrl+C

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def lesson_launches(data: Path) -> dict[str, int]:
    """The first visible launch of the guide-auteur course in each standard (the bench's lesson pages)."""
    from player import db

    conn = db.connect(data / "player.sqlite3")
    try:
        rows = conn.execute(
            "SELECT p.standard, MIN(l.id) AS id FROM package p JOIN launch l ON l.package_id = p.id "
            "WHERE p.identifier LIKE '%guide-auteur%' AND l.visible GROUP BY p.standard"
        ).fetchall()
        return {r["standard"]: r["id"] for r in rows}
    finally:
        conn.close()


class Wire:
    """Every response of one page view, from the DevTools protocol, split into chrome and content."""

    def __init__(self, context, page, throttle: bool = False) -> None:
        self.urls: dict[str, str] = {}
        self.done: dict[str, int] = {}
        self.cdp = context.new_cdp_session(page)
        self.cdp.on("Network.requestWillBeSent", self._sent)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.send("Network.enable")
        self.cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})  # a cold cache, every time
        if throttle:
            self.cdp.send("Network.emulateNetworkConditions", SLOW_LINE)

    def _sent(self, event: dict) -> None:
        redirect = event.get("redirectResponse")
        if redirect:  # a redirect ends one response and starts another under the same id
            key = f"{event['requestId']}#{len(self.done)}"
            self.urls[key] = redirect["url"]
            self.done[key] = int(redirect.get("encodedDataLength") or 0)
        self.urls[event["requestId"]] = event["request"]["url"]

    def _finished(self, event: dict) -> None:
        self.done[event["requestId"]] = int(event["encodedDataLength"])

    def split(self) -> dict[str, dict[str, object]]:
        parts: dict[str, dict[str, object]] = {
            "chrome": {"bytes": 0, "requests": 0, "urls": []},
            "content": {"bytes": 0, "requests": 0, "urls": []},
        }
        for key, size in self.done.items():
            url = self.urls.get(key, "")
            if not url.startswith("http"):
                continue
            path = urlsplit(url).path
            part = parts["content" if path.startswith(CONTENT_PREFIXES) else "chrome"]
            part["bytes"] += size
            part["requests"] += 1
            part["urls"].append(f"{path} {size}")
        return parts


def content_shown(page, timeout: float = 60_000) -> None:
    """The lesson's own text is visible in the frame."""
    page.frame_locator("#sco").locator("h1, h2").first.wait_for(state="visible", timeout=timeout)


def browser_figures(server: Server, launches: dict[str, int]) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(locale="fr-CA")
            page = context.new_page()
            page.goto(server.url + "learners")
            page.fill("#name", "Banc")
            page.click("text=Créer mon profil")
            page.wait_for_selector("text=Bonjour, Banc")
            page.close()

            page = context.new_page()
            wire = Wire(context, page)
            page.goto(server.url, wait_until="networkidle")
            home = wire.split()["chrome"]
            emit(
                "player.home_wire_bytes",
                home["bytes"] / KB,
                "KB",
                BUDGETS["home_kb"],
                requests=home["requests"],
                responses=home["urls"],
            )
            emit("player.home_requests", home["requests"], "requests")
            page.close()
            cookies = context.storage_state()["cookies"]  # the learner, and nothing an earlier page left

            for standard in ("scorm2004", "scorm12", "cmi5", "xapi"):
                if standard not in launches:
                    continue
                fresh = browser.new_context(locale="fr-CA", storage_state={"cookies": cookies, "origins": []})
                page = fresh.new_page()
                wire = Wire(fresh, page)
                page.goto(f"{server.url}play/{launches[standard]}")
                content_shown(page)
                page.wait_for_load_state("networkidle")
                time.sleep(0.3)
                parts = wire.split()
                chrome, content = parts["chrome"], parts["content"]
                emit(
                    f"player.lesson_chrome_wire_bytes.{standard}",
                    chrome["bytes"] / KB,
                    "KB",
                    BUDGETS["lesson_chrome_kb"],
                    requests=chrome["requests"],
                    responses=chrome["urls"],
                )
                emit(f"player.lesson_chrome_requests.{standard}", chrome["requests"], "requests")
                emit(
                    f"player.lesson_content_wire_bytes.{standard}",
                    content["bytes"] / KB,
                    "KB",
                    requests=content["requests"],
                    note="the package and its LRS calls, not the player",
                )
                fresh.close()

            for standard in ("scorm2004", "scorm12", "cmi5", "xapi"):
                if standard not in launches:
                    continue
                fresh = browser.new_context(locale="fr-CA", storage_state={"cookies": cookies, "origins": []})
                page = fresh.new_page()
                wire = Wire(fresh, page, throttle=True)
                started = time.perf_counter()
                page.goto(f"{server.url}play/{launches[standard]}", wait_until="commit", timeout=120_000)
                content_shown(page, timeout=120_000)
                seconds = time.perf_counter() - started
                page.wait_for_load_state("networkidle", timeout=120_000)
                parts = wire.split()
                emit(
                    f"player.throttled_lesson_open.{standard}",
                    seconds,
                    "s",
                    BUDGETS["throttled_open_s"],
                    line="300 ms, 250 kbit/s down, 100 kbit/s up",
                    until="the lesson's heading is visible",
                    page_wire_kb=round((parts["chrome"]["bytes"] + parts["content"]["bytes"]) / KB, 1),
                    page_requests=parts["chrome"]["requests"] + parts["content"]["requests"],
                )
                fresh.close()
            context.close()
        finally:
            browser.close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def search_figures(server: Server) -> None:
    for text in QUERIES:  # warm-up: the first query opens the index
        get(server.port, "/search?q=" + quote(text))
    samples, hits = [], 0
    for _round in range(5):
        for text in QUERIES:
            started = time.perf_counter()
            status, body = get(server.port, "/search?q=" + quote(text))
            samples.append((time.perf_counter() - started) * 1000)
            assert status == 200, (text, status)
            hits += _round == 0 and b"/play/" in (body if not body.startswith(b"\x1f\x8b") else _gunzip(body))
    emit(
        "player.search_latency_p50",
        statistics.median(samples),
        "ms",
        queries=len(QUERIES),
        samples=len(samples),
        queries_with_results=hits,
    )
    emit("player.search_latency_p95", percentile(samples, 0.95), "ms", BUDGETS["search_p95_ms"])


def _gunzip(body: bytes) -> bytes:
    import gzip

    return gzip.decompress(body)


def main() -> None:
    have_browser = Path(CHROMIUM).is_file()
    with tempfile.TemporaryDirectory(prefix="player-bench-") as tmp:
        root = Path(tmp)
        report = build(ROOT / "courses", root / "exports", progress=lambda _line: None)
        assert report.ok, "\n".join(str(i) for i in report.errors)
        usb = root / "usb"
        usb.mkdir()
        for package in (root / "exports").glob("*.zip"):
            if not package.name.endswith("-web.zip"):  # the web export is a site, not a package
                shutil.copy(package, usb / package.name)
        count = len(list(usb.glob("*.zip")))

        server = Server(root / "data", usb)
        try:
            seconds = server.start()
            emit(
                "player.first_start_with_import",
                seconds,
                "s",
                packages=count,
                note="process start to first 200, importing every bundled package first",
            )
            for path in ("/", "/search?q=communaut%C3%A9", "/learners", "/courses/1"):
                get(server.port, path)
            time.sleep(1.0)
            emit(
                "player.idle_rss",
                server.rss_mb(),
                "MB",
                BUDGETS["idle_rss_mb"],
                note=f"VmRSS after start, import of {count} packages and a few requests",
            )
        finally:
            server.stop()

        starts = []
        for _ in range(3):  # a restart: the packages are already in the library
            server = Server(root / "data", usb)
            try:
                starts.append(server.start())
            finally:
                server.stop()
        emit(
            "player.start_to_first_200",
            statistics.median(starts),
            "s",
            BUDGETS["start_s"],
            runs=[round(s, 3) for s in starts],
            note="median of 3 restarts, packages already imported",
        )

        server = Server(root / "data", usb)
        try:
            server.start()
            search_figures(server)
            if have_browser:
                browser_figures(server, lesson_launches(root / "data"))
            else:
                print(json.dumps({"skipped": f"browser figures: {CHROMIUM} missing"}), flush=True)
            emit("player.rss_after_bench", server.rss_mb(), "MB", note="after the browser visits and searches")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
