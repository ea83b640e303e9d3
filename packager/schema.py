"""The front-matter schema of course.md and lesson files: one table that load and lint both read."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

IRI = re.compile(r"^(https?://[^\s/]+\S*|urn:[a-z0-9][a-z0-9-]{0,31}:\S+)$", re.IGNORECASE)
LANG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Field:
    required: bool
    check: Callable[[Any], str]  # returns "" when the value is fine, else what is wrong
    example: str


def _text(limit: int = 1000) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            return "must be a non-empty text"
        return f"must be at most {limit} characters" if len(value) > limit else ""

    return check


def _text_list(value: Any) -> str:
    if isinstance(value, str):
        return "must be a list (one item per line starting with '- ')"
    if not isinstance(value, list) or not value:
        return "must be a non-empty list"
    if not all(isinstance(v, str) and v.strip() for v in value):
        return "must list non-empty texts"
    return ""


def _minutes(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return "must be a whole number of minutes greater than 0"
    return ""


def _percent(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        return "must be a percentage between 0 and 100"
    return ""


def _pattern(regex: re.Pattern[str], what: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        return "" if isinstance(value, str) and regex.match(value) else f"must be {what}"

    return check


def _version(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return 'must be quoted text such as "1.0.0" (YAML reads 1.0 as a number)'
    return _pattern(re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+-]{0,31}$"), "a version such as 1.0.0")(value)


COURSE_FIELDS: dict[str, Field] = {
    "id": Field(
        True,
        _pattern(IRI, "a stable IRI such as https://ruche.example.org/courses/slug"),
        "https://ruche.example.org/courses/mon-cours",
    ),
    "title": Field(True, _text(200), "Mobiliser sa communauté"),
    "language": Field(True, _pattern(LANG, "a language tag such as fr or fr-CA"), "fr"),
    "version": Field(True, _version, "1.0.0"),
    "authors": Field(True, _text_list, "[Équipe Ruche]"),
    "license": Field(True, _text(100), "CC BY-SA 4.0"),
    "description": Field(True, _text(1000), "Une phrase qui présente le cours."),
    "objectives": Field(True, _text_list, "[Expliquer l'impact collectif]"),
    "duration": Field(True, _minutes, "90"),
    "mastery_score": Field(True, _percent, "80"),
    "sources": Field(True, _text_list, "[000_0b7e17aa29a5c061.txt]"),
    "lessons": Field(False, _text_list, "[01-premiere-lecon.md]"),
}

LESSON_FIELDS: dict[str, Field] = {
    "title": Field(True, _text(200), "Qu'est-ce que l'impact collectif ?"),
    "objectives": Field(True, _text_list, "[Définir l'impact collectif]"),
    "duration": Field(True, _minutes, "15"),
}
