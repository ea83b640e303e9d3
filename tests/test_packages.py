"""packager.packages: reading any package's manifest, and refusing unreadable or unsafe ones clearly."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from packager.packages import Launch, PackageError, read_package
from packager.xmlsafe import parse_xml

SCORM12 = """<?xml version="1.0"?>
<manifest identifier="org.example.bees12" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org1">
    <organization identifier="org1">
      <title>Bees 101</title>
      <item identifier="item1" identifierref="res1">
        <title>The hive</title>
        <adlcp:masteryscore>80</adlcp:masteryscore>
        <adlcp:datafromlms>level=1</adlcp:datafromlms>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res1" type="webcontent" adlcp:scormtype="sco" href="lesson1/index.html">
      <file href="lesson1/index.html"/>
      <file href="shared/style.css"/>
    </resource>
  </resources>
</manifest>
"""

# Nested items, xml:base, parameters, an asset, an aggregation, sequencing: what the player must follow.
SCORM2004 = """<?xml version="1.0"?>
<manifest identifier="org.example.bees2004" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3" xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="main">
    <organization identifier="other"><title>Other</title>
      <item identifier="other1" identifierref="res_glossary"><title>Glossary</title></item>
    </organization>
    <organization identifier="main">
      <title>Bees</title>
      <item identifier="module1">
        <title>Module 1</title>
        <item identifier="lesson1" identifierref="res_lesson1" parameters="?lang=en">
          <title>The hive</title>
          <adlcp:completionThreshold minProgressMeasure="0.8"/>
        </item>
        <item identifier="quiz1" identifierref="res_quiz1">
          <title>Quiz</title>
          <imsss:sequencing IDRef="mastery70"/>
        </item>
      </item>
      <item identifier="glossary" identifierref="res_glossary" isvisible="false"><title>Glossary</title></item>
    </organization>
  </organizations>
  <resources xml:base="content/">
    <resource identifier="res_lesson1" type="webcontent" adlcp:scormType="sco" href="lesson1.html?x=1">
      <file href="lesson1.html"/>
    </resource>
    <resource identifier="res_quiz1" type="webcontent" adlcp:scormType="sco" href="quiz1.html" xml:base="quiz/">
      <file href="quiz1.html"/>
    </resource>
    <resource identifier="res_glossary" type="webcontent" adlcp:scormType="asset" href="glossary.html">
      <file href="glossary.html"/>
    </resource>
  </resources>
  <imsss:sequencingCollection>
    <imsss:sequencing ID="mastery70">
      <imsss:objectives>
        <imsss:primaryObjective objectiveID="passed" satisfiedByMeasure="true">
          <imsss:minNormalizedMeasure>0.7</imsss:minNormalizedMeasure>
        </imsss:primaryObjective>
      </imsss:objectives>
    </imsss:sequencing>
  </imsss:sequencingCollection>
</manifest>
"""

SCORM2004_FILES = {
    "content/lesson1.html": "",
    "content/quiz/quiz1.html": "",
    "content/glossary.html": "",
}

TINCAN = """<?xml version="1.0"?>
<tincan xmlns="http://projecttincan.com/tincan.xsd"><activities>
  <activity id="https://example.org/courses/bees" type="http://adlnet.gov/expapi/activities/course">
    <name>Bees</name><launch lang="en-US">index.html</launch>
  </activity>
  <activity id="https://example.org/courses/bees/q1" type="http://adlnet.gov/expapi/activities/cmi.interaction">
    <name>Q1</name>
  </activity>
</activities></tincan>
"""

CMI5 = """<?xml version="1.0"?>
<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">
  <course id="https://example.org/courses/bees">
    <title><langstring lang="en-US">Bees</langstring></title>
    <description><langstring lang="en-US">About bees</langstring></description>
  </course>
  <block id="https://example.org/courses/bees/m1">
    <title><langstring lang="en-US">Module 1</langstring></title>
    <description><langstring lang="en-US">First</langstring></description>
    <au id="https://example.org/courses/bees/au1" moveOn="CompletedOrPassed" masteryScore="0.8"
        launchMethod="OwnWindow">
      <title><langstring lang="en-US">The hive</langstring></title>
      <description><langstring lang="en-US">Lesson 1</langstring></description>
      <url>./au1/index.html</url>
      <launchParameters>{"lesson": 1}</launchParameters>
    </au>
  </block>
  <au id="https://example.org/courses/bees/au2">
    <title><langstring lang="en-US">Quiz</langstring></title>
    <description><langstring lang="en-US">Lesson 2</langstring></description>
    <url>au2/index.html?mode=quiz</url>
  </au>
