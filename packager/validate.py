"""Check any package zip (ours or a third party's) the way LMSs will judge it, offline.

Three layers, each reported as Problems rather than exceptions so that one run lists
everything to fix: the zip itself (safe member names, manifest at the root), the manifest
(official XSDs, compiled once per process from packager/schemas with no network access),
and the package as a whole (files present and listed, identifiers, the prefixes and
version strings Moodle and Open edX match literally, nothing loaded from a network).
See docs/scorm-import-rules.md for where each rule comes from.
"""

from __future__ import annotations

import argparse
import re
import sys
import threading
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

from lxml import etree

from packager.packages import (
    MANIFEST_NAMES,
    NS_ADLCP12,
    NS_ADLCP2004,
    NS_ADLNAV,
    NS_ADLSEQ,
    NS_CMI5,
    NS_CP12,
    NS_CP2004,
    NS_IMSSS,
    NS_TINCAN,
    XML_BASE,
    Package,
    check_href,
    find_manifest,
    href_path,
    join_url,
    localname,
    member_for_href,
    moodle_standard,
    namespace,
    namespace_standard,
    parse_manifest,
    read_member,
    text_of,
    unsafe_member,
    xml_bases,
)
from packager.xmlsafe import PackageError, parse_xml

__all__ = ["Problem", "main", "validate_package"]

Severity = Literal["error", "warning"]

NS_IMSMD12 = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
NS_LOM = "http://ltsc.ieee.org/xsd/LOM"

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

#: The <schemaversion> strings Moodle recognises, per SCORM version.
SCHEMAVERSIONS = {
    "scorm12": ("1.2",),
    "scorm2004": ("2004 4th Edition", "2004 3rd Edition", "CAM 1.3"),
}
_LABELS = {"scorm12": "SCORM 1.2", "scorm2004": "SCORM 2004"}
#: The prefixes Moodle's parser matches literally (scormlib.php), per namespace.
EXPECTED_PREFIXES = {
    NS_ADLCP12: "adlcp",
    NS_ADLCP2004: "adlcp",
    NS_ADLSEQ: "adlseq",
    NS_ADLNAV: "adlnav",
    NS_IMSSS: "imsss",
}
_SHORT_NAMES = {
    NS_CP12: "",
    NS_CP2004: "",
    NS_CMI5: "",
    NS_IMSMD12: "imsmd:",
    NS_LOM: "lom:",
    "http://www.w3.org/XML/1998/namespace": "xml:",
    **{uri: f"{prefix}:" for uri, prefix in EXPECTED_PREFIXES.items()},
}

_HTML_EXT = (".html", ".htm", ".xhtml", ".xht", ".shtml", ".svg")
_CSS_EXT = (".css",)
_JS_EXT = (".js", ".mjs", ".cjs")
_SCAN_LIMIT = 8 * 1024 * 1024
_LIST_LIMIT = 20  # per-file warnings of one kind before they are summarised


@dataclass(frozen=True)
class Problem:
    """One finding. `file` is the package member it is about, when there is one."""

    severity: Severity
    code: str
    message: str
    file: str | None = None


# ---------------------------------------------------------------------------------------------
# Schemas: compiled once per process, offline, with the known quirks patched in memory.

_SCHEMA_SETS: dict[str, tuple[tuple[str, str], ...]] = {
    "scorm12": (
        (NS_CP12, "scorm12/imscp_rootv1p1p2.xsd"),
        (NS_ADLCP12, "scorm12/adlcp_rootv1p2.xsd"),
        (NS_IMSMD12, "scorm12/imsmd_rootv1p2p1.xsd"),
    ),
    "scorm2004": (
        (NS_CP2004, "scorm2004_4th/imscp_v1p1.xsd"),
        (NS_ADLCP2004, "scorm2004_4th/adlcp_v1p3.xsd"),
        (NS_ADLSEQ, "scorm2004_4th/adlseq_v1p3.xsd"),
        (NS_ADLNAV, "scorm2004_4th/adlnav_v1p3.xsd"),
        (NS_IMSSS, "scorm2004_4th/imsss_v1p0.xsd"),
        (NS_LOM, "scorm2004_4th/lom.xsd"),
    ),
    "cmi5": ((NS_CMI5, "cmi5/CourseStructure.xsd"),),
}
# The SCORM 1.2 schemas are not valid XSD 1.0 as published (see schemas/README.md).
_PATCHES: dict[str, tuple[tuple[bytes, bytes], ...]] = {
    # Binding the default namespace to the reserved XML namespace is a namespace error.
    "scorm12/ims_xml.xsd": ((b'xmlns="http://www.w3.org/XML/1998/namespace"', b""),),
    # ##any next to the declared LOM elements makes the content models non-deterministic.
    "scorm12/imsmd_rootv1p2p1.xsd": ((b'namespace="##any"', b'namespace="##other"'),),
}
_REDIRECTS = {
    "http://www.w3.org/2001/xml.xsd": "scorm2004_4th/xml.xsd",
    "http://www.w3.org/2001/03/xml.xsd": "scorm2004_4th/xml.xsd",
}
_schemas: dict[str, etree.XMLSchema] = {}
_schema_lock = threading.Lock()


