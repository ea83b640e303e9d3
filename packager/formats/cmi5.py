"""cmi5: cmi5.xml with one AU for the course, carrying moveOn and masteryScore; written for our
courses, read for any package (blocks and AUs)."""

from __future__ import annotations

from lxml import etree

from packager.formats.common import LAUNCH, single_page, xml_bytes
from packager.formats.registry import Format
from packager.manifest import NS_CMI5 as CMI5
from packager.manifest import (
    Launch,
    Package,
    check_href,
    first_text,
    href_path,
    localname,
    namespace,
    text_of,
    to_float,
)
from packager.render import Site
from packager.standards import ids
from packager.xmlsafe import PackageError


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


def _title(element: etree._Element) -> str:
    titles = [el for el in element if localname(el) == "title"]
    return first_text([ls for t in titles for ls in t if localname(ls) == "langstring"])


def read_manifest(name: str, root: etree._Element) -> Package:
    """A cmi5.xml: its AUs in course order, each under the titles of the blocks that hold it."""
    if localname(root) != "courseStructure":
        raise PackageError(
            f"{name}: the root element is <{localname(root)}>, not <courseStructure>",
            code="cmi5-root",
        )
    course = next((el for el in root if localname(el) == "course"), None)
    if course is None or not course.get("id"):
        raise PackageError(f"{name}: <course id='…'> is missing", code="cmi5-course")
    launches: list[Launch] = []

    def walk(parent: etree._Element, parents: tuple[str, ...]) -> None:
        for child in parent:
            kind = localname(child)
            if kind == "block":
                walk(child, (*parents, _title(child)))
            elif kind == "au":
                launches.append(_au_launch(name, child, parents))

    walk(root, ())
    if not launches:
        raise PackageError(f"{name} has no <au>: there is nothing to launch", code="no-launch")
    return Package(
        standard="cmi5",
        identifier=course.get("id", ""),
        course_iri=course.get("id") if ids.is_iri(course.get("id")) else None,
        title=_title(course) or course.get("id", ""),
        version=None,
        launches=tuple(launches),
        files=tuple(dict.fromkeys(href_path(la.href) for la in launches)),
        manifest=name,
        details={"namespace": namespace(root)},
    )


def _au_launch(name: str, au: etree._Element, parents: tuple[str, ...]) -> Launch:
    au_id = (au.get("id") or "").strip()
    if not au_id:
        raise PackageError(f"{name}: an <au> has no id", code="cmi5-au")
    url = first_text([el for el in au if localname(el) == "url"])
    params = next((el for el in au if localname(el) == "launchParameters"), None)
    score = to_float(au.get("masteryScore"))
    return Launch(
        id=au_id,
        title=_title(au),
        href=check_href(url, f"{name}: AU '{au_id}'"),
        kind="au",
        iri=au_id if ids.is_iri(au_id) else None,
        mastery_score=score if score is not None and 0 <= score <= 1 else None,
        move_on=au.get("moveOn") or "NotApplicable",
        launch_data=text_of(params) if params is not None else None,
        parents=parents,
        launch_method=au.get("launchMethod") or "AnyWindow",
    )