</courseStructure>
"""


def make_zip(tmp_path: Path, files: dict[str, str], name: str = "package.zip") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        for member, content in files.items():
            archive.writestr(member, content)
    return path


def scorm12(manifest: str = SCORM12) -> dict[str, str]:
    return {"imsmanifest.xml": manifest, "lesson1/index.html": "", "shared/style.css": ""}


def refused(tmp_path: Path, files: dict[str, str]) -> PackageError:
    with pytest.raises(PackageError) as caught:
        read_package(make_zip(tmp_path, files))
    return caught.value


# --- reading ----------------------------------------------------------------------------------


def test_scorm12(tmp_path: Path) -> None:
    package = read_package(make_zip(tmp_path, scorm12()))
    assert (package.standard, package.identifier, package.title, package.version) == (
        "scorm12",
        "org.example.bees12",
        "Bees 101",
        "1.2",
    )
    assert package.launches == (
        Launch(
            id="item1",
            title="The hive",
            href="lesson1/index.html",
            kind="sco",
            mastery_score=0.8,
            resource="res1",
            launch_data="level=1",
        ),
    )
    assert package.files == ("lesson1/index.html", "shared/style.css")
    assert package.manifest == "imsmanifest.xml"


def test_scorm2004_nested_items_in_order(tmp_path: Path) -> None:
    package = read_package(make_zip(tmp_path, {"imsmanifest.xml": SCORM2004, **SCORM2004_FILES}))
    assert (package.standard, package.title, package.version) == ("scorm2004", "Bees", "2004 4th Edition")
    assert [(la.id, la.href, la.kind, la.parents, la.visible) for la in package.launches] == [
        ("lesson1", "content/lesson1.html?x=1&lang=en", "sco", ("Module 1",), True),
        ("quiz1", "content/quiz/quiz1.html", "sco", ("Module 1",), True),
        ("glossary", "content/glossary.html", "asset", (), False),
    ]
    lesson, quiz, _ = package.launches
    assert (lesson.completion_threshold, lesson.mastery_score) == (0.8, None)
    assert quiz.mastery_score == 0.7
    assert package.files == ("content/lesson1.html", "content/quiz/quiz1.html", "content/glossary.html")
    assert package.details["default_organization"] == "main"


def test_unpacked_folder_and_open_zip(tmp_path: Path) -> None:
    folder = tmp_path / "unpacked"
    for name, content in {"imsmanifest.xml": SCORM2004, **SCORM2004_FILES}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(content)
    from_folder = read_package(folder)
    with zipfile.ZipFile(make_zip(tmp_path, {"imsmanifest.xml": SCORM2004, **SCORM2004_FILES})) as archive:
        from_zip = read_package(archive)
    assert from_folder == from_zip
    assert len(from_folder.launches) == 3


@pytest.mark.parametrize(
    ("schemaversion", "standard"),
    [
        ("<schemaversion>CAM 1.3</schemaversion>", "scorm2004"),
        ("<schemaversion>2004 3rd Edition</schemaversion>", "scorm2004"),
        # Not Moodle's spelling, but the 2004 namespaces say what the package is.
        ("<schemaversion>2004 4th edition</schemaversion>", "scorm2004"),
        ("", "scorm2004"),
    ],
)
def test_scorm2004_detection(tmp_path: Path, schemaversion: str, standard: str) -> None:
    manifest = SCORM2004.replace("<schemaversion>2004 4th Edition</schemaversion>", schemaversion)
    assert read_package(make_zip(tmp_path, {"imsmanifest.xml": manifest, **SCORM2004_FILES})).standard == standard


def test_scorm12_without_schemaversion(tmp_path: Path) -> None:
    manifest = SCORM12.replace("<schemaversion>1.2</schemaversion>", "")
    package = read_package(make_zip(tmp_path, scorm12(manifest)))
    assert (package.standard, package.version, package.details["detected_by"]) == ("scorm12", None, "namespaces")


def test_scorm_reading_follows_namespaces_not_prefixes(tmp_path: Path) -> None:
    manifest = SCORM12.replace("xmlns:adlcp=", "xmlns:scorm=").replace("adlcp:", "scorm:")
    assert read_package(make_zip(tmp_path, scorm12(manifest))).launches[0].kind == "sco"


def test_tincan(tmp_path: Path) -> None:
    package = read_package(make_zip(tmp_path, {"tincan.xml": TINCAN, "index.html": ""}))
    assert (package.standard, package.identifier, package.title, package.version) == (
        "xapi",
        "https://example.org/courses/bees",
        "Bees",
        None,
    )
    assert package.launches == (
        Launch(
            id="https://example.org/courses/bees",
            title="Bees",
            href="index.html",
            kind="activity",
            iri="https://example.org/courses/bees",
        ),
    )
    assert package.course_iri == "https://example.org/courses/bees"
    assert package.files == ("index.html",)


def test_cmi5_blocks_in_order(tmp_path: Path) -> None:
    files = {"cmi5.xml": CMI5, "au1/index.html": "", "au2/index.html": ""}
    package = read_package(make_zip(tmp_path, files))
    assert (package.standard, package.identifier, package.title) == ("cmi5", "https://example.org/courses/bees", "Bees")
    first, second = package.launches
    assert first == Launch(
        id="https://example.org/courses/bees/au1",
        title="The hive",
        href="au1/index.html",
        kind="au",
        mastery_score=0.8,
        move_on="CompletedOrPassed",
        launch_data='{"lesson": 1}',
        parents=("Module 1",),
        launch_method="OwnWindow",
        iri="https://example.org/courses/bees/au1",
    )
    assert package.course_iri == "https://example.org/courses/bees"
    assert (second.href, second.move_on, second.mastery_score, second.launch_method) == (
        "au2/index.html?mode=quiz",
        "NotApplicable",
        None,
        "AnyWindow",
    )
    assert package.files == ("au1/index.html", "au2/index.html")


def test_cmi5_is_preferred_over_other_manifests(tmp_path: Path) -> None:
    files = {"cmi5.xml": CMI5, "au1/index.html": "", "au2/index.html": "", "tincan.xml": TINCAN, "index.html": ""}
    package = read_package(make_zip(tmp_path, files))
    assert package.standard == "cmi5"
    assert package.details["manifests"] == ("cmi5.xml", "tincan.xml")


# --- refusing ---------------------------------------------------------------------------------


def test_no_manifest(tmp_path: Path) -> None:
    error = refused(tmp_path, {"index.html": ""})
    assert error.code == "manifest-missing"
    assert str(error) == (
        "no imsmanifest.xml, tincan.xml or cmi5.xml at the package root: this is not a SCORM, xAPI or cmi5 package"
    )


def test_manifest_only_in_a_sub_folder(tmp_path: Path) -> None:
    error = refused(tmp_path, {f"bees/{k}": v for k, v in scorm12().items()})
    assert error.code == "manifest-nested"
    assert str(error).startswith(
        "no imsmanifest.xml at the package root; found only nested copies: bees/imsmanifest.xml"
    )


def test_malformed_xml(tmp_path: Path) -> None:
    error = refused(tmp_path, scorm12(SCORM12.replace("</resources>", "")))
    assert error.code == "xml-malformed"
    assert str(error).startswith("imsmanifest.xml is not well-formed XML (line ")


def test_identifierref_to_missing_resource(tmp_path: Path) -> None:
    error = refused(tmp_path, scorm12(SCORM12.replace('identifierref="res1"', 'identifierref="nope"')))
    assert (error.code, str(error)) == (
        "identifierref-missing",
        "imsmanifest.xml: item 'item1' references resource 'nope', which does not exist in <resources>",
    )


def test_default_organization_missing(tmp_path: Path) -> None:
    error = refused(tmp_path, scorm12(SCORM12.replace('default="org1"', 'default="org2"')))
    assert (error.code, str(error)) == (
        "default-org-missing",
        "imsmanifest.xml: <organizations default='org2'> names no <organization>",
    )


@pytest.mark.parametrize(
    ("href", "code"),
    [
        ("../outside.html", "href-unsafe"),
        ("lesson1/%2e%2e/%2e%2e/outside.html", "href-unsafe"),
        ("/lesson1/index.html", "href-outside"),
        ("https://cdn.example.com/lesson.html", "href-outside"),
        ("file:///etc/passwd", "href-outside"),
        ("C:/course/index.html", "href-outside"),
        ("lesson1\\index.html", "href-unsafe"),
    ],
)
def test_launch_href_must_stay_in_the_package(tmp_path: Path, href: str, code: str) -> None:
    error = refused(tmp_path, scorm12(SCORM12.replace('href="lesson1/index.html">', f'href="{href}">')))
    assert error.code == code
    assert "item 'item1' (resource 'res1')" in str(error)


def test_xml_base_outside_the_package(tmp_path: Path) -> None:
    manifest = SCORM2004.replace('<resources xml:base="content/">', '<resources xml:base="https://cdn.example.com/">')
    error = refused(tmp_path, {"imsmanifest.xml": manifest, **SCORM2004_FILES})
    assert error.code == "href-outside"


def test_launch_file_missing(tmp_path: Path) -> None:
    files = scorm12()
    del files["lesson1/index.html"]
    error = refused(tmp_path, files)
    assert (error.code, str(error)) == (
        "file-missing",
        "imsmanifest.xml: 'item1' launches 'lesson1/index.html', which is not in the package",
    )


def test_traversal_entry(tmp_path: Path) -> None:
    error = refused(tmp_path, scorm12() | {"../../evil.sh": "x"})
    assert (error.code, str(error)) == (
        "unsafe-path",
        "refused: the package entry '../../evil.sh' climbs out of the package with '..'",
    )


def test_cmi5_au_outside_the_package(tmp_path: Path) -> None:
    manifest = CMI5.replace("<url>au2/index.html?mode=quiz</url>", "<url>https://cdn.example.com/au2.html</url>")
    error = refused(tmp_path, {"cmi5.xml": manifest, "au1/index.html": ""})
    assert error.code == "href-outside"
    assert "AU 'https://example.org/courses/bees/au2' points outside the package" in str(error)


def test_tincan_without_launch(tmp_path: Path) -> None:
    error = refused(tmp_path, {"tincan.xml": TINCAN.replace('<launch lang="en-US">index.html</launch>', "")})
    assert (error.code, str(error)) == ("tincan-launch", "tincan.xml: no <activity> has a <launch>")


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "fake.zip"
    path.write_bytes(b"PK not really")
    with pytest.raises(PackageError) as caught:
        read_package(path)
    assert caught.value.code == "not-a-zip"


# --- hardened XML -----------------------------------------------------------------------------

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<manifest identifier="m">&xxe;</manifest>"""

