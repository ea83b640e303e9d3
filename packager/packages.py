"""Open any package, ours or a third party's (SCORM 1.2, SCORM 2004, xAPI, cmi5), and read its manifest.

The player imports packages it did not build, so everything here treats the package as
untrusted: manifests go through the hardened parser, member names are checked for path
traversal, and launch hrefs must stay inside the package (the player works offline).
Nothing is extracted; only the manifest is read, by the reader its format registers.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from lxml import etree

from packager.formats import FORMATS, Registry
from packager.manifest import Launch, Package, Standard, href_path, member_for_href
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

#: Manifest file names at the package root, in the order they are preferred when several exist.
MANIFEST_NAMES: dict[str, Standard | Literal["scorm"]] = {
    "cmi5.xml": "cmi5",
    "imsmanifest.xml": "scorm",
    "tincan.xml": "xapi",
}


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
# Member names and the manifest


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


# ---------------------------------------------------------------------------------------------
# Public entry points


def parse_manifest(name: str, root: etree._Element, formats: Registry = FORMATS) -> Package:
    """Read an already parsed manifest; `name` is its file name at the package root."""
    for fmt in formats:
        if fmt.manifest == name and fmt.read is not None:
            return fmt.read(name, root)
    raise PackageError(f"{name} is not a manifest any format reads", code="manifest-missing")


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
