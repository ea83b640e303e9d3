"""Check any package zip (ours or a third party's) the way LMSs will judge it, offline.

Three layers, each reported as Problems rather than exceptions so that one run lists
everything to fix: the zip itself (safe member names, manifest at the root), the manifest
(official XSDs, compiled once per process from packager/schemas with no network access),
and the package as a whole (files present and listed, identifiers, the prefixes and
version strings Moodle and Open edX match literally, nothing loaded from a network).
See docs/scorm-import-rules.md for where each rule comes from.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from packager.packages import (
    MANIFEST_NAMES,
    find_manifest,
    read_member,
    unsafe_member,
)
from packager.validate.cmi5 import check_cmi5
from packager.validate.network import scan_network
from packager.validate.report import Problem, Report, check_file_names, is_ncname
from packager.validate.schemas import EXPECTED_PREFIXES, schema
from packager.validate.scorm import SCHEMAVERSIONS, check_scorm
from packager.validate.tincan import check_tincan
from packager.xmlsafe import PackageError, parse_xml

_CHECKERS: dict[str, Callable[[etree._Element, str, set[str], Report], object]] = {
    "imsmanifest.xml": check_scorm,
    "tincan.xml": check_tincan,
    "cmi5.xml": check_cmi5,
}


def validate_package(path: Path) -> list[Problem]:
    """Every problem found in the package zip at `path`, in the order the checks ran."""
    report = Report()
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
        check_file_names(names, report)
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
        scan_network(archive, names, report)
    return report.finish()


__all__ = ["EXPECTED_PREFIXES", "SCHEMAVERSIONS", "Problem", "is_ncname", "schema", "validate_package"]
