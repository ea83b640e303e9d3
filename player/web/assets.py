"""Serving files: the player's static files (hashed URLs, immutable) and packages' content.

Both are compressed once and kept in a small in-memory cache, with ETags, so a Raspberry Pi
does not gzip the same page for every learner.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from collections import OrderedDict
from pathlib import Path

from flask import Blueprint, Response, abort, request

bp = Blueprint("assets", __name__)
STATIC = Path(__file__).parent.parent / "static"
COMPRESS = (".html", ".htm", ".js", ".css", ".json", ".svg", ".xml", ".txt")
CACHE_LIMIT = 8 * 1024 * 1024
MAX_CACHED_FILE = 2 * 1024 * 1024
_cache: OrderedDict[tuple[str, float, int], tuple[bytes, bytes | None, str]] = OrderedDict()
_cache_bytes = 0

mimetypes.add_type("application/javascript", ".js")
mimetypes.add_type("image/svg+xml", ".svg")
mimetypes.add_type("text/css", ".css")


def _load(path: Path) -> tuple[bytes, bytes | None, str]:
    global _cache_bytes
    stat = path.stat()
    key = (str(path), stat.st_mtime, stat.st_size)
    if key in _cache:
        _cache.move_to_end(key)
        return _cache[key]
    data = path.read_bytes()
    packed = gzip.compress(data, 6, mtime=0) if path.suffix.lower() in COMPRESS and len(data) > 512 else None
    if packed is not None and len(packed) >= len(data):
        packed = None
    entry = (data, packed, hashlib.sha256(data).hexdigest()[:20])
    if stat.st_size <= MAX_CACHED_FILE:
        _cache[key] = entry
        _cache_bytes += len(data) + len(packed or b"")
        while _cache_bytes > CACHE_LIMIT and _cache:
            _k, (d, p, _e) = _cache.popitem(last=False)
            _cache_bytes -= len(d) + len(p or b"")
    return entry


def send(path: Path, immutable: bool = False) -> Response:
    """A file with its ETag, gzip when the client accepts it, 304 when unchanged."""
    if not path.is_file():
        abort(404)
    if path.stat().st_size > MAX_CACHED_FILE:  # big media: streamed by werkzeug (ranges work)
        from flask import send_file

        return send_file(path, conditional=True, max_age=3600)
    data, packed, etag = _load(path)
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if mimetype.startswith("text/") or mimetype in ("application/javascript", "application/json"):
        mimetype += "; charset=utf-8"
    headers = {
        "ETag": f'"{etag}"',
        "Vary": "Accept-Encoding",
        "Cache-Control": "public, max-age=31536000, immutable" if immutable else "no-cache",
    }
    if request.if_none_match.contains(etag) or request.if_none_match.contains_weak(etag):
        return Response(status=304, headers=headers)
    body = data
    if packed is not None and "gzip" in request.headers.get("Accept-Encoding", "").lower():
        body = packed
        headers["Content-Encoding"] = "gzip"
    return Response(body, mimetype=mimetype, headers=headers)


@bp.get("/static/<path:filename>")
def static(filename: str) -> Response:
    path = (STATIC / filename).resolve()
    if not path.is_relative_to(STATIC.resolve()):
        abort(404)
    return send(path, immutable=bool(request.args.get("v")))
