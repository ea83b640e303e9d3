"""What every manifest reader shares: the Package and Launch a manifest becomes, its namespaces,
the rules of launch hrefs (they stay inside the package, which is played offline), XML helpers.

The readers live with their writers: formats/scorm.py (SCORM 1.2 and 2004), formats/xapi.py
(tincan.xml), formats/cmi5.py (cmi5.xml); `packager.packages` opens a package and picks the reader
that the format registry names for its manifest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import unquote, urljoin

from lxml import etree

from packager.xmlsafe import PackageError

Standard = Literal["scorm12", "scorm2004", "xapi", "cmi5"]
LaunchKind = Literal["sco", "asset", "au", "activity"]

NS_CP12 = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
NS_CP2004 = "http://www.imsglobal.org/xsd/imscp_v1p1"
NS_ADLCP12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
NS_ADLCP2004 = "http://www.adlnet.org/xsd/adlcp_v1p3"
NS_ADLSEQ = "http://www.adlnet.org/xsd/adlseq_v1p3"
NS_ADLNAV = "http://www.adlnet.org/xsd/adlnav_v1p3"
NS_IMSSS = "http://www.imsglobal.org/xsd/imsss"
NS_XML = "http://www.w3.org/XML/1998/namespace"
NS_TINCAN = "http://projecttincan.com/tincan.xsd"
NS_CMI5 = "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"
NS_2004_EXTENSIONS = frozenset({NS_ADLCP2004, NS_ADLSEQ, NS_ADLNAV, NS_IMSSS})

XML_BASE = f"{{{NS_XML}}}base"

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


@dataclass(frozen=True)
class Launch:
    """One launchable thing: a SCORM item (sco/asset), a cmi5 AU or an xAPI activity.

    `href` is relative to the package root and already includes xml:base and item
    parameters, so the player can open it as is.
    """

    id: str
    title: str
    href: str
    kind: LaunchKind
    mastery_score: float | None = None
    move_on: str | None = None
    resource: str | None = None
    launch_data: str | None = None
    parents: tuple[str, ...] = ()
    visible: bool = True
    completion_threshold: float | None = None
    launch_method: str | None = None
    # The activity IRI the package names this launch with (cmi5 AU id, xAPI activity id, or the IRI
    # a SCORM item declares in its metadata); None when it names none: the player then derives one.
    iri: str | None = None


@dataclass(frozen=True)
class Package:
    """What the player needs from a manifest; `details` keeps raw facts for diagnostics."""

    standard: Standard
    identifier: str
    title: str
    version: str | None
    launches: tuple[Launch, ...]
    files: tuple[str, ...]
    manifest: str = "imsmanifest.xml"
    # The course activity IRI the package declares (cmi5 course id, tincan course activity, or a SCORM
    # manifest's LOM identifier in the URI catalog); None when it declares none.
    course_iri: str | None = None
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


# ---------------------------------------------------------------------------------------------
# hrefs and XML


def href_path(href: str) -> str:
    """The file part of an href: no query, no fragment."""
    return href.split("#", 1)[0].split("?", 1)[0]


def member_for_href(href: str, names: set[str]) -> str | None:
    """The zip member an href names (exact case), trying it as written then %-decoded."""
    path = href_path(href)
    for candidate in (path, unquote(path)):
        if candidate in names:
            return candidate
    return None


def check_href(href: str, what: str) -> str:
    """Return `href` with './' segments removed, or raise if it leaves the package."""
    value = href.strip()
    if not value:
        raise PackageError(f"{what} has an empty href", code="href-empty")
    if _SCHEME.match(value) or value.startswith(("/", "\\")):
        raise PackageError(
            f"{what} points outside the package ({value!r}): launch files must be relative "
            "paths inside the package, which is played offline",
            code="href-outside",
        )
    path = href_path(value)
    if "\\" in path:
        raise PackageError(f"{what} uses '\\' in {value!r}: use '/' separators", code="href-unsafe")
    if ".." in unquote(path).split("/"):
        raise PackageError(f"{what} climbs out of the package with '..' ({value!r})", code="href-unsafe")
    segments = [s for s in path.split("/") if s != "."]
    return "/".join(segments) + value[len(path) :]


def join_url(*parts: str | None) -> str:
    """Resolve xml:base values and an href in order (RFC 3986), as the CP spec says."""
    url = ""
    for part in parts:
        if part:
            url = urljoin(url, part) if url else part
    return url


def add_parameters(url: str, parameters: str | None) -> str:
    """Append item parameters to a launch URL following SCORM CAM's rules."""
    params = (parameters or "").strip()
    while params[:1] in ("?", "&"):
        params = params[1:]
    if not params:
        return url
    if params.startswith("#"):
        return url if "#" in url else url + params
    return f"{url}{'&' if '?' in url else '?'}{params}"


def text_of(element: etree._Element | None) -> str:
    """Stripped text content of an element (empty when absent)."""
    if element is None:
        return ""
    return "".join(element.itertext()).strip()


def localname(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def namespace(element: etree._Element) -> str | None:
    return etree.QName(element).namespace if isinstance(element.tag, str) else None


def children(element: etree._Element, name: str) -> list[etree._Element]:
    """Children with this local name in the element's own namespace."""
    ns = namespace(element)
    tag = f"{{{ns}}}{name}" if ns else name
    return element.findall(tag)


def first_text(elements: list[etree._Element]) -> str:
    for element in elements:
        value = text_of(element)
        if value:
            return value
    return ""


def to_float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None and value.strip() else None
    except ValueError:
        return None


def declared_namespaces(root: etree._Element) -> set[str]:
    return {uri for el in root.iter() if isinstance(el.tag, str) for uri in el.nsmap.values()}
