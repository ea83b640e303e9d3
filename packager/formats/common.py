"""What several formats share: the single launch page and XML serialisation."""

from __future__ import annotations

from lxml import etree

from packager.formats.registry import Format
from packager.render import Site
from packager.standards import ids

LAUNCH = "index.html"


def single_page(site: Site, fmt: Format) -> dict[str, bytes]:
    """One launch page with the whole course, its runtime and its media."""
    c = site.course
    files = {LAUNCH: site.page(fmt.name, c.lessons, intro=True, page_id=c.id, mode="anchor")}
    files.update(site.runtime(fmt.scripts))
    files.update(site.assets())
    return files


def xml_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def manifest_id(site: Site) -> str:
    return ids.manifest_id(site.course.slug)
