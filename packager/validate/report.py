"""Problems and how one run collects them, plus the small helpers every checker shares."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from packager.manifest import (
    check_href,
    href_path,
    member_for_href,
)
from packager.xmlsafe import PackageError

Severity = Literal["error", "warning"]
LIST_LIMIT = 20  # per-file warnings of one kind before they are summarised


@dataclass(frozen=True)
class Problem:
    """One finding. `file` is the package member it is about, when there is one."""

    severity: Severity
    code: str
    message: str
    file: str | None = None


class Report:
    """Collects problems, dropping exact duplicates and summarising long per-file lists."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._seen: set[Problem] = set()
        self._counts: dict[str, int] = {}
        self._overflow: dict[str, int] = {}

    def add(self, severity: Severity, code: str, message: str, file: str | None = None) -> None:
        problem = Problem(severity, code, message, file)
        if problem not in self._seen:
            self._seen.add(problem)
            self.problems.append(problem)

    def add_capped(self, severity: Severity, code: str, message: str, file: str | None = None) -> None:
        self._counts[code] = self._counts.get(code, 0) + 1
        if self._counts[code] <= LIST_LIMIT:
            self.add(severity, code, message, file)
        else:
            self._overflow[code] = self._overflow.get(code, 0) + 1

    def codes(self) -> set[str]:
        return {p.code for p in self.problems}

    def finish(self) -> list[Problem]:
        for code, extra in self._overflow.items():
            severity = next(p.severity for p in self.problems if p.code == code)
            self.add(severity, code, f"… and {extra} more files with the same problem")
        return self.problems


_NAME_START = (
    "A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_NCNAME = re.compile(f"^[{_NAME_START}][{_NAME_START}\\-.0-9\u00b7\u0300-\u036f\u203f-\u2040]*$")


def is_ncname(value: str) -> bool:
    """True when `value` is a valid xs:ID / xs:NCName."""
    return bool(_NCNAME.match(value))


def a_noun(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def missing_message(manifest: str, path: str, names: set[str]) -> str:
    message = f"{manifest} references '{path}' which is not in the package"
    same = [n for n in names if n.lower() == path.lower() or n.replace("\\", "/") == path]
    if same:
        message += f" (the zip has '{same[0]}': names are case-sensitive and use '/')"
    return message


def check_file_names(names: Iterable[str], report: Report) -> None:
    for name in names:
        bad = sorted({c for c in name if c in " &#%" or ord(c) > 127})
        if bad:
            shown = ", ".join("space" if c == " " else repr(c) for c in bad)
            report.add_capped(
                "warning",
                "file-name",
                f"'{name}' contains {shown}: some LMSs fail on non-ASCII names, spaces, '&', '#' or '%'",
                name,
            )


def check_launch_href(raw: str, what: str, manifest: str, names: set[str], report: Report) -> None:
    try:
        href = check_href(raw, what)
    except PackageError as exc:
        code = "href-external" if re.match(r"(?i)^(https?:)?//", raw.strip()) else exc.code
        report.add("error", code, exc.message, manifest)
        return
    if member_for_href(href, names) is None:
        report.add("error", "file-missing", missing_message(manifest, href_path(href), names), manifest)
