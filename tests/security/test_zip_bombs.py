"""Zip bombs at the package import (issue 10): each hostile zip is refused before anything is unpacked.

The zips are built here: with Python's zipfile for the many-entries and big-total bombs, and byte by
byte for the overlapping entries (one compressed stream read by several entries), which zipfile
cannot write. Normal packages, ours and third-party ones (some with data descriptors), still import.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from collections import namedtuple
from pathlib import Path

import pytest
from playerkit import SCORM12_MANIFEST, as_trainer, csrf, sco_page, scorm12_zip

from packager.packages import PackageError
from player import db
from player.learning import library

MiB = 1024 * 1024
PAGE = sco_page("Leçon unique", "Le jardin communautaire du quartier.", "1.2")
THIRDPARTY = Path(__file__).resolve().parents[3] / "shared" / "thirdparty"


def package_files() -> dict[str, bytes]:
    return {"imsmanifest.xml": SCORM12_MANIFEST.encode(), "sco/page.html": PAGE.encode()}


def write(path: Path, extra: dict[str, bytes], level: int | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in {**package_files(), **extra}.items():
            archive.writestr(name, data)
    return path


# ---- raw zip records (APPNOTE 4.3.7, 4.3.12, 4.3.16), for the zips zipfile will not write ----


def local_header(name: bytes, crc: int, size: int) -> bytes:
    return struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, crc, size, size, len(name), 0) + name


def central_entry(name: bytes, crc: int, size: int, offset: int) -> bytes:
    head = struct.pack(
        "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, crc, size, size, len(name), 0, 0, 0, 0, 0, offset
    )
    return head + name


def end_record(count: int, size: int, offset: int) -> bytes:
    return struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, size, offset, 0)


Entry = namedtuple("Entry", "name crc size offset")


def raw_zip(path: Path, body: bytes, entries: list[Entry]) -> Path:
    """`body` (local headers and data) followed by a central directory listing `entries`."""
    directory = b"".join(central_entry(e.name, e.crc, e.size, e.offset) for e in entries)
    path.write_bytes(body + directory + end_record(len(entries), len(directory), len(body)))
    return path


def stored_package(extra: list[tuple[bytes, bytes]] = ()) -> tuple[bytes, list[Entry]]:
    """The package's own files, stored (method 0), as raw bytes and their entries."""
    body, entries = b"", []
    for name, data in [(n.encode(), d) for n, d in package_files().items()] + list(extra):
        crc = zlib.crc32(data)
        entries.append(Entry(name, crc, len(data), len(body)))
        body += local_header(name, crc, len(data)) + data
    return body, entries


def same_header_zip(path: Path) -> Path:
    """Three central entries read one local header and its data (the data of the last entry)."""
    kernel = b"0123456789abcdef" * 4096
    body, entries = stored_package([(b"sco/a.bin", kernel)])
    shared = entries[-1]
    entries += [Entry(b"sco/b.bin", shared.crc, shared.size, shared.offset)]
    entries += [Entry(b"sco/c.bin", shared.crc, shared.size, shared.offset)]
    return raw_zip(path, body, entries)


def nested_zip(path: Path, count: int = 300, kernel_bytes: int = 100_000) -> Path:
    """Stored entries nested like Russian dolls: entry i's data holds every later entry and the kernel.

    Every entry's compression ratio is 1, so no ratio catches it: `count` entries over one kernel unpack
    to about count × kernel bytes (here 30 MB from a 110 kB zip; the growth is quadratic in count).
    """
    body, entries = stored_package()
    names = [f"sco/d{i:04}.bin".encode() for i in range(count)]
    tail = os.urandom(kernel_bytes)
    nested = []
    for name in reversed(names):
        crc = zlib.crc32(tail)
        nested.append(Entry(name, crc, len(tail), 0))
        tail = local_header(name, crc, len(tail)) + tail
    offset = len(body)
    for entry in reversed(nested):
        entries.append(entry._replace(offset=offset))
        offset += 30 + len(entry.name)
    return raw_zip(path, body + tail, entries)


# ---- checks ----


def library_files(app) -> list[str]:
    folder = Path(app.config["LIBRARY_DIR"])
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def refused(app, path: Path) -> PackageError:
    with app.app_context():
        with pytest.raises(PackageError) as caught:
            library.import_zip(path)
        assert db.get_db().execute("SELECT COUNT(*) FROM package").fetchone()[0] == 0
    assert library_files(app) == []
    return caught.value


def test_a_thousand_small_compressible_entries_are_refused(app, tmp_path):
    # 1,002 entries of 1 MiB of zeros: each one stays at the per-file ratio floor, 1 GiB in all from 1 MB
    bomb = write(tmp_path / "bomb.zip", {f"sco/f{i:04}.bin": bytes(MiB) for i in range(1002)})
    assert bomb.stat().st_size < 2 * MiB
    error = refused(app, bomb)
    assert error.code == "zip-bomb", error.message
    # with a total size limit high enough, the whole-package compression ratio still catches it
    app.config["IMPORT_LIMITS"] = library.Limits(max_total_bytes=4096 * MiB)
    error = refused(app, bomb)
    assert error.code == "zip-bomb" and "compressed" in error.message, error.message


