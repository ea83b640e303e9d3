"""Adding a format is one module and one registry entry: a toy format, in a registry of its own."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from coursekit import make_course

from packager.build import ALL_FORMATS, build
from packager.formats import FORMATS, Format, Registry
from packager.formats.common import single_page
from packager.manifest import Launch, Package
from packager.packages import MANIFEST_NAMES, parse_manifest
from packager.xmlsafe import PackageError, parse_xml

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


def read_toy(name: str, root) -> Package:
    launch = Launch(id=root.get("id"), title="Jouet", href="index.html", kind="activity")
    return Package("xapi", root.get("id"), "Jouet", None, (launch,), ("index.html",), manifest=name)


def test_a_format_reads_its_own_manifest_through_its_registry_entry():
    registry = FORMATS.copy()
    registry.register(Format("toy", toy, ("core.js",), manifest="toy.xml", read=read_toy))
    root = parse_xml(b'<toy id="urn:toy:1"/>', "toy.xml")
    package = parse_manifest("toy.xml", root, registry)
    assert (package.identifier, package.manifest, package.launches[0].href) == ("urn:toy:1", "toy.xml", "index.html")
    with pytest.raises(PackageError):
        parse_manifest("toy.xml", root)  # the global registry knows no toy format


def test_every_manifest_the_formats_write_is_one_the_reader_looks_for():
    written = {fmt.manifest for fmt in FORMATS if fmt.manifest}
    assert written == set(MANIFEST_NAMES) == {"imsmanifest.xml", "tincan.xml", "cmi5.xml"}
    assert all(fmt.read is not None for fmt in FORMATS if fmt.manifest)
