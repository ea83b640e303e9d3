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


@cache
def runtime_files(scripts: tuple[str, ...]) -> dict[str, bytes]:
    """`ruche.js` (the `scripts`, in load order, from `packager/runtime/`) and `ruche.css`."""
    parts = [(RUNTIME / name).read_text(encoding="utf-8") for name in scripts]
    script = rjsmin.jsmin("\n;".join(parts), keep_bang_comments=False)
    style = rcssmin.cssmin((RUNTIME / "ruche.css").read_text(encoding="utf-8"))
    return {"ruche.js": script.encode("utf-8"), "ruche.css": style.encode("utf-8")}
