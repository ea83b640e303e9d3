"""Content updates: the hub publishes its library; devices pull new and changed packages.

Why it looks like this (docs/updates.md tells the long story):

* A device is online a few minutes a day on a slow line that drops. A new version of a course
  often changes one lesson, so the hub publishes, for every installed package, a
  *content-addressed file list* (path → sha256, size): a device that holds an older version
  fetches only the files whose hash it does not already hold, by hash
  (`GET /updates/files/<sha256>`, gzip-compressed), and takes every other file from its
  installed copy.
* A device that has never seen a package downloads the whole zip
  (`GET /updates/packages/<id>.zip`) into a partial file in its data folder, with HTTP Range
  requests and `If-Range`: a cut connection, or a run that ends, resumes where the bytes
  stopped instead of starting from zero.
* Nothing is trusted before it is checked: every file and every zip is verified against the
  hash in the catalogue, and the assembled package then goes through `library.import_zip`
  (member checks, manifest, atomic rename) like any zip from a USB key. That path keeps
  learners' progress, because attempts are keyed by the package identifier and standard.
* The hub publishes what it has installed. It does not keep the zips it imported, so it builds
  one deterministic zip per installed folder (sorted names, fixed dates) and caches it with its
  file list under `<data>/updates/published/`; a library folder's name carries its content hash,
  so the cache never goes stale.

The device talks HTTP with `player.fleet.sync`'s client (one kept-alive connection, every byte
counted, backoff with jitter) and authenticates like sync: basic auth checked by
`lrs.authenticate` on the hub.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import json
import logging
import os
import re
import struct
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from flask import Blueprint, Flask, Response, current_app, jsonify, request, send_file

from packager.packages import PackageError, read_package
from player import db
from player.fleet import remote, sync
from player.lrs import resources as lrs
from player.store import packages

log = logging.getLogger(__name__)

bp = Blueprint("updates", __name__, url_prefix="/updates")

USER_AGENT = "ruche-updates/1"
CHUNK = 64 * 1024
BLOCK, SLACK = 16 * 1024, 8 * 1024  # delta blocks, and how far an insertion may shift them (docs/updates.md)
MAX_BATCH = 64  # files per /updates/files?want= request (URL of ~2 KB)
PREFIX = 16  # hex digits of a hash in a batch request: unique in any library, and the device checks all 64
MAX_DELTA_FILES = 50  # past this many changed files (and half the package), one zip costs fewer requests
GZIP_MIN = 512  # smaller files go plain: gzip would save less than its own header
DICT_ENCODING = "x-deflate-base"  # raw deflate with a file the device holds as preset dictionary (?base=sha)
ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # every member of a published zip: the same bytes for the same files
KEEP_VERSIONS = 3  # published versions kept per package: the bases of delta transfers
_SHA = re.compile(r"[0-9a-f]{64}")
_lock = threading.Lock()  # builds of published zips (one at a time per process)
_meta: dict[str, dict[str, Any]] = {}  # published file lists by path: a library folder never changes

FileList = dict[str, tuple[str, int]]  # path -> (sha256, size)


# ---------------------------------------------------------------------------------------------
# Hashing (shared by both sides)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def folder_files(folder: Path) -> FileList:
    """Every file of an unpacked package (posix paths, sorted) with its sha256 and size."""
    out: FileList = {}
    if not folder.is_dir():
        return out
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        out[path.relative_to(folder).as_posix()] = (sha256_file(path), path.stat().st_size)
    return out


def _block_dict(base: bytes, k: int) -> bytes:
    """The dictionary of block k: the base around the same offset (deflate sees 32 KB back at most)."""
    return base[max(0, k * BLOCK - SLACK) : k * BLOCK + BLOCK + SLACK]


def delta_pack(data: bytes, base: bytes) -> bytes:
    """`data` as blocks of 16 KB, each raw-deflated with the base's bytes around the same offset.

    Deflate can refer back 32 KB at most, so one preset dictionary helps a small page but not
    a 60 KB single-page course. Cutting the file into blocks, each with its own window of the old
    version (shifted up to 8 KB either way by insertions), turns a one-lesson change in a big page
    into a few hundred bytes. Each block: 4-byte big-endian length, then its deflate stream.
    """
    out = bytearray()
    for k in range(max(1, -(-len(data) // BLOCK))):
        window = _block_dict(base, k)
        packer = (
            zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, window)
            if window
            else zlib.compressobj(9, zlib.DEFLATED, -15, 9)
        )
        part = packer.compress(data[k * BLOCK : (k + 1) * BLOCK]) + packer.flush()
        out += struct.pack(">I", len(part)) + part
    return bytes(out)


def delta_unpack(packed: bytes, base: bytes, limit: int) -> bytes:
    """The inverse of `delta_pack`; never more than `limit` + 1 bytes (zlib.error when garbled)."""
    out, at, k = bytearray(), 0, 0
    while at < len(packed):
        if at + 4 > len(packed):
            raise zlib.error("truncated block header")
        (length,) = struct.unpack(">I", packed[at : at + 4])
        window = _block_dict(base, k)
        unpacker = zlib.decompressobj(-15, zdict=window) if window else zlib.decompressobj(-15)
        out += unpacker.decompress(packed[at + 4 : at + 4 + length], limit + 1 - len(out))
        if len(out) > limit:
            break  # one byte too many is enough for the hash check to refuse it
        at, k = at + 4 + length, k + 1
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# Hub side: what is published


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
    """A deterministic zip of an installed folder (sorted names, fixed dates), written atomically."""
    fd, tmp = tempfile.mkstemp(prefix=".build-", suffix=".zip", dir=dest.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            for name in files:
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o100644 << 16
                info.create_system = 3
                archive.writestr(info, (folder / name).read_bytes(), compresslevel=9)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


# ---------------------------------------------------------------------------------------------
# Device side


@dataclass
class UpdateResult:
    """What one pull did. `ok`: every published package is installed here, nothing refused."""

    status: str = "done"  # done | partial | failed | busy
    installed: list[str] = field(default_factory=list)  # "identifier (standard)"
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)  # (package, why)
    files_fetched: int = 0  # files fetched by hash (delta updates)
    files_reused: int = 0  # files taken from the installed copy
    zips_fetched: int = 0
    not_modified: bool = False  # the catalogue did not change since the last complete pull (304)
    resumed: int = 0  # Range requests that continued a partial download
    requests: int = 0
    bytes_out: int = 0  # HTTP bytes, headers included, counted at the socket
    bytes_in: int = 0
    seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "done" and not self.refused and self.error is None

    @property
    def wire_bytes(self) -> int:
        return self.bytes_out + self.bytes_in

    def line(self) -> str:
        if self.not_modified:
            return f"update {self.status}: nothing new, {self.requests} request, {self.wire_bytes} bytes"
        text = (
            f"update {self.status}: {len(self.installed)} installed, {len(self.updated)} updated, "
            f"{self.unchanged} unchanged"
            + (f", {len(self.refused)} refused" if self.refused else "")
            + f"; {self.files_fetched} files fetched, {self.files_reused} reused, {self.zips_fetched} zips"
            + f", {self.requests} requests, {self.wire_bytes} bytes, {self.seconds:.1f} s"
        )
        return text + (f" — {self.error}" if self.error else "")


class UpdateError(Exception):
    """A package cannot be pulled (hash mismatch, refused by the library, the hub gives up)."""


def updates_endpoint(endpoint: str) -> str:
    """The updates base URL: given as is, or derived from a sync endpoint (`…/xapi` → `…/updates`)."""
    endpoint = endpoint.rstrip("/")
    if re.search(r"/xapi$", endpoint, re.IGNORECASE):
        return endpoint[: -len("/xapi")] + "/updates"
    if not endpoint.endswith("/updates") and endpoint.count("/") <= 2:
        return endpoint + "/updates"
    return endpoint


def settings(app: Any) -> tuple[str | None, sync.Auth]:
    """UPDATES_ENDPOINT (or $RUCHE_UPDATES_ENDPOINT), else the sync endpoint with /updates; sync's credentials."""
    endpoint, auth = sync.settings(app)
    config = getattr(app, "config", {}) or {}
    explicit = config.get("UPDATES_ENDPOINT") or os.environ.get("RUCHE_UPDATES_ENDPOINT")
    if explicit:
        return explicit, auth
    return (updates_endpoint(endpoint) if endpoint else None), auth


