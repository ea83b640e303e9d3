"""Hardened XML parsing for manifests that come from untrusted packages.

A package imported into the player may come from anywhere, so its manifest is parsed with
entity expansion, DTD loading and network access all off, and any DOCTYPE that declares
entities is refused: manifests never need entities, and they are how XXE (reading local
files or URLs) and "billion laughs" (exponential expansion) attacks work.
"""

from __future__ import annotations

from lxml import etree

__all__ = ["MAX_XML_BYTES", "PackageError", "parse_xml"]

#: Larger manifests are refused before parsing: real ones are a few hundred kilobytes at most.
MAX_XML_BYTES = 16 * 1024 * 1024

_ENTITY_MARKERS = tuple("<!ENTITY".encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be"))
_DOCTYPE_MARKERS = tuple("<!DOCTYPE".encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be"))


class PackageError(Exception):
    """A package (or its manifest) cannot be read; the message says what is wrong and where.

    `code` is a stable short name (e.g. ``"xml-entities"``) so that the validator and the
    player can report or translate the problem without matching message text.
    """

    def __init__(self, message: str, code: str = "package") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not thread-safe, and this one is cheap.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def _refuse_entities(name: str) -> PackageError:
    return PackageError(
        f"{name}: refused: the document declares entities in its DOCTYPE (<!ENTITY …>). "
        "Manifests never need them, and they are how XXE and 'billion laughs' attacks work.",
        code="xml-entities",
    )


def parse_xml(data: bytes, name: str) -> etree._Element:
    """Parse untrusted XML bytes and return the root element, or raise PackageError.

    `name` (usually the member path, e.g. ``imsmanifest.xml``) is only used in messages.
    """
    if len(data) > MAX_XML_BYTES:
        raise PackageError(
            f"{name}: refused: {len(data)} bytes is larger than the {MAX_XML_BYTES} bytes allowed for a manifest",
            code="xml-too-large",
        )
    # Cheap check before the parser sees anything: refuse entity declarations outright.
    if any(m in data for m in _DOCTYPE_MARKERS) and any(m in data for m in _ENTITY_MARKERS):
        raise _refuse_entities(name)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line = f" (line {exc.lineno})" if exc.lineno else ""
        raise PackageError(f"{name} is not well-formed XML{line}: {exc.msg}", code="xml-malformed") from None
    except ValueError as exc:  # e.g. an unsupported encoding declaration
        raise PackageError(f"{name} cannot be parsed: {exc}", code="xml-malformed") from None
    if root is None:
        raise PackageError(f"{name} is empty", code="xml-malformed")
    # Second line of defence, for encodings the byte scan above does not cover.
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise _refuse_entities(name)
    return root
