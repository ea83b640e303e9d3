"""The hub's side of a sync: gzip-compressed request bodies under /xapi/, inflated with limits.

Devices send their batches gzip-compressed (about ten times fewer bytes on a slow line); this
WSGI middleware inflates them before Flask sees them, refusing bombs (413) and other encodings (415).
"""

from __future__ import annotations

import http.client
import io
import json
import zlib
from collections.abc import Callable
from typing import Any

XAPI_VERSION = "1.0.3"


class GunzipRequests:
    """WSGI middleware for the hub: `Content-Encoding: gzip` request bodies under `prefix`, inflated
    with a size limit (413 past `max_bytes`, so a small zip bomb cannot fill memory); any other
    encoding is answered 415 so that a client falls back to plain bodies.
    """

    def __init__(self, app: Callable, prefix: str = "/xapi/", max_bytes: int = 5 * 1024 * 1024) -> None:
        self.app, self.prefix, self.max_bytes = app, prefix, max_bytes

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        encoding = environ.get("HTTP_CONTENT_ENCODING", "").strip().lower()
        if encoding in ("", "identity") or not environ.get("PATH_INFO", "").startswith(self.prefix):
            return self.app(environ, start_response)
        if encoding not in ("gzip", "x-gzip"):
            return _answer(start_response, 415, f"Content-Encoding {encoding} is not supported (gzip is)")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _answer(start_response, 400, "bad Content-Length")
        stream = environ["wsgi.input"]
        if length > self.max_bytes:
            return _answer(start_response, 413, "the request body is too large")
        raw = _read(stream, length or self.max_bytes + 1)
        if len(raw) > self.max_bytes:  # a chunked body (no Content-Length) past the limit
            return _answer(start_response, 413, "the request body is too large")
        inflater = zlib.decompressobj(wbits=31)
        try:
            data = inflater.decompress(raw, self.max_bytes + 1)
        except zlib.error as exc:
            return _answer(start_response, 400, f"the gzip body is not valid: {exc}")
        if len(data) > self.max_bytes:
            return _answer(start_response, 413, "the request body is too large once inflated")
        if not inflater.eof:
            return _answer(start_response, 400, "the gzip body is truncated")
        environ = dict(environ)
        environ.pop("HTTP_CONTENT_ENCODING", None)
        environ["wsgi.input"] = io.BytesIO(data)
        environ["CONTENT_LENGTH"] = str(len(data))
        environ.pop("wsgi.input_terminated", None)
        environ.pop("HTTP_TRANSFER_ENCODING", None)  # else Werkzeug ignores the length and reads nothing
        return self.app(environ, start_response)


def _read(stream: Any, most: int) -> bytes:
    """Up to `most` bytes: a chunked body may come in short reads, and stops at its end."""
    parts, size = [], 0
    while size < most:
        part = stream.read(min(most - size, 1024 * 1024))
        if not part:
            break
        parts.append(part)
        size += len(part)
    return b"".join(parts)


def _answer(start_response: Callable, code: int, message: str) -> list[bytes]:
    body = json.dumps({"error": message}).encode()
    start_response(
        f"{code} {http.client.responses.get(code, '')}",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("X-Experience-API-Version", XAPI_VERSION),
        ],
    )
    return [body]
