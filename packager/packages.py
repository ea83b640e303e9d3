"""Read the manifest of any package, ours or a third party's: SCORM 1.2, SCORM 2004, xAPI, cmi5.

The player imports packages it did not build, so everything here treats the package as
untrusted: manifests go through the hardened parser, member names are checked for path
traversal, and launch hrefs must stay inside the package (the player works offline).
Nothing is extracted; only the manifest is read.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urljoin

from lxml import etree

from packager.standards import ids
from packager.xmlsafe import MAX_XML_BYTES, PackageError, parse_xml

__all__ = [
    "Launch",
    "Package",
    "PackageError",
    "Standard",
    "find_manifest",
    "parse_manifest",
    "read_package",
]

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

#: Manifest file names at the package root, in the order they are preferred when several exist.
MANIFEST_NAMES: dict[str, Standard | Literal["scorm"]] = {
    "cmi5.xml": "cmi5",
    "imsmanifest.xml": "scorm",
    "tincan.xml": "xapi",
}

# Moodle's reading of <schemaversion> (mod/scorm/datamodels/scormlib.php); anything else is 1.2.
_MOODLE_12_OR_13 = re.compile(r"^(1\.2)$|^(CAM )?(1\.3)$")
_MOODLE_2004 = re.compile(r"^2004 (3rd|4th) Edition$")
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
# Package sources: a zip, or a folder where a zip was unpacked.


class _Source:
    """Read-only access to a package's members by their '/'-separated path."""

    def names(self) -> list[str]:
        raise NotImplementedError

    def read(self, name: str) -> bytes:
        raise NotImplementedError


class _ZipSource(_Source):
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive

    def names(self) -> list[str]:
        return [i.filename for i in self.archive.infolist() if not i.is_dir()]

    def read(self, name: str) -> bytes:
        return read_member(self.archive, name)


class _DirSource(_Source):
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def names(self) -> list[str]:
        found = []
        for folder, _dirs, files in os.walk(self.root):
            rel = Path(folder).relative_to(self.root)
            found.extend((rel / f).as_posix().removeprefix("./") for f in files)
        return sorted(found)

    def read(self, name: str) -> bytes:
        path = (self.root / name).resolve()
        if not path.is_relative_to(self.root):  # a symlink pointing out of the package
            raise PackageError(f"{name} points outside the package folder", code="unsafe-path")
        if path.stat().st_size > MAX_XML_BYTES:
            raise PackageError(f"{name} is too large to be a manifest", code="xml-too-large")
        return path.read_bytes()


def read_member(archive: zipfile.ZipFile, name: str, limit: int = MAX_XML_BYTES) -> bytes:
    """Read one zip member into memory, refusing more than `limit` bytes (zip bombs)."""
    try:
        with archive.open(name) as stream:
            data = stream.read(limit + 1)
    except (RuntimeError, NotImplementedError, zipfile.BadZipFile, OSError) as exc:
        raise PackageError(f"{name} cannot be read from the zip: {exc}", code="zip-unreadable") from None
    if len(data) > limit:
        raise PackageError(f"{name} is larger than {limit} bytes", code="xml-too-large")
    return data


@contextmanager
def _open_source(source: zipfile.ZipFile | Path | str) -> Iterator[_Source]:
    if isinstance(source, zipfile.ZipFile):
        yield _ZipSource(source)
        return
    path = Path(source)
    if path.is_dir():
        yield _DirSource(path)
        return
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise PackageError(f"{path} does not exist", code="not-found") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackageError(f"{path} is not a readable zip file: {exc}", code="not-a-zip") from None
    with archive:
        yield _ZipSource(archive)


# ---------------------------------------------------------------------------------------------
# Helpers shared with packager.validate.


def unsafe_member(name: str) -> str | None:
    """Why a zip member name could escape the extraction folder, or None if it is safe."""
    if "\x00" in name:
        return "contains a NUL character"
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "is an absolute path"
    if ".." in re.split(r"[/\\]", name):
        return "climbs out of the package with '..'"
    return None


def find_manifest(names: list[str]) -> str:
    """The manifest at the package root (cmi5.xml, imsmanifest.xml, then tincan.xml)."""
    present = set(names)
    for candidate in MANIFEST_NAMES:
        if candidate in present:
            return candidate
    root_files = [n for n in names if "/" not in n]
    wrong_case = [n for n in root_files if n.lower() in MANIFEST_NAMES]
    if wrong_case:
        found = wrong_case[0]
        raise PackageError(
            f"the manifest is named '{found}'; it must be exactly '{found.lower()}' (lower case)",
            code="manifest-case",
        )
    nested = sorted(n for n in names if n.rsplit("/", 1)[-1].lower() in MANIFEST_NAMES)
    if nested:
        wanted = nested[0].rsplit("/", 1)[-1].lower()
        raise PackageError(
            f"no {wanted} at the package root; found only nested copies: {', '.join(nested)}. "
            "Zip the contents of the course folder, not the folder itself.",
            code="manifest-nested",
        )
    raise PackageError(
        "no imsmanifest.xml, tincan.xml or cmi5.xml at the package root: this is not a SCORM, xAPI or cmi5 package",
        code="manifest-missing",
    )


