"""The library: import package zips (upload, watched folder, CLI), verify, unpack, remove.

Everything is checked before anything is written: member names (traversal, absolute paths,
backslashes, duplicates), member types (symlinks, devices), zip-bomb limits (entry count,
overlapping entries, total size, compression ratio per member and for the whole package, free
disk), encryption, and the manifest itself through
`packager.packages.read_package` (hardened XML parsing, launch hrefs inside the package and
present). Only then is the zip unpacked into a temporary folder inside the library, renamed
into place in one step, and recorded in the database. A package is known by its manifest
identifier: importing a newer zip of the same identifier replaces its files and launches and
keeps every learner's attempts (they are keyed by that identifier and the standard).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import struct
import tempfile
import threading
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, request, url_for

from packager.files import sha256_file
from packager.packages import Package, PackageError, read_package, unsafe_member
from packager.standards import ids
from player import db
from player.i18n import _
from player.learning import search
from player.store import imports
from player.store import packages as store
from player.web import views
from player.web.auth import trainer_required

bp = Blueprint("library", __name__)


MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_entries: int = 10_000
    max_total_bytes: int = 256 * MiB  # uncompressed, whole package (the largest real one is 4.3 MB)
    max_file_bytes: int = 512 * MiB  # uncompressed, one member
    max_ratio: float = 200.0  # uncompressed / compressed, for members and for the whole package > ratio_floor
    ratio_floor: int = MiB
    disk_margin_bytes: int = 64 * MiB  # free space the library folder keeps after an import


@dataclass
class ImportResult:
    package_id: int
    identifier: str
    title: str
    status: str  # installed | updated | unchanged

    def message(self) -> str:
        if self.status == "installed":
            return _("« {title} » est installé.", title=self.title)
        if self.status == "updated":
            return _("« {title} » est mis à jour ; la progression des personnes est gardée.", title=self.title)
        return _("« {title} » est déjà installé, identique.", title=self.title)


def _limits() -> Limits:
    return current_app.config.get("IMPORT_LIMITS") or Limits()


def check_members(archive: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo]:
    """The members to unpack, or PackageError saying why the zip is refused."""
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise PackageError(
            f"refused: the zip has {len(infos)} entries (at most {limits.max_entries})", code="too-many-entries"
        )
    check_layout(archive, infos)
    seen: dict[str, str] = {}
    dirs: set[str] = set()
    files: list[zipfile.ZipInfo] = []
    total = packed = 0
    for info in infos:
        name = info.filename
        reason = unsafe_member(name)
        if reason is None and "\\" in name:
            reason = "contains a backslash ('\\'), which some systems read as a folder separator"
        parts = name.rstrip("/").split("/")
        if reason is None and any(p in ("", ".") for p in parts):
            reason = "has an empty or '.' path segment"
        if reason:
            raise PackageError(f"refused: the entry '{name}' {reason}", code="unsafe-path")
        mode = info.external_attr >> 16
        if info.create_system == 3 and mode and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
            kind = "a symbolic link" if stat.S_ISLNK(mode) else "a special file (device, pipe or socket)"
            raise PackageError(
                f"refused: the entry '{name}' is {kind}; packages may only hold plain files",
                code="symlink" if stat.S_ISLNK(mode) else "special-file",
            )
        if info.flag_bits & 0x1:
            raise PackageError(f"refused: the entry '{name}' is encrypted", code="encrypted")
        key = unicodedata.normalize("NFC", name.rstrip("/")).casefold()
        if key in seen:
            raise PackageError(
                f"refused: the zip holds '{name}' twice (or twice in different case: "
                f"'{seen[key]}'); one would overwrite the other",
                code="duplicate",
            )
        seen[key] = name
        if info.is_dir():
            dirs.add(key)
            continue
        for depth in range(1, len(parts)):
            dirs.add("/".join(parts[:depth]).casefold())
        if info.file_size > limits.max_file_bytes:
            raise PackageError(
                f"refused: '{name}' would unpack to {info.file_size} bytes (at most {limits.max_file_bytes} per file)",
                code="zip-bomb",
            )
        total += info.file_size
        if total > limits.max_total_bytes:
            raise PackageError(
                f"refused: the package would unpack to more than {limits.max_total_bytes} bytes", code="zip-bomb"
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor and ratio > limits.max_ratio:
            raise PackageError(
                f"refused: '{name}' is compressed {ratio:.0f} times (at most {limits.max_ratio:.0f}): "
                "this looks like a zip bomb",
                code="zip-bomb",
            )
        files.append(info)
        packed += info.compress_size
    ratio = total / max(packed, 1)
    if total > limits.ratio_floor and ratio > limits.max_ratio:
        raise PackageError(
            f"refused: the package is compressed {ratio:.0f} times as a whole (at most {limits.max_ratio:.0f}): "
            "this looks like a zip bomb",
            code="zip-bomb",
        )
    clash = sorted(k for k in seen if k in dirs and not seen[k].endswith("/"))
    if clash:
        raise PackageError(f"refused: '{seen[clash[0]]}' is both a file and a folder", code="duplicate")
    return files


_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, then name and extra lengths at offsets 26 and 28
_ZIP64_EXTRA = 0x0001


def _zip64(extra: bytes) -> bool:
    """Whether a local header's extra field holds a Zip64 record (its data descriptor then has 8-byte sizes)."""
    at = 0
    while at + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, at)
        if kind == _ZIP64_EXTRA:
            return True
        at += 4 + size
    return False


