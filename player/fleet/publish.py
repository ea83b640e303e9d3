"""Content updates, hub side: every installed package published as a file list and a zip, and the
/updates/ blueprint that serves the catalogue, files by hash (whole, gzip or delta) and zips (Range).

The hub does not keep the zips it imported, so it builds one deterministic zip per installed folder
and caches it with its file list under `<data>/updates/published/`; a library folder's name
carries its content hash, so the cache never goes stale. docs/updates.md tells the long story.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import threading
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, send_file

from packager.files import write_zip_members
from packager.packages import PackageError, read_package
from player import db
from player.fleet.content import DICT_ENCODING, GZIP_MIN, MAX_BATCH, FileList, folder_files, sha256_file
from player.fleet.content import SHA as _SHA
from player.fleet.delta import delta_pack
from player.lrs import resources as lrs
from player.store import packages

bp = Blueprint("updates", __name__, url_prefix="/updates")

KEEP_VERSIONS = 3  # published versions kept per package: the bases of delta transfers
_lock = threading.Lock()  # builds of published zips (one at a time per process)
_meta: dict[str, dict[str, Any]] = {}  # published file lists by path: a library folder never changes


@dataclass(frozen=True)
class Published:
    """One installed package as the hub publishes it."""

    package_id: int
    identifier: str
    standard: str
    title: str
    version: str | None
    revision: int
    folder: str
    files: FileList
    zip_path: Path
    zip_sha256: str
    zip_size: int

    def entry(self) -> dict[str, Any]:
        return {
            "id": self.package_id,
            "identifier": self.identifier,
            "standard": self.standard,
            "title": self.title,
            "version": self.version,
            "revision": self.revision,
            "sha256": self.zip_sha256,
            "size": self.zip_size,
            "files": {path: [sha, size] for path, (sha, size) in self.files.items()},
        }


def _published_dir() -> Path:
    path = Path(current_app.config["DATA_DIR"]) / "updates" / "published"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _write_published_zip(folder: Path, files: FileList, dest: Path) -> None:
    """A deterministic zip of an installed folder, written atomically.

    `packager.files.write_zip_members` is the rule (sorted names, one date, one mode, deflate 9,
    media stored) the device follows too when it rebuilds a zip from a delta: one rule, one zip.
    """
    write_zip_members(dest, ((name, (folder / name).read_bytes()) for name in sorted(files)))


def publish(row: Any) -> Published:
    """The published form of one `package` row: file list and zip, built once per library folder."""
    library = Path(current_app.config["LIBRARY_DIR"])
    folder = library / row["folder"]
    out = _published_dir()
    meta_path, zip_path = out / f"{row['folder']}.json", out / f"{row['folder']}.zip"
    with _lock:
        meta = _meta.get(str(meta_path)) if zip_path.is_file() else None
        if meta is None and meta_path.is_file() and zip_path.is_file():
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                meta = None
        if meta is None:
            files = folder_files(folder)
            _write_published_zip(folder, files, zip_path)
            try:
                version = read_package(folder).version
            except PackageError:
                version = None
            meta = {
                "files": {p: list(v) for p, v in files.items()},
                "sha256": sha256_file(zip_path),
                "size": zip_path.stat().st_size,
                "version": version,
                "identifier": row["identifier"],
                "standard": row["standard"],
                "published_at": db.now(),
            }
            tmp = meta_path.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(meta), encoding="utf-8")
            os.replace(tmp, meta_path)
            _prune(out, row["identifier"], row["standard"])
        _meta[str(meta_path)] = meta
    return Published(
        package_id=row["id"],
        identifier=row["identifier"],
        standard=row["standard"],
        title=row["title"],
        version=meta.get("version"),
        revision=row["revision"],
        folder=row["folder"],
        files={p: (v[0], int(v[1])) for p, v in meta["files"].items()},
        zip_path=zip_path,
        zip_sha256=meta["sha256"],
        zip_size=int(meta["size"]),
    )


def _prune(out: Path, identifier: str, standard: str) -> None:
    """Keep the KEEP_VERSIONS newest published versions of a package: older ones are delta bases."""
    mine = []
    for meta_path in out.glob("*.json"):
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if (meta.get("identifier"), meta.get("standard")) == (identifier, standard):
            mine.append((meta.get("published_at") or "", meta_path))
    for _, meta_path in sorted(mine, reverse=True)[KEEP_VERSIONS:]:
        _meta.pop(str(meta_path), None)
        meta_path.unlink(missing_ok=True)
        meta_path.with_suffix(".zip").unlink(missing_ok=True)


def _base_bytes(sha: str, prefix: bool = False) -> bytes | None:
    """A file of the current or an earlier published version, by hash, read from the published zips.

    The device names, as the base of a changed file, its own copy of that path: the version it has,
    which the hub no longer has installed but still has published.
    """
    out = _published_dir()
    for meta_path in sorted(out.glob("*.json")):
        meta = _meta.get(str(meta_path))
        if meta is None:
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            _meta[str(meta_path)] = meta
        for path, (digest, _size) in meta["files"].items():
            if digest != sha and not (prefix and digest.startswith(sha)):
                continue
            try:
                with zipfile.ZipFile(meta_path.with_suffix(".zip")) as archive:
                    data = archive.read(path)
            except (OSError, KeyError, zipfile.BadZipFile):
                continue
            if hashlib.sha256(data).hexdigest() == digest:
                return data
    return None


def published() -> list[Published]:
    return [publish(row) for row in packages.all_packages(db.get_db())]


def _error(status: int, message: str) -> Response:
    response = jsonify(error=message)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="ruche-updates"'
    return response


@bp.before_request
def _authenticate() -> Response | None:
    """Device credentials, checked exactly as for sync: `lrs.authenticate` (one place for that rule)."""
    try:
        credential = lrs.authenticate()
    except lrs.LRSError as exc:
        return _error(exc.status, exc.message)
    if credential.get("attempt_id") is not None or credential.get("learner_id") is not None:
        # A launch credential belongs to one lesson's content on a device, not to a device.
        return _error(403, "this credential may not pull packages")
    return None


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-cache")
    return response


@bp.get("/catalog")
def catalog() -> Response:
    """Every published package with its zip hash and its content-addressed file list."""
    body = json.dumps(
        {"format": 1, "packages": [p.entry() for p in published()]}, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
    etag = hashlib.sha256(body).hexdigest()[:32]
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        response = Response(body, mimetype="application/json")
        if "gzip" in request.headers.get("Accept-Encoding", "").lower() and len(body) >= GZIP_MIN:
            response.set_data(gzip.compress(body, compresslevel=9, mtime=0))  # level 9: hashes pack poorly
            response.headers["Content-Encoding"] = "gzip"
            response.vary.add("Accept-Encoding")
    response.set_etag(etag, weak="Content-Encoding" in response.headers)
    return response


@bp.get("/files/<sha>")
def file_by_hash(sha: str) -> Response:
    """One file's bytes by its sha256: gzip-compressed when asked for whole, Range-able when plain."""
    if not _SHA.fullmatch(sha):
        return _error(404, "not a sha256")
    library = Path(current_app.config["LIBRARY_DIR"])
    found = _find(sha, library)
    if found is None or not found.is_file():
        return _error(404, "no published file has this hash")
    base = request.args.get("base", "")
    if base and "Range" not in request.headers and DICT_ENCODING in request.headers.get("Accept-Encoding", ""):
        packed_with_base = _with_base(found, base, library)
        if packed_with_base is not None:
            response = Response(packed_with_base, mimetype="application/octet-stream")
            response.headers["Content-Encoding"] = DICT_ENCODING
            response.set_etag(f"{sha}-{base[:16]}", weak=True)
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
            return response
    wants_gzip = "gzip" in request.headers.get("Accept-Encoding", "").lower()
    if wants_gzip and "Range" not in request.headers and found.stat().st_size >= GZIP_MIN:
        if request.if_none_match.contains_weak(sha):
            response = Response(status=304)
            response.set_etag(sha, weak=True)
            return response
        data = found.read_bytes()
        packed = gzip.compress(data, compresslevel=9, mtime=0)
        if len(packed) < len(data):
            response = Response(packed, mimetype="application/octet-stream")
            response.headers["Content-Encoding"] = "gzip"
            response.set_etag(sha, weak=True)  # same content, another encoding
            response.vary.add("Accept-Encoding")
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
            return response
    response = send_file(found, mimetype="application/octet-stream", conditional=True, etag=sha, max_age=31536000)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@bp.get("/files")
