"""The package formats: adding one means one module and one `Format` entry below, nothing else.

The build, the runtime bundler, the CLI and the package reader all read `FORMATS`.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from packager.formats.registry import Builder, Format, Reader, Registry


def _later(module: str, function: str) -> Callable[..., Any]:
    """`function` of formats/<module>.py, imported on its first call: a no-op build (nothing changed)
    and `--help` then never load the renderer, Jinja and markdown-it (0.12 s against 0.35 s)."""

    def call(*args: Any) -> Any:
        return getattr(import_module(f"packager.formats.{module}"), function)(*args)

    return call


def _format(name: str, scripts: tuple[str, ...], help_: str, manifest: str = "", reader: str = "") -> Format:
    """The entry of formats/<name>.py; its manifest is read by formats/<reader>.py (both SCORM editions
    by scorm.py: which edition a manifest is, only reading it tells)."""
    read = _later(reader, "read_manifest") if reader else None
    return Format(name, _later(name, "package"), scripts, help_, manifest=manifest, read=read)


FORMATS = Registry(
    [
        _format("scorm12", ("core.js", "scorm.js", "scorm12.js"), "SCORM 1.2, one SCO", "imsmanifest.xml", "scorm"),
        _format(
            "scorm2004", ("core.js", "scorm.js", "scorm2004.js"), "SCORM 2004 4th edition", "imsmanifest.xml", "scorm"
        ),
        _format("xapi", ("core.js", "lrs.js", "xapi.js"), "xAPI (tincan.xml)", "tincan.xml", "xapi"),
        _format("cmi5", ("core.js", "lrs.js", "cmi5.js"), "cmi5 (cmi5.xml)", "cmi5.xml", "cmi5"),
        _format("web", ("core.js", "web.js"), "offline web, no LMS"),
    ]
)

__all__ = ["FORMATS", "Builder", "Format", "Reader", "Registry"]
