"""Malformed course sources: each names the file, the line and the fix, and no package is made."""

from __future__ import annotations

from pathlib import Path

import pytest
from coursekit import COURSE, LESSON1, LESSON2, make_course

from packager.build import build
from packager.errors import SourceError
from packager.lint import check_course
from packager.load import load_course

QUIZ_HEAD = "---\ntitle: Q\nobjectives: [A]\nduration: 5\n---\n\nTexte.\n\n"  # body starts line 6


def quiz(body: str) -> str:
    return QUIZ_HEAD + "::: quiz\n" + body + ":::\n"  # '::: quiz' on line 9, body from line 10


# (case id, overrides, file with the error, line, words of the message)
CASES = [
    ("no-front-matter", {"course__md": "Pas d'en-tête\n"}, "course.md", 1, "does not start with front-matter"),
    ("front-matter-not-closed", {"course__md": "---\ntitle: x\n"}, "course.md", 1, "not closed"),
    ("yaml-syntax", {"course__md": COURSE.replace("duration: 20", "duration: [20")}, "course.md", 12, "not valid YAML"),
    ("unknown-key", {"course__md": COURSE.replace("title:", "titel:")}, "course.md", 3, "unknown key 'titel'"),
    (
        "missing-key",
        {"course__md": COURSE.replace("description: Un petit cours pour les tests.\n", "")},
        "course.md",
        2,
        "missing key 'description'",
    ),
    (
        "duration-not-number",
        {"course__md": COURSE.replace("duration: 20", "duration: vingt")},
        "course.md",
        11,
        "'duration' must be a whole number",
    ),
    (
        "mastery-out-of-range",
        {"course__md": COURSE.replace("mastery_score: 80", "mastery_score: 150")},
        "course.md",
        12,
        "'mastery_score' must be a percentage",
    ),
    (
        "language-tag",
        {"course__md": COURSE.replace("language: fr", "language: Français")},
        "course.md",
        4,
        "'language' must be a language tag",
    ),
    (
        "id-not-iri",
        {"course__md": COURSE.replace("id: https://ruche.example.org/courses/essai", "id: essai")},
        "course.md",
        2,
        "'id' must be a stable IRI",
    ),
    (
        "version-float",
        {"course__md": COURSE.replace('version: "1.0.0"', "version: 1.0")},
        "course.md",
        5,
        "must be quoted text",
    ),
    (
        "objectives-not-list",
        {"course__md": COURSE.replace("objectives:\n  - Vérifier le packager", "objectives: Vérifier")},
        "course.md",
        9,
        "'objectives' must be a list",
    ),
    (
        "lesson-missing-title",
        {"02-suite__md": LESSON2.replace("title: Deuxième leçon\n", "")},
        "02-suite.md",
        2,
        "missing key 'title'",
    ),
    ("lesson-bad-name", {"intro__md": LESSON2}, "intro.md", 1, "is not named like a lesson"),
    (
        "lesson-listed-missing",
        {"course__md": COURSE.replace("sources:", "lessons: [01-debut.md, 03-absent.md]\nsources:")},
        "course.md",
        13,
        "lesson file '03-absent.md' does not exist",
    ),
    (
        "quiz-not-closed",
        {"02-suite__md": QUIZ_HEAD + "::: quiz\n? Q ?\n- (x) a\n> b\n"},
        "02-suite.md",
        9,
        "this quiz is never closed",
    ),
    (
        "no-correct-answer",
        {"02-suite__md": quiz("? Q ?\n- ( ) a\n- ( ) b\n> c\n")},
        "02-suite.md",
        10,
        "no correct answer",
    ),
    (
        "two-correct-single",
        {"02-suite__md": quiz("? Q ?\n- (x) a\n- (x) b\n> c\n")},
        "02-suite.md",
        10,
        "several answers marked (x)",
    ),
    (
        "duplicate-choice",
        {"02-suite__md": quiz("? Q ?\n- (x) Montréal\n- ( ) montreal\n> c\n")},
        "02-suite.md",
        12,
        "duplicate answer",
    ),
    (
        "mixed-boxes",
        {"02-suite__md": quiz("? Q ?\n- (x) a\n- [ ] b\n> c\n")},
        "02-suite.md",
        10,
        "mixes '( )' and '[ ]'",
    ),
    ("no-feedback", {"02-suite__md": quiz("? Q ?\n- (x) a\n- ( ) b\n")}, "02-suite.md", 10, "no feedback"),
    (
        "unexpected-line",
        {"02-suite__md": quiz("? Q ?\n- (x) a\n- ( ) b\nréponse libre\n> c\n")},
        "02-suite.md",
        13,
        "unexpected line in a quiz",
    ),
    (
        "unknown-quiz-setting",
        {"02-suite__md": quiz("mastery: 80\n? Q ?\n- (x) a\n- ( ) b\n> c\n")},
        "02-suite.md",
        10,
        "unknown quiz setting 'mastery'",
    ),
    ("stray-close", {"02-suite__md": QUIZ_HEAD + ":::\n"}, "02-suite.md", 9, "':::' closes no quiz"),
    ("question-without-answers", {"02-suite__md": quiz("? Q ?\n> c\n")}, "02-suite.md", 10, "has no answers"),
    (
        "choices-and-text",
        {"02-suite__md": quiz("? Q ?\n- (x) a\n= a\n> c\n")},
        "02-suite.md",
        12,
        "either choices or a text answer",
    ),
    ("quiz-without-question", {"02-suite__md": quiz("")}, "02-suite.md", 9, "has no question"),
    ("empty-answer-list", {"02-suite__md": quiz("? Q ?\n= |\n> c\n")}, "02-suite.md", 11, "no accepted answer"),
]

