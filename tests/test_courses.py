"""The bundled courses: French, sourced from the seeds, enough well-formed questions, no copied text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from coursekit import COURSES, SEEDS

from packager.build import course_dirs
from packager.lint import check_course, garbled_lines, lint_paths
from packager.load import load_course

FIXTURES = Path(__file__).parent / "fixtures"
SLUGS = [p.name for p in course_dirs(COURSES)]


def words(text: str) -> list[str]:
    return re.findall(r"[0-9a-zà-ÿœæ]+", text.lower())


def shingles(text: str, n: int = 9) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}


@pytest.fixture(scope="module")
def seed_shingles() -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for seed in SEEDS.glob("*.txt"):
        found |= shingles(seed.read_text(encoding="utf-8"))
    return found


def test_lint_is_clean_on_every_course():
    assert [str(i) for i in lint_paths([COURSES])] == []


def test_seed_documents_are_all_covered():
    covered = {s for slug in SLUGS for s in load_course(COURSES / slug).sources}
    assert covered >= {p.name for p in SEEDS.glob("*.txt")}


@pytest.mark.parametrize("slug", SLUGS)
def test_course_shape(slug):
    course = load_course(COURSES / slug)
    assert course.language.split("-")[0] == "fr"
    assert course.sources and all((SEEDS / s).is_file() for s in course.sources), course.sources
    assert 4 <= len(course.lessons) <= 8
    assert len(course.questions) >= 10
    for lesson in course.lessons:
        assert lesson.objectives and lesson.duration > 0
    for q in course.questions:
        assert q.correct_ids or q.answers, q.id
        assert q.feedback or q.answer_feedback or any(c.feedback for c in q.choices), q.id
    assert check_course(course) == []


def test_questions_use_every_kind():
    kinds = {q.kind for slug in SLUGS for q in load_course(COURSES / slug).questions}
    assert kinds == {"choice", "multiple-choice", "true-false", "fill-in"}


@pytest.mark.parametrize("slug", SLUGS)
def test_no_nine_word_run_copied_from_a_seed(slug, seed_shingles):
    folder = COURSES / slug
    for path in sorted(folder.glob("*.md")):
        copied = shingles(path.read_text(encoding="utf-8")) & seed_shingles
        assert not copied, f"{path.name} copies: {' '.join(sorted(copied)[0])}"


def test_linter_flags_every_raw_garbled_line():
    text = (FIXTURES / "garbled-002.txt").read_text(encoding="utf-8")
    flagged = [line for line, _ in garbled_lines(text)]
    assert flagged == list(range(1, len(text.splitlines()) + 1))


def test_linter_leaves_ordinary_french_alone():
    text = (
        "L'œuvre des organismes : « pouvoir d'agir », Ÿ, ç, à, é, è, ê, ë, î, ï, ô, ù, û, ü.\n"
        "Les acteurs se rassemblent pour élaborer une stratégie.\n"
    )
    assert garbled_lines(text) == []
