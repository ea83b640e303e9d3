"""cmi5.xml: the XSD, unique ids across course, blocks and AUs, launchable AU urls."""

from __future__ import annotations

from lxml import etree

from packager.manifest import (
    NS_CMI5,
    localname,
    text_of,
)
from packager.validate.report import Report, a_noun, check_launch_href
from packager.validate.schemas import xsd_problems


def check_cmi5(root: etree._Element, manifest: str, names: set[str], report: Report) -> None:
    for problem in xsd_problems("cmi5", root, manifest):
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
                f"{manifest}: id '{ident}' is used by {a_noun(seen[ident])} and {a_noun(kind)}; ids must be unique",
                manifest,
            )
        elif ident:
            seen[ident] = kind
        if kind == "au":
            url = text_of(el.find(f"{{{NS_CMI5}}}url"))
            if url:
                check_launch_href(url, f"{manifest}: AU '{ident}'", manifest, names, report)
