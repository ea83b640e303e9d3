"""The course catalogue page (`exports/index.html`): what each course teaches, and its packages."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from packager.files import atomic_write
from packager.strings import strings_for

TEMPLATES = Path(__file__).parent / "templates"


def render_catalogue(index: dict, language: str = "fr") -> bytes:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    courses = sorted(index.items(), key=lambda item: item[1]["meta"]["title"])
    html = env.get_template("catalogue.html").render(courses=courses, t=strings_for(language), language=language)
    return html.encode("utf-8")


def write_catalogue(out: Path, index: dict) -> None:
    atomic_write(out / "index.html", render_catalogue(index))