class _SchemaResolver(etree.Resolver):
    """Serve schema imports from packager/schemas only; never let libxml2 go to the network."""

    def resolve(self, url: str, pubid: str | None, context: object) -> object:
        if url in _REDIRECTS:
            url = (SCHEMA_DIR / _REDIRECTS[url]).as_uri()
        if url.startswith("file:"):
            path = Path(unquote(url.removeprefix("file://"))).resolve()
            if path.is_relative_to(SCHEMA_DIR) and path.is_file():
                relative = path.relative_to(SCHEMA_DIR).as_posix()
                data = path.read_bytes()
                for old, new in _PATCHES.get(relative, ()):
                    if old not in data:  # the published file changed: the patch must be revisited
                        raise RuntimeError(f"schema patch for {relative} no longer applies")
                    data = data.replace(old, new)
                return self.resolve_string(data, context, base_url=path.as_uri())
        raise RuntimeError(f"schema import {url!r} is not available offline")


def schema(kind: str) -> etree.XMLSchema:
    """The compiled schema set for "scorm12", "scorm2004" or "cmi5" (cached)."""
    with _schema_lock:
        if kind not in _schemas:
            imports = "".join(
                f'<xs:import namespace="{ns}" schemaLocation="{(SCHEMA_DIR / rel).as_uri()}"/>'
                for ns, rel in _SCHEMA_SETS[kind]
            )
            driver = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>'
            parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
            parser.resolvers.add(_SchemaResolver())
            doc = etree.fromstring(driver.encode(), parser, base_url=(SCHEMA_DIR / "driver.xsd").as_uri())
            _schemas[kind] = etree.XMLSchema(doc)
        return _schemas[kind]


def _shorten(message: str) -> str:
    """Replace '{namespace-uri}name' in libxml2 messages with the usual prefix."""

    def short(match: re.Match[str]) -> str:
        return _SHORT_NAMES.get(match.group(1), "{" + match.group(1) + "}") + match.group(2)

    return re.sub(r"\{([^}]+)\}([\w.\-]+)", short, message)


def _xsd_problems(kind: str, root: etree._Element, manifest: str) -> list[Problem]:
    compiled = schema(kind)
    with _schema_lock:  # the error log belongs to the shared schema object
        compiled.validate(root.getroottree())
        errors = list(compiled.error_log)
    return [Problem("error", "xsd", f"{manifest} line {e.line}: {_shorten(e.message)}", manifest) for e in errors]


# ---------------------------------------------------------------------------------------------
# Small helpers


