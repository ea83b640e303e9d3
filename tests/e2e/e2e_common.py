"""Paths and constants the end-to-end fixtures and tests share."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
COURSES = sorted(p.parent.name for p in (ROOT / "courses").glob("*/course.md"))
FORMATS = ("scorm12", "scorm2004", "xapi", "cmi5")
SCORM_AGAIN = ROOT / "node_modules" / "scorm-again" / "dist"
