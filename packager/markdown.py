"""markdown-it-py set-up: CommonMark + tables, raw HTML off, heading anchors, link rewriting.

One place decides what Markdown means, so the renderer and the linter never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from packager.text import slugify

# Maps a local link target to its href in the package, or to None: no link, keep the text.
LinkMapper = Callable[[str], str | None]


@dataclass(frozen=True)
class Reference:
    """A link or image target found in Markdown, with its line in the source file."""

    kind: str  # "link" | "image"
    target: str
    line: int


def is_local(target: str) -> bool:
    """A target inside the course (not a web address, a mail link or a same-page anchor)."""
    lowered = target.lower()
    return not (
        lowered.startswith(("http://", "https://", "mailto:", "tel:", "//", "#", "data:"))
        or ":" in lowered.split("/")[0]
    )


def _anchors(state: Any) -> None:
    prefix = state.env.get("prefix", "")
    seen: dict[str, int] = state.env.setdefault("anchors", {})
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        slug = slugify(tokens[i + 1].content)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        token.attrSet("id", f"{prefix}{slug}" + (f"-{count}" if count else ""))


def _render_link(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    token = tokens[idx]
    href = str(token.attrGet("href") or "")
    mapper = env.get("links")
    if mapper and is_local(href):
        target = mapper(href)
        if target is None:
            depth = 0
            for later in tokens[idx + 1 :]:
                if later.type == "link_open":
                    depth += 1
                elif later.type == "link_close":
                    if depth == 0:
                        later.meta["flat"] = True
                        break
                    depth -= 1
            return '<span class="r-xref">'
        token.attrSet("href", target)
    elif not is_local(href) and not href.startswith("#"):
        token.attrSet("rel", "noopener")
    return self.renderToken(tokens, idx, options, env)


def _render_link_close(self: Any, tokens: list[Token], idx: int, options: Any, env: dict) -> str:
    return "</span>" if tokens[idx].meta.get("flat") else self.renderToken(tokens, idx, options, env)


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.core.ruler.push("ruche_anchors", _anchors)
    md.add_render_rule("link_open", _render_link)
    md.add_render_rule("link_close", _render_link_close)
    return md


def render(text: str, prefix: str = "", links: LinkMapper | None = None) -> str:
    """Markdown → HTML; heading ids get `prefix` so lessons on one page never share an id."""
    return parser().render(text, {"prefix": prefix, "links": links})


def render_inline(text: str) -> str:
    """One line of Markdown (a quiz prompt, an answer, a feedback) → inline HTML, no <p>."""
    return parser().renderInline(text)


def anchors(text: str, prefix: str = "") -> set[str]:
    """The heading ids a Markdown text defines (for checking `lesson.md#anchor` links)."""
    env: dict[str, Any] = {"prefix": prefix}
    tokens = parser().parse(text, env)
    return {str(t.attrGet("id")) for t in tokens if t.type == "heading_open"}


def references(text: str, first_line: int = 1) -> Iterator[Reference]:
    """Every link and image target in `text`, with file line numbers."""
    for block in parser().parse(text):
        if block.type != "inline" or not block.children:
            continue
        line = first_line + (block.map[0] if block.map else 0)
        for child in block.children:
            if child.type == "link_open":
                yield Reference("link", str(child.attrGet("href") or ""), line)
            elif child.type == "image":
                yield Reference("image", str(child.attrGet("src") or ""), line)
            if child.type in ("softbreak", "hardbreak"):
                line += 1
