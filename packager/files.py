"""Atomic writes and deterministic zips: the one place for both (the packager and the player use it).

Atomic: a temporary file beside the target, flushed to disk, then renamed over it, so a crash or a
power cut leaves the old file or the new one, never half of one. Deterministic: sorted names, one
fixed date, fixed permissions, so the same files always give the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

# Fixed timestamp so that two builds of the same sources are byte-identical.
EPOCH = (1980, 1, 1, 0, 0, 0)
# Already-compressed media gain nothing from deflate; storing them saves CPU on small devices.
STORED = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".mp3", ".mp4", ".ogg", ".webm", ".zip")


@contextmanager
def atomic_file(target: Path, mode: int = 0o644, durable: bool = True) -> Iterator[BinaryIO]:
    """A binary handle whose content replaces `target` only once the block ends without error."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(target: Path, data: bytes, mode: int = 0o644, durable: bool = True) -> None:
    """Write `data` to `target` atomically."""
    with atomic_file(target, mode, durable) as handle:
        handle.write(data)


def zip_info(name: str) -> zipfile.ZipInfo:
    """The member header every zip of the project uses: fixed date, rw-r--r--."""
    info = zipfile.ZipInfo(name, EPOCH)
    info.external_attr = 0o644 << 16
    info.create_system = 3
    info.compress_type = zipfile.ZIP_STORED if name.lower().endswith(STORED) else zipfile.ZIP_DEFLATED
    return info


def zip_members_into(handle: zipfile.ZipFile, members: Iterable[tuple[str, bytes]]) -> None:
    """Write (name, data) members in the order given, each with `zip_info`'s header."""
    for name, data in members:
        info = zip_info(name)
        handle.writestr(info, data, compresslevel=9 if info.compress_type == zipfile.ZIP_DEFLATED else None)


def zip_bytes_into(handle: zipfile.ZipFile, files: dict[str, bytes]) -> None:
    zip_members_into(handle, ((name, files[name]) for name in sorted(files)))


def write_zip(target: Path, files: dict[str, bytes], comment: bytes = b"") -> int:
    """Write `files` to `target` atomically, sorted by name; returns the zip's size in bytes."""
    return _write_zip(target, comment, lambda handle: zip_bytes_into(handle, files))


def write_zip_members(target: Path, members: Iterable[tuple[str, bytes]], comment: bytes = b"") -> int:
    """Write (name, data) members to `target` atomically, in the order given; returns its size."""
    return _write_zip(target, comment, lambda handle: zip_members_into(handle, members))


def _write_zip(target: Path, comment: bytes, fill: Callable[[zipfile.ZipFile], None]) -> int:
    with atomic_file(target) as raw, zipfile.ZipFile(raw, "w") as handle:
        fill(handle)
        handle.comment = comment
    return Path(target).stat().st_size


def read_comment(path: Path) -> bytes:
    """The zip comment, where a build records the key of the sources it was made from."""
    try:
        with zipfile.ZipFile(path) as handle:
            return handle.comment
    except (OSError, zipfile.BadZipFile):
        return b""


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB blocks (packages can be larger than a device's free memory)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
