"""Request bodies: bounded while they are read (chunked or not) and parsed as JSON with a depth limit.

`init_app` sets each request's `max_content_length` from its route before any other code runs, so
Werkzeug refuses (413) a declared length past the limit at once and stops a chunked body at the
limit while it is read. `parse_json` is the one way a body (or a JSON parameter) becomes data.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from packager.standards.scorm import MAX_CMI_BYTES

KB, MB = 1024, 1024 * 1024
STATEMENTS = 5 * MB  # a sync batch of a few thousand statements; the limit the LRS always had
DOCUMENT = 1 * MB  # one state or profile document: resume data is kilobytes, 1 MB is room to spare
COMMIT = 2 * MAX_CMI_BYTES  # a commit past twice the CMI limit can only fail tracking's exact check
FORM = 64 * KB  # every other body: sign-in forms, buttons, the CSRF token
MAX_DEPTH = 64  # a statement nests about 10 levels (a sub-statement's context activities' names)
LIMITS = {
    "lrs.post_statements": STATEMENTS,
    "lrs.put_statement": STATEMENTS,
    "lrs.state": DOCUMENT,
    "lrs.activity_profile": DOCUMENT,
    "lrs.agent_profile": DOCUMENT,
    "learn.commit": COMMIT,
}
UPLOAD_ENDPOINT = "library.upload"  # a package zip: MAX_CONTENT_LENGTH, for the trainer only
API_PREFIXES = ("/xapi/", "/api/", "/cmi5/")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACKETS = str.maketrans("{}", "[]")


class BadJSON(ValueError):
    """A body that is not the JSON asked for; the message says why, for a 400."""


def body_limit(is_trainer: Callable[[], bool]) -> int:
    """The most bytes this request's body may hold, from its route (a form's limit when unknown).
    `is_trainer` is the real check (player.web.auth), not the cookie's flag: a logged-out copy of a
    trainer cookie must not get the upload's limit."""
    if request.endpoint == UPLOAD_ENDPOINT and is_trainer():
        return current_app.config["MAX_CONTENT_LENGTH"]
    return LIMITS.get(request.endpoint or "", FORM)


def too_large_message() -> str:
    """What a 413 says: English under the APIs (as the LRS's errors), the person's language elsewhere."""
    limit = request.max_content_length or 0
    size = f"{limit // MB} MB" if limit >= MB else f"{limit // KB} KB"
    if request.path.startswith(API_PREFIXES):
        return f"the request body is too large (at most {size} here)"
    from player.i18n import _

    return _("La requête est trop grosse : au plus {size} ici.", size=size)


class Bounded(io.RawIOBase):
    """A server-terminated input (a chunked body) that answers 413 once it holds more than `limit`
    bytes. Werkzeug's own limit on such a stream stops quietly at `max_content_length`: the body
    would be cut there, and a cut document or form taken for a whole one."""

    def __init__(self, stream: Any, limit: int) -> None:
        self.stream, self.limit, self.taken = stream, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        room = self.limit - self.taken
        data = self.stream.read(min(len(buffer), room)) if room > 0 else b""
        buffer[: len(data)] = data
        self.taken += len(data)
        if self.taken >= self.limit and self.stream.read(1):  # one byte past the limit: too large
            raise RequestEntityTooLarge()
        return len(data)


def init_app(app: Flask, is_trainer: Callable[[], bool]) -> None:
    """Register the limit first: before the CSRF check or any view reads a byte of the body."""

    @app.before_request
    def limit_body() -> None:
        limit = request.max_content_length = body_limit(is_trainer)  # a declared length past it: 413 at once
        if "wsgi.input_terminated" in request.environ:  # no declared length: counted while read
            request.environ["wsgi.input"] = Bounded(request.environ["wsgi.input"], limit)


def parse_json(data: bytes | str, what: str = "the body") -> Any:
    """JSON from UTF-8 bytes (or text), at most MAX_DEPTH arrays and objects deep; BadJSON otherwise."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadJSON(f"{what} is not valid UTF-8 (byte {exc.start})") from None
    if too_deep(data):
        raise BadJSON(f"{what} nests arrays and objects more than {MAX_DEPTH} deep")
    try:
        return json.loads(data)
    except RecursionError:  # too_deep counts what json counts: kept in case the two ever disagree
        raise BadJSON(f"{what} nests arrays and objects too deep") from None
    except ValueError as exc:
        raise BadJSON(f"{what} is not valid JSON: {exc}") from None


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """True when brackets outside strings nest deeper than `limit`: each pass of `replace` removes
    exactly the innermost pairs, all in C, so the cost is at most `limit` scans of the brackets."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text)).translate(_BRACKETS)
    if "[" * (limit + 1) in brackets:
        return True  # the usual attack, found in one scan
    for _level in range(limit + 1):
        if not brackets:
            return False
        shorter = brackets.replace("[]", "")
        if shorter == brackets:  # only unmatched brackets left: invalid JSON, deep if many
            return len(brackets) > limit
        brackets = shorter
    return True
