"""SCORM 1.2: one SCO for the whole course (see docs/authoring.md for why)."""

from __future__ import annotations

from lxml import etree

from packager.formats.common import LAUNCH, manifest_id, single_page, xml_bytes
from packager.formats.registry import Format
from packager.render import Site

CP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, tag, attrs)
    el.text = text
    return el


def manifest(site: Site, files: list[str]) -> bytes:
    c = site.course
    ident = manifest_id(site)
    root = etree.Element(f"{{{CP}}}manifest", nsmap={None: CP, "adlcp": ADLCP}, identifier=ident, version=c.version)
    meta = _el(root, f"{{{CP}}}metadata")
    _el(meta, f"{{{CP}}}schema", "ADL SCORM")
    _el(meta, f"{{{CP}}}schemaversion", "1.2")
    orgs = _el(root, f"{{{CP}}}organizations", default=f"ORG-{c.slug}")
    org = _el(orgs, f"{{{CP}}}organization", identifier=f"ORG-{c.slug}")
    _el(org, f"{{{CP}}}title", c.title)
    item = _el(org, f"{{{CP}}}item", identifier=f"ITEM-{c.slug}", identifierref=f"RES-{c.slug}", isvisible="true")
    _el(item, f"{{{CP}}}title", c.title)
    if c.has_quiz:
        _el(item, f"{{{ADLCP}}}masteryscore", str(c.mastery_score))
    resources = _el(root, f"{{{CP}}}resources")
    res = _el(resources, f"{{{CP}}}resource", identifier=f"RES-{c.slug}", type="webcontent", href=LAUNCH)
    res.set(f"{{{ADLCP}}}scormtype", "sco")
    for name in files:
        _el(res, f"{{{CP}}}file", href=name)
    return xml_bytes(root)


def package(site: Site, fmt: Format) -> dict[str, bytes]:
    files = single_page(site, fmt)
    ordered = [LAUNCH] + sorted(n for n in files if n != LAUNCH)
    files["imsmanifest.xml"] = manifest(site, ordered)
    return files
