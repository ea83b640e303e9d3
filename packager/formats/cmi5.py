"""cmi5: cmi5.xml with one AU for the course, carrying moveOn and masteryScore."""

from __future__ import annotations

from lxml import etree

from packager.formats.common import LAUNCH, single_page, xml_bytes
from packager.formats.registry import Format
from packager.render import Site
from packager.standards import ids

CMI5 = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"


def _texts(parent: etree._Element, tag: str, text: str, lang: str) -> None:
    el = etree.SubElement(parent, f"{{{CMI5}}}{tag}")
    etree.SubElement(el, f"{{{CMI5}}}langstring", lang=lang).text = text


def manifest(site: Site) -> bytes:
    c = site.course
    root = etree.Element(f"{{{CMI5}}}courseStructure", nsmap={None: CMI5})
    course = etree.SubElement(root, f"{{{CMI5}}}course", id=c.id)
    _texts(course, "title", c.title, c.language)
    _texts(course, "description", c.description, c.language)
    attrs = {
        "id": ids.au_iri(c.id),
        "moveOn": "CompletedAndPassed" if c.has_quiz else "Completed",
        "launchMethod": "AnyWindow",
    }
    if c.has_quiz:
        attrs["masteryScore"] = f"{c.mastery_score / 100:g}"
    au = etree.SubElement(root, f"{{{CMI5}}}au", attrs)
    _texts(au, "title", c.title, c.language)
    _texts(au, "description", c.description, c.language)
    etree.SubElement(au, f"{{{CMI5}}}url").text = LAUNCH
    return xml_bytes(root)


def package(site: Site, fmt: Format) -> dict[str, bytes]:
    files = single_page(site, fmt)
    files["cmi5.xml"] = manifest(site)
    return files