LINT_CASES = [
    ("missing-media", {"media_SLASH_carre__svg": None}, "01-debut.md", 9, "missing file 'media/carre.svg'"),
    (
        "broken-lesson-link",
        {"01-debut__md": LESSON1.replace("02-suite.md#la-suite", "03-fin.md")},
        "01-debut.md",
        9,
        "not a lesson of this course",
    ),
    (
        "broken-anchor",
        {"01-debut__md": LESSON1.replace("#la-suite", "#ailleurs")},
        "01-debut.md",
        9,
        "'#ailleurs', which is not a heading of 02-suite.md",
    ),
    (
        "garbled-text",
        {"02-suite__md": LESSON2 + "\nlŜǎ ǊŜƎǊƻǳǇŜƳŜƴǘǎ locaux\n"},
        "02-suite.md",
        11,
        "garbled by PDF extraction",
    ),
    (
        "doubled-letters",
        {"02-suite__md": LESSON2 + "\nVVeerrss  ll’’IIMMPPAACCTT\n"},
        "02-suite.md",
        11,
        "garbled by PDF extraction",
    ),
    (
        "empty-lesson",
        {"02-suite__md": "---\ntitle: Vide\nobjectives: [A]\nduration: 5\n---\n\n"},
        "02-suite.md",
        1,
        "the lesson is empty",
    ),
    (
        "media-outside",
        {"01-debut__md": LESSON1.replace("media/carre.svg", "../secret.svg")},
        "01-debut.md",
        9,
        "points outside the course",
    ),
]


def _issues(folder: Path):
    try:
        course = load_course(folder)
    except SourceError as exc:
        return exc.issues
    return [i for i in check_course(course) if i.severity == "error"]


@pytest.mark.parametrize(
    ("case", "overrides", "file", "line", "words"), CASES + LINT_CASES, ids=[c[0] for c in CASES + LINT_CASES]
)
def test_error_names_file_line_and_message(tmp_path, case, overrides, file, line, words):
    folder = make_course(tmp_path, **overrides)
    issues = _issues(folder)
    matching = [i for i in issues if words in i.message]
    assert matching, f"no issue says {words!r}; got: {[str(i) for i in issues]}"
    issue = matching[0]
    assert issue.file.name == file
    assert issue.line == line, str(issue)
    assert issue.hint, "every error says how to fix it"


def test_valid_course_has_no_issue(tmp_path):
    folder = make_course(tmp_path)
    assert check_course(load_course(folder)) == []


def test_unknown_key_suggests_the_right_one(tmp_path):
    folder = make_course(tmp_path, course__md=COURSE.replace("title:", "titel:"))
    issue = next(i for i in _issues(folder) if "titel" in i.message)
    assert "did you mean 'title'" in issue.hint


def test_non_utf8_file_is_named(tmp_path):
    folder = make_course(tmp_path)
    (folder / "02-suite.md").write_bytes(LESSON2.encode("utf-8") + b"\n\xe9t\xe9\n")
    issue = next(i for i in _issues(folder) if "UTF-8" in i.message)
    assert (issue.file.name, issue.line) == ("02-suite.md", 11)


def test_quiz_example_inside_code_fence_is_text(tmp_path):
    fenced = LESSON2 + "\n```markdown\n::: quiz\n? pas une vraie question\n:::\n```\n"
    course = load_course(make_course(tmp_path, **{"02-suite__md": fenced}))
    assert not course.lessons[1].quizzes


def test_broken_source_fails_the_build_and_keeps_exports(tmp_path):
    courses = tmp_path / "courses"
    out = tmp_path / "exports"
    make_course(courses)
    assert build(courses, out, progress=lambda _l: None).ok
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    make_course(courses, **{"02-suite__md": quiz("? Q ?\n- ( ) a\n- ( ) b\n> c\n")})
    report = build(courses, out, progress=lambda _l: None)
    assert not report.ok
    assert [(i.file.name, i.line) for i in report.errors] == [("02-suite.md", 10)]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
