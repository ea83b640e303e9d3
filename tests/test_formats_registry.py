"""Adding a format is one module and one registry entry: a toy format, in a registry of its own."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from coursekit import make_course

from packager.build import ALL_FORMATS, build
from packager.formats import FORMATS, Format, Registry
from packager.formats.common import single_page

QUIET = {"progress": lambda _line: None}


def toy(site, fmt: Format) -> dict[str, bytes]:
    files = single_page(site, fmt)
    files["toy.txt"] = f"{fmt.name}:{site.course.id}".encode()
    return files


def test_a_toy_format_builds_through_the_normal_path_without_touching_the_global_registry(tmp_path):
    registry = FORMATS.copy()
    registry.register(Format("toy", toy, ("core.js", "web.js"), "a format for this test"))
    courses = tmp_path / "courses"
    make_course(courses, "essai")
    report = build(courses, tmp_path / "out", ["toy", "web"], registry=registry, **QUIET)
    assert report.ok, report.errors
    assert [r.format for r in report.built] == ["toy", "web"]
    toy_zip = next(r.path for r in report.built if r.format == "toy")
    with zipfile.ZipFile(toy_zip) as z:
        assert z.read("toy.txt") == b"toy:https://ruche.example.org/courses/essai"
        assert {"index.html", "ruche.js", "ruche.css"} <= set(z.namelist())
        assert z.comment.startswith(b"ruche:toy:")
    web_zip = next(r.path for r in report.built if r.format == "web")
    with zipfile.ZipFile(toy_zip) as a, zipfile.ZipFile(web_zip) as b:
        assert a.read("ruche.js") == b.read("ruche.js"), "same scripts, same runtime bytes"
    assert "toy" not in FORMATS and "toy" not in ALL_FORMATS


def test_the_registry_refuses_a_second_entry_of_the_same_name_and_unknown_formats():
    registry = Registry()
    registry.register(Format("toy", toy, ("core.js",)))
    with pytest.raises(ValueError):
        registry.register(Format("toy", toy, ("core.js",)))
    with pytest.raises(ValueError, match="unknown format"):
        build(Path("."), Path("."), ["nope"], **QUIET)


def test_build_and_cli_list_the_registered_formats():
    from packager import cli

    assert ALL_FORMATS == FORMATS.names() == ("scorm12", "scorm2004", "xapi", "cmi5", "web")
    with pytest.raises(SystemExit):
        cli.main(["build", "--format", "toy"])