@pytest.mark.parametrize("build", [same_header_zip, nested_zip], ids=["same-header", "nested"])
def test_overlapping_entries_are_refused(app, tmp_path, build):
    path = build(tmp_path / "overlap.zip")
    if build is nested_zip:
        with zipfile.ZipFile(path) as archive:  # Python's zipfile reads every entry without complaint
            assert archive.testzip() is None
    error = refused(app, path)
    assert error.code == "zip-overlap", error.message
    assert "overlap" in error.message or "same" in error.message, error.message


def test_too_many_entries_are_refused(app, tmp_path):
    path = write(tmp_path / "many.zip", {f"sco/f{i:05}.txt": b"x" for i in range(10_001)})
    error = refused(app, path)
    assert error.code == "too-many-entries" and "10003 entries (at most 10000)" in error.message, error.message


def test_a_package_over_the_total_size_limit_is_refused(app, tmp_path):
    # 260 MiB that compresses about 40 times (a random byte every 100): under every ratio, over the total
    block = bytearray(MiB)
    block[::100] = os.urandom(len(block[::100]))
    path = write(tmp_path / "big.zip", {f"sco/v{i:03}.bin": bytes(block) for i in range(260)}, level=1)
    error = refused(app, path)
    assert error.code == "zip-bomb" and f"more than {256 * MiB} bytes" in error.message, error.message


def test_a_package_larger_than_the_free_disk_is_refused(app, tmp_path, monkeypatch):
    path = scorm12_zip(tmp_path / "douze.zip")
    usage = library.shutil.disk_usage(tmp_path)
    monkeypatch.setattr(library.shutil, "disk_usage", lambda _p: usage._replace(free=40_000_000))
    error = refused(app, path)
    assert error.code == "disk-full", error.message
    assert "40.0 MB free" in error.message and "67.1 MB" in error.message, error.message
    # enough room once the margin is lowered: the same zip imports
    app.config["IMPORT_LIMITS"] = library.Limits(disk_margin_bytes=MiB)
    with app.app_context():
        assert library.import_zip(path).status == "installed"


def test_a_hostile_upload_is_refused_without_a_server_error_or_leftovers(app, client, tmp_path):
    as_trainer(client)
    path = nested_zip(tmp_path / "overlap.zip")
    with path.open("rb") as handle:
        response = client.post(
            "/admin/import",
            data={"package": (handle, "cours.zip"), "csrf_token": csrf(client)},
            content_type="multipart/form-data",
        )
    assert response.status_code == 422, "a refused package is a 4xx, with the admin page and its reason"
    page = response.get_data(as_text=True)
    assert "Paquet refusé" in page and "overlap" in page
    assert library_files(app) == []


class _Unseekable(io.RawIOBase):
    """A write-only stream: zipfile then writes a data descriptor (flag bit 3) after each entry."""

    def __init__(self, path: Path) -> None:
        self.out = path.open("wb")

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # noqa: ANN001
        return self.out.write(data)

    def close(self) -> None:
        self.out.close()
        super().close()


def test_normal_packages_still_import(app, tmp_path, exports):
    zips = sorted(p for p in exports.glob("*.zip") if not p.name.endswith("-web.zip"))
    zips += sorted(THIRDPARTY.glob("*.zip"))  # cmi5-multi-au-framed.zip has data descriptors
    streamed = tmp_path / "streamed.zip"
    with _Unseekable(streamed) as out, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for zip64, (name, data) in enumerate(package_files().items()):  # 16- and 24-byte descriptors
            with archive.open(name, "w", force_zip64=bool(zip64)) as member:
                member.write(data)
    with zipfile.ZipFile(streamed) as archive:
        assert all(info.flag_bits & 0x08 for info in archive.infolist())
    zips.append(streamed)
    with app.app_context():
        results = [library.import_zip(z) for z in zips]
        count = db.get_db().execute("SELECT COUNT(*) FROM package").fetchone()[0]
    assert [r.status for r in results] == ["installed"] * len(zips)
    assert count == len(zips) >= 4 + 1


def test_an_upload_with_no_file_is_400_with_the_admin_page(client):
    as_trainer(client)
    response = client.post("/admin/import", data={"csrf_token": csrf(client)}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choisissez un fichier .zip." in response.get_data(as_text=True)


def test_a_disk_that_fills_during_the_upload_is_507_with_nothing_left(app, client, tmp_path, monkeypatch):
    import errno

    from werkzeug.datastructures import FileStorage

    def full(self, dst, buffer_size=16384):  # noqa: ANN001, ANN202 - FileStorage.save's signature
        raise OSError(errno.ENOSPC, "No space left on device")

    as_trainer(client)
    monkeypatch.setattr(FileStorage, "save", full)
    with (tmp_path / "any.zip").open("wb") as handle:
        handle.write(b"PK")
    with (tmp_path / "any.zip").open("rb") as handle:
        response = client.post(
            "/admin/import",
            data={"package": (handle, "cours.zip"), "csrf_token": csrf(client)},
            content_type="multipart/form-data",
        )
    assert response.status_code == 507, response.status_code
    assert "plus de place" in response.get_data(as_text=True)
    assert library_files(app) == []
