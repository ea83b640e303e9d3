"""SCORM 1.2: one SCO for the whole course (see docs/authoring.md for why)."""

from __future__ import annotations

from lxml import etree

from packager.formats.common import LAUNCH, manifest_id, single_page, xml_bytes
from packager.formats.registry import Format
from packager.render import Site
from packager.standards import ids

CP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
IMSMD = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, tag, attrs)
    el.text = text
    return el


def _declare_iri(metadata: etree._Element, iri: str) -> None:
    """IMS MD 1.2.1: the activity IRI as a catalog entry of the URI catalog (read by packager.packages)."""
    general = _el(_el(metadata, f"{{{IMSMD}}}lom"), f"{{{IMSMD}}}general")
    entry = _el(general, f"{{{IMSMD}}}catalogentry")
    _el(entry, f"{{{IMSMD}}}catalog", ids.LOM_CATALOG)
    _el(_el(entry, f"{{{IMSMD}}}entry"), f"{{{IMSMD}}}langstring", iri)


def manifest(site: Site, files: list[str]) -> bytes:
    c = site.course
    ident = manifest_id(site)
    root = etree.Element(
        f"{{{CP}}}manifest", nsmap={None: CP, "adlcp": ADLCP, "imsmd": IMSMD}, identifier=ident, version=c.version
    )
    meta = _el(root, f"{{{CP}}}metadata")
    _el(meta, f"{{{CP}}}schema", "ADL SCORM")
    _el(meta, f"{{{CP}}}schemaversion", "1.2")
    _declare_iri(meta, c.id)
    orgs = _el(root, f"{{{CP}}}organizations", default=f"ORG-{c.slug}")
    org = _el(orgs, f"{{{CP}}}organization", identifier=f"ORG-{c.slug}")
    _el(org, f"{{{CP}}}title", c.title)
    item = _el(org, f"{{{CP}}}item", identifier=f"ITEM-{c.slug}", identifierref=f"RES-{c.slug}", isvisible="true")
    _el(item, f"{{{CP}}}title", c.title)
    _declare_iri(_el(item, f"{{{CP}}}metadata"), c.id)  # the one SCO is the whole course
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
