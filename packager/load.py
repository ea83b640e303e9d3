"""Course folder → Course model. Every error names the file, the line and the fix."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from packager.errors import Issue, SourceError
from packager.markdown import is_local, references
from packager.model import Asset, Block, Course, Lesson, Markdown, Quiz
from packager.quiz import CLOSE, OPEN, parse_quiz
from packager.schema import COURSE_FIELDS, LESSON_FIELDS, SLUG, Field
from packager.text import did_you_mean

LESSON_FILE = re.compile(r"^(?P<n>\d{1,3})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
FENCE = re.compile(r"^\s{0,3}(?P<fence>`{3,}|~{3,})")


class Source:
    """A Markdown file split into front-matter and body, keeping file line numbers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.issues: list[Issue] = []
        self.meta: dict[str, Any] = {}
        self.key_lines: dict[str, int] = {}
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            line = path.read_bytes()[: exc.start].count(b"\n") + 1
            self._error(line, "the file is not valid UTF-8", "save it as UTF-8 in your editor")
            text = ""
        self.body, self.body_line = text, 1
        lines = text.splitlines()
        if not lines or lines[0].strip() != "---":
            self._error(
                1,
                "the file does not start with front-matter",
                "begin the file with a line '---', the keys, then another '---'",
            )
            return
        end = next((i for i, ln in enumerate(lines[1:], 1) if ln.strip() in ("---", "...")), None)
        if end is None:
            self._error(1, "the front-matter is not closed", "add a line '---' after the last key")
            return
        self.body = "\n".join(lines[end + 1 :])
        self.body_line = end + 2
        head = "\n".join(lines[1:end])
        try:
            node = yaml.compose(head, Loader=yaml.SafeLoader)
            meta = frontmatter.loads(text).metadata
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 2 if mark else 1
            problem = getattr(exc, "problem", None) or "invalid YAML"
            self._error(
                line,
                f"the front-matter is not valid YAML: {problem}",
                "check the indentation, and quote values that contain ': ' or start with '['",
            )
            return
        if not isinstance(node, yaml.MappingNode) or not isinstance(meta, dict):
            self._error(
                2,
                "the front-matter must be a list of 'key: value' lines",
                "write one 'key: value' per line between the two '---'",
            )
            return
        self.meta = meta
        self.key_lines = {k.value: k.start_mark.line + 2 for k, _ in node.value}

    def _error(self, line: int, message: str, hint: str) -> None:
        self.issues.append(Issue(self.path, line, message, hint, code="front-matter"))

    def check(self, fields: dict[str, Field]) -> None:
        """Check the front-matter against a schema: unknown, missing and ill-typed keys."""
        if not self.key_lines and self.issues:
            return
        for key, line in self.key_lines.items():
            if key not in fields:
                self._error(
                    line, f"unknown key '{key}'", did_you_mean(key, list(fields)) or f"known keys: {', '.join(fields)}"
                )
        for key, spec in fields.items():
            if key not in self.meta:
                if spec.required:
                    self._error(2, f"missing key '{key}'", f"add a line '{key}: {spec.example}'")
                continue
            problem = spec.check(self.meta[key])
            if problem:
                self._error(self.key_lines.get(key, 2), f"'{key}' {problem}", f"for example '{key}: {spec.example}'")


def split_blocks(source: Source, lesson_number: int) -> list[Block]:
    """Cut a lesson body into Markdown runs and quizzes, skipping `::: quiz` inside code fences."""
    blocks: list[Block] = []
    text: list[str] = []
    text_start = source.body_line
    fence = ""
    quiz_lines: list[tuple[int, str]] | None = None
    quiz_title, quiz_line = "", 0
    questions = 0
    for offset, line in enumerate(source.body.split("\n")):
        number = source.body_line + offset
        if quiz_lines is not None:
            if CLOSE.match(line.strip()):
                quiz_id = f"l{lesson_number}-z{len([b for b in blocks if isinstance(b, Quiz)]) + 1}"
                quiz, issues = parse_quiz(quiz_lines, quiz_title, quiz_line, quiz_id, questions + 1, source.path)
                source.issues.extend(issues)
                if quiz:
                    blocks.append(quiz)
                    questions += len(quiz.questions)
                quiz_lines = None
                text, text_start = [], number + 1
            else:
                quiz_lines.append((number, line))
            continue
        match = FENCE.match(line)
        if match:
            mark = match["fence"]
            if not fence:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence):
                fence = ""
        opening = OPEN.match(line.strip()) if not fence else None
        if opening:
            if "".join(text).strip():
                blocks.append(Markdown("\n".join(text), text_start))
            quiz_lines, quiz_title, quiz_line = [], opening["title"], number
            continue
        if not fence and CLOSE.match(line.strip()):
            source.issues.append(
                Issue(
                    source.path,
                    number,
                    "':::' closes no quiz",
                    "open the quiz with a line '::: quiz' before it",
                    code="quiz",
                )
            )
        text.append(line)
    if quiz_lines is not None:
        source.issues.append(
            Issue(
                source.path,
                quiz_line,
                "this quiz is never closed",
                "add a line ':::' after its last answer",
                code="quiz",
            )
        )
    if "".join(text).strip():
        blocks.append(Markdown("\n".join(text), text_start))
    return blocks


