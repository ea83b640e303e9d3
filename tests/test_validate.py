"""packager.validate on small hand-written packages: valid ones pass clean, each breakage gives its exact code."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from packager import cli, validate
from packager.validate import Problem, validate_package

SCORM12 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="org.example.bees12" version="1.0"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd
                        http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="org1">
    <organization identifier="org1">
      <title>Bees 101</title>
      <item identifier="item1" identifierref="res1">
        <title>The hive</title>
        <adlcp:masteryscore>80</adlcp:masteryscore>
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res1" type="webcontent" adlcp:scormtype="sco" href="lesson1/index.html">
      <file href="lesson1/index.html"/>
      <file href="shared/style.css"/>
      <dependency identifierref="common"/>
    </resource>
    <resource identifier="common" type="webcontent" adlcp:scormtype="asset">
      <file href="shared/runtime.js"/>
    </resource>
  </resources>
</manifest>
"""

SCORM2004 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="org.example.bees2004" version="1"
    xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
    xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
    xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>2004 4th Edition</schemaversion>
  </metadata>
  <organizations default="org">
    <organization identifier="org" adlseq:objectivesGlobalToSystem="false">
      <title>Bees</title>
      <item identifier="module1">
        <title>Module 1</title>
        <item identifier="lesson1" identifierref="res_lesson1" parameters="?lang=en">
          <title>The hive</title>
          <adlcp:completionThreshold completedByMeasure="true" minProgressMeasure="0.8"/>
        </item>
        <item identifier="quiz1" identifierref="res_quiz1">
          <title>Quiz</title>
          <imsss:sequencing>
            <imsss:objectives>
              <imsss:primaryObjective objectiveID="quiz1.passed" satisfiedByMeasure="true">
                <imsss:minNormalizedMeasure>0.7</imsss:minNormalizedMeasure>
              </imsss:primaryObjective>
            </imsss:objectives>
          </imsss:sequencing>
          <adlnav:presentation>
            <adlnav:navigationInterface><adlnav:hideLMSUI>continue</adlnav:hideLMSUI></adlnav:navigationInterface>
          </adlnav:presentation>
        </item>
        <imsss:sequencing>
          <imsss:controlMode choice="true" flow="true"/>
        </imsss:sequencing>
      </item>
      <imsss:sequencing>
        <imsss:controlMode choice="true" flow="true"/>
      </imsss:sequencing>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res_lesson1" type="webcontent" adlcp:scormType="sco" href="lesson1.html">
      <file href="lesson1.html"/>
      <dependency identifierref="res_common"/>
    </resource>
    <resource identifier="res_quiz1" type="webcontent" adlcp:scormType="sco" href="quiz1.html">
      <file href="quiz1.html"/>
      <dependency identifierref="res_common"/>
    </resource>
    <resource identifier="res_common" type="webcontent" adlcp:scormType="asset">
      <file href="runtime/scorm.js"/>
    </resource>
  </resources>
</manifest>
"""

TINCAN = """<?xml version="1.0" encoding="utf-8"?>
<tincan xmlns="http://projecttincan.com/tincan.xsd">
  <activities>
    <activity id="https://example.org/courses/bees" type="http://adlnet.gov/expapi/activities/course">
      <name>Bees</name>
      <description lang="en-US">About bees</description>
      <launch lang="en-US">index.html</launch>
    </activity>
    <activity id="https://example.org/courses/bees/quiz" type="http://adlnet.gov/expapi/activities/assessment">
      <name>Quiz</name>
    </activity>
  </activities>
</tincan>
"""

CMI5 = """<?xml version="1.0" encoding="utf-8"?>
<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">
  <course id="https://example.org/courses/bees">
    <title><langstring lang="en-US">Bees</langstring></title>
    <description><langstring lang="en-US">About bees</langstring></description>
  </course>
  <block id="https://example.org/courses/bees/module1">
    <title><langstring lang="en-US">Module 1</langstring></title>
    <description><langstring lang="en-US">First module</langstring></description>
    <au id="https://example.org/courses/bees/au1" moveOn="CompletedOrPassed" masteryScore="0.8">
      <title><langstring lang="en-US">The hive</langstring></title>
      <description><langstring lang="en-US">Lesson 1</langstring></description>
      <url>au1/index.html</url>
    </au>
  </block>
  <au id="https://example.org/courses/bees/au2">
    <title><langstring lang="en-US">Quiz</langstring></title>
    <description><langstring lang="en-US">Lesson 2</langstring></description>
    <url>au2/index.html?mode=quiz</url>
  </au>
