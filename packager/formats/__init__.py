"""The package formats: adding one means one module and one `Format` entry below, nothing else.

The build, the runtime bundler and the CLI all read `FORMATS`.
"""

from __future__ import annotations

from importlib import import_module

from packager.formats.registry import Builder, Format, Registry


def _builder(module: str) -> Builder:
    """The `package` function of formats/<module>.py, imported on first use: a no-op build (nothing
    changed) and `--help` then never load the renderer, Jinja and markdown-it (0.12 s against 0.35 s)."""

    def build(site, fmt):  # noqa: ANN001, ANN202
        return import_module(f"packager.formats.{module}").package(site, fmt)

    return build


FORMATS = Registry(
    [
        Format("scorm12", _builder("scorm12"), ("core.js", "scorm.js", "scorm12.js"), "SCORM 1.2, one SCO"),
        Format("scorm2004", _builder("scorm2004"), ("core.js", "scorm.js", "scorm2004.js"), "SCORM 2004 4th edition"),
        Format("xapi", _builder("xapi"), ("core.js", "lrs.js", "xapi.js"), "xAPI (tincan.xml)"),
        Format("cmi5", _builder("cmi5"), ("core.js", "lrs.js", "cmi5.js"), "cmi5 (cmi5.xml)"),
        Format("web", _builder("web"), ("core.js", "web.js"), "offline web, no LMS"),
    ]
)

__all__ = ["FORMATS", "Builder", "Format", "Registry"]