def lesson_files(folder: Path, course: Source) -> list[Path]:
    """Lessons in `lessons:` order when given, else by their NN- prefix."""
    listed = course.meta.get("lessons")
    if isinstance(listed, list) and all(isinstance(n, str) for n in listed):
        line = course.key_lines.get("lessons", 2)
        paths = []
        for name in listed:
            path = folder / name
            if not path.is_file():
                course.issues.append(
                    Issue(
                        course.path,
                        line,
                        f"lesson file '{name}' does not exist",
                        did_you_mean(name, [p.name for p in folder.glob("*.md")]) or "list file names from this folder",
                        code="lessons",
                    )
                )
            else:
                paths.append(path)
        return paths
    found = []
    for path in sorted(folder.glob("*.md")):
        if path.name == "course.md":
            continue
        match = LESSON_FILE.match(path.name)
        if not match:
            course.issues.append(
                Issue(
                    path,
                    1,
                    f"'{path.name}' is not named like a lesson",
                    "name lessons NN-slug.md, e.g. 01-introduction.md",
                    code="lessons",
                )
            )
            continue
        found.append((int(match["n"]), path))
    numbers = [n for n, _ in found]
    for n, path in found:
        if numbers.count(n) > 1:
            course.issues.append(
                Issue(
                    path,
                    1,
                    f"two lessons share the number {n:02d}",
                    "give each lesson its own NN- prefix",
                    code="lessons",
                )
            )
    return [p for _, p in sorted(found)]


def load_course(folder: Path) -> Course:
    """Load a course folder, raising SourceError with every error found."""
    folder = Path(folder)
    course_file = folder / "course.md"
    issues: list[Issue] = []
    if not SLUG.match(folder.name):
        issues.append(
            Issue(
                folder,
                1,
                f"the folder name '{folder.name}' is not a valid course slug",
                "use lower-case letters, digits and hyphens, e.g. mon-cours",
                code="slug",
            )
        )
    if not course_file.is_file():
        raise SourceError(
            issues
            + [
                Issue(
                    course_file,
                    1,
                    "course.md is missing",
                    "create it, or run 'python -m packager new <slug>'",
                    code="course",
                )
            ]
        )
    head = Source(course_file)
    head.check(COURSE_FIELDS)
    lessons = []
    for number, path in enumerate(lesson_files(folder, head), 1):
        source = Source(path)
        source.check(LESSON_FIELDS)
        blocks = split_blocks(source, number)
        match = LESSON_FILE.match(path.name)
        slug = match["slug"] if match else path.stem
        meta = source.meta
        issues.extend(source.issues)
        if source.issues:
            continue
        lessons.append(
            Lesson(f"l{number}", meta["title"], path, tuple(meta["objectives"]), meta["duration"], tuple(blocks), slug)
        )
    if not lessons and not head.issues and not issues:
        issues.append(
            Issue(
                course_file,
                1,
                "the course has no lesson",
                "add a file 01-premiere-lecon.md next to course.md",
                code="lessons",
            )
        )
    issues = head.issues + issues
    if issues:
        raise SourceError(issues)
    m = head.meta
    introduction = Markdown(head.body, head.body_line)
    return Course(
        slug=folder.name,
        id=m["id"],
        title=m["title"],
        language=m["language"],
        version=str(m["version"]),
        authors=tuple(m["authors"]),
        license=m["license"],
        description=m["description"],
        objectives=tuple(m["objectives"]),
        duration=m["duration"],
        mastery_score=int(m["mastery_score"]),
        sources=tuple(m["sources"]),
        introduction=introduction,
        lessons=tuple(lessons),
        assets=collect_assets(
            folder,
            [(course_file, introduction)]
            + [(lesson.source, block) for lesson in lessons for block in lesson.blocks if isinstance(block, Markdown)],
        ),
        source_dir=folder,
    )


def target_path(target: str) -> str:
    """A local link target without its fragment or query: the file it names."""
    return target.split("#", 1)[0].split("?", 1)[0]


def collect_assets(folder: Path, texts: list[tuple[Path, Markdown]]) -> tuple[Asset, ...]:
    """Every local non-lesson file the Markdown refers to, in first-use order, once each."""
    assets: dict[str, Asset] = {}
    for path, block in texts:
        for ref in references(block.text, block.line):
            name = target_path(ref.target)
            if not is_local(ref.target) or not name or name.endswith(".md") or name in assets:
                continue
            assets[name] = Asset(name, folder / name, path, ref.line)
    return tuple(assets.values())
