"""What to skip in an incremental build: a key over every input of a course's packages.

The key covers the course folder's files and the packager itself (code, templates, runtime),
so a change to either rebuilds. It is stored in each zip's comment: no separate state to lose.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

PACKAGER = Path(__file__).parent


def _digest_tree(root: Path, digest: hashlib._Hash, suffixes: tuple[str, ...] = ()) -> None:
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts or (suffixes and path.suffix not in suffixes):
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())


@lru_cache(maxsize=1)
def packager_key() -> str:
    digest = hashlib.sha256()
    _digest_tree(PACKAGER, digest, (".py", ".html", ".js", ".css"))
    return digest.hexdigest()


def course_key(course_dir: Path) -> str:
    """One digest over a course folder and the packager: equal keys mean identical packages."""
    digest = hashlib.sha256(packager_key().encode())
    _digest_tree(course_dir, digest)
    return digest.hexdigest()


def zip_comment(key: str, fmt: str) -> bytes:
    return f"ruche:{fmt}:{key}".encode()
