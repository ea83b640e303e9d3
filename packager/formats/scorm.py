"""Reading a SCORM manifest, 1.2 or 2004: one reader for both editions, since the edition is known
only once the manifest is read (from <schemaversion>, as Moodle decides, else from the namespaces).

It sits beside the two writers (scorm12.py, scorm2004.py) as runtime/scorm.js beside the two drivers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from packager.manifest import (
    NS_2004_EXTENSIONS,
    NS_ADLCP12,
    NS_ADLCP2004,
    NS_CP12,
    NS_IMSSS,
    XML_BASE,
    Launch,
    Package,
    Standard,
    add_parameters,
    check_href,
    children,
    declared_namespaces,
    first_text,
    join_url,
    localname,
    namespace,
    text_of,
    to_float,
)
from packager.standards import ids
from packager.xmlsafe import PackageError

# Moodle's reading of <schemaversion> (mod/scorm/datamodels/scormlib.php); anything else is 1.2.
_MOODLE_12_OR_13 = re.compile(r"^(1\.2)$|^(CAM )?(1\.3)$")
_MOODLE_2004 = re.compile(r"^2004 (3rd|4th) Edition$")


def moodle_standard(schemaversion: str | None) -> Standard:
    """The SCORM version Moodle plays a manifest with, from its <schemaversion> alone."""
    text = schemaversion or ""
    match = _MOODLE_12_OR_13.match(text)
    if match and match.group(3):
        return "scorm2004"
    if match:
        return "scorm12"
    return "scorm2004" if _MOODLE_2004.match(text) else "scorm12"


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

    entries = named(named(named(children(element, "metadata"), "lom"), "general"), "identifier", "catalogentry")
    for entry in entries:
        if first_text(named([entry], "catalog")) == ids.LOM_CATALOG:
            values = named([entry], "entry")
            iri = first_text(named(values, "langstring")) or first_text(values)
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
        value = to_float(text_of(measure)) if measure is not None else 1.0
        return None if value is None else min(1.0, max(0.0, value))
    return None


def read_manifest(name: str, root: etree._Element) -> Package:
    """A SCORM manifest (1.2 or 2004) as the player plays it: the default organization's launches."""
    if localname(root) != "manifest":
        raise PackageError(f"{name}: the root element is <{localname(root)}>, not <manifest>", code="manifest-root")
    metadata = children(root, "metadata")
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

    organizations_el = next(iter(children(root, "organizations")), None)
    organizations = children(organizations_el, "organization") if organizations_el is not None else []
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
            title = first_text(children(item, "title"))
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
        for file_el in children(resource, "file"):
            href = file_el.get("href")
            if href:
                files.append(join_url(*bases, href))
    title = first_text(children(default_org, "title")) or root.get("identifier") or ""
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
        score = to_float(text_of(_adlcp_child(item, "masteryscore", "masteryScore")))
        mastery = score / 100 if score is not None and 0 <= score <= 100 else None
    else:
        mastery = _mastery_2004(item, collection)
    threshold_el = _adlcp_child(item, "completionThreshold")
    threshold = None
    if threshold_el is not None:  # SCORM 2004 4th: attribute; 3rd edition: element text
        threshold = to_float(threshold_el.get("minProgressMeasure"))
        threshold = to_float(text_of(threshold_el)) if threshold is None else threshold
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
