"""SCORM 1.2 and 2004 manifests: the package checks and the strings Moodle and Open edX match literally."""

from __future__ import annotations

import re
from urllib.parse import unquote

from lxml import etree

from packager.formats.scorm import moodle_standard, namespace_standard, read_manifest, xml_bases
from packager.manifest import (
    NS_ADLCP12,
    NS_ADLCP2004,
    NS_CP12,
    NS_CP2004,
    XML_BASE,
    Package,
    check_href,
    href_path,
    join_url,
    localname,
    member_for_href,
    namespace,
    text_of,
)
from packager.validate.report import Report, Severity, a_noun, is_ncname, missing_message
from packager.validate.schemas import EXPECTED_PREFIXES, xsd_problems
from packager.xmlsafe import PackageError

#: The <schemaversion> strings Moodle recognises, per SCORM version.
SCHEMAVERSIONS = {
    "scorm12": ("1.2",),
    "scorm2004": ("2004 4th Edition", "2004 3rd Edition", "CAM 1.3"),
}
_LABELS = {"scorm12": "SCORM 1.2", "scorm2004": "SCORM 2004"}


def _check_prefixes(root: etree._Element, manifest: str, report: Report) -> None:
    """Moodle matches 'ADLCP:SCORMTYPE', 'IMSSS:SEQUENCING', … and un-prefixed CP names."""
    if root.prefix:
        report.add(
            "warning",
            "cp-prefix",
            f"{manifest}: the content-packaging elements use the prefix '{root.prefix}:'; "
            "Moodle matches the un-prefixed names MANIFEST, ITEM and RESOURCE",
            manifest,
        )
    seen: set[tuple[str, str | None]] = set()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        used: list[tuple[str, str | None]] = []
        if namespace(el) in EXPECTED_PREFIXES:
            used.append((namespace(el) or "", el.prefix))
        for attr in el.attrib:
            ns = etree.QName(attr).namespace
            if ns in EXPECTED_PREFIXES:
                bound = [p for p, uri in el.nsmap.items() if uri == ns]
                used.append((ns, EXPECTED_PREFIXES[ns] if EXPECTED_PREFIXES[ns] in bound else bound[0]))
        for ns, prefix in used:
            expected = EXPECTED_PREFIXES[ns]
            if prefix == expected or (ns, prefix) in seen:
                continue
            seen.add((ns, prefix))
            code = "adlcp-prefix" if expected == "adlcp" else "prefix"
            shown = f"'{prefix}:'" if prefix else "the default namespace"
            consequence = (
                "so adlcp:scormtype is ignored and every SCO becomes an asset with no SCORM API"
                if expected == "adlcp"
                else f"so its {expected}: elements are ignored"
            )
            report.add(
                "warning",
                code,
                f"{manifest}: {ns} is bound to {shown}, not '{expected}:'. Moodle reads only the literal "
                f"'{expected}:' prefix, {consequence}",
                manifest,
            )


def _check_versions(root: etree._Element, standard: str, manifest: str, report: Report) -> None:
    cp = namespace(root)
    metadata = root.find(f"{{{cp}}}metadata")
    children = list(metadata) if metadata is not None else []
    schema_el = next((el for el in children if localname(el) == "schema"), None)
    version_el = next((el for el in children if localname(el) == "schemaversion"), None)
    if schema_el is None or (schema_el.text or "") != "ADL SCORM":
        found = "missing" if schema_el is None else f"'{schema_el.text or ''}'"
        report.add(
            "warning", "schema-name", f"{manifest}: <schema> is {found}; it should be exactly 'ADL SCORM'", manifest
        )
    expected = SCHEMAVERSIONS[standard]
    if version_el is None:
        severity: Severity = "warning" if standard == "scorm12" else "error"
        report.add(
            severity,
            "schemaversion",
            f"{manifest}: no <schemaversion>: Moodle and Open edX then play the package with the SCORM 1.2 API"
            f"; write '{expected[0]}'",
            manifest,
        )
        return
    raw = version_el.text or ""
    if raw in expected:
        return
    moodle = moodle_standard(raw.strip())
    if moodle != standard:
        report.add(
            "error",
            "schemaversion",
            f"{manifest}: <schemaversion> '{raw}' is not one of {', '.join(repr(v) for v in expected)} "
            f"(exact case and spacing): Moodle will play this {_LABELS[standard]} package with the "
            f"{_LABELS[moodle]} API",
            manifest,
        )
    else:
        report.add(
            "warning",
            "schemaversion",
            f"{manifest}: <schemaversion> '{raw}' should be exactly {' or '.join(repr(v) for v in expected)}",
            manifest,
        )


