"""Deterministic, atomic zip writing: same files → same bytes; a failure never leaves half a zip."""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

# Fixed timestamp so that two builds of the same sources are byte-identical.
EPOCH = (1980, 1, 1, 0, 0, 0)
# Already-compressed media gain nothing from deflate; storing them saves CPU on small devices.
STORED = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".mp3", ".mp4", ".ogg", ".webm", ".zip")


def zip_bytes_into(handle: zipfile.ZipFile, files: dict[str, bytes]) -> None:
    for name in sorted(files):
        info = zipfile.ZipInfo(name, EPOCH)
        info.external_attr = 0o644 << 16
        info.create_system = 3
        stored = name.lower().endswith(STORED)
        info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        handle.writestr(info, files[name], compresslevel=None if stored else 9)


def write_zip(target: Path, files: dict[str, bytes], comment: bytes = b"") -> int:
    """Write `files` to `target` atomically; returns the zip's size in bytes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w") as handle:
            zip_bytes_into(handle, files)
            handle.comment = comment
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target.stat().st_size


def read_comment(path: Path) -> bytes:
    """The zip comment, where a build records the key of the sources it was made from."""
    try:
        with zipfile.ZipFile(path) as handle:
            return handle.comment
    except (OSError, zipfile.BadZipFile):
        return b""
