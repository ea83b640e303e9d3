"""The build: every bundled course in every format; deterministic, incremental, atomic."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import pytest
from coursekit import COURSES, ROOT, make_course

from packager import files as archive
from packager.build import ALL_FORMATS, build, course_dirs
from packager.load import load_course

QUIET = {"progress": lambda _line: None}


def bundled() -> list[str]:
    return [p.name for p in course_dirs(COURSES)]


def test_there_are_bundled_courses():
    assert "guide-auteur" in bundled()
    assert len(bundled()) >= 5


@pytest.mark.parametrize("slug", bundled())
@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_every_course_builds_in_every_format(exports, slug, fmt):
    course = load_course(COURSES / slug)
    path = exports / f"{slug}-{course.version}-{fmt}.zip"
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        launch = {"scorm2004": "l1.html"}.get(fmt, "index.html")
        assert launch in names
        assert {"ruche.js", "ruche.css"} <= names
        assert z.testzip() is None
        manifest = {
            "scorm12": "imsmanifest.xml",
            "scorm2004": "imsmanifest.xml",
            "xapi": "tincan.xml",
            "cmi5": "cmi5.xml",
            "web": None,
        }[fmt]
        if manifest:
            assert manifest in names
        for asset in course.assets:
            assert asset.path in names


def test_two_builds_are_byte_identical(tmp_path):
    first = tmp_path / "a"
    second = tmp_path / "b"
    build(COURSES, first, **QUIET)
    build(COURSES, second, **QUIET)
    zips = sorted(p.name for p in first.glob("*.zip"))
    assert zips == sorted(p.name for p in second.glob("*.zip"))
    for name in zips:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert (first / "index.html").read_bytes() == (second / "index.html").read_bytes()


def test_unchanged_course_is_not_rebuilt(tmp_path):
    courses = tmp_path / "courses"
    out = tmp_path / "exports"
    make_course(courses, "un")
    make_course(courses, "deux")
    assert len(build(courses, out, **QUIET).built) == 2 * len(ALL_FORMATS)
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.zip")}
    report = build(courses, out, **QUIET)
    assert report.built == [] and report.skipped == ["deux", "un"]
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.zip")} == stamps
    lesson = courses / "un" / "02-suite.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nUne phrase de plus.\n", encoding="utf-8")
    report = build(courses, out, **QUIET)
    assert {r.course for r in report.built} == {"un"} and report.skipped == ["deux"]


def test_deleted_or_tampered_export_is_rebuilt(tmp_path):
    courses, out = tmp_path / "courses", tmp_path / "exports"
    make_course(courses)
    build(courses, out, **QUIET)
    (out / "essai-1.0.0-web.zip").unlink()
    assert [r.format for r in build(courses, out, **QUIET).built] == list(ALL_FORMATS)


def test_new_version_replaces_old_exports(tmp_path):
    courses, out = tmp_path / "courses", tmp_path / "exports"
    folder = make_course(courses)
    build(courses, out, **QUIET)
    course_md = folder / "course.md"
    course_md.write_text(course_md.read_text(encoding="utf-8").replace('"1.0.0"', '"1.1.0"'), encoding="utf-8")
    build(courses, out, **QUIET)
    names = sorted(p.name for p in out.glob("*.zip"))
    assert names == sorted(f"essai-1.1.0-{fmt}.zip" for fmt in ALL_FORMATS)
    index = json.loads((out / ".build-index.json").read_text(encoding="utf-8"))
    assert index["essai"]["meta"]["version"] == "1.1.0"


def test_failed_write_leaves_previous_zip_intact(tmp_path, monkeypatch):
    target = tmp_path / "p.zip"
    archive.write_zip(target, {"a.txt": b"first"})
    before = target.read_bytes()

    class Boom(Exception):
        pass

    def explode(handle, files):
        handle.writestr("partial.txt", b"x")
        raise Boom

    monkeypatch.setattr(archive, "zip_bytes_into", explode)
    with pytest.raises(Boom):
        archive.write_zip(target, {"a.txt": b"second"})
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.zip"], "no temporary file is left behind"


def test_catalogue_lists_every_course(exports):
    html = (exports / "index.html").read_text(encoding="utf-8")
    for slug in bundled():
        course = load_course(COURSES / slug)
        assert course.title.replace("'", "&#39;") in html
        assert f"{slug}-{course.version}-web.zip" in html
        for source in course.sources:
            assert source in html


def test_cli_build_fails_with_file_and_line(tmp_path):
    courses = tmp_path / "courses"
    make_course(courses, **{"02-suite__md": "---\ntitle: x\n"})
    result = subprocess.run(
        [sys.executable, "-m", "packager", "build", str(courses), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 1
    assert "02-suite.md:1: error: the front-matter is not closed" in result.stderr


def test_new_scaffold_builds_as_is(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "packager", "new", "mon-cours", "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    report = build(tmp_path / "mon-cours", tmp_path / "out", **QUIET)
    assert report.ok and len(report.built) == len(ALL_FORMATS)


def test_packages_load_nothing_from_a_network(exports):
    for path in exports.glob("*.zip"):
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.endswith((".html", ".js", ".css")):
                    text = z.read(name).decode("utf-8")
                    for needle in (
                        'src="http',
                        "src='http",
                        'href="//',
                        "@import",
                        "url(http",
                        "fonts.googleapis",
                        "cdn.",
                    ):
                        assert needle not in text, f"{path.name}:{name} has {needle}"