def files_batch() -> Response:
    """Many files in one answer: `?want=<sha>[.<base>],…` with hash prefixes (at least 16 hex digits).

    One request per changed file would cost more in headers than a changed page costs in
    content: a version bump rewrites every page of a course. Each part is
    `<sha256> <encoding> <length>\n<bytes>`; encoding `base` is raw deflate with the named base
    as dictionary, `deflate` raw deflate alone, `identity` the bytes. The device checks every hash.
    """
    library = Path(current_app.config["LIBRARY_DIR"])
    wanted = [w for w in request.args.get("want", "").split(",") if w]
    if not wanted or len(wanted) > MAX_BATCH:
        return _error(400, f"want= names 1 to {MAX_BATCH} files")
    index: dict[str, Path] = {}
    for item in published():
        for path, (digest, _size) in item.files.items():
            index.setdefault(digest, library / item.folder / path)
    parts: list[bytes] = []
    for want in wanted:
        prefix, _, base = want.partition(".")
        if not re.fullmatch(r"[0-9a-f]{16,64}", prefix) or (base and not re.fullmatch(r"[0-9a-f]{16,64}", base)):
            return _error(400, f"bad hash prefix in {want!r}")
        matches = [d for d in index if d.startswith(prefix)]
        if len(matches) != 1:
            return _error(404, f"no single published file has the hash {prefix}")
        digest, data = matches[0], index[matches[0]].read_bytes()
        body, encoding = data, "identity"
        base_data = _base_bytes(base, prefix=True) if base else None
        if len(data) >= 64:
            packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
            candidate = packer.compress(data) + packer.flush()
            if len(candidate) < len(body):
                body, encoding = candidate, "deflate"
            if base_data is not None:
                candidate = delta_pack(data, base_data)
                if len(candidate) < len(body):
                    body, encoding = candidate, "base"
        parts.append(f"{digest} {encoding} {len(body)}\n".encode() + body)
    return Response(b"".join(parts), mimetype="application/octet-stream")


