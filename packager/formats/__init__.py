"""The package formats: adding one means one module and one `Format` entry below, nothing else.

The build, the runtime bundler and the CLI all read `FORMATS`.
"""

from __future__ import annotations

from packager.formats import cmi5, scorm12, scorm2004, web, xapi
from packager.formats.registry import Builder, Format, Registry

FORMATS = Registry(
    [
        Format("scorm12", scorm12.package, ("core.js", "scorm.js", "scorm12.js"), "SCORM 1.2, one SCO"),
        Format("scorm2004", scorm2004.package, ("core.js", "scorm.js", "scorm2004.js"), "SCORM 2004 4th edition"),
        Format("xapi", xapi.package, ("core.js", "lrs.js", "xapi.js"), "xAPI (tincan.xml)"),
        Format("cmi5", cmi5.package, ("core.js", "lrs.js", "cmi5.js"), "cmi5 (cmi5.xml)"),
        Format("web", web.package, ("core.js", "web.js"), "offline web, no LMS"),
    ]
)

__all__ = ["FORMATS", "Builder", "Format", "Registry"]