def moodle_standard(schemaversion: str | None) -> Standard:
    """The SCORM version Moodle plays a manifest with, from its <schemaversion> alone."""
    text = schemaversion or ""
    match = _MOODLE_12_OR_13.match(text)
    if match and match.group(3):
        return "scorm2004"
    if match:
        return "scorm12"
    return "scorm2004" if _MOODLE_2004.match(text) else "scorm12"


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


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    """Children with this local name in the element's own namespace."""
    ns = namespace(element)
    tag = f"{{{ns}}}{name}" if ns else name
    return element.findall(tag)


def _first_text(elements: list[etree._Element]) -> str:
    for element in elements:
        value = text_of(element)
        if value:
            return value
    return ""


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None and value.strip() else None
    except ValueError:
        return None


def declared_namespaces(root: etree._Element) -> set[str]:
    return {uri for el in root.iter() if isinstance(el.tag, str) for uri in el.nsmap.values()}


# ---------------------------------------------------------------------------------------------
# SCORM


def namespace_standard(root: etree._Element) -> Standard | None:
    """The SCORM version a manifest's namespaces point to, or None when they say nothing.

    Some SCORM 1.2 packages use the CP 1.1.4 namespace (imscp_v1p1) with the 1.2 ADL
    namespace, so the ADL namespaces decide before the CP one.
    """
    declared = declared_namespaces(root)
    if NS_ADLCP12 in declared or namespace(root) == NS_CP12:
        return "scorm12"
    if declared & NS_2004_EXTENSIONS:
        return "scorm2004"
    return None


def _scorm_standard(root: etree._Element, schemaversion: str | None) -> tuple[Standard, str]:
    """The standard from <schemaversion> (as Moodle reads it), else from the namespaces."""
    text = (schemaversion or "").strip()
    if _MOODLE_12_OR_13.match(text) or _MOODLE_2004.match(text):
        return moodle_standard(text), "schemaversion"
    by_namespace = namespace_standard(root)
    return (by_namespace, "namespaces") if by_namespace else ("scorm12", "default")


def _adlcp_names(names: tuple[str, ...]) -> Iterator[str]:
    """Each of `names` in the ADL CP namespace of SCORM 1.2, then of 2004 (packages mix them)."""
    return (f"{{{ns}}}{name}" for ns in (NS_ADLCP12, NS_ADLCP2004) for name in names)


def _adlcp_attr(element: etree._Element, *names: str) -> str | None:
    """An ADL CP attribute in either SCORM version's namespace, under any of `names`."""
    return next((v for v in map(element.get, _adlcp_names(names)) if v is not None), None)


def _adlcp_child(element: etree._Element, *names: str) -> etree._Element | None:
    return next((c for c in map(element.find, _adlcp_names(names)) if c is not None), None)


def xml_bases(element: etree._Element) -> list[str]:
    """xml:base values from the root down to `element`, in the order they apply."""
    chain = [el.get(XML_BASE) for el in [element, *element.iterancestors()]]
    return [b for b in reversed(chain) if b]


def _declared_iri(element: etree._Element) -> str | None:
    """The activity IRI an element's inline metadata declares: LOM general.identifier (SCORM 2004) or
    IMS MD catalogentry (SCORM 1.2) in the URI catalog, as packager.formats writes it; None otherwise."""

    def named(parents: list[etree._Element], *names: str) -> list[etree._Element]:
        return [child for parent in parents for child in parent if localname(child) in names]

    entries = named(named(named(_children(element, "metadata"), "lom"), "general"), "identifier", "catalogentry")
    for entry in entries:
        if _first_text(named([entry], "catalog")) == ids.LOM_CATALOG:
            values = named([entry], "entry")
            iri = _first_text(named(values, "langstring")) or _first_text(values)
            if ids.is_iri(iri):
                return iri
    return None


def _mastery_2004(item: etree._Element, collection: dict[str, etree._Element]) -> float | None:
    """minNormalizedMeasure of the primary objective when it is satisfied by measure."""
    sequencings = item.findall(f"{{{NS_IMSSS}}}sequencing")
    for sequencing in list(sequencings):
        ref = sequencing.get("IDRef")
        if ref and ref in collection:
            sequencings.append(collection[ref])
    for sequencing in sequencings:
        primary = sequencing.find(f"{{{NS_IMSSS}}}objectives/{{{NS_IMSSS}}}primaryObjective")
        if primary is None or primary.get("satisfiedByMeasure") not in ("true", "1"):
            continue
        measure = primary.find(f"{{{NS_IMSSS}}}minNormalizedMeasure")
        value = _float(text_of(measure)) if measure is not None else 1.0
        return None if value is None else min(1.0, max(0.0, value))
    return None


