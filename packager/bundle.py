"""The package runtime: core.js + one driver per standard, minified; ruche.css minified.

Minified at build time (rjsmin, rcssmin) so the sources stay readable and learners pay for
the smallest bytes.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import rcssmin
import rjsmin

RUNTIME = Path(__file__).parent / "runtime"

# The JavaScript files each package format ships, in load order.
SCRIPTS: dict[str, tuple[str, ...]] = {
    "scorm12": ("core.js", "scorm.js", "scorm12.js"),
    "scorm2004": ("core.js", "scorm.js", "scorm2004.js"),
    "xapi": ("core.js", "lrs.js", "xapi.js"),
    "cmi5": ("core.js", "lrs.js", "cmi5.js"),
    "web": ("core.js", "web.js"),
}


@cache
def runtime_files(fmt: str) -> dict[str, bytes]:
    """`ruche.js` and `ruche.css` for one format."""
    parts = [(RUNTIME / name).read_text(encoding="utf-8") for name in SCRIPTS[fmt]]
    script = rjsmin.jsmin("\n;".join(parts), keep_bang_comments=False)
    style = rcssmin.cssmin((RUNTIME / "ruche.css").read_text(encoding="utf-8"))
    return {"ruche.js": script.encode("utf-8"), "ruche.css": style.encode("utf-8")}