class _Puller:
    def __init__(self, app: Flask, endpoint: str, auth: sync.Auth, timeout: float, retry: sync.Retry) -> None:
        self.app, self.retry, self.timeout = app, retry, timeout
        self.client = remote.Client(endpoint, auth, timeout)
        self.client.headers.pop("X-Experience-API-Version", None)  # not an xAPI exchange: 35 bytes saved
        self.client.headers["User-Agent"] = USER_AGENT
        self.result = UpdateResult()
        data = Path(app.config["DATA_DIR"]) / "updates"
        self.partial_dir, self.objects = data / "partial", data / "objects"
        self.partial_dir.mkdir(parents=True, exist_ok=True)
        self.objects.mkdir(parents=True, exist_ok=True)

    # -- HTTP -----------------------------------------------------------------------------------

    def _get(self, target: str, headers: dict[str, str] | None = None) -> remote.Reply:
        """A small GET, retried with backoff on transport failures and transient answers."""
        failures = 0
        while True:
            try:
                reply = self.client.request("GET", target, headers=headers)
            except remote.TransportError as exc:
                reply, error = None, str(exc)
            else:
                if reply.status not in sync.RETRYABLE:
                    return reply
                error = f"HTTP {reply.status}"
            failures += 1
            if failures >= self.retry.attempts:
                raise UpdateError(f"GET {target}: {error}")
            time.sleep(self.retry.delay(failures))

    def _download(self, target: str, part: Path, etag: str, size: int) -> None:
        """Stream `target` into `part`, resuming with Range/If-Range from what `part` already holds."""
        failures = 0
        while True:
            have = part.stat().st_size if part.exists() else 0
            headers = {"Accept-Encoding": "identity"}
            if have:
                headers.update({"Range": f"bytes={have}-", "If-Range": f'"{etag}"'})
            try:
                status = self._stream(target, headers, part, have, size)
            except remote.TransportError as exc:
                failures += 1
                if failures >= self.retry.attempts:
                    raise UpdateError(f"download of {target} failed: {exc}") from None
                time.sleep(self.retry.delay(failures))
                continue
            if status in (200, 206):
                return
            if status == 416:  # we hold more than (or all of) the file: start again cleanly
                part.unlink(missing_ok=True)
                failures += 1
            elif status in sync.RETRYABLE:
                failures += 1
            else:
                raise UpdateError(f"download of {target}: HTTP {status}")
            if failures >= self.retry.attempts:
                raise UpdateError(f"download of {target}: gave up after HTTP {status}")
            time.sleep(self.retry.delay(failures))

    def _stream(self, target: str, headers: dict[str, str], part: Path, have: int, size: int) -> int:
        """One GET whose body goes to disk as it arrives: a cut keeps every byte already received."""
        client = self.client
        conn = client._connection()
        try:
            conn.putrequest("GET", client.base + target, skip_accept_encoding=True)
            for name, value in {**client.headers, **headers}.items():
                conn.putheader(name, value)
            client.counter.requests += 1
            conn.endheaders()
            response = conn.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            client.close()
            raise remote.TransportError(remote.describe(exc)) from None
        if response.status not in (200, 206):
            try:
                response.read()
            except (OSError, http.client.HTTPException):
                client.close()
            if response.will_close:
                client.close()
            return response.status
        if response.status == 206:
            match = re.match(r"bytes (\d+)-", response.getheader("Content-Range", ""))
            if not match or int(match.group(1)) != have:
                client.close()
                got = response.getheader("Content-Range")
                raise remote.TransportError(f"the server answered Range {have}- with {got}")
            self.result.resumed += 1
        mode = "ab" if response.status == 206 else "wb"
        written = have if response.status == 206 else 0
        try:
            with part.open(mode) as out:
                while True:
                    block = response.read(CHUNK)
                    if not block:
                        break
                    written += len(block)
                    if written > size:  # more than the catalogue said: not the zip we want
                        client.close()
                        part.unlink(missing_ok=True)
                        raise UpdateError(f"{target} is larger than the catalogue says: refused")
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
        except (OSError, http.client.HTTPException) as exc:
            client.close()
            raise remote.TransportError(remote.describe(exc)) from None
        if response.length:  # read(amt) returns b"" on a cut connection instead of raising: check
            client.close()
            raise remote.TransportError(f"truncated response ({response.length} bytes missing)")
        if response.will_close:
            client.close()
        return response.status

    # -- the run --------------------------------------------------------------------------------

    def run(self) -> UpdateResult:
        started = time.monotonic()
        try:
            seen_key, seen = self._seen()
            headers = {"Accept-Encoding": "gzip"}
            if seen:
                headers["If-None-Match"] = seen
            reply = self._get("/catalog", headers)
            if reply.status == 304:
                self.result.status, self.result.not_modified = "done", True
                return self.result
            if reply.status in (401, 403):
                raise UpdateError(f"credentials refused (HTTP {reply.status})")
            if reply.status != 200:
                raise UpdateError(f"the catalogue answered HTTP {reply.status}: {reply.text()}")
            try:
                packages = reply.json()["packages"]
            except (ValueError, KeyError, TypeError):
                raise UpdateError("the catalogue is not valid JSON") from None
            for entry in packages:
                self._package(entry)
            self.result.status = "partial" if self.result.refused else "done"
            etag = reply.headers.get("etag")
            if self.result.status == "done" and etag:
                with self.app.app_context():
                    db.set_setting(self._seen()[0], f"{self._library_digest()} {etag}")
        except UpdateError as exc:
            self.result.status, self.result.error = "failed", str(exc)
        finally:
            self.client.close()
            self.result.requests = self.client.counter.requests
            self.result.bytes_out, self.result.bytes_in = self.client.counter.out, self.client.counter.into
            self.result.seconds = time.monotonic() - started
        return self.result

    def _library_digest(self) -> str:
        with self.app.app_context():
            rows = packages.package_hashes(db.get_db())
        return hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:16]

    def _seen(self) -> tuple[str, str | None]:
        """The catalogue's ETag after the last complete pull, while our library is as that pull left it.

        Then "nothing new" is one request answered 304 (a few hundred bytes, no file list).
        """
        key = f"updates.catalog {self.client.host}:{self.client.port}{self.client.base}"
        with self.app.app_context():
            value = db.get_setting(key)
        if not value or " " not in value:
            return key, None
        digest, etag = value.split(" ", 1)
        return key, etag if digest == self._library_digest() else None

    def _package(self, entry: dict[str, Any]) -> None:
        name = f"{entry.get('identifier')} ({entry.get('standard')})"
        try:
            files = _file_list(entry)
            sha, size, hub_id = str(entry["sha256"]), int(entry["size"]), int(entry["id"])
            if not _SHA.fullmatch(sha):
                raise UpdateError("the catalogue gives no valid sha256 for the zip")
        except (KeyError, TypeError, ValueError, UpdateError) as exc:
            self.result.refused.append((name, f"bad catalogue entry: {exc}"))
            return
        with self.app.app_context():
            folder = packages.package_folder(db.get_db(), entry["identifier"], entry["standard"])
        local = folder_files(Path(self.app.config["LIBRARY_DIR"]) / folder) if folder else {}
        if folder is not None and local == files:
            self.result.unchanged += 1
            return
        try:
            have = {digest: path for path, (digest, _) in local.items()}
            missing = {digest: n for _, (digest, n) in files.items() if digest not in have}
            if folder is not None and len(missing) <= max(MAX_DELTA_FILES, len(files) // 2):
                built = self._assemble(files, local, have, folder)
            else:
                built = self._whole_zip(hub_id, sha, size, files)
            try:
                with self.app.app_context():
                    from player.learning import library

                    imported = library.import_zip(built, source=f"update {entry['identifier']}")
            except PackageError as exc:
                raise UpdateError(f"refused by the library: {exc.message}") from None
            finally:
                if built.parent == self.partial_dir and built.suffix == ".assembled":
                    built.unlink(missing_ok=True)
            if imported.identifier != entry["identifier"]:
                log.warning("update: catalogue says %s, the package says %s", entry["identifier"], imported.identifier)
            (self.result.updated if folder is not None else self.result.installed).append(name)
            for digest in missing:
                (self.objects / digest).unlink(missing_ok=True)
            (self.partial_dir / f"{sha}.part").unlink(missing_ok=True)
        except UpdateError as exc:
            self.result.refused.append((name, str(exc)))
        except OSError as exc:  # the device's own disk (full, read-only): this package waits for the next pull
            self.result.refused.append((name, f"cannot write here: {exc}"))

    def _fetch_batch(self, wanted: dict[str, tuple[int, tuple[str, Path] | None]]) -> dict[str, Path]:
        """Several files in one request (`/files?want=`), each checked against its hash, then stored."""
        names = [d[:PREFIX] + (f".{base[0][:PREFIX]}" if base else "") for d, (_, base) in wanted.items()]
        reply = self._get("/files?want=" + ",".join(names))
        if reply.status != 200:
            raise UpdateError(f"files: HTTP {reply.status}: {reply.text()}")
        data, at, out = reply.body, 0, {}
        while at < len(data):
            end = data.find(b"\n", at)
            try:
                digest, encoding, length = data[at:end].decode("ascii").split(" ")
                body = data[end + 1 : end + 1 + int(length)]
            except (ValueError, UnicodeDecodeError):
                raise UpdateError("files: the answer is garbled") from None
            at = end + 1 + int(length)
            if digest not in wanted or len(body) != int(length):
                raise UpdateError(f"files: unexpected or truncated part {digest[:12]}")
            size, base = wanted[digest]
            try:
                if encoding == "base" and base is not None:
                    body = delta_unpack(body, base[1].read_bytes(), size)  # never more than the catalogue says
                elif encoding == "deflate":
                    body = zlib.decompressobj(-15).decompress(body, size + 1)
                elif encoding != "identity":
                    raise UpdateError(f"files: unknown encoding {encoding!r}")
            except (OSError, zlib.error) as exc:
                raise UpdateError(f"file {digest[:12]}: bad {encoding} part ({exc})") from None
            if hashlib.sha256(body).hexdigest() != digest:
                raise UpdateError(f"file {digest[:12]} does not match its hash: refused, nothing installed")
            dest = self.objects / digest
            tmp = dest.with_suffix(".tmp")
            tmp.write_bytes(body)
            os.replace(tmp, dest)
            self.result.files_fetched += 1
            out[digest] = dest
        missing = set(wanted) - set(out)
        if missing:
            raise UpdateError(f"files: the hub did not send {len(missing)} file(s)")
        return out

    def _assemble(self, files: FileList, local: FileList, have: dict[str, str], folder: str) -> Path:
        """The new version as a zip: changed files fetched by hash, the others from the installed copy."""
        installed = Path(self.app.config["LIBRARY_DIR"]) / folder
        sources: dict[str, Path] = {}
        wanted: dict[str, tuple[int, tuple[str, Path] | None]] = {}
        for path, (digest, size) in files.items():
            if digest in have:
                sources[digest] = installed / have[digest]
            elif digest not in wanted:
                dest = self.objects / digest
                if dest.is_file() and sha256_file(dest) == digest:
                    sources[digest] = dest  # fetched by an earlier, interrupted run
                else:
                    wanted[digest] = (size, _base_for(path, size, files, local, have, installed))
        items = list(wanted.items())
        for start in range(0, len(items), MAX_BATCH):
            sources.update(self._fetch_batch(dict(items[start : start + MAX_BATCH])))
        fd, tmp = tempfile.mkstemp(prefix=".update-", suffix=".assembled", dir=self.partial_dir)
        os.close(fd)
        target = Path(tmp)
        try:
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
                for path, (digest, size) in files.items():
                    data = sources[digest].read_bytes()
                    if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
                        raise UpdateError(f"{path} does not match its hash: refused, nothing installed")
                    info = zipfile.ZipInfo(path, date_time=ZIP_DATE)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o100644 << 16
                    info.create_system = 3
                    archive.writestr(info, data)
                    if digest in have:
                        self.result.files_reused += 1
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return target

    def _whole_zip(self, hub_id: int, sha: str, size: int, files: FileList) -> Path:
        """The whole zip, resumable; verified against the zip hash and against every file hash."""
        part = self.partial_dir / f"{sha}.part"
        if not (part.exists() and part.stat().st_size == size and sha256_file(part) == sha):
            self._download(f"/packages/{hub_id}.zip", part, sha, size)
            self.result.zips_fetched += 1
        if part.stat().st_size != size or sha256_file(part) != sha:
            part.unlink(missing_ok=True)
            raise UpdateError("the zip does not match its hash: refused, nothing installed")
        try:
            with zipfile.ZipFile(part) as archive:
                inside = {
                    i.filename: (hashlib.sha256(archive.read(i)).hexdigest(), i.file_size)
                    for i in archive.infolist()
                    if not i.is_dir()
                }
        except (zipfile.BadZipFile, OSError) as exc:
            raise UpdateError(f"the zip cannot be read: {exc}") from None
        if inside != files:
            raise UpdateError("the zip's files do not match the catalogue's file list: refused")
        return part


def _base_for(
    path: str, size: int, files: FileList, local: FileList, have: dict[str, str], installed: Path
) -> tuple[str, Path] | None:
    """The best dictionary for a changed file: our older copy of the same path (the hub keeps its
    recent published versions), else an unchanged file of the same kind and nearest size (in the
    new version, so the hub has it for sure).
    """
    if size < GZIP_MIN:
        return None
    if path in local:
        return local[path][0], installed / path
    suffix = Path(path).suffix
    shared = [(abs(n - size), d) for p, (d, n) in files.items() if d in have and Path(p).suffix == suffix and p != path]
    if not shared:
        return None
    _, digest = min(shared)
    return digest, installed / have[digest]


def _file_list(entry: dict[str, Any]) -> FileList:
    files: FileList = {}
    for path, value in dict(entry["files"]).items():
        digest, size = str(value[0]), int(value[1])
        if not _SHA.fullmatch(digest) or size < 0:
            raise ValueError(f"bad hash or size for {path!r}")
        files[str(path)] = (digest, size)
    if not files:
        raise ValueError("empty file list")
    return dict(sorted(files.items()))


@dataclass
class _Busy:
    fd: int | None = None


def _exclusive(app: Flask) -> _Busy:
    """One pull at a time per data folder: an advisory lock the OS releases if the process dies."""
    import fcntl

    path = Path(app.config["DATA_DIR"]) / "updates"
    path.mkdir(parents=True, exist_ok=True)
    fd = os.open(path / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return _Busy(None)
    return _Busy(fd)


def pull_updates(
    app: Flask,
    endpoint: str,
    auth: sync.Auth = None,
    *,
    timeout: float = 30.0,
    retry: sync.Retry = sync.Retry(),  # noqa: B008 - frozen
) -> UpdateResult:
    """Install every new or changed package the hub at `endpoint` publishes; never raises for network trouble.

    `endpoint`: the hub's updates URL (`http://hub:5000/updates`; a sync endpoint `…/xapi` or a bare
    origin works too). `auth`: as for `player.fleet.sync.sync` (a key/secret pair, usually the device's).
    """
    try:
        base, auth = sync.split_endpoint(updates_endpoint(endpoint), auth)
    except sync.SyncError as exc:
        return UpdateResult(status="failed", error=str(exc))
    lock = _exclusive(app)
    if lock.fd is None:
        return UpdateResult(status="busy", error="another update of this data folder is running")
    try:
        result = _Puller(app, base, auth, timeout, retry).run()
    finally:
        os.close(lock.fd)
    log.info("%s", result.line())
    return result


def start_background(app: Flask, stop: threading.Event) -> threading.Thread | None:
    """Pull updates every UPDATES_INTERVAL seconds (default 3600) while a remote is configured.

    A failed pull backs off like sync (exponential with jitter, up to the interval x 4); a pull that
    finds nothing new costs one catalogue request.
    """
    endpoint, auth = settings(app)
    if not endpoint:
        return None
    interval = float(app.config.get("UPDATES_INTERVAL", 3600.0))

    def loop() -> None:
        backoff = sync.Retry(attempts=1, base=min(interval, 60.0), cap=interval * 4)
        failures = 0
        while not stop.is_set():
            try:
                result = pull_updates(app, endpoint, auth)
                failures = 0 if result.status in ("done", "busy") else failures + 1
            except Exception:  # noqa: BLE001 - a background thread must not die
                log.exception("updates: background pull failed")
                failures += 1
            stop.wait(backoff.delay(failures) if failures else interval)

    thread = threading.Thread(target=loop, name="ruche-updates", daemon=True)
    thread.start()
    return thread


def run_command(
    app: Flask,
    *,
    endpoint: str | None = None,
    key: str | None = None,
    secret: str | None = None,
    timeout: float = 30.0,
    out: TextIO | None = None,
) -> int:
    """`python -m player update`: one pull and its summary line; 0 when everything is installed."""
    out = out or sys.stdout
    configured, auth = settings(app)
    endpoint = endpoint or configured
    if key:
        if secret is None:
            secret = app.config.get("SYNC_SECRET") or os.environ.get("RUCHE_SYNC_SECRET")
        auth = (key, secret or "")
    if not endpoint:
        out.write("no hub: give --endpoint URL or set UPDATES_ENDPOINT / SYNC_ENDPOINT\n")
        return 2
    result = pull_updates(app, endpoint, auth, timeout=timeout)
    out.write(result.line() + "\n")
    for name, why in result.refused:
        out.write(f"  refused {name}: {why}\n")
    return 0 if result.ok else 1


__all__ = [
    "UpdateError",
    "UpdateResult",
    "bp",
    "folder_files",
    "publish",
    "published",
    "pull_updates",
    "run_command",
    "settings",
    "start_background",
    "updates_endpoint",
]
