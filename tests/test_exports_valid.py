"""Every package built from the bundled courses passes the official schemas and the package checks."""

from __future__ import annotations

import pytest
from coursekit import COURSES

from packager.build import ALL_FORMATS, course_dirs
from packager.load import load_course
from packager.packages import read_package
from packager.render import lesson_iri
from packager.validate import validate_package

STANDARD = {"scorm12": "scorm12", "scorm2004": "scorm2004", "xapi": "xapi", "cmi5": "cmi5"}
SLUGS = [p.name for p in course_dirs(COURSES)]


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("fmt", [f for f in ALL_FORMATS if f != "web"])
def test_package_is_valid_and_clean(exports, slug, fmt):
    course = load_course(COURSES / slug)
    path = exports / f"{slug}-{course.version}-{fmt}.zip"
    problems = validate_package(path)
    assert [f"{p.severity} {p.code}: {p.message}" for p in problems] == []
    package = read_package(path)
    assert package.standard == STANDARD[fmt]
    if fmt == "scorm2004":
        assert [launch.href for launch in package.launches] == [f"l{i}.html" for i in range(1, len(course.lessons) + 1)]
    else:
        assert [launch.href for launch in package.launches] == ["index.html"]
    if fmt in ("scorm12", "scorm2004"):
        assert package.identifier == f"ruche-{slug}", "stable across versions"
    # One course identity in every format (issue 9): the manifest declares the course and lesson IRIs.
    assert package.course_iri == course.id
    if fmt == "scorm2004":
        assert [launch.iri for launch in package.launches] == [lesson_iri(course, le) for le in course.lessons]
    elif fmt == "cmi5":
        assert [launch.iri for launch in package.launches] == [f"{course.id}/au"]
    else:  # one launch: the whole course
        assert [launch.iri for launch in package.launches] == [course.id]


def test_mastery_score_reaches_the_manifests(exports):
    course = load_course(COURSES / "guide-auteur")
    scorm12 = read_package(exports / f"guide-auteur-{course.version}-scorm12.zip")
    cmi5 = read_package(exports / f"guide-auteur-{course.version}-cmi5.zip")
    assert scorm12.launches[0].mastery_score == pytest.approx(course.mastery_score / 100)
    assert cmi5.launches[0].mastery_score == pytest.approx(course.mastery_score / 100)
    assert cmi5.launches[0].move_on == "CompletedAndPassed"