def _parse_scorm(name: str, root: etree._Element) -> Package:
    if localname(root) != "manifest":
        raise PackageError(f"{name}: the root element is <{localname(root)}>, not <manifest>", code="manifest-root")
    metadata = _children(root, "metadata")
    schemaversion_el = next((el for md in metadata for el in md if localname(el) == "schemaversion"), None)
    schemaversion = text_of(schemaversion_el) if schemaversion_el is not None else None
    standard, detected_by = _scorm_standard(root, schemaversion)

    cp = namespace(root)

    def tag(local: str) -> str:
        return f"{{{cp}}}{local}" if cp else local

    resources: dict[str, etree._Element] = {}
    for resource in root.iter(tag("resource")):
        ident = resource.get("identifier")
        if ident:
            resources.setdefault(ident, resource)
    sub_manifests = {el.get("identifier") for el in root.iter(root.tag) if el is not root}
    collection = {el.get("ID"): el for el in root.iter(f"{{{NS_IMSSS}}}sequencing") if el.get("ID")}

    organizations_el = next(iter(_children(root, "organizations")), None)
    organizations = _children(organizations_el, "organization") if organizations_el is not None else []
    for org in organizations:
        for item in org.iter(tag("item")):
            ref = item.get("identifierref")
            if ref and ref not in resources and ref not in sub_manifests:
                raise PackageError(
                    f"{name}: item '{item.get('identifier')}' references resource '{ref}', "
                    "which does not exist in <resources>",
                    code="identifierref-missing",
                )
    if not organizations:
        raise PackageError(f"{name} has no <organization>: there is nothing to launch", code="no-organization")
    default_id = organizations_el.get("default") if organizations_el is not None else None
    if default_id:
        default_org = next((o for o in organizations if o.get("identifier") == default_id), None)
        if default_org is None:
            raise PackageError(
                f"{name}: <organizations default='{default_id}'> names no <organization>",
                code="default-org-missing",
            )
    else:  # IMS CP: without a default, the first organization is the default.
        default_org = organizations[0]

    launches: list[Launch] = []

    def walk(parent: etree._Element, parents: tuple[str, ...]) -> None:
        for item in parent.findall(tag("item")):
            title = _first_text(_children(item, "title"))
            ref = item.get("identifierref")
            resource = resources.get(ref) if ref else None
            if resource is not None:
                launch = _scorm_launch(name, item, resource, title, parents, standard, collection)
                if launch is not None:
                    launches.append(launch)
            walk(item, (*parents, title))

    walk(default_org, ())
    if not launches:
        raise PackageError(
            f"{name}: no item of organization '{default_org.get('identifier')}' launches a resource",
            code="no-launch",
        )

    files: list[str] = []
    for resource in resources.values():
        bases = xml_bases(resource)
        for file_el in _children(resource, "file"):
            href = file_el.get("href")
            if href:
                files.append(join_url(*bases, href))
    title = _first_text(_children(default_org, "title")) or root.get("identifier") or ""
    schema = next((text_of(el) for md in metadata for el in md if localname(el) == "schema"), None)
    return Package(
        standard=standard,
        identifier=root.get("identifier") or "",
        title=title,
        version=schemaversion,
        launches=tuple(launches),
        files=tuple(dict.fromkeys(files)),
        manifest=name,
        course_iri=_declared_iri(root),
        details={
            "namespace": namespace(root),
            "namespaces": dict(root.nsmap),
            "schema": schema,
            "detected_by": detected_by,
            "default_organization": default_org.get("identifier"),
            "organizations": tuple(o.get("identifier") for o in organizations),
            "resources": tuple(resources),
        },
    )