def _check_namespaces(root: etree._Element, standard: str, manifest: str, report: Report) -> None:
    """The default and adlcp namespaces must be those of the manifest's SCORM version."""
    cp = NS_CP12 if standard == "scorm12" else NS_CP2004
    if namespace(root) != cp:
        report.add(
            "warning",
            "namespace",
            f"{manifest}: a {_LABELS[standard]} manifest should use the default namespace {cp}, not {namespace(root)}",
            manifest,
        )
    wanted = NS_ADLCP12 if standard == "scorm12" else NS_ADLCP2004
    for el in root.iter():
        if isinstance(el.tag, str) and el.nsmap.get("adlcp") not in (None, wanted):
            report.add(
                "warning",
                "namespace",
                f"{manifest}: 'adlcp' is bound to {el.nsmap['adlcp']}, but this manifest's version uses {wanted}",
                manifest,
            )
            return


def check_scorm(root: etree._Element, manifest: str, names: set[str], report: Report) -> set[str] | None:
    """Manifest and package checks for imsmanifest.xml; returns the files its <file>s list.

    None means the manifest is too foreign to say which files it lists.
    """
    listed: set[str] = set()
    if localname(root) != "manifest":
        report.add("error", "manifest-root", f"{manifest}: the root element is <{localname(root)}>, not <manifest>")
        return None
    cp = namespace(root)
    if cp not in (NS_CP12, NS_CP2004):
        report.add(
            "error",
            "namespace",
            f"{manifest}: <manifest> is in namespace {cp!r}; expected {NS_CP12} (SCORM 1.2) or {NS_CP2004} "
            "(SCORM 2004)",
            manifest,
        )
        return None
    for problem in xsd_problems("scorm12" if cp == NS_CP12 else "scorm2004", root, manifest):
        report.add(problem.severity, problem.code, problem.message, problem.file)
    # Some 1.2 packages use the CP 1.1.4 namespace: the ADL namespaces tell the version.
    standard = namespace_standard(root) or ("scorm12" if cp == NS_CP12 else "scorm2004")
    _check_versions(root, standard, manifest, report)
    _check_namespaces(root, standard, manifest, report)
    _check_prefixes(root, manifest, report)

    def q(local: str) -> str:
        return f"{{{cp}}}{local}"

    # Identifiers: xs:ID (NCName), unique in the whole manifest.
    seen_ids: dict[str, str] = {}
    for el in root.iter(q("manifest"), q("organization"), q("item"), q("resource")):
        kind = localname(el)
        ident = el.get("identifier")
        if ident is None:
            if kind != "manifest" or el is root:
                report.add("error", "identifier-invalid", f"{manifest}: an <{kind}> has no identifier", manifest)
            continue
        if not is_ncname(ident):
            report.add(
                "error",
                "identifier-invalid",
                f"{manifest}: {kind} identifier '{ident}' is not a valid xs:ID: it must start with a letter or "
                "'_' and contain only letters, digits, '.', '-' and '_' (no spaces, no ':')",
                manifest,
            )
        if ident in seen_ids:
            report.add(
                "error",
                "identifier-duplicate",
                f"{manifest}: identifier '{ident}' is used by {a_noun(seen_ids[ident])} and {a_noun(kind)}; "
                "identifiers must be unique in the manifest",
                manifest,
            )
        else:
            seen_ids[ident] = kind

    resources = {r.get("identifier"): r for r in root.iter(q("resource")) if r.get("identifier")}
    sub_manifests = {m.get("identifier") for m in root.iter(q("manifest")) if m is not root}
    for el in root.iter(q("item"), q("dependency")):
        ref = el.get("identifierref")
        if ref is not None and ref not in resources and ref not in sub_manifests:
            owner = el if localname(el) == "item" else el.getparent()
            report.add(
                "error",
                "identifierref-missing",
                f"{manifest}: {localname(owner)} '{owner.get('identifier')}' references resource '{ref}', "
                "which does not exist",
                manifest,
            )

    organizations = root.find(q("organizations"))
    orgs = organizations.findall(q("organization")) if organizations is not None else []
    default = organizations.get("default") if organizations is not None else None
    if not orgs:
        report.add(
            "warning",
            "no-organization",
            f"{manifest} has no <organization>: LMSs import it but there is nothing to launch",
            manifest,
        )
    elif default is not None and default not in {o.get("identifier") for o in orgs}:
        report.add(
            "error",
            "default-org-missing",
            f"{manifest}: <organizations default='{default}'> names no <organization>; "
            "LMSs take the launch from the default organization",
            manifest,
        )

    # scormtype: lower case in 1.2, camel case in 2004; without it the SCO gets no API.
    adlcp, good, bad = (
        (NS_ADLCP12, "scormtype", "scormType") if standard == "scorm12" else (NS_ADLCP2004, "scormType", "scormtype")
    )
    referenced = {el.get("identifierref") for el in root.iter(q("item"))}
    for rid, resource in resources.items():
        if resource.get(f"{{{adlcp}}}{bad}") is not None:
            report.add(
                "error",
                "scormtype-case",
                f"{manifest}: resource '{rid}' has adlcp:{bad}; {_LABELS[standard]} wants adlcp:{good}",
                manifest,
            )
        elif resource.get(f"{{{adlcp}}}{good}") is None and rid in referenced:
            report.add(
                "warning",
                "scormtype-missing",
                f"{manifest}: resource '{rid}' has no adlcp:{good}: LMSs treat it as an asset, which gets no SCORM API",
                manifest,
            )

    # Every href present; every <file> recorded for the completeness check.
    reported_missing: set[str] = set()

    def check(raw: str | None, bases: list[str], what: str, listing: bool) -> None:
        if raw is None:
            return
        try:
            href = check_href(join_url(*bases, raw), what)
        except PackageError as exc:
            code = "href-external" if exc.code == "href-outside" and re.match(r"(?i)^(https?:)?//", raw) else exc.code
            report.add("error", code, exc.message, manifest)
            return
        path = href_path(href)
        if listing:
            listed.update((path, unquote(path)))
        if member_for_href(path, names) is None and path not in reported_missing:
            reported_missing.add(path)
            report.add("error", "file-missing", missing_message(manifest, path, names), manifest)

    for el in root.iter():
        base = el.get(XML_BASE) if isinstance(el.tag, str) else None
        if base and not base.endswith("/"):
            report.add(
                "warning",
                "xml-base",
                f"{manifest}: xml:base '{base}' does not end with '/': Moodle glues it to the href as is",
                manifest,
            )
    for rid, resource in resources.items():
        bases = xml_bases(resource)
        what = f"{manifest}: resource '{rid}'"
        check(resource.get("href"), bases, what, listing=False)
        for file_el in resource.iter(q("file")):
            check(file_el.get("href"), bases, f"{what} <file>", listing=True)
        if resource.get("href") is None and rid in referenced:
            report.add(
                "error", "href-empty", f"{manifest}: resource '{rid}' is launched by an item but has no href", manifest
            )
    for location in root.iter(f"{{{NS_ADLCP12}}}location", f"{{{NS_ADLCP2004}}}location"):
        parent = location.getparent()
        check(text_of(location), xml_bases(parent) if parent is not None else [], f"{manifest}: adlcp:location", True)

    package = _parse_quietly(manifest, root, report)
    if package is not None:
        _check_first_resource(root, package, manifest, report)
    return listed


def _parse_quietly(manifest: str, root: etree._Element, report: Report) -> Package | None:
    """Read the manifest as the player would; report what the checks above did not already."""
    try:
        return read_manifest(manifest, root)
    except PackageError as exc:
        same = {exc.code, "href-external"} if exc.code == "href-outside" else {exc.code}
        if not same & report.codes():
            report.add("error", exc.code, exc.message, manifest)
        return None


def _check_first_resource(root: etree._Element, package: Package, manifest: str, report: Report) -> None:
    """Open edX launches the first <resource> with an href, whatever the organization says."""
    cp = namespace(root)
    first = next((r for r in root.iter(f"{{{cp}}}resource") if r.get("href")), None)
    launches = [la for la in package.launches if la.kind == "sco"] or list(package.launches)
    if first is None or not launches:
        return
    wanted = launches[0].resource
    if first.get("identifier") != wanted:
        report.add(
            "warning",
            "first-resource",
            f"{manifest}: the first <resource> with an href is '{first.get('identifier')}', but the first item "
            f"launches '{wanted}': Open edX launches the first resource, so put '{wanted}' first",
            manifest,
        )