</courseStructure>
"""

HTML = """<!doctype html>
<html><head><link rel="stylesheet" href="../shared/style.css"><script src="../shared/runtime.js"></script></head>
<body><p>Bees live in hives.</p></body></html>
"""


def make_zip(tmp_path: Path, files: dict[str, str | bytes], name: str = "package.zip") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        for member, content in files.items():
            archive.writestr(member, content)
    return path


def scorm12(manifest: str = SCORM12, **extra: str) -> dict[str, str | bytes]:
    return {
        "imsmanifest.xml": manifest,
        "lesson1/index.html": HTML,
        "shared/style.css": "body { font-family: serif; }",
        "shared/runtime.js": "window.API && window.API.LMSInitialize('');",
        **extra,
    }


def scorm2004(manifest: str = SCORM2004) -> dict[str, str | bytes]:
    page = HTML.replace("../shared/style.css", "runtime/scorm.js").replace("../shared/runtime.js", "runtime/scorm.js")
    return {
        "imsmanifest.xml": manifest,
        "lesson1.html": page,
        "quiz1.html": page,
        "runtime/scorm.js": "const api = window.API_1484_11;",
    }


def found(problems: list[Problem]) -> list[tuple[str, str]]:
    return sorted((p.severity, p.code) for p in problems)


def only(problems: list[Problem], code: str) -> Problem:
    matching = [p for p in problems if p.code == code]
    assert len(matching) == 1, problems
    return matching[0]


# --- valid packages -------------------------------------------------------------------------


def test_valid_scorm12_is_clean(tmp_path: Path) -> None:
    assert validate_package(make_zip(tmp_path, scorm12())) == []


def test_valid_scorm2004_two_scos_with_sequencing_is_clean(tmp_path: Path) -> None:
    assert validate_package(make_zip(tmp_path, scorm2004())) == []


def test_valid_tincan_is_clean(tmp_path: Path) -> None:
    files = {"tincan.xml": TINCAN, "index.html": "<p>hi</p>"}
    assert validate_package(make_zip(tmp_path, files)) == []


def test_valid_cmi5_is_clean(tmp_path: Path) -> None:
    files = {"cmi5.xml": CMI5, "au1/index.html": "<p>1</p>", "au2/index.html": "<p>2</p>"}
    assert validate_package(make_zip(tmp_path, files)) == []


def test_shipped_xsds_are_not_unlisted(tmp_path: Path) -> None:
    files = scorm12(**{"imscp_rootv1p1p2.xsd": "<x/>", "common/anyElement.xsd": "<x/>", "XMLSchema.dtd": ""})
    assert validate_package(make_zip(tmp_path, files)) == []


# --- the zip ----------------------------------------------------------------------------------


def test_nested_manifest_is_named(tmp_path: Path) -> None:
    files = {f"bees/{name}": content for name, content in scorm12().items()}
    problems = validate_package(make_zip(tmp_path, files))
    assert found(problems) == [("error", "manifest-nested")]
    assert "no imsmanifest.xml at the package root; found only nested copies: bees/imsmanifest.xml" in (
        problems[0].message
    )


def test_manifest_name_must_be_lower_case(tmp_path: Path) -> None:
    files = scorm12()
    files["IMSManifest.xml"] = files.pop("imsmanifest.xml")
    problems = validate_package(make_zip(tmp_path, files))
    assert found(problems) == [("error", "manifest-case")]


def test_not_a_package(tmp_path: Path) -> None:
    problems = validate_package(make_zip(tmp_path, {"index.html": "<p>hi</p>"}))
    assert found(problems) == [("error", "manifest-missing")]


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "fake.zip"
    path.write_text("not a zip")
    assert found(validate_package(path)) == [("error", "not-a-zip")]
    assert found(validate_package(tmp_path / "absent.zip")) == [("error", "not-found")]


@pytest.mark.parametrize("entry", ["../evil.txt", "/etc/cron.d/evil", "lesson1/../../evil.txt", "C:/evil.txt"])
def test_traversal_entries_are_refused_without_extraction(tmp_path: Path, entry: str) -> None:
    problems = validate_package(make_zip(tmp_path, scorm12(**{entry: "x"})))
    assert found(problems) == [("error", "unsafe-path")]
    assert problems[0].file == entry
    assert not (tmp_path.parent / "evil.txt").exists()


def test_backslash_entries(tmp_path: Path) -> None:
    files = scorm12()
    files["shared\\style.css"] = files.pop("shared/style.css")
    problems = validate_package(make_zip(tmp_path, files))
    assert found(problems) == [("error", "backslash-path"), ("error", "file-missing"), ("warning", "file-unlisted")]
    assert "(the zip has 'shared\\style.css'" in only(problems, "file-missing").message


def test_file_names_with_spaces_or_non_ascii(tmp_path: Path) -> None:
    manifest = SCORM12.replace(
        '<file href="shared/style.css"/>', '<file href="shared/my style.css"/><file href="été.png"/>'
    )
    files = scorm12(manifest, **{"shared/my style.css": "", "été.png": b"\x89PNG"})
    del files["shared/style.css"]
    problems = validate_package(make_zip(tmp_path, files))
    assert found(problems) == [("warning", "file-name"), ("warning", "file-name")]
    assert {p.file for p in problems if p.code == "file-name"} == {"shared/my style.css", "été.png"}


# --- manifest: XML safety ---------------------------------------------------------------------


def test_xxe_manifest_is_refused(tmp_path: Path) -> None:
    manifest = SCORM12.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0"?><!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    ).replace("<title>Bees 101</title>", "<title>&xxe;</title>")
    problems = validate_package(make_zip(tmp_path, scorm12(manifest)))
    assert found(problems) == [("error", "xml-entities")]
    assert "refused" in problems[0].message and "XXE" in problems[0].message


def test_billion_laughs_manifest_is_refused_fast(tmp_path: Path) -> None:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    manifest = SCORM12.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<?xml version="1.0"?><!DOCTYPE manifest [<!ENTITY l0 "lol">{entities}]>',
    ).replace("<title>Bees 101</title>", "<title>&l9;</title>")
    start = time.perf_counter()
    problems = validate_package(make_zip(tmp_path, scorm12(manifest)))
    assert time.perf_counter() - start < 1
    assert found(problems) == [("error", "xml-entities")]


def test_malformed_manifest(tmp_path: Path) -> None:
    problems = validate_package(make_zip(tmp_path, scorm12(SCORM12.replace("</organizations>", ""))))
    assert found(problems) == [("error", "xml-malformed")]
    assert problems[0].message.startswith("imsmanifest.xml is not well-formed XML (line ")


# --- manifest: schema and identifiers ---------------------------------------------------------


def test_schemaversion_wrong_case_means_scorm12_api_in_moodle(tmp_path: Path) -> None:
    manifest = SCORM2004.replace("2004 4th Edition", "2004 4th edition")
    problems = validate_package(make_zip(tmp_path, scorm2004(manifest)))
    assert found(problems) == [("error", "schemaversion")]
    assert "'2004 4th edition'" in problems[0].message
    assert "with the SCORM 1.2 API" in problems[0].message


def test_schemaversion_accepted_spellings(tmp_path: Path) -> None:
    manifest = SCORM2004.replace("2004 4th Edition", "CAM 1.3")
    assert validate_package(make_zip(tmp_path, scorm2004(manifest))) == []


def test_schemaversion_missing_in_2004_is_an_error(tmp_path: Path) -> None:
    manifest = SCORM2004.replace("<schemaversion>2004 4th Edition</schemaversion>", "")
    problems = validate_package(make_zip(tmp_path, scorm2004(manifest)))
    assert found(problems) == [("error", "schemaversion")]
    assert "no <schemaversion>" in problems[0].message


def test_schemaversion_with_a_trailing_space_is_a_warning(tmp_path: Path) -> None:
    manifest = SCORM12.replace("<schemaversion>1.2</schemaversion>", "<schemaversion>1.2 </schemaversion>")
    problems = validate_package(make_zip(tmp_path, scorm12(manifest)))
    assert found(problems) == [("warning", "schemaversion")]
    assert problems[0].message == "imsmanifest.xml: <schemaversion> '1.2 ' should be exactly '1.2'"


def test_schemaversion_of_the_other_version(tmp_path: Path) -> None:
    manifest = SCORM12.replace("<schemaversion>1.2</schemaversion>", "<schemaversion>2004 4th Edition</schemaversion>")
    problems = validate_package(make_zip(tmp_path, scorm12(manifest)))
    assert found(problems) == [("error", "schemaversion")]
    assert "Moodle will play this SCORM 1.2 package with the SCORM 2004 API" in problems[0].message


def test_identifier_that_is_not_an_xs_id(tmp_path: Path) -> None:
    manifest = SCORM12.replace('identifier="item1"', 'identifier="item 1"')
    problems = validate_package(make_zip(tmp_path, scorm12(manifest)))
    assert found(problems) == [("error", "identifier-invalid"), ("error", "xsd")]
    assert "item identifier 'item 1' is not a valid xs:ID" in only(problems, "identifier-invalid").message
    assert "'item 1' is not a valid value of the atomic type 'xs:ID'" in only(problems, "xsd").message


def test_duplicate_identifier(tmp_path: Path) -> None:
    manifest = SCORM12.replace('identifier="item1"', 'identifier="res1"')
    problems = validate_package(make_zip(tmp_path, scorm12(manifest)))
    assert found(problems) == [("error", "identifier-duplicate"), ("error", "xsd")]
    assert "identifier 'res1' is used by an item and a resource" in only(problems, "identifier-duplicate").message


def test_identifierref_to_missing_resource(tmp_path: Path) -> None:
    manifest = SCORM12.replace('identifierref="res1"', 'identifierref="res9"')
    problems = validate_package(make_zip(tmp_path, scorm12(manifest)))
    assert found(problems) == [("error", "identifierref-missing")]
    assert "item 'item1' references resource 'res9', which does not exist" in problems[0].message


def test_missing_default_organization(tmp_path: Path) -> None:
    manifest = SCORM2004.replace('default="org"', 'default="main"')
    problems = validate_package(make_zip(tmp_path, scorm2004(manifest)))
    assert found(problems) == [("error", "default-org-missing")]  # libxml2 does not check xs:IDREF
    assert "<organizations default='main'> names no <organization>" in only(problems, "default-org-missing").message


def test_no_organization_is_a_warning(tmp_path: Path) -> None:
    start, end = SCORM12.index("<organizations"), SCORM12.index("</organizations>") + len("</organizations>")
    manifest = SCORM12[:start] + "<organizations/>" + SCORM12[end:]
    assert found(validate_package(make_zip(tmp_path, scorm12(manifest)))) == [("warning", "no-organization")]


# --- manifest: what Moodle and Open edX match literally -------------------------------------


def test_adlcp_namespace_under_another_prefix(tmp_path: Path) -> None:
    manifest = SCORM12.replace("xmlns:adlcp=", "xmlns:scorm=").replace("adlcp:", "scorm:")
    problems = validate_package(make_zip(tmp_path, scorm12(manifest)))
    assert found(problems) == [("warning", "adlcp-prefix")]
    assert "bound to 'scorm:', not 'adlcp:'" in problems[0].message


def test_imsss_under_another_prefix(tmp_path: Path) -> None:
    manifest = SCORM2004.replace("xmlns:imsss=", "xmlns:ss=").replace("imsss:", "ss:")
    problems = validate_package(make_zip(tmp_path, scorm2004(manifest)))
    assert found(problems) == [("warning", "prefix")]


def test_scormtype_camel_case_in_scorm12(tmp_path: Path) -> None:
    manifest = SCORM12.replace('adlcp:scormtype="sco"', 'adlcp:scormType="sco"')
    problems = validate_package(make_zip(tmp_path, scorm12(manifest)))
    assert found(problems) == [("error", "scormtype-case"), ("error", "xsd")]
    assert (
        "resource 'res1' has adlcp:scormType; SCORM 1.2 wants adlcp:scormtype"
        in only(problems, "scormtype-case").message
    )
    assert "adlcp:scormType" in only(problems, "xsd").message


def test_scormtype_lower_case_in_scorm2004(tmp_path: Path) -> None:
    manifest = SCORM2004.replace('adlcp:scormType="sco" href="quiz1.html"', 'adlcp:scormtype="sco" href="quiz1.html"')
    problems = validate_package(make_zip(tmp_path, scorm2004(manifest)))
    assert found(problems) == [("error", "scormtype-case")]  # the 2004 XSD lets it through (lax wildcard)
    assert (
        "resource 'res_quiz1' has adlcp:scormtype; SCORM 2004 wants adlcp:scormType"
        in only(problems, "scormtype-case").message
    )


def test_scormtype_value_is_checked_by_the_xsd(tmp_path: Path) -> None:
    manifest = SCORM12.replace('adlcp:scormtype="sco"', 'adlcp:scormtype="SCO"')
    problems = validate_package(make_zip(tmp_path, scorm12(manifest)))
    assert found(problems) == [("error", "xsd")]


def test_first_resource_should_be_the_first_sco(tmp_path: Path) -> None:
    lesson = SCORM2004[
        SCORM2004.index('    <resource identifier="res_lesson1"') : SCORM2004.index(
            '    <resource identifier="res_quiz1"'
        )
    ]
    manifest = SCORM2004.replace(lesson, "").replace("  </resources>", lesson + "  </resources>")
    problems = validate_package(make_zip(tmp_path, scorm2004(manifest)))
    assert found(problems) == [("warning", "first-resource")]
    assert "first <resource> with an href is 'res_quiz1'" in problems[0].message


# --- package: files ---------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    files = scorm12()
    del files["shared/style.css"]
    problems = validate_package(make_zip(tmp_path, files))
    assert found(problems) == [("error", "file-missing")]
    assert problems[0].message == "imsmanifest.xml references 'shared/style.css' which is not in the package"


def test_file_with_other_case(tmp_path: Path) -> None:
    files = scorm12()
    files["shared/Style.css"] = files.pop("shared/style.css")
    problems = validate_package(make_zip(tmp_path, files))
    assert found(problems) == [("error", "file-missing"), ("warning", "file-unlisted")]
    assert "(the zip has 'shared/Style.css'" in only(problems, "file-missing").message


def test_unlisted_file(tmp_path: Path) -> None:
    problems = validate_package(make_zip(tmp_path, scorm12(**{"extra/notes.txt": "x"})))
    assert problems == [
        Problem(
            "warning",
            "file-unlisted",
            "'extra/notes.txt' is in the zip but in no resource's <file> list (SCORM Cloud and importers rely on it)",
            "extra/notes.txt",
        )
    ]


def test_launch_href_outside_the_package(tmp_path: Path) -> None:
    manifest = SCORM12.replace('href="lesson1/index.html">', 'href="https://cdn.example.com/lesson.html">')
    problems = validate_package(make_zip(tmp_path, scorm12(manifest)))
    assert found(problems) == [("error", "href-external")]
    assert "resource 'res1' points outside the package ('https://cdn.example.com/lesson.html')" in problems[0].message


def test_href_with_dot_dot(tmp_path: Path) -> None:
    manifest = SCORM12.replace('<file href="shared/style.css"/>', '<file href="../shared/style.css"/>')
    problems = validate_package(make_zip(tmp_path, scorm12(manifest)))
    assert found(problems) == [("error", "href-unsafe"), ("warning", "file-unlisted")]


def test_xml_base_is_applied(tmp_path: Path) -> None:
    manifest = SCORM12.replace("<resources>", '<resources xml:base="content/">')
    files = {("content/" + k if k != "imsmanifest.xml" else k): v for k, v in scorm12(manifest).items()}
    assert validate_package(make_zip(tmp_path, files)) == []


# --- package: no network ----------------------------------------------------------------------


def test_cdn_script_is_an_error_and_plain_links_a_warning(tmp_path: Path) -> None:
    page = HTML.replace(
        "</head>",
        '<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>\n'
        '<link rel="stylesheet" href="//fonts.googleapis.com/css?family=Roboto"></head>',
    ).replace("<p>", '<p><a href="https://en.wikipedia.org/wiki/Bee">Read more</a> ')
    problems = validate_package(make_zip(tmp_path, scorm12(**{"lesson1/index.html": page})))
    assert found(problems) == [
        ("error", "network-reference"),
        ("error", "network-reference"),
        ("warning", "external-link"),
    ]
    messages = "\n".join(p.message for p in problems)
    assert "lesson1/index.html:2: <script src> loads https://code.jquery.com/jquery-3.7.1.min.js" in messages
    assert "<link href> loads //fonts.googleapis.com/css?family=Roboto" in messages
    assert "<a href> links to https://en.wikipedia.org/wiki/Bee" in messages
    assert {p.file for p in problems} == {"lesson1/index.html"}


def test_network_loads_in_css_and_js(tmp_path: Path) -> None:
    files = scorm12(
        **{
            "shared/style.css": (
                "@import 'https://fonts.example.com/a.css';\nbody { background: url(//img.example.com/b.png) }"
            ),
            "shared/runtime.js": (
                "// a comment with https://example.com is fine\n"
                "const verb = 'http://adlnet.gov/expapi/verbs/completed';\n"
                "fetch('https://lrs.example.com/xapi/statements');\n"
            ),
        }
    )
    problems = validate_package(make_zip(tmp_path, files))
    assert found(problems) == [("error", "network-reference")] * 3
    lines = sorted(p.message.split(" loads ")[0] for p in problems)
    assert lines == ["shared/runtime.js:3: script", "shared/style.css:1: CSS", "shared/style.css:2: CSS"]


def test_commented_out_cdn_is_ignored(tmp_path: Path) -> None:
    page = HTML.replace("</head>", '<!-- <script src="https://cdn.example.com/x.js"></script> --></head>')
    assert validate_package(make_zip(tmp_path, scorm12(**{"lesson1/index.html": page}))) == []


# --- xAPI and cmi5 ----------------------------------------------------------------------------


def test_tincan_structure(tmp_path: Path) -> None:
    broken = TINCAN.replace(' type="http://adlnet.gov/expapi/activities/assessment"', "").replace(
        "<name>Quiz</name>", "<name>Quiz</name><launch>quiz.html</launch>"
    )
    problems = validate_package(make_zip(tmp_path, {"tincan.xml": broken, "index.html": "", "quiz.html": ""}))
    assert found(problems) == [("error", "tincan-activity"), ("error", "tincan-launch")]
    assert "has no type" in only(problems, "tincan-activity").message


def test_tincan_wrong_namespace_and_missing_launch_file(tmp_path: Path) -> None:
    wrong = TINCAN.replace("http://projecttincan.com/tincan.xsd", "http://example.com/tincan")
    assert found(validate_package(make_zip(tmp_path, {"tincan.xml": wrong, "index.html": ""}))) == [
        ("error", "tincan-root")
    ]
    problems = validate_package(make_zip(tmp_path, {"tincan.xml": TINCAN}, "b.zip"))
    assert found(problems) == [("error", "file-missing")]


def test_cmi5_schema_and_urls(tmp_path: Path) -> None:
    broken = CMI5.replace('moveOn="CompletedOrPassed"', 'moveOn="Done"').replace(
        "<url>au2/index.html?mode=quiz</url>", "<url>https://cdn.example.com/au2.html</url>"
    )
    problems = validate_package(make_zip(tmp_path, {"cmi5.xml": broken, "au1/index.html": ""}))
    assert found(problems) == [("error", "href-external"), ("error", "xsd")]
    assert "moveOn" in only(problems, "xsd").message


# --- schemas and CLI --------------------------------------------------------------------------


def test_schemas_are_compiled_once_and_validation_is_fast(tmp_path: Path) -> None:
    assert validate.schema("scorm2004") is validate.schema("scorm2004")
    path = make_zip(tmp_path, scorm2004())
    validate_package(path)
    start = time.perf_counter()
    for _ in range(10):
        validate_package(path)
    assert (time.perf_counter() - start) / 10 < 0.05


def test_cli_prints_one_line_per_problem_and_exits_1_on_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = make_zip(tmp_path, scorm12(), "good.zip")
    files = scorm12(**{"extra.txt": "x"})
    del files["shared/style.css"]
    bad = make_zip(tmp_path, files, "bad.zip")
    assert cli.main(["validate", str(good)]) == 0
    assert cli.main(["validate", str(good), str(bad)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert (
        f"{bad}: error file-missing: imsmanifest.xml references 'shared/style.css' which is not in the package" in out
    )
    assert any(line.startswith(f"{bad}: warning file-unlisted: 'extra.txt'") for line in out)
    assert out[-1] == "FAILED: 2 package(s) checked, 1 error(s), 1 warning(s)"
    with pytest.raises(SystemExit) as refused:
        cli.main(["validate"])
    assert refused.value.code == 2


def test_scorm12_in_the_cp_1_1_4_namespace(tmp_path: Path) -> None:
    manifest = SCORM12.replace(
        "http://www.imsproject.org/xsd/imscp_rootv1p1p2", "http://www.imsglobal.org/xsd/imscp_v1p1"
    )
    problems = validate_package(make_zip(tmp_path, scorm12(manifest)))
    assert found(problems) == [("warning", "namespace")]
    assert "a SCORM 1.2 manifest should use the default namespace http://www.imsproject.org" in problems[0].message


def test_organization_without_launchable_item(tmp_path: Path) -> None:
    manifest = SCORM12.replace(' identifierref="res1"', "")
    problems = validate_package(make_zip(tmp_path, scorm12(manifest)))
    assert found(problems) == [("error", "no-launch")]


def test_foreign_manifest_namespace(tmp_path: Path) -> None:
    manifest = SCORM12.replace("http://www.imsproject.org/xsd/imscp_rootv1p1p2", "http://example.com/cp")
    problems = validate_package(make_zip(tmp_path, scorm12(manifest)))
    assert found(problems) == [("error", "namespace")]  # and no file-unlisted noise