class _Report:
    """Collects problems, dropping exact duplicates and summarising long per-file lists."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._seen: set[Problem] = set()
        self._counts: dict[str, int] = {}
        self._overflow: dict[str, int] = {}

    def add(self, severity: Severity, code: str, message: str, file: str | None = None) -> None:
        problem = Problem(severity, code, message, file)
        if problem not in self._seen:
            self._seen.add(problem)
            self.problems.append(problem)

    def add_capped(self, severity: Severity, code: str, message: str, file: str | None = None) -> None:
        self._counts[code] = self._counts.get(code, 0) + 1
        if self._counts[code] <= _LIST_LIMIT:
            self.add(severity, code, message, file)
        else:
            self._overflow[code] = self._overflow.get(code, 0) + 1

    def codes(self) -> set[str]:
        return {p.code for p in self.problems}

    def finish(self) -> list[Problem]:
        for code, extra in self._overflow.items():
            severity = next(p.severity for p in self.problems if p.code == code)
            self.add(severity, code, f"… and {extra} more files with the same problem")
        return self.problems


_NAME_START = (
    "A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_NCNAME = re.compile(f"^[{_NAME_START}][{_NAME_START}\\-.0-9\u00b7\u0300-\u036f\u203f-\u2040]*$")


def is_ncname(value: str) -> bool:
    """True when `value` is a valid xs:ID / xs:NCName."""
    return bool(_NCNAME.match(value))


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def _missing_message(manifest: str, path: str, names: set[str]) -> str:
    message = f"{manifest} references '{path}' which is not in the package"
    same = [n for n in names if n.lower() == path.lower() or n.replace("\\", "/") == path]
    if same:
        message += f" (the zip has '{same[0]}': names are case-sensitive and use '/')"
    return message


def _check_file_names(names: Iterable[str], report: _Report) -> None:
    for name in names:
        bad = sorted({c for c in name if c in " &#%" or ord(c) > 127})
        if bad:
            shown = ", ".join("space" if c == " " else repr(c) for c in bad)
            report.add_capped(
                "warning",
                "file-name",
                f"'{name}' contains {shown}: some LMSs fail on non-ASCII names, spaces, '&', '#' or '%'",
                name,
            )


# ---------------------------------------------------------------------------------------------
# SCORM


def _check_prefixes(root: etree._Element, manifest: str, report: _Report) -> None:
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


def _check_versions(root: etree._Element, standard: str, manifest: str, report: _Report) -> None:
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


def _check_namespaces(root: etree._Element, standard: str, manifest: str, report: _Report) -> None:
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


def _check_scorm(root: etree._Element, manifest: str, names: set[str], report: _Report) -> set[str] | None:
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
    for problem in _xsd_problems("scorm12" if cp == NS_CP12 else "scorm2004", root, manifest):
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
                f"{manifest}: identifier '{ident}' is used by {_a(seen_ids[ident])} and {_a(kind)}; "
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
            report.add("error", "file-missing", _missing_message(manifest, path, names), manifest)

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


def _parse_quietly(manifest: str, root: etree._Element, report: _Report) -> Package | None:
    """Read the manifest as the player would; report what the checks above did not already."""
    try:
        return parse_manifest(manifest, root)
    except PackageError as exc:
        same = {exc.code, "href-external"} if exc.code == "href-outside" else {exc.code}
        if not same & report.codes():
            report.add("error", exc.code, exc.message, manifest)
        return None


def _check_first_resource(root: etree._Element, package: Package, manifest: str, report: _Report) -> None:
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


# ---------------------------------------------------------------------------------------------
# xAPI and cmi5


def _check_launch_href(raw: str, what: str, manifest: str, names: set[str], report: _Report) -> None:
    try:
        href = check_href(raw, what)
    except PackageError as exc:
        code = "href-external" if re.match(r"(?i)^(https?:)?//", raw.strip()) else exc.code
        report.add("error", code, exc.message, manifest)
        return
    if member_for_href(href, names) is None:
        report.add("error", "file-missing", _missing_message(manifest, href_path(href), names), manifest)


def _check_tincan(root: etree._Element, manifest: str, names: set[str], report: _Report) -> None:
    if root.tag != f"{{{NS_TINCAN}}}tincan":
        report.add(
            "error",
            "tincan-root",
            f'{manifest}: the root element is {_shorten(str(root.tag))!r}; expected <tincan xmlns="{NS_TINCAN}">',
            manifest,
        )
        return
    activities = root.findall(f"{{{NS_TINCAN}}}activities/{{{NS_TINCAN}}}activity")
    if not activities:
        report.add("error", "tincan-activity", f"{manifest} has no <activities>/<activity>", manifest)
    launches: list[tuple[str, etree._Element]] = []
    seen: set[str] = set()
    for index, activity in enumerate(activities, 1):
        activity_id = (activity.get("id") or "").strip()
        label = f"activity '{activity_id}'" if activity_id else f"activity #{index}"
        if not activity_id:
            report.add("error", "tincan-activity", f"{manifest}: {label} has no id", manifest)
        elif activity_id in seen:
            report.add("error", "identifier-duplicate", f"{manifest}: {label} is declared twice", manifest)
        seen.add(activity_id)
        if not (activity.get("type") or "").strip():
            report.add("error", "tincan-activity", f"{manifest}: {label} has no type", manifest)
        launches.extend((label, el) for el in activity.findall(f"{{{NS_TINCAN}}}launch"))
    if len(launches) != 1:
        where = "; ".join(label for label, _ in launches)
        report.add(
            "error",
            "tincan-launch",
            f"{manifest} has {len(launches)} <launch> elements{' (' + where + ')' if where else ''}; "
            "exactly one activity must have exactly one <launch>",
            manifest,
        )
    for label, launch in launches:
        _check_launch_href(text_of(launch), f"{manifest}: {label}", manifest, names, report)


def _check_cmi5(root: etree._Element, manifest: str, names: set[str], report: _Report) -> None:
    for problem in _xsd_problems("cmi5", root, manifest):
        report.add(problem.severity, problem.code, problem.message, problem.file)
    if root.tag != f"{{{NS_CMI5}}}courseStructure":
        return  # the XSD error says it all
    seen: dict[str, str] = {}
    for el in root.iter(*(f"{{{NS_CMI5}}}{k}" for k in ("course", "block", "au"))):
        ident = el.get("id")
        kind = localname(el)
        if ident and ident in seen:
            report.add(
                "error",
                "identifier-duplicate",
                f"{manifest}: id '{ident}' is used by {_a(seen[ident])} and {_a(kind)}; ids must be unique",
                manifest,
            )
        elif ident:
            seen[ident] = kind
        if kind == "au":
            url = text_of(el.find(f"{{{NS_CMI5}}}url"))
            if url:
                _check_launch_href(url, f"{manifest}: AU '{ident}'", manifest, names, report)


# ---------------------------------------------------------------------------------------------
# Network references in HTML, CSS and JS

_URL = r"(?:https?:)?//[^\s'\"`<>)]+"
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"<([A-Za-z][\w:\-]*)(\s[^<>]*?)?/?>", re.S)
_ATTR = re.compile(
    r"(?<![\w\-:])(src|href|xlink:href|data|poster|srcset|background|action|formaction|codebase|archive|manifest"
    r"|rel)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+))",
    re.I,
)
_CSS = (
    re.compile(rf"url\(\s*['\"]?\s*({_URL})", re.I),
    re.compile(rf"@import\s+['\"]\s*({_URL})", re.I),
)
_JS = (
    re.compile(rf"\bfetch\s*\(\s*['\"`]({_URL})"),
    re.compile(rf"\bimport\s*\(\s*['\"`]({_URL})"),
    re.compile(rf"\bimport\s+['\"]({_URL})"),
    re.compile(rf"\bfrom\s+['\"]({_URL})"),
    re.compile(rf"\bimportScripts\s*\(\s*['\"`]({_URL})"),
    re.compile(rf"\.open\s*\(\s*['\"][A-Za-z]+['\"]\s*,\s*['\"`]({_URL})"),
    re.compile(rf"\.src\s*=\s*['\"`]({_URL})"),
    re.compile(rf"\bsendBeacon\s*\(\s*['\"`]({_URL})"),
    re.compile(r"\bnew\s+(?:Worker|EventSource|WebSocket)\s*\(\s*['\"`]((?:wss?:|https?:)?//[^\s'\"`]+)"),
    re.compile(rf"\$\.(?:ajax|get|getJSON|getScript|post|load)\s*\(\s*['\"`]({_URL})"),
)
#: <link rel> values that only describe a document, so the browser loads nothing.
_PASSIVE_RELS = {"canonical", "alternate", "author", "license", "help", "bookmark", "external", "me", "next", "prev"}
_NETWORK = re.compile(r"(?i)^\s*(https?:)?//")


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _scan_tags(name: str, text: str, report: _Report) -> None:
    for tag in _TAG.finditer(text):
        element = tag.group(1).lower()
        attrs = {
            m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None)
            for m in _ATTR.finditer(tag.group(2) or "")
        }
        rels = set((attrs.get("rel") or "").lower().split())
        for attr, value in attrs.items():
            if attr == "rel":
                continue
            candidates = [c.strip().split(" ")[0] for c in value.split(",")] if attr == "srcset" else [value]
            for url in (c.strip() for c in candidates if _NETWORK.match(c)):
                line = _line(text, tag.start())
                is_link = (
                    (element in ("a", "area") and attr in ("href", "xlink:href"))
                    or (element == "form" and attr == "action")
                    or (element == "link" and rels and rels <= _PASSIVE_RELS)
                )
                if is_link:
                    report.add(
                        "warning",
                        "external-link",
                        f"{name}:{line}: <{element} {attr}> links to {url}; the learner needs a network to follow it, "
                        "so the lesson must not depend on it",
                        name,
                    )
                else:
                    report.add(
                        "error",
                        "network-reference",
                        f"{name}:{line}: <{element} {attr}> loads {url}; packages must load nothing from a network "
                        "(ship the file inside the package)",
                        name,
                    )


def _scan_patterns(name: str, text: str, patterns: Iterable[re.Pattern[str]], what: str, report: _Report) -> None:
    for pattern in patterns:
        for match in pattern.finditer(text):
            report.add(
                "error",
                "network-reference",
                f"{name}:{_line(text, match.start())}: {what} loads {match.group(1)}; packages must load nothing "
                "from a network (ship the file inside the package)",
                name,
            )


def _scan_network(archive: zipfile.ZipFile, names: Iterable[str], report: _Report) -> None:
    for name in names:
        lower = name.lower()
        if not lower.endswith(_HTML_EXT + _CSS_EXT + _JS_EXT):
            continue
        try:
            text = read_member(archive, name, _SCAN_LIMIT).decode("utf-8", errors="replace")
        except PackageError as exc:
            report.add("warning", "scan-skipped", f"{name} was not scanned for network references: {exc}", name)
            continue
        if lower.endswith(_HTML_EXT):
            text = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
            _scan_tags(name, text, report)
            _scan_patterns(name, text, _CSS, "CSS", report)
            _scan_patterns(name, text, _JS, "script", report)
        elif lower.endswith(_CSS_EXT):
            _scan_patterns(name, text, _CSS, "CSS", report)
        else:
            _scan_patterns(name, text, _JS, "script", report)
            _scan_tags(name, text, report)


# ---------------------------------------------------------------------------------------------
# Entry points

_CHECKERS: dict[str, Callable[[etree._Element, str, set[str], _Report], object]] = {
    "imsmanifest.xml": _check_scorm,
    "tincan.xml": _check_tincan,
    "cmi5.xml": _check_cmi5,
}


def validate_package(path: Path) -> list[Problem]:
    """Every problem found in the package zip at `path`, in the order the checks ran."""
    report = _Report()
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        return [Problem("error", "not-found", f"{path} does not exist")]
    except (zipfile.BadZipFile, OSError) as exc:
        return [Problem("error", "not-a-zip", f"{path} is not a readable zip file: {exc}")]
    with archive:
        names: list[str] = []
        seen: set[str] = set()
        for info in archive.infolist():
            name = info.filename
            reason = unsafe_member(name)
            if reason:
                report.add("error", "unsafe-path", f"zip entry '{name}' {reason}: refused (path traversal)", name)
                continue
            if "\\" in name:
                report.add("error", "backslash-path", f"zip entry '{name}' uses '\\': zip paths must use '/'", name)
            if info.is_dir():
                continue
            if name in seen:
                report.add("error", "duplicate-entry", f"zip entry '{name}' appears twice", name)
                continue
            seen.add(name)
            names.append(name)
        present = set(names)
        _check_file_names(names, report)
        manifests = [m for m in MANIFEST_NAMES if m in present]
        if not manifests:
            try:
                find_manifest(names)
            except PackageError as exc:
                report.add("error", exc.code, exc.message)
            return report.finish()
        listed: set[str] | None = None
        for manifest in manifests:
            try:
                root = parse_xml(read_member(archive, manifest), manifest)
            except PackageError as exc:
                report.add("error", exc.code, exc.message, manifest)
                continue
            result = _CHECKERS[manifest](root, manifest, present, report)
            if isinstance(result, set):
                listed = result
        if listed is not None:
            for name in names:
                if name in MANIFEST_NAMES or name.lower().endswith((".xsd", ".dtd")) or name in listed:
                    continue
                report.add_capped(
                    "warning",
                    "file-unlisted",
                    f"'{name}' is in the zip but in no resource's <file> list (SCORM Cloud and importers rely on it)",
                    name,
                )
        _scan_network(archive, names, report)
    return report.finish()


def main(argv: list[str] | None = None) -> int:
    """`python -m packager validate FILE.zip…`: one line per problem; exit 1 if any error."""
    parser = argparse.ArgumentParser(
        prog="python -m packager validate", description="Check SCORM, xAPI and cmi5 package zips offline."
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE.zip")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    errors = warnings = 0
    for file in args.files:
        for problem in validate_package(file):
            print(f"{file}: {problem.severity} {problem.code}: {problem.message}")
            errors += problem.severity == "error"
            warnings += problem.severity == "warning"
    verdict = "FAILED" if errors else "ok"
    print(f"{verdict}: {len(args.files)} package(s) checked, {errors} error(s), {warnings} warning(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
