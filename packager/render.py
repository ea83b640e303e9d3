"""Course model → HTML pages and the files they need (runtime, media).

Formats ask this module for pages; they never touch Markdown themselves.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Literal

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from packager import markdown
from packager.bundle import runtime_files
from packager.load import target_path
from packager.model import Course, Lesson, Markdown, Quiz
from packager.standards import ids
from packager.strings import strings_for
from packager.text import fold

# "anchor": every lesson on one page, links are #ids. "lesson": one lesson per page (SCORM 2004
# SCOs); a link to another lesson would load that SCO outside sequencing, so it is kept as text.
LinkMode = Literal["anchor", "lesson"]
TEMPLATES = Path(__file__).parent / "templates"


def lesson_iri(course: Course, lesson: Lesson) -> str:
    return ids.lesson_iri(course.id, lesson.slug)


def question_iri(course: Course, question_id: str) -> str:
    return ids.question_iri(course.id, question_id)


def lesson_file(lesson: Lesson) -> str:
    """The page of one lesson when a format needs one page per lesson (SCORM 2004 SCOs)."""
    return f"{lesson.id}.html"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["inline"] = lambda text: Markup(markdown.render_inline(text))
    return env


class Site:
    """The rendered course: lesson HTML is made once and shared by every format of a build."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.t = strings_for(course.language)
        self.env = _environment()
        self._bodies: dict[tuple[str, LinkMode], str] = {}
        by_file = {lesson.source.name: lesson for lesson in course.lessons}
        self._by_file = by_file

    def _link_mapper(self, mode: LinkMode, current: Lesson | None = None):
        def mapper(href: str) -> str | None:
            name, _, fragment = href.partition("#")
            lesson = self._by_file.get(name)
            if lesson is None:
                return href
            if mode == "lesson" and lesson is not current:
                return None
            return f"#{lesson.id}-{fragment}" if fragment else f"#{lesson.id}"

        return mapper

    def body(self, lesson: Lesson, mode: LinkMode) -> str:
        key = (lesson.id, mode)
        if key not in self._bodies:
            parts = []
            quiz_template = self.env.get_template("quiz.html")
            for block in lesson.blocks:
                if isinstance(block, Markdown):
                    parts.append(markdown.render(block.text, f"{lesson.id}-", self._link_mapper(mode, lesson)))
                else:
                    parts.append(quiz_template.render(quiz=block, t=self.t) + "\n")
            self._bodies[key] = "".join(parts)
        return self._bodies[key]

    @cached_property
    def intro(self) -> str:
        return markdown.render(self.course.introduction.text, "intro-", self._link_mapper("anchor"))

    def data(self, fmt: str, lessons: Sequence[Lesson], page_id: str) -> str:
        """The `#r-data` JSON the runtime reads (see docs/runtime.md)."""
        c = self.course
        quizzes = [(lesson, b) for lesson in lessons for b in lesson.blocks if isinstance(b, Quiz)]
        payload = {
            "format": fmt,
            "course": {
                "id": c.id,
                "title": c.title,
                "lang": c.language,
                "mastery": c.mastery_score,
                "version": c.version,
            },
            "page": {"id": page_id, "mastery": c.mastery_score},
            "lessons": [{"id": le.id, "iri": lesson_iri(c, le), "title": le.title} for le in lessons],
            "quizzes": [
                {
                    "id": quiz.id,
                    "lesson": lesson.id,
                    "mastery": quiz.mastery_score if quiz.mastery_score is not None else c.mastery_score,
                    "attempts": quiz.max_attempts,
                    "questions": [
                        {
                            "id": q.id,
                            "kind": q.kind,
                            "iri": question_iri(c, q.id),
                            "prompt": q.prompt,
                            "choices": {ch.id: ch.text for ch in q.choices},
                            "correct": list(q.correct_ids),
                            "answers": [fold(a) for a in q.answers],
                        }
                        for q in quiz.questions
                    ],
                }
                for lesson, quiz in quizzes
            ],
        }
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        return text.replace("</", "<\\/")

    def page(
        self,
        fmt: str,
        lessons: Sequence[Lesson],
        *,
        intro: bool,
        page_id: str,
        mode: LinkMode,
        title: str | None = None,
    ) -> bytes:
        """One launch page holding `lessons` (and the introduction when `intro`)."""
        html = self.env.get_template("page.html").render(
            course=self.course,
            t=self.t,
            lessons=lessons,
            title=title or self.course.title,
            intro=Markup(self.intro) if intro else "",
            bodies={le.id: Markup(self.body(le, mode)) for le in lessons},
            data=Markup(self.data(fmt, lessons, page_id)),
        )
        return html.encode("utf-8")

    def assets(self) -> dict[str, bytes]:
        """The media files the pages use, read from the course folder."""
        return {asset.path: asset.source.read_bytes() for asset in self.course.assets}

    def runtime(self, scripts: tuple[str, ...]) -> dict[str, bytes]:
        return runtime_files(tuple(scripts))


__all__ = ["Site", "lesson_iri", "question_iri", "lesson_file", "target_path"]
