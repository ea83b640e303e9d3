"""Content updates, device side: pull new and changed packages from the hub.

A device holding an older version fetches only the files whose hash it does not hold (by hash,
batched, as deltas against its own copy) and takes every other file from its installed copy; a
device that never saw a package downloads the whole zip, resumable with Range / If-Range. Nothing
is trusted before it is checked against the catalogue's hashes, then the package goes through
`library.import_zip` like any zip from a USB key. docs/updates.md tells the long story.

The device talks HTTP with `player.fleet.remote`'s client (one kept-alive connection, every byte
counted, backoff with jitter) and authenticates like sync.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import os
import re
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask

from packager.files import write_zip_members
from packager.packages import PackageError
from player import db
from player.fleet import remote, sync
from player.fleet.content import GZIP_MIN, MAX_BATCH, PREFIX, FileList, folder_files, sha256_file
from player.fleet.content import SHA as _SHA
from player.fleet.delta import delta_unpack
from player.store import packages

log = logging.getLogger(__name__)

USER_AGENT = "ruche-updates/1"
CHUNK = 64 * 1024
MAX_DELTA_FILES = 50  # past this many changed files (and half the package), one zip costs fewer requests


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
                built = self._assemble(files, local, have, folder, sha)
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

    def _assemble(self, files: FileList, local: FileList, have: dict[str, str], folder: str, sha: str) -> Path:
        """The new version as a zip: changed files fetched by hash, the others from the installed copy.

        Every member is checked against its hash here; `sha` (the hub's zip) is only compared, by
        `_compare_with_hub`.
        """
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

        def members() -> Iterator[tuple[str, bytes]]:
            for path, (digest, size) in files.items():
                data = sources[digest].read_bytes()
                if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
                    raise UpdateError(f"{path} does not match its hash: refused, nothing installed")
                if digest in have:
                    self.result.files_reused += 1
                yield path, data

        try:
            write_zip_members(target, members())  # the hub's rule (packager.files): the same bytes, same files
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        _compare_with_hub(target, sha)
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


def _compare_with_hub(built: Path, sha: str) -> bool:
    """Whether a zip rebuilt from a delta is byte for byte the hub's published zip.

    Both sides write it with `packager.files.write_zip_members`, so they normally agree. They may
    not (a hub of an older release with another zip date, another zlib build): every member has
    already matched its hash and the library checks the zip again on import, so a mismatch is only
    logged and the update goes on, without downloading the whole zip.
    """
    same = sha256_file(built) == sha
    if not same:
        log.info("update: the zip rebuilt here differs from the hub's %s (its files match): installing", sha[:12])
    return same


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


__all__ = ["UpdateError", "UpdateResult", "pull_updates", "settings", "start_background", "updates_endpoint"]
