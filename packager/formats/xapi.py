"""xAPI (Tin Can) launch: tincan.xml with the course activity, its lessons and questions; written
for our courses, read for any package."""

from __future__ import annotations

from lxml import etree

from packager.formats.common import LAUNCH, single_page, xml_bytes
from packager.formats.registry import Format
from packager.manifest import NS_TINCAN as TINCAN
from packager.manifest import Launch, Package, check_href, first_text, href_path, localname, namespace, text_of
from packager.render import Site, lesson_iri, question_iri
from packager.standards import ids
from packager.standards.statements import COURSE, INTERACTION, MODULE
from packager.xmlsafe import PackageError


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


def read_manifest(name: str, root: etree._Element) -> Package:
    """A tincan.xml: each activity with a <launch> is a launch; the course activity names the course."""
    if localname(root) != "tincan":
        raise PackageError(f"{name}: the root element is <{localname(root)}>, not <tincan>", code="tincan-root")
    launches: list[Launch] = []
    activities = [el for el in root.iter() if localname(el) == "activity"]
    for activity in activities:
        launch_els = [el for el in activity if localname(el) == "launch"]
        if not launch_els:
            continue
        activity_id = (activity.get("id") or "").strip()
        if not activity_id:
            raise PackageError(f"{name}: a launchable <activity> has no id", code="tincan-activity")
        what = f"{name}: activity '{activity_id}'"
        launches.append(
            Launch(
                id=activity_id,
                title=first_text([el for el in activity if localname(el) == "name"]),
                href=check_href(text_of(launch_els[0]), what),
                kind="activity",
                iri=activity_id if ids.is_iri(activity_id) else None,
            )
        )
    if not launches:
        raise PackageError(f"{name}: no <activity> has a <launch>", code="tincan-launch")
    courses = [a.get("id", "").strip() for a in activities if (a.get("type") or "").endswith("/activities/course")]
    return Package(
        standard="xapi",
        identifier=launches[0].id,
        course_iri=next((iri for iri in courses if ids.is_iri(iri)), launches[0].iri),
        title=launches[0].title or launches[0].id,
        version=None,
        launches=tuple(launches),
        files=tuple(dict.fromkeys(href_path(la.href) for la in launches)),
        manifest=name,
        details={"namespace": namespace(root), "activities": len(activities)},
    )
