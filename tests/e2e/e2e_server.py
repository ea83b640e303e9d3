"""The end-to-end tests' own web server: packages, the test LMS pages, scorm-again, an xAPI front.

One threaded HTTP server on 127.0.0.1 (ephemeral port), started by a session fixture:

    /pkg/<name>/…           the unzipped packages (<name> = "<course>-<format>")
    /lib/…                  node_modules/scorm-again/dist (the SCORM API the test LMS creates)
    /lms/…                  tests/e2e/lms (the test LMS pages)
    /lrs/…                  the xAPI endpoint the packages are launched with:
                              statements          forwarded as they are (method, query, body,
                                                  Authorization, X-Experience-API-Version) to
                                                  Ralph LRS's /xAPI/statements
                              activities/state    kept here (Ralph has no Document resources)
                              agents/profile,
                              activities/profile  kept here too
                              about               {"version": [...]} (Ralph has no /about)
    POST /cmi5/fetch/<key>  a cmi5 fetch URL: the first call returns {"auth-token": …} for the
                            key's credentials, later calls the cmi5 error document

Every /lrs and /cmi5 request is logged in `log` so tests can check headers and count attempts.
`lose_responses` > 0 makes the next statement requests reach Ralph but lose their response
(connection closed, like a network drop after the LRS accepted): retries must not duplicate.
"""

from __future__ import annotations

import base64
import http.client
import json
import mimetypes
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

XAPI_VERSION = "1.0.3"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def agent_key(text: str) -> str:
    """A stable key for an agent given as JSON in a query string."""
    try:
        agent = json.loads(text)
    except ValueError:
        return text
    agent.pop("objectType", None)
    agent.pop("name", None)
    return json.dumps(agent, sort_keys=True)


@dataclass
class LrsRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    status: int = 0

    def json(self):
        return json.loads(self.body or b"null")


@dataclass
class E2EServer:
    pkg_root: Path
    lib_root: Path
    lms_root: Path
    ralph_url: str | None = None  # http://127.0.0.1:PORT of Ralph, when started
    credentials: tuple[str, str] = ("ruche", "ruche-secret")
    log: list[LrsRequest] = field(default_factory=list)
    documents: dict[tuple, tuple[str, bytes]] = field(default_factory=dict)
    fetch_calls: dict[str, int] = field(default_factory=dict)
    lose_responses: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> str:
        server = self

        class Handler(_Handler):
            owner = server

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        return self.url

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    @property
    def auth(self) -> str:
        return basic(*self.credentials)

    def statement_requests(self) -> list[LrsRequest]:
        with self.lock:
            return [r for r in self.log if r.path == "statements"]

    def put_document(
        self, resource: str, params: dict[str, str], body: bytes, content_type: str = "application/json"
    ) -> None:
        """Store a State/profile document as an LMS would before a launch."""
        self.documents[_doc_key(resource, params)] = (content_type, body)

    def get_document(self, resource: str, params: dict[str, str]) -> bytes | None:
        found = self.documents.get(_doc_key(resource, params))
        return found[1] if found else None


def _doc_key(resource: str, params: dict[str, str]) -> tuple:
    if resource == "activities/state":
        return (
            resource,
            params.get("activityId"),
            agent_key(params.get("agent", "")),
            params.get("registration", ""),
            params.get("stateId"),
        )
    if resource == "agents/profile":
        return (resource, agent_key(params.get("agent", "")), params.get("profileId"))
    return (resource, params.get("activityId"), params.get("profileId"))


