"""xAPI (Tin Can) launch: tincan.xml with the course activity, its lessons and questions."""

from __future__ import annotations

from lxml import etree

from packager.formats.common import LAUNCH, single_page, xml_bytes
from packager.formats.registry import Format
from packager.render import Site, lesson_iri, question_iri
from packager.standards.statements import COURSE, INTERACTION, MODULE

TINCAN = "http://projecttincan.com/tincan.xsd"


def _activity(
    parent: etree._Element, iri: str, kind: str, name: str, lang: str, description: str = ""
) -> etree._Element:
    act = etree.SubElement(parent, f"{{{TINCAN}}}activity", id=iri, type=kind)
    etree.SubElement(act, f"{{{TINCAN}}}name", lang=lang).text = name
    if description:
        etree.SubElement(act, f"{{{TINCAN}}}description", lang=lang).text = description
    return act


def manifest(site: Site) -> bytes:
    c = site.course
    root = etree.Element(f"{{{TINCAN}}}tincan", nsmap={None: TINCAN})
    acts = etree.SubElement(root, f"{{{TINCAN}}}activities")
    course = _activity(acts, c.id, COURSE, c.title, c.language, c.description)
    etree.SubElement(course, f"{{{TINCAN}}}launch", lang=c.language).text = LAUNCH
    for lesson in c.lessons:
        _activity(acts, lesson_iri(c, lesson), MODULE, lesson.title, c.language)
        for q in lesson.questions:
            _activity(acts, question_iri(c, q.id), INTERACTION, q.prompt, c.language)
    return xml_bytes(root)


def package(site: Site, fmt: Format) -> dict[str, bytes]:
    files = single_page(site, fmt)
    files["tincan.xml"] = manifest(site)
    return files
