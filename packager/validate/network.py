"""Network references in HTML, CSS and JS: a package must play with no network."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable

from packager.packages import (
    read_member,
)
from packager.validate.report import Report
from packager.xmlsafe import PackageError

_HTML_EXT = (".html", ".htm", ".xhtml", ".xht", ".shtml", ".svg")
_CSS_EXT = (".css",)
_JS_EXT = (".js", ".mjs", ".cjs")
_SCAN_LIMIT = 8 * 1024 * 1024


_URL = r"(?:https?:)?//[^\s'\"`<>)]+"
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"<([A-Za-z][\w:\-]*)(\s[^<>]*?)?/?>", re.S)
_ATTR = re.compile(
    r"(?<![\w\-:])(src|href|xlink:href|data|poster|srcset|background|action|formaction|codebase|archive|manifest"
    r"|rel)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+))",
    re.I,
)
_CSS = (
    re.compile(rf"url\(\s*['\"]?\s*({_URL})", re.I),
    re.compile(rf"@import\s+['\"]\s*({_URL})", re.I),
)
_JS = (
    re.compile(rf"\bfetch\s*\(\s*['\"`]({_URL})"),
    re.compile(rf"\bimport\s*\(\s*['\"`]({_URL})"),
    re.compile(rf"\bimport\s+['\"]({_URL})"),
    re.compile(rf"\bfrom\s+['\"]({_URL})"),
    re.compile(rf"\bimportScripts\s*\(\s*['\"`]({_URL})"),
    re.compile(rf"\.open\s*\(\s*['\"][A-Za-z]+['\"]\s*,\s*['\"`]({_URL})"),
    re.compile(rf"\.src\s*=\s*['\"`]({_URL})"),
    re.compile(rf"\bsendBeacon\s*\(\s*['\"`]({_URL})"),
    re.compile(r"\bnew\s+(?:Worker|EventSource|WebSocket)\s*\(\s*['\"`]((?:wss?:|https?:)?//[^\s'\"`]+)"),
    re.compile(rf"\$\.(?:ajax|get|getJSON|getScript|post|load)\s*\(\s*['\"`]({_URL})"),
)
#: <link rel> values that only describe a document, so the browser loads nothing.
_PASSIVE_RELS = {"canonical", "alternate", "author", "license", "help", "bookmark", "external", "me", "next", "prev"}
_NETWORK = re.compile(r"(?i)^\s*(https?:)?//")


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _scan_tags(name: str, text: str, report: Report) -> None:
    for tag in _TAG.finditer(text):
        element = tag.group(1).lower()
        attrs = {
            m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None)
            for m in _ATTR.finditer(tag.group(2) or "")
        }
        rels = set((attrs.get("rel") or "").lower().split())
        for attr, value in attrs.items():
            if attr == "rel":
                continue
            candidates = [c.strip().split(" ")[0] for c in value.split(",")] if attr == "srcset" else [value]
            for url in (c.strip() for c in candidates if _NETWORK.match(c)):
                line = _line(text, tag.start())
                is_link = (
                    (element in ("a", "area") and attr in ("href", "xlink:href"))
                    or (element == "form" and attr == "action")
                    or (element == "link" and rels and rels <= _PASSIVE_RELS)
                )
                if is_link:
                    report.add(
                        "warning",
                        "external-link",
                        f"{name}:{line}: <{element} {attr}> links to {url}; the learner needs a network to follow it, "
                        "so the lesson must not depend on it",
                        name,
                    )
                else:
                    report.add(
                        "error",
                        "network-reference",
                        f"{name}:{line}: <{element} {attr}> loads {url}; packages must load nothing from a network "
                        "(ship the file inside the package)",
                        name,
                    )


def _scan_patterns(name: str, text: str, patterns: Iterable[re.Pattern[str]], what: str, report: Report) -> None:
    for pattern in patterns:
        for match in pattern.finditer(text):
            report.add(
                "error",
                "network-reference",
                f"{name}:{_line(text, match.start())}: {what} loads {match.group(1)}; packages must load nothing "
                "from a network (ship the file inside the package)",
                name,
            )


def scan_network(archive: zipfile.ZipFile, names: Iterable[str], report: Report) -> None:
    for name in names:
        lower = name.lower()
        if not lower.endswith(_HTML_EXT + _CSS_EXT + _JS_EXT):
            continue
        try:
            text = read_member(archive, name, _SCAN_LIMIT).decode("utf-8", errors="replace")
        except PackageError as exc:
            report.add("warning", "scan-skipped", f"{name} was not scanned for network references: {exc}", name)
            continue
        if lower.endswith(_HTML_EXT):
            text = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
            _scan_tags(name, text, report)
            _scan_patterns(name, text, _CSS, "CSS", report)
            _scan_patterns(name, text, _JS, "script", report)
        elif lower.endswith(_CSS_EXT):
            _scan_patterns(name, text, _CSS, "CSS", report)
        else:
            _scan_patterns(name, text, _JS, "script", report)
            _scan_tags(name, text, report)