LAUGHS = "".join(f'<!ENTITY lol{i} "{"".join(f"&lol{i - 1};" for _ in range(10))}">' for i in range(1, 10))
BILLION_LAUGHS = f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">{LAUGHS}]><lolz>&lol9;</lolz>'.encode()


UTF32 = XXE.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-32"').encode("utf-32")


# UTF-32 slips past the byte scan and is caught by the parsed-DTD check.
@pytest.mark.parametrize(
    "data", [XXE, BILLION_LAUGHS, XXE.decode().encode("utf-16"), UTF32], ids=["xxe", "laughs", "utf16", "utf32"]
)
def test_entity_declarations_are_refused(data: bytes) -> None:
    with pytest.raises(PackageError) as caught:
        parse_xml(data, "imsmanifest.xml")
    assert caught.value.code == "xml-entities"
    assert str(caught.value).startswith("imsmanifest.xml: refused: the document declares entities in its DOCTYPE")


def test_xxe_in_a_package_is_refused(tmp_path: Path) -> None:
    assert refused(tmp_path, scorm12(XXE.decode())).code == "xml-entities"


def test_plain_doctype_without_entities_is_read() -> None:
    root = parse_xml(b'<?xml version="1.0"?><!DOCTYPE manifest SYSTEM "http://example.com/x.dtd"><manifest/>', "m")
    assert root.tag == "manifest"


def test_oversized_manifest_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("packager.xmlsafe.MAX_XML_BYTES", 10)
    with pytest.raises(PackageError) as caught:
        parse_xml(b"<manifest>long enough</manifest>", "imsmanifest.xml")
    assert caught.value.code == "xml-too-large"


def test_scorm12_in_the_cp_1_1_4_namespace(tmp_path: Path) -> None:
    manifest = SCORM12.replace(
        "http://www.imsproject.org/xsd/imscp_rootv1p1p2", "http://www.imsglobal.org/xsd/imscp_v1p1"
    )
    manifest = manifest.replace("<schemaversion>1.2</schemaversion>", "")
    package = read_package(make_zip(tmp_path, scorm12(manifest)))
    assert (package.standard, package.launches[0].kind, package.launches[0].mastery_score) == ("scorm12", "sco", 0.8)


def test_organization_without_launchable_item(tmp_path: Path) -> None:
    error = refused(tmp_path, scorm12(SCORM12.replace(' identifierref="res1"', "")))
    assert (error.code, str(error)) == (
        "no-launch",
        "imsmanifest.xml: no item of organization 'org1' launches a resource",
    )
