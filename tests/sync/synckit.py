"""Helpers of the sync tests (and bench/sync_bench.py): outboxes full of realistic statements, our
hub and Ralph LRS on 127.0.0.1, and a fault-injecting HTTP proxy that counts every byte.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for processes.py (also when run alone)
from processes import stop_process  # noqa: E402

from packager.standards import statements as xs
from packager.standards.ids import package_course_iri
from packager.standards.scorm import iso_duration
from player import db
from player.learning import statements as st
from player.learning import tracking  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
HUB_KEY, HUB_SECRET = "hub", "hub-secret"
COURSE = "https://ruche.example.org/courses/jardin-communautaire"
LESSONS = ["accueil", "diagnostic", "priorites", "budget", "suivi"]


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# ---------------------------------------------------------------------------------------------
# Outboxes


def fill_outbox(path: Path | str, count: int, *, learners: int = 4, seed: int | None = None) -> list[str]:
    """Write `count` statements to the outbox of the database at `path`, as the player would.

    A mix of what tracking.py writes for SCORM lessons (initialized, answered with a response,
    scored, completed, passed/failed, terminated with a duration) and what the local LRS keeps
    for xAPI/cmi5 content (the same with stored, authority and version set). Returns their ids.
    """
    rng = random.Random(seed)
    conn = db.connect(path)
    db.migrate(conn)
    device = str(uuid.UUID(int=rng.getrandbits(128)))
    home = f"urn:ruche:device:{device}"
    people = [
        {
            "objectType": "Agent",
            "name": f"Apprenant·e {n + 1}",
            "account": {"homePage": home, "name": str(uuid.UUID(int=rng.getrandbits(128)))},
        }
        for n in range(learners)
    ]
    authority = {"objectType": "Agent", "name": "Ruche", "account": {"homePage": home, "name": "player"}}
    course = package_course_iri(COURSE)
    ids = []
    registrations: dict[tuple[int, str], str] = {}
    cycle = ["initialized", "answered", "answered", "answered", "scored", "completed", "passed", "terminated"]
    with db.transaction(conn):
        for n in range(count):
            who = people[n % learners]
            lesson = LESSONS[(n // len(cycle)) % len(LESSONS)]
            verb = cycle[n % len(cycle)]
            attempt = (n % learners, lesson)  # one registration per attempt: a learner on a lesson
            if attempt not in registrations:
                registrations[attempt] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            registration = registrations[attempt]
            obj = xs.activity(f"{course}/{lesson}", xs.LESSON, lesson.capitalize())
            context = {
                "registration": registration,
                "contextActivities": {
                    "parent": [{"id": course, "objectType": "Activity"}],
                    "category": [{"id": xs.SCORM_PROFILE, "objectType": "Activity"}],
                },
            }
            result = None
            if verb == "answered":
                question = f"q{n % 7 + 1}"
                obj = xs.activity(
                    f"{course}/{lesson}/{question}",
                    xs.INTERACTION,
                    f"Question {question}",
                    interactionType="choice",
                    correctResponsesPattern=["b"],
                )
                answer = rng.choice("abcd")
                result = {"response": answer, "success": answer == "b", "duration": iso_duration(rng.uniform(3, 90))}
            elif verb in ("scored", "passed"):
                scaled = round(rng.uniform(0.5, 1), 2)
                result = {"score": {"scaled": scaled, "raw": round(scaled * 100), "min": 0, "max": 100}}
                if verb == "passed":
                    result["success"] = True
            elif verb == "completed":
                result = {"completion": True}
            elif verb == "terminated":
                result = {"duration": iso_duration(rng.uniform(60, 1800))}
            body = st.statement(verb, who, obj, context, result)
            body["id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4)) if seed is not None else body["id"]
            if n % 3 == 2:  # as kept by the device's own LRS for xAPI/cmi5 content
                body.update(stored=body["timestamp"], authority=authority, version="1.0.0")
            tracking.record_statement(conn, body)
            ids.append(body["id"])
    conn.close()
    return ids


def outbox_state(path: Path | str) -> dict[str, int]:
    conn = db.connect(path)
    try:
        row = conn.execute(
            "SELECT COUNT(*) AS total, COUNT(sent_at) AS sent, COALESCE(SUM(tries), 0) AS tries FROM outbox"
        ).fetchone()
        return dict(row)
    finally:
        conn.close()


def sent_ids(path: Path | str) -> set[str]:
    conn = db.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT statement_id FROM outbox WHERE sent_at IS NOT NULL")}
    finally:
        conn.close()


def runs(path: Path | str) -> list[dict]:
    conn = db.connect(path)
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM sync_run ORDER BY id")]
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# Reading an LRS back


def fetch_statements(endpoint: str, auth: str, **params: str) -> list[dict]:
    """Every statement (GET {endpoint}/statements, following `more`), duplicates included."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(endpoint))
    url = f"{endpoint}/statements?" + urlencode({"limit": 100, **params})
    out: list[dict] = []
    while url:
        req = urllib.request.Request(url, headers={"Authorization": auth, "X-Experience-API-Version": "1.0.3"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            page = json.load(resp)
        out += page["statements"]
        more = page.get("more") or ""
        url = (more if more.startswith("http") else origin + more) if more else ""
    return out


def id_counts(endpoint: str, auth: str, **params: str) -> Counter:
    return Counter(s["id"] for s in fetch_statements(endpoint, auth, **params))


def assert_exactly_once(counts: Counter, ids: list[str] | set[str]) -> None:
    """Every id in `ids` is at the LRS once: none missing, none twice."""
    missing = [i for i in ids if counts.get(i, 0) == 0]
    twice = {i: counts[i] for i in ids if counts.get(i, 0) > 1}
    assert not missing, f"{len(missing)} statements lost, e.g. {missing[:3]}"
    assert not twice, f"{len(twice)} statements stored more than once, e.g. {list(twice.items())[:3]}"


# ---------------------------------------------------------------------------------------------
# Servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gzip_or_not(wsgi_app, gzip_bodies: bool):  # noqa: ANN001, ANN201
    """The hub with or without gzip request bodies, whether create_app installs GunzipRequests or not."""
    from player.fleet.gzip_requests import GunzipRequests

    while isinstance(wsgi_app, GunzipRequests):
        wsgi_app = wsgi_app.app
    return GunzipRequests(wsgi_app) if gzip_bodies else wsgi_app


class HubThread:
    """The player app (create_app, temp data) serving /xapi/ through werkzeug in a thread."""

    def __init__(self, data: Path, gzip_bodies: bool = False) -> None:
        import logging

        from werkzeug.serving import make_server

        from player import create_app

        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.app = create_app({"DATA_DIR": str(data), "TESTING": True, "LRS_KEY": HUB_KEY, "LRS_SECRET": HUB_SECRET})
        self.app.wsgi_app = gzip_or_not(self.app.wsgi_app, gzip_bodies)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}/xapi"
        self.auth = basic(HUB_KEY, HUB_SECRET)
        self.credentials = (HUB_KEY, HUB_SECRET)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), name="hub", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


