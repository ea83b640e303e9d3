"""The secrets the player hands out: launch credentials, cmi5 fetch tokens, hub device tokens.

Each is random (`new`) and stored only as its SHA-256 (`digest`): a copy of the database gives no
working secret. A slow password hash would add nothing: there is nothing to guess in 192 random bits
(256 for device tokens). `matches` compares in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new() -> str:
    return secrets.token_urlsafe(24)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def matches(stored_digest: str | None, token: str) -> bool:
    return bool(stored_digest) and hmac.compare_digest(stored_digest, digest(token))