def check_layout(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse entries whose bytes overlap: one compressed stream read by several entries is a zip bomb.

    Each entry spans its local header (30 bytes, its name and extra field, lengths read from that header,
    as zipfile reads them), its compressed data, and its data descriptor when flag bit 3 says there is one
    (12 or 16 bytes, 20 or 24 with Zip64 sizes). Sorted by offset, each must end at or before the next
    one's header, and the last one before the central directory. Reads are bounded: 30 bytes, the extra
    field (at most 64 KiB) and 4 bytes per entry, and the entry count is checked before.
    """
    fp = archive.fp
    if fp is None:
        return
    where = fp.tell()
    try:
        size = fp.seek(0, os.SEEK_END)
        directory = getattr(archive, "start_dir", None)
        boundary = size if directory is None else min(directory, size)
        ordered = sorted(infos, key=lambda info: info.header_offset)
        for info, after in zip(ordered, [*ordered[1:], None], strict=True):
            if after is not None and after.header_offset == info.header_offset:
                raise PackageError(
                    f"refused: the entries '{info.filename}' and '{after.filename}' are the same bytes of the "
                    "zip (one compressed stream read twice): this looks like a zip bomb",
                    code="zip-overlap",
                )
            fp.seek(info.header_offset)
            header = fp.read(_LOCAL_HEADER.size)
            if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
                raise PackageError(
                    f"refused: the entry '{info.filename}' has no local header where the zip's directory says",
                    code="zip-unreadable",
                )
            _signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
            fp.seek(name_length, os.SEEK_CUR)
            extra = fp.read(extra_length)
            end = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length + info.compress_size
            if info.flag_bits & 0x08:
                fp.seek(end)
                signed = fp.read(4) == b"PK\x07\x08" and struct.pack("<L", info.CRC) != b"PK\x07\x08"
                end += (4 if signed else 0) + (20 if _zip64(extra) else 12)
            limit = after.header_offset if after is not None else boundary
            if end > limit:
                into = f"'{after.filename}'" if after is not None else "the zip's directory"
                raise PackageError(
                    f"refused: the entry '{info.filename}' overlaps {into} (one compressed stream read by "
                    "several entries): this looks like a zip bomb",
                    code="zip-overlap",
                )
    finally:
        fp.seek(where)


def check_room(library: Path, files: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse a package that would not fit in the library folder with `disk_margin_bytes` to spare."""
    need = sum(info.file_size for info in files)
    free = shutil.disk_usage(library).free
    if need + limits.disk_margin_bytes > free:
        raise PackageError(
            f"refused: the package would unpack to {_mb(need)} and {_mb(limits.disk_margin_bytes)} must stay "
            f"free, but the library folder has only {_mb(free)} free",
            code="disk-full",
        )


def _mb(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


def inspect(path: Path) -> tuple[Package, list[zipfile.ZipInfo]]:
    """Verify a zip completely without writing anything; raise PackageError when refused."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise PackageError(f"{path.name} does not exist", code="not-found") from None
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise PackageError(f"{path.name} is not a readable zip file ({exc})", code="not-a-zip") from None
    with archive:
        files = check_members(archive, _limits())
        package = read_package(archive)
        if not package.launches:
            raise PackageError("the manifest has nothing to launch (no SCO, asset, activity or AU)", code="no-launch")
        return package, files


def _unpack(path: Path, files: list[zipfile.ZipInfo], library: Path) -> Path:
    """Unpack into a fresh temporary folder inside the library; the caller renames it."""
    tmp = Path(tempfile.mkdtemp(prefix=".incoming-", dir=library))
    root = tmp.resolve()
    try:
        with zipfile.ZipFile(path) as archive:
            for info in files:
                dest = (root / info.filename).resolve()
                if not dest.is_relative_to(root):  # already refused by check_members; belt and braces
                    raise PackageError(f"refused: '{info.filename}' leaves the package", code="unsafe-path")
                dest.parent.mkdir(parents=True, exist_ok=True)
                written = 0
                with archive.open(info) as src, open(dest, "xb") as out:
                    for block in iter(lambda: src.read(1 << 16), b""):  # noqa: B023
                        written += len(block)
                        if written > info.file_size:
                            raise PackageError(
                                f"refused: '{info.filename}' is larger than its zip entry says", code="zip-bomb"
                            )
                        out.write(block)
                os.chmod(dest, 0o644)
    except (zipfile.BadZipFile, OSError, RuntimeError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise PackageError(f"the zip cannot be unpacked: {exc}", code="zip-unreadable") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "package"


def import_zip(path: Path | str, source: str | None = None) -> ImportResult:
    """Verify, unpack and install a package zip; raises PackageError (nothing written) when refused."""
    path = Path(path)
    package, files = inspect(path)
    digest = sha256_file(path)
    old = store.find(package.identifier, package.standard)
    if old is not None and old["sha256"] == digest:
        return ImportResult(old["id"], package.identifier, old["title"], "unchanged")
    library = Path(current_app.config["LIBRARY_DIR"])
    library.mkdir(parents=True, exist_ok=True)
    check_room(library, files, _limits())
    tmp = _unpack(path, files, library)
    folder = f"{_slug(package.identifier)}-{digest[:12]}"
    target = library / folder
    try:
        if target.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.rename(tmp, target)  # atomic on one file system: the folder appears whole
        first = package.launches[0].href.split("#", 1)[0].split("?", 1)[0]
        page = target / first
        description, duration, language = search.page_summary(page.read_bytes()) if page.is_file() else ("", None, "")
        package_id = _record(package, folder, digest, path, source, description, duration, language)
    except BaseException:
        if old is None or old["folder"] != folder:
            shutil.rmtree(target, ignore_errors=True)
        raise
    if old is not None and old["folder"] != folder:
        shutil.rmtree(library / old["folder"], ignore_errors=True)
    search.index_package(package_id)
    return ImportResult(package_id, package.identifier, package.title, "updated" if old else "installed")


def _record(
    package: Package,
    folder: str,
    digest: str,
    path: Path,
    source: str | None,
    description: str,
    duration: int | None,
    language: str,
) -> int:
    course_iri = ids.package_course_iri(package.identifier, package.course_iri)
    values = dict(
        identifier=package.identifier,
        course_iri=course_iri,
        standard=package.standard,
        title=package.title or package.identifier,
        description=description,
        duration=duration,
        language=language,
        folder=folder,
        sha256=digest,
        bytes=path.stat().st_size,
        source=source or path.name,
        imported_at=db.now(),
    )
    launch_rows = [
        {
            "position": position,
            "ident": launch.id,
            "title": launch.title or launch.id,
            "href": launch.href,
            "kind": launch.kind,
            "mastery_score": launch.mastery_score,
            "move_on": launch.move_on,
            "launch_data": launch.launch_data,
            "completion_threshold": launch.completion_threshold,
            "launch_method": launch.launch_method,
            "visible": int(launch.visible),
            "parents": json.dumps(list(launch.parents), ensure_ascii=False),
            "iri": ids.package_launch_iri(course_iri, launch.id, launch.kind, launch.iri),
        }
        for position, launch in enumerate(package.launches)
    ]
    with db.transaction() as conn:
        return store.save(conn, values, launch_rows)


def remove_package(package_id: int) -> bool:
    """Uninstall a package (its files and launches); learners' attempts are kept."""
    with db.transaction() as conn:
        folder = store.delete(conn, package_id)
    if folder is None:
        return False
    shutil.rmtree(Path(current_app.config["LIBRARY_DIR"]) / folder, ignore_errors=True)
    search.remove_package(package_id)
    return True


def scan_folder(folder: Path | str) -> list[tuple[str, str, bool]]:
    """Import every new zip of a watched folder (a USB key): [(file name, message, ok)]."""
    folder = Path(folder)
    report = []
    if not folder.is_dir():
        return report
    for path in sorted(folder.glob("*.zip")):
        try:
            if not path.is_file():
                continue
            digest = sha256_file(path)
        except OSError:
            continue
        if imports.seen(str(path), digest):
            continue
        try:
            result = import_zip(path)
            message, ok = result.message(), True
        except PackageError as exc:
            message, ok = exc.message, False
        with db.transaction() as tx:
            imports.log(tx, str(path), digest, db.now(), message)
        report.append((path.name, message, ok))
    return report


def watch(app, stop: threading.Event) -> threading.Thread:  # noqa: ANN001
    """Scan the configured import folders now and then every IMPORT_INTERVAL seconds."""

    def run() -> None:
        while not stop.is_set():
            with app.app_context():
                for folder in app.config.get("IMPORT_DIRS") or []:
                    try:
                        for name, message, ok in scan_folder(folder):
                            app.logger.info("import %s: %s%s", name, "" if ok else "REFUSED: ", message)
                    except Exception:  # noqa: BLE001 - a broken USB key must not stop the watcher
                        app.logger.exception("scan of %s failed", folder)
            stop.wait(app.config.get("IMPORT_INTERVAL", 10.0))

    thread = threading.Thread(target=run, name="ruche-import-watch", daemon=True)
    thread.start()
    return thread


# ---------------------------------------------------------------------------------------------
# Admin views (thin: the work is above)


@bp.post("/admin/import")
@trainer_required
def upload():
    """Installed: back to the admin page. Refused: the admin page again, with the reason, and a 4xx
    status (400 no file, 422 a refused package); a disk that fills while the upload is saved: 507."""
    sent = request.files.get("package")
    if sent is None or not sent.filename:
        flash(_("Choisissez un fichier .zip."), "error")
        return views.admin(), 400
    library = Path(current_app.config["LIBRARY_DIR"])
    fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".zip", dir=library)
    os.close(fd)
    try:
        sent.save(tmp)
        result = import_zip(Path(tmp), source=Path(sent.filename).name)
    except PackageError as exc:
        flash(_("Paquet refusé : {reason}", reason=exc.message), "error")
        return views.admin(), 422
    except OSError as exc:  # the disk filled while the upload was written
        flash(_("Paquet refusé : l'appareil n'a plus de place ({reason}).", reason=exc.strerror or exc), "error")
        return views.admin(), 507
    finally:
        Path(tmp).unlink(missing_ok=True)
    flash(result.message())
    return redirect(url_for("views.admin"))


@bp.post("/admin/scan")
@trainer_required
def scan():
    dirs = current_app.config.get("IMPORT_DIRS") or []
    count = 0
    for folder in dirs:
        for name, message, ok in scan_folder(folder):
            count += 1
            flash(f"{name} : {message}", None if ok else "error")
    if not count:
        flash(_("Aucun nouveau paquet dans les dossiers surveillés."))
    return redirect(url_for("views.admin"))


@bp.post("/admin/packages/<int:package_id>/remove")
@trainer_required
def remove(package_id: int):
    if remove_package(package_id):
        flash(_("Paquet retiré ; la progression des personnes est gardée."))
    return redirect(url_for("views.admin"))