def _pythonpath() -> str:
    return os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)


class HubProcess:
    """The same hub in its own process (its own clock, its own core): tests/sync/hub_server.py."""

    def __init__(self, data: Path, gzip_bodies: bool = False) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "hub_server.py"), str(data), "gzip" if gzip_bodies else "plain"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": _pythonpath()},
        )
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        match = re.match(r"READY (\d+)", line)
        if not match:
            rest = self.proc.stdout.read() if self.proc.stdout and self.proc.poll() is not None else ""
            self.stop()
            raise RuntimeError(f"the hub did not start: {line}{rest}")
        self.port = int(match.group(1))
        self.url = f"http://127.0.0.1:{self.port}/xapi"
        self.auth = basic(HUB_KEY, HUB_SECRET)
        self.credentials = (HUB_KEY, HUB_SECRET)
        self.data = data

    def stop(self) -> None:
        stop_process(self.proc)


class RalphProcess:
    """Ralph LRS (PyPI ralph-malph) on its file-system backend, appending (tests/ralph_server.py)."""

    USER, PASSWORD = "ruche-device", "ralph-secret"

    def __init__(self, home: Path) -> None:
        import bcrypt

        self.home = home
        self.data = home / "data"
        self.data.mkdir(parents=True)
        (home / "auth.json").write_text(
            json.dumps(
                [
                    {
                        "username": self.USER,
                        "hash": bcrypt.hashpw(self.PASSWORD.encode(), bcrypt.gensalt(4)).decode(),
                        "scopes": ["all"],
                        "agent": {"account": {"homePage": "http://127.0.0.1", "name": "ruche-sync-tests"}},
                    }
                ]
            ),
            encoding="utf-8",
        )
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("RALPH_")}
        env.update(
            {
                "RALPH_APP_DIR": str(home),
                "RALPH_AUTH_FILE": str(home / "auth.json"),
                "RALPH_RUNSERVER_BACKEND": "fs",
                "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.data),
                "RALPH_BACKENDS__DATA__FS__DEFAULT_DIRECTORY_PATH": str(self.data),
            }
        )
        self.log = open(home / "ralph.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE.parent / "ralph_server.py"), str(self.port)],
            cwd=home,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}/xAPI"
        self.auth = basic(self.USER, self.PASSWORD)
        self.credentials = (self.USER, self.PASSWORD)
        deadline = time.monotonic() + 60
        while True:
            try:
                req = urllib.request.Request(
                    f"http://127.0.0.1:{self.port}/whoami", headers={"Authorization": self.auth}
                )
                with urllib.request.urlopen(req, timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("Ralph did not start:\n" + (home / "ralph.log").read_text(errors="replace")[-3000:])
            time.sleep(0.2)

    def stored_ids(self) -> Counter:
        """Every id in Ralph's storage file, duplicates included."""
        counts: Counter = Counter()
        for f in self.data.glob("*"):
            if f.is_file():
                for line in f.read_text(encoding="utf-8").splitlines():
                    if line.strip():
                        counts[json.loads(line)["id"]] += 1
        return counts

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()
        shutil.rmtree(self.home, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# The fault-injecting proxy


@dataclass
class Exchange:
    """One request through the proxy."""

    method: str
    path: str
    fault: str
    bytes_in: int = 0  # from the client (request line, headers, body)
    bytes_out: int = 0  # to the client
    status: int | None = None
    ids: list[str] = field(default_factory=list)  # statement ids in the body
    gzip: bool = False


class _Closed(Exception):
    pass


def _read_head(stream) -> bytes:  # noqa: ANN001
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = stream.readline(65537)
        if not line:
            if head:
                raise _Closed("closed mid-head")
            raise _Closed("closed")
        head += line
    return head


def _headers(head: bytes) -> dict[str, str]:
    out = {}
    for line in head.split(b"\r\n")[1:]:
        if b":" in line:
            name, _, value = line.partition(b":")
            out[name.strip().lower().decode()] = value.strip().decode()
    return out


def _read_body(stream, headers: dict[str, str], until_close: bool) -> bytes:  # noqa: ANN001
    if "content-length" in headers:
        n = int(headers["content-length"])
        data = stream.read(n)
        if len(data) < n:
            raise _Closed("short body")
        return data
    if headers.get("transfer-encoding", "").lower() == "chunked":
        raw = b""
        while True:
            line = stream.readline()
            raw += line
            size = int(line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while True:
                    trailer = stream.readline()
                    raw += trailer
                    if trailer in (b"\r\n", b""):
                        return raw
            raw += stream.read(size + 2)
    return stream.read() if until_close else b""


def statement_ids(body: bytes, headers: dict[str, str]) -> list[str]:
    if not body:
        return []
    if headers.get("content-encoding", "").lower() == "gzip":
        try:
            body = gzip.decompress(body)
        except OSError:
            return []
    try:
        value = json.loads(body)
    except ValueError:
        return []
    items = value if isinstance(value, list) else [value]
    return [s["id"] for s in items if isinstance(s, dict) and "id" in s]


def canned(code: int, message: str = "injected by the test") -> bytes:
    """A complete HTTP/1.1 answer with a JSON error body (the connection stays open)."""
    body = json.dumps({"error": message}).encode()
    reason = {409: "Conflict", 413: "Payload Too Large", 500: "Internal Server Error", 503: "Service Unavailable"}
    return (
        f"HTTP/1.1 {code} {reason.get(code, 'Error')}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


class FaultProxy:
    """A threaded HTTP/1.1 proxy on 127.0.0.1 in front of an LRS, under the test's control.

    `faults` is a queue: each request takes the next fault ("pass" when empty), or `rule(exchange)`
    decides. Faults: pass; drop (connection closed, nothing forwarded); errorNNN (answered NNN,
    nothing forwarded); stall (nothing forwarded, no answer for `stall` seconds); lose (forwarded,
    the LRS stores, the answer never comes back); truncate (forwarded, half the answer then close);
    late (forwarded, the answer held `stall` seconds: the client times out); hold (forwarded, then
    `held` is set and the answer is held until `release` is set: for SIGKILL tests); hold_before
    (like hold, but before forwarding). `strict409`: answer 409 to any statement id already stored
    through this proxy, like LRSs that refuse identical copies. `delay`: seconds before each answer.
    """

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}{parts.path}"
        self.faults: list[str] = []
        self.rule: Callable[[Exchange], str | None] | None = None
        self.log: list[Exchange] = []
        self.stall = 3.0
        self.delay = 0.0
        self.strict409 = False
        self.stored: set[str] = set()
        self.held = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.closing = False
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, name="fault-proxy", daemon=True)
        self.thread.start()

    # -- figures ------------------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.log.clear()

    @property
    def requests(self) -> int:
        return len(self.log)

    @property
    def wire_bytes(self) -> int:
        return sum(e.bytes_in + e.bytes_out for e in self.log)

    def posted_ids(self) -> list[str]:
        return [i for e in self.log if e.method in ("POST", "PUT") for i in e.ids]

    # -- serving ------------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self.closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.connections.append(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _fault(self, exchange: Exchange) -> str:
        with self.lock:
            if self.rule is not None:
                chosen = self.rule(exchange)
                if chosen:
                    return chosen
            return self.faults.pop(0) if self.faults else "pass"

    def _serve(self, client: socket.socket) -> None:
        upstream: socket.socket | None = None
        up_stream = None
        reader = client.makefile("rb")
        try:
            while True:
                try:
                    head = _read_head(reader)
                except (_Closed, OSError):
                    return
                headers = _headers(head)
                try:
                    body = _read_body(reader, headers, until_close=False)
                except (_Closed, OSError):
                    return
                method, path = head.split(b" ", 2)[:2]
                exchange = Exchange(method.decode(), path.decode(), "pass", bytes_in=len(head) + len(body))
                exchange.ids = statement_ids(body, headers) if exchange.method in ("POST", "PUT") else []
                if exchange.method == "PUT":
                    m = re.search(r"statementId=([0-9a-fA-F-]{36})", exchange.path)
                    exchange.ids = [m.group(1)] if m and not exchange.ids else exchange.ids
                exchange.gzip = headers.get("content-encoding", "") == "gzip"
                exchange.fault = self._fault(exchange)
                with self.lock:
                    self.log.append(exchange)
                fault = exchange.fault
                if fault == "drop":
                    return
                if fault.startswith("error"):
                    reply = canned(int(fault[5:]))
                    client.sendall(reply)
                    exchange.status, exchange.bytes_out = int(fault[5:]), len(reply)
                    continue
                if fault == "stall":
                    time.sleep(self.stall)
                    return
                if fault == "hold_before":
                    self.held.set()
                    self.release.wait(60)
                    return
                if self.strict409 and exchange.method in ("POST", "PUT") and "/statements" in exchange.path:
                    with self.lock:
                        clash = any(i in self.stored for i in exchange.ids)
                    if clash:
                        reply = canned(409, "statement id already stored")
                        client.sendall(reply)
                        exchange.status, exchange.bytes_out = 409, len(reply)
                        continue
                # forward
                if upstream is None:
                    upstream = socket.create_connection(self.upstream, timeout=60)
                    up_stream = upstream.makefile("rb")
                upstream.sendall(head + body)
                try:
                    reply_head = _read_head(up_stream)
                except (_Closed, OSError):
                    return
                status = int(reply_head.split(b" ", 2)[1])
                reply_headers = _headers(reply_head)
                no_body = exchange.method == "HEAD" or status in (204, 304) or status < 200
                reply_body = b"" if no_body else _read_body(up_stream, reply_headers, until_close=True)
                exchange.status = status
                if status in (200, 204) and exchange.method in ("POST", "PUT"):
                    with self.lock:
                        self.stored.update(exchange.ids)
                reply = reply_head + reply_body
                if fault == "lose":
                    return
                if fault == "truncate":
                    half = reply[: max(1, len(reply) // 2)]
                    client.sendall(half)
                    exchange.bytes_out = len(half)
                    return
                if fault == "late":
                    time.sleep(self.stall)
                    return
                if fault == "hold":
                    self.held.set()
                    self.release.wait(60)
                    return
                if self.delay:
                    time.sleep(self.delay)
                client.sendall(reply)
                exchange.bytes_out = len(reply)
                if reply_headers.get("connection", "").lower() == "close":
                    return
        except OSError:
            return
        finally:
            for closable in (reader, up_stream, upstream, client):
                try:
                    if closable is not None:
                        closable.close()
                except OSError:
                    pass

    def close(self) -> None:
        self.closing = True
        self.release.set()
        try:
            self.listener.close()
        except OSError:
            pass
        with self.lock:
            for conn in self.connections:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                conn.close()
