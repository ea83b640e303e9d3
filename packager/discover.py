"""Where the courses are: light enough for a no-op build, which must not load the Markdown parser."""

from __future__ import annotations

from pathlib import Path


def course_dirs(root: Path) -> list[Path]:
    """A course folder is any folder holding a course.md; `root` may itself be one."""
    if (root / "course.md").is_file():
        return [root]
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "course.md").is_file())