def _find(sha: str, library: Path) -> Path | None:
    for item in published():
        for path, (digest, _size) in item.files.items():
            if digest == sha:
                return library / item.folder / path
    return None


def _with_base(found: Path, base: str, library: Path) -> bytes | None:
    """`found` deflated with a file the device already holds as the dictionary, when that is smaller.

    The best base is the device's own older copy of the same path: deflate then sends little more
    than what changed (a few dozen bytes for a page whose only change is the version number).
    Otherwise a sibling page shares the template (head, navigation, footer, scripts): a third less
    than gzip alone on our courses.
    """
    if not _SHA.fullmatch(base):
        return None
    base_data = _base_bytes(base)
    if base_data is None:
        return None
    data = found.read_bytes()
    packed = delta_pack(data, base_data)
    return packed if len(packed) < len(gzip.compress(data, compresslevel=9, mtime=0)) else None


@bp.get("/packages/<int:package_id>.zip")
def package_zip(package_id: int) -> Response:
    """The whole published zip, with Range / 206 / If-Range so that a device resumes a cut download."""
    row = packages.package_by_id(db.get_db(), package_id)
    if row is None:
        return _error(404, "no such package")
    item = publish(row)
    return send_file(
        item.zip_path,
        mimetype="application/zip",
        conditional=True,
        etag=item.zip_sha256,
        download_name=f"{item.folder}.zip",
        max_age=0,
    )