def _scorm_launch(
    name: str,
    item: etree._Element,
    resource: etree._Element,
    title: str,
    parents: tuple[str, ...],
    standard: Standard,
    collection: dict[str, etree._Element],
) -> Launch | None:
    scormtype = (_adlcp_attr(resource, "scormtype", "scormType") or "asset").strip().lower()
    if scormtype not in ("sco", "asset"):
        return None
    item_id = item.get("identifier") or ""
    res_id = resource.get("identifier") or ""
    raw = resource.get("href")
    if not raw:
        raise PackageError(
            f"{name}: resource '{res_id}' (launched by item '{item_id}') has no href",
            code="href-empty",
        )
    what = f"{name}: item '{item_id}' (resource '{res_id}')"
    for base in xml_bases(resource):
        check_href(base, f"{what} xml:base")
    href = add_parameters(check_href(join_url(*xml_bases(resource), raw), what), item.get("parameters"))
    mastery: float | None = None
    if standard == "scorm12":
        score = _float(text_of(_adlcp_child(item, "masteryscore", "masteryScore")))
        mastery = score / 100 if score is not None and 0 <= score <= 100 else None
    else:
        mastery = _mastery_2004(item, collection)
    threshold_el = _adlcp_child(item, "completionThreshold")
    threshold = None
    if threshold_el is not None:  # SCORM 2004 4th: attribute; 3rd edition: element text
        threshold = _float(threshold_el.get("minProgressMeasure"))
        threshold = _float(text_of(threshold_el)) if threshold is None else threshold
    data_el = _adlcp_child(item, "dataFromLMS", "datafromlms")
    return Launch(
        id=item_id,
        title=title,
        href=href,
        kind="sco" if scormtype == "sco" else "asset",
        mastery_score=mastery,
        resource=res_id,
        launch_data=text_of(data_el) if data_el is not None else None,
        parents=parents,
        visible=(item.get("isvisible") or "true").strip().lower() not in ("false", "0"),
        completion_threshold=threshold,
        iri=_declared_iri(item),
    )


# ---------------------------------------------------------------------------------------------
# xAPI (tincan.xml) and cmi5 (cmi5.xml)


def _parse_tincan(name: str, root: etree._Element) -> Package:
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
                title=_first_text([el for el in activity if localname(el) == "name"]),
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


def _cmi5_title(element: etree._Element) -> str:
    titles = [el for el in element if localname(el) == "title"]
    return _first_text([ls for t in titles for ls in t if localname(ls) == "langstring"])


def _parse_cmi5(name: str, root: etree._Element) -> Package:
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
                walk(child, (*parents, _cmi5_title(child)))
            elif kind == "au":
                launches.append(_cmi5_launch(name, child, parents))

    walk(root, ())
    if not launches:
        raise PackageError(f"{name} has no <au>: there is nothing to launch", code="no-launch")
    return Package(
        standard="cmi5",
        identifier=course.get("id", ""),
        course_iri=course.get("id") if ids.is_iri(course.get("id")) else None,
        title=_cmi5_title(course) or course.get("id", ""),
        version=None,
        launches=tuple(launches),
        files=tuple(dict.fromkeys(href_path(la.href) for la in launches)),
        manifest=name,
        details={"namespace": namespace(root)},
    )


def _cmi5_launch(name: str, au: etree._Element, parents: tuple[str, ...]) -> Launch:
    au_id = (au.get("id") or "").strip()
    if not au_id:
        raise PackageError(f"{name}: an <au> has no id", code="cmi5-au")
    url = _first_text([el for el in au if localname(el) == "url"])
    params = next((el for el in au if localname(el) == "launchParameters"), None)
    score = _float(au.get("masteryScore"))
    return Launch(
        id=au_id,
        title=_cmi5_title(au),
        href=check_href(url, f"{name}: AU '{au_id}'"),
        kind="au",
        iri=au_id if ids.is_iri(au_id) else None,
        mastery_score=score if score is not None and 0 <= score <= 1 else None,
        move_on=au.get("moveOn") or "NotApplicable",
        launch_data=text_of(params) if params is not None else None,
        parents=parents,
        launch_method=au.get("launchMethod") or "AnyWindow",
    )


# ---------------------------------------------------------------------------------------------
# Public entry points


def parse_manifest(name: str, root: etree._Element) -> Package:
    """Read an already parsed manifest; `name` is its file name at the package root."""
    if name == "tincan.xml":
        return _parse_tincan(name, root)
    if name == "cmi5.xml":
        return _parse_cmi5(name, root)
    return _parse_scorm(name, root)


def read_package(source: zipfile.ZipFile | Path) -> Package:
    """Read the manifest of a zip (open or by path) or of an unpacked package folder.

    Raises PackageError with a message meant for the person importing the package.
    """
    with _open_source(source) as src:
        names = src.names()
        for member in names:
            reason = unsafe_member(member)
            if reason:
                raise PackageError(f"refused: the package entry '{member}' {reason}", code="unsafe-path")
        manifest = find_manifest(names)
        package = parse_manifest(manifest, parse_xml(src.read(manifest), manifest))
        present = set(names)
        for launch in package.launches:
            if member_for_href(launch.href, present) is None:
                raise PackageError(
                    f"{manifest}: '{launch.id}' launches '{href_path(launch.href)}', which is not in the package",
                    code="file-missing",
                )
        package.details["manifests"] = tuple(n for n in MANIFEST_NAMES if n in present)
        return package
