"""Talking to a remote LRS or hub over HTTP: one kept-alive connection, every byte counted.

Shared by the sync (statements up) and the content updates (packages down). Standard library only
(http.client): a Raspberry Pi gets nothing it does not need.
"""

from __future__ import annotations

import base64
import gzip as gziplib
import http.client
import io
import json
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

XAPI_VERSION = "1.0.3"
USER_AGENT = "ruche-sync/1"

Auth = tuple[str, str] | str | None


class TransportError(Exception):
    """The network failed us: refused, reset, timed out, truncated, garbled."""


@dataclass
class Counter:
    out: int = 0
    into: int = 0
    requests: int = 0


class CountingRaw(io.RawIOBase):
    def __init__(self, raw: io.RawIOBase, counter: Counter) -> None:
        self._raw, self._counter = raw, counter

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int | None:
        n = self._raw.readinto(buffer)
        if n:
            self._counter.into += n
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


class CountingSocket:
    def __init__(self, sock: Any, counter: Counter) -> None:
        self._sock, self._counter = sock, counter

    def sendall(self, data: bytes, *args: Any) -> None:
        self._counter.out += len(data)
        self._sock.sendall(data, *args)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        return io.BufferedReader(CountingRaw(self._sock.makefile(mode, buffering=0), self._counter))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def counting(cls: type[http.client.HTTPConnection]) -> type[http.client.HTTPConnection]:
    class Counting(cls):  # type: ignore[misc, valid-type]
        counter: Counter

        def connect(self) -> None:
            super().connect()
            self.sock = CountingSocket(self.sock, self.counter)

    return Counting


_HTTP = counting(http.client.HTTPConnection)
_HTTPS = counting(http.client.HTTPSConnection)


@dataclass
class Reply:
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes

    def text(self, limit: int = 300) -> str:
        return self.body[:limit].decode("utf-8", "replace").strip()

    def json(self) -> Any:
        return json.loads(self.body)


def authorization(auth: Auth) -> str | None:
    if auth is None:
        return None
    if isinstance(auth, str):
        if auth.startswith(("Basic ", "Bearer ")):
            return auth
        auth = tuple(auth.split(":", 1)) if ":" in auth else (auth, "")  # type: ignore[assignment]
    key, secret = auth  # type: ignore[misc]
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")


class Client:
    """Requests to one LRS over one kept-alive connection; every failure becomes TransportError."""

    def __init__(self, endpoint: str, auth: Auth, timeout: float) -> None:
        parts = urlsplit(endpoint)
        self.https = parts.scheme == "https"
        self.host, self.port = parts.hostname or "", parts.port
        self.base = parts.path.rstrip("/")
        self.timeout = timeout
        self.counter = Counter()
        self.conn: http.client.HTTPConnection | None = None
        self.used = 0
        self.headers = {"X-Experience-API-Version": XAPI_VERSION, "User-Agent": USER_AGENT}
        header = authorization(auth)
        if header:
            self.headers["Authorization"] = header

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn, self.used = None, 0

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            cls = _HTTPS if self.https else _HTTP
            self.conn = cls(self.host, self.port, timeout=self.timeout)
            self.conn.counter = self.counter  # type: ignore[attr-defined]
        return self.conn

    def request(self, method: str, target: str, body: bytes | None = None, headers: dict | None = None) -> Reply:
        for again in (False, True):
            conn = self._connection()
            reused = self.used > 0
            try:
                conn.putrequest(method, self.base + target, skip_accept_encoding=True)
                for name, value in {**self.headers, **(headers or {})}.items():
                    conn.putheader(name, value)
                if body is not None:
                    conn.putheader("Content-Length", str(len(body)))
                self.counter.requests += 1
                conn.endheaders(body)
                response = conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self.close()
                if reused and not again:  # the server closed an idle kept-alive connection: reconnect once
                    continue
                raise TransportError(describe(exc)) from None
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise TransportError(describe(exc)) from None
            self.used += 1
            if response.will_close:
                self.close()
            reply_headers = {k.lower(): v for k, v in response.getheaders()}
            if reply_headers.get("content-encoding", "").lower() in ("gzip", "x-gzip") and data:
                try:
                    data = gziplib.decompress(data)
                except (OSError, EOFError, zlib.error) as exc:
                    raise TransportError(f"garbled gzip response: {exc}") from None
            return Reply(response.status, response.reason, reply_headers, data)
        raise AssertionError("unreachable")


def describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, http.client.IncompleteRead):
        return f"truncated response ({len(exc.partial)} bytes read)"
    return f"{type(exc).__name__}: {exc}".rstrip(": ")
