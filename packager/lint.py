"""Source checks beyond what loading needs: media, links, empty lessons, text garbled by PDF extraction.

`build` runs these too, so a package is never made from a course with a broken link.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from packager import markdown
from packager.errors import Issue, SourceError
from packager.load import load_course, target_path
from packager.model import Course, Markdown

MEDIA_WARN_BYTES = 200 * 1024
# Letters from Latin Extended-A/B and IPA that French text never uses, but that PDF extraction
# produces when a font's encoding is lost (seed 002: `lŜǎ ǊŜƎǊƻǳǇŜƳŜƴǘǎ` for `les regroupements`).
SUSPECT = re.compile(r"[\u0100-\u0151\u0154-\u0177\u0179-\u02af\ufffd\ue000-\uf8ff]")
# Letters doubled throughout a word (`VVeerrss ll''IIMMPPAACCTT`): text drawn twice by a PDF.
DOUBLED = re.compile(r"\b(?:(\w)\1){4,}\b")


def garbled_lines(text: str, first_line: int = 1) -> list[tuple[int, str]]:
    """Lines that look garbled by PDF extraction, with the suspicious part."""
    found = []
    for offset, line in enumerate(text.splitlines()):
        suspects = SUSPECT.findall(line)
        doubled = DOUBLED.search(line)
        if len(suspects) >= 2 or doubled:
            word = doubled.group(0) if doubled else next(w for w in line.split() if SUSPECT.search(w))
            found.append((first_line + offset, word[:30]))
    return found


def _check_links(course: Course, path: Path, block: Markdown, issues: list[Issue]) -> None:
    lessons = {lesson.source.name: lesson for lesson in course.lessons}
    for ref in markdown.references(block.text, block.line):
        if not markdown.is_local(ref.target):
            continue
        name = target_path(ref.target)
        if ref.kind == "link" and name.endswith(".md"):
            lesson = lessons.get(name)
            if lesson is None:
                issues.append(
                    Issue(
                        path,
                        ref.line,
                        f"link to '{name}', which is not a lesson of this course",
                        "link to a lesson file name such as 02-suite.md",
                        code="link",
                    )
                )
                continue
            _, _, fragment = ref.target.partition("#")
            if fragment:
                defined = set()
                for b in lesson.blocks:
                    if isinstance(b, Markdown):
                        defined |= markdown.anchors(b.text)
                if fragment not in defined:
                    hint = (
                        f"headings of {name}: " + ", ".join(sorted(defined))
                        if defined
                        else f"{name} has no heading to link to"
                    )
                    issues.append(
                        Issue(
                            path,
                            ref.line,
                            f"link to '#{fragment}', which is not a heading of {name}",
                            hint,
                            code="link",
                        )
                    )


def check_course(course: Course) -> list[Issue]:
    """Every error and warning found in a loaded course."""
    issues: list[Issue] = []
    for asset in course.assets:
        parts = Path(asset.path).parts
        if asset.path.startswith("/") or ".." in parts:
            issues.append(
                Issue(
                    asset.referrer,
                    asset.line,
                    f"'{asset.path}' points outside the course",
                    "put the file in media/ and write media/<name>",
                    code="media",
                )
            )
        elif not asset.source.is_file():
            issues.append(
                Issue(
                    asset.referrer,
                    asset.line,
                    f"missing file '{asset.path}'",
                    "add it to the course folder or fix the path (case matters)",
                    code="media",
                )
            )
        elif asset.source.stat().st_size > MEDIA_WARN_BYTES:
            size = asset.source.stat().st_size // 1024
            issues.append(
                Issue(
                    asset.referrer,
                    asset.line,
                    f"'{asset.path}' weighs {size} KB",
                    "shrink it: every byte is paid for by a learner on a slow line",
                    severity="warning",
                    code="media-size",
                )
            )
    texts = [(course.source_dir / "course.md", course.introduction)] + [
        (lesson.source, block) for lesson in course.lessons for block in lesson.blocks if isinstance(block, Markdown)
    ]
    for path, block in texts:
        _check_links(course, path, block, issues)
    for lesson in course.lessons:
        has_text = any(isinstance(b, Markdown) and b.text.strip() for b in lesson.blocks)
        if not has_text and not lesson.quizzes:
            issues.append(
                Issue(
                    lesson.source,
                    1,
                    "the lesson is empty",
                    "write its text under the front-matter, or remove the file",
                    code="empty",
                )
            )
    sources = [course.source_dir / "course.md"] + [lesson.source for lesson in course.lessons]
    for path in sources:
        for line, word in garbled_lines(path.read_text(encoding="utf-8")):
            issues.append(
                Issue(
                    path,
                    line,
                    f"text garbled by PDF extraction: {word!r}",
                    "retype the passage from its meaning in plain French",
                    code="garbled",
                )
            )
    return issues


def lint_paths(paths: list[Path]) -> list[Issue]:
    from packager.discover import course_dirs

    issues: list[Issue] = []
    for root in paths:
        for folder in course_dirs(root):
            try:
                issues.extend(check_course(load_course(folder)))
            except SourceError as exc:
                issues.extend(exc.issues)
    return issues


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or [Path("courses")]
    issues = lint_paths(paths)
    for issue in issues:
        print(issue)
    errors = sum(1 for i in issues if i.severity == "error")
    warnings = len(issues) - errors
    print(f"{errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return 1 if errors else 0