class _Handler(BaseHTTPRequestHandler):
    owner: E2EServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    # ---- plumbing ----
    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self,
        status: int,
        body: bytes = b"",
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Experience-API-Version", XAPI_VERSION)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if status != 204 and self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data) -> None:
        self._send(status, json.dumps(data).encode())

    def _static(self, root: Path, rel: str) -> None:
        path = (root / unquote(rel)).resolve()
        if root.resolve() not in path.parents and path != root.resolve() or not path.is_file():
            return self._send(404, b"not found", "text/plain")
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind in ("application/javascript", "application/json"):
            kind += "; charset=utf-8"
        self._send(200, path.read_bytes(), kind)

    def _route(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        if path.startswith("/pkg/"):
            return self._static(self.owner.pkg_root, path[5:])
        if path.startswith("/lib/"):
            return self._static(self.owner.lib_root, path[5:])
        if path.startswith("/lms/"):
            return self._static(self.owner.lms_root, path[5:])
        if path.startswith("/lrs/"):
            return self._lrs(path[5:].strip("/"), parse_qs(parts.query))
        if path.startswith("/cmi5/fetch/"):
            return self._fetch(path[12:])
        self._send(404, b"not found", "text/plain")

    def _handle(self) -> None:
        try:
            self._route()
        except (BrokenPipeError, ConnectionResetError):  # the page went away
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _handle

    # ---- cmi5 fetch URL ----
    def _fetch(self, key: str) -> None:
        self._body()
        with self.owner.lock:
            n = self.owner.fetch_calls[key] = self.owner.fetch_calls.get(key, 0) + 1
        if self.command != "POST":
            return self._json(405, {"error-code": "3", "error-text": "POST only"})
        if n > 1:
            return self._json(200, {"error-code": "1", "error-text": "auth-token already retrieved"})
        token = self.owner.auth.split(" ", 1)[1]
        self._json(200, {"auth-token": token})

    # ---- xAPI ----
    def _lrs(self, resource: str, query: dict[str, list[str]]) -> None:
        body = self._body()
        req = LrsRequest(self.command, resource, query, {k.lower(): v for k, v in self.headers.items()}, body)
        with self.owner.lock:
            self.owner.log.append(req)
        if self.command == "OPTIONS":
            req.status = 204
            return self._send(204)
        if resource == "about":
            req.status = 200
            return self._json(200, {"version": [XAPI_VERSION, "1.0.0"]})
        if self.headers.get("Authorization") != self.owner.auth:
            req.status = 401
            return self._json(401, {"error": "bad credentials"})
        if resource == "statements":
            return self._forward(req)
        if resource in ("activities/state", "agents/profile", "activities/profile"):
            return self._document(req, resource, {k: v[0] for k, v in query.items()})
        req.status = 404
        self._json(404, {"error": f"no resource {resource}"})

    def _forward(self, req: LrsRequest) -> None:
        owner = self.owner
        if not owner.ralph_url:
            req.status = 503
            return self._json(503, {"error": "no LRS behind this endpoint"})
        target = urlsplit(owner.ralph_url)
        query = urlsplit(self.path).query
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() in ("authorization", "content-type", "x-experience-api-version")
        }
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        try:
            conn.request(
                req.method, "/xAPI/statements" + (f"?{query}" if query else ""), body=req.body or None, headers=headers
            )
            resp = conn.getresponse()
            data = resp.read()
            status = resp.status
            kind = resp.getheader("Content-Type", "application/json")
        finally:
            conn.close()
        req.status = status
        with owner.lock:
            lose = owner.lose_responses > 0 and req.method in ("POST", "PUT")
            if lose:
                owner.lose_responses -= 1
        if lose:  # the LRS has it; the learner's browser never hears back
            req.status = -status
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        self._send(status, data, kind)

    def _document(self, req: LrsRequest, resource: str, params: dict[str, str]) -> None:
        docs = self.owner.documents
        many = "stateId" not in params and "profileId" not in params
        if self.command in ("GET", "HEAD") and many:
            prefix = _doc_key(resource, params)[:-1]
            ids = [k[-1] for k in docs if k[:-1] == prefix]
            req.status = 200
            return self._json(200, ids)
        key = _doc_key(resource, params)
        if self.command in ("GET", "HEAD"):
            if key not in docs:
                req.status = 404
                return self._json(404, {"error": "no such document"})
            kind, data = docs[key]
            req.status = 200
            return self._send(200, data, kind)
        if self.command == "DELETE":
            docs.pop(key, None)
            req.status = 204
            return self._send(204)
        kind = self.headers.get("Content-Type", "application/octet-stream")
        body = req.body
        if self.command == "POST" and key in docs:  # merge JSON documents (xAPI 1.0.3, 2.2)
            try:
                merged = json.loads(docs[key][1])
                merged.update(json.loads(body))
                body = json.dumps(merged).encode()
            except (ValueError, AttributeError):
                req.status = 400
                return self._json(400, {"error": "POST merges JSON objects only"})
        docs[key] = (kind, body)
        req.status = 204
        self._send(204)
