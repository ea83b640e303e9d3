"""Small text helpers shared by the loader, the linter and the renderer."""

from __future__ import annotations

import difflib
import re
import unicodedata


def fold(text: str) -> str:
    """Compare answers the way a learner expects: no case, no accents, single spaces."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


def slugify(text: str) -> str:
    """Heading anchors and ids: ASCII, lower case, hyphens (`Les liens` → `les-liens`)."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-") or "section"


def did_you_mean(word: str, choices: list[str]) -> str:
    """A hint naming the closest known word, or an empty string."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""
