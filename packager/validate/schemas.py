"""The official XSDs: compiled once per process, offline, with the known quirks patched in memory."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

from packager.manifest import (
    NS_ADLCP12,
    NS_ADLCP2004,
    NS_ADLNAV,
    NS_ADLSEQ,
    NS_CMI5,
    NS_CP12,
    NS_CP2004,
    NS_IMSSS,
)
from packager.validate.report import Problem

NS_IMSMD12 = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
NS_LOM = "http://ltsc.ieee.org/xsd/LOM"
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"

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


def shorten(message: str) -> str:
    """Replace '{namespace-uri}name' in libxml2 messages with the usual prefix."""

    def short(match: re.Match[str]) -> str:
        return _SHORT_NAMES.get(match.group(1), "{" + match.group(1) + "}") + match.group(2)

    return re.sub(r"\{([^}]+)\}([\w.\-]+)", short, message)


def xsd_problems(kind: str, root: etree._Element, manifest: str) -> list[Problem]:
    compiled = schema(kind)
    with _schema_lock:  # the error log belongs to the shared schema object
        compiled.validate(root.getroottree())
        errors = list(compiled.error_log)
    return [Problem("error", "xsd", f"{manifest} line {e.line}: {shorten(e.message)}", manifest) for e in errors]
