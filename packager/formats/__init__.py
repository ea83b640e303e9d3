"""The package formats. Adding one means adding a module and one line in FORMATS."""

from __future__ import annotations

from collections.abc import Callable

from packager.formats import cmi5, scorm12, scorm2004, web, xapi
from packager.render import Site

Builder = Callable[[Site], dict[str, bytes]]

# name → function turning a rendered course into every file of its package.
FORMATS: dict[str, Builder] = {
    "scorm12": scorm12.package,
    "scorm2004": scorm2004.package,
    "xapi": xapi.package,
    "cmi5": cmi5.package,
    "web": web.package,
}
