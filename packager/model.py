"""The course model: plain data that every format reads, so none of them re-parses Markdown.

Nothing here does I/O. `load.py` builds these objects from a course folder; `render.py`
and `formats/` only read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

QuestionKind = Literal["choice", "multiple-choice", "true-false", "fill-in"]


@dataclass(frozen=True)
class Choice:
    """One proposed answer; `feedback` is shown when the learner picks it."""

    id: str
    text: str
    correct: bool
    feedback: str = ""


@dataclass(frozen=True)
class Question:
    """A quiz question. `answers` holds the accepted texts of a fill-in question."""

    id: str
    kind: QuestionKind
    prompt: str
    line: int
    choices: tuple[Choice, ...] = ()
    answers: tuple[str, ...] = ()
    feedback: str = ""
    answer_feedback: str = ""

    @property
    def correct_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.choices if c.correct)


@dataclass(frozen=True)
class Quiz:
    """A group of questions inside a lesson; it may carry its own mastery score (percent)."""

    id: str
    title: str
    line: int
    questions: tuple[Question, ...]
    mastery_score: int | None = None
    max_attempts: int = 0


@dataclass(frozen=True)
class Markdown:
    """A run of lesson Markdown between quizzes; `line` is where it starts in the file."""

    text: str
    line: int


Block = Markdown | Quiz


@dataclass(frozen=True)
class Asset:
    """A file a page refers to (`path` relative to the course folder), and where it is referred to."""

    path: str
    source: Path
    referrer: Path
    line: int


@dataclass(frozen=True)
class Lesson:
    """A lesson; `id` (l1, l2…) is short on purpose: it travels in every SCORM suspend_data."""

    id: str
    title: str
    source: Path
    objectives: tuple[str, ...]
    duration: int
    blocks: tuple[Block, ...]
    slug: str

    @property
    def quizzes(self) -> tuple[Quiz, ...]:
        return tuple(b for b in self.blocks if isinstance(b, Quiz))

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for quiz in self.quizzes for q in quiz.questions)


@dataclass(frozen=True)
class Course:
    """A whole course. `mastery_score` is a percentage (0–100), the unit authors think in."""

    slug: str
    id: str
    title: str
    language: str
    version: str
    authors: tuple[str, ...]
    license: str
    description: str
    objectives: tuple[str, ...]
    duration: int
    mastery_score: int
    sources: tuple[str, ...]
    introduction: Markdown
    lessons: tuple[Lesson, ...]
    assets: tuple[Asset, ...] = ()
    source_dir: Path = field(default=Path("."))

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for lesson in self.lessons for q in lesson.questions)

    @property
    def has_quiz(self) -> bool:
        return bool(self.questions)
