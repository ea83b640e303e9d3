"""Sync: the outbox to any xAPI 1.0.3 LRS (our hub, Ralph, …), exactly once over unreliable links.

How "exactly once" is reached (docs/sync.md tells the long story):

* Every statement keeps the id it got on the device, and the bytes sent are the bytes stored in
  the outbox: a batch sent again is the same batch.
* An LRS "MUST NOT make any modifications to its state based on receiving a Statement with an id
  that it already has" (xAPI 1.0.3, Communication 2.1.1 and 2.1.2), so sending again is harmless.
  Our hub and Ralph answer 200/204 to an identical copy.
* A row is marked sent only after the LRS acknowledged its batch (200 with our ids, or 204), in
  one transaction with the run's log row. A crash before that costs a resend, never a loss.
* An LRS that answers 409 for a copy it already holds: the batch is halved until the clash is
  found, small remainders go one by one with PUT ?statementId=; on 409 again, GET ?statementId= and
  a comparison by the spec's rules (stored, authority, version ignored; timestamps compared as
  instants). Identical means acknowledged; different means refused for good (kept in the outbox,
  listed in sync_rejected, back in the queue with retry_rejected()).
* One sync at a time per database: an advisory file lock that the OS releases if the process dies.

Standard library only (http.client): one persistent connection per run, byte counting, gzip.
"""

from __future__ import annotations

import gzip as gziplib
import json
import logging
import os
import random
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit

from packager.standards.statements import equivalent, instant
from player import db
from player.fleet.remote import Auth, Client, Reply, TransportError
from player.fleet.sync_status import SyncError, database_path, open_database
from player.store import outbox, sync_log

log = logging.getLogger(__name__)

DEFAULT_BATCH = 250  # statements per POST; ~15 KB gzip-compressed, a few seconds on a slow line
GZIP_MIN = 512  # smaller bodies go plain: gzip would save less than its own header
GZIP_RECHECK = timedelta(days=7)  # a remote that refused gzip is offered it again after this
RETRYABLE = {408, 425, 429, 500, 502, 503, 504}
SPLITTABLE = {400, 409, 413, 422}  # about the statements themselves: split the batch to find which
CONFLICT_ONE_BY_ONE = 8  # a 409 for this many statements or fewer: PUT each rather than halve again
MAX_RETRY_AFTER = 300.0

Progress = Callable[[int, int], None]


# ---------------------------------------------------------------------------------------------
# Results


@dataclass
class SyncResult:
    """What one run did. `ok` means: everything that waited is at the remote, nothing refused."""

    status: str  # done | partial | failed | stopped | busy
    pending: int = 0  # statements waiting when the run began
    sent: int = 0  # acknowledged by the remote in this run
    rejected: int = 0  # refused for good by the remote (kept in the outbox, see sync_rejected)
    requests: int = 0
    bytes_out: int = 0  # HTTP bytes (request lines, headers, bodies) counted at the socket
    bytes_in: int = 0
    seconds: float = 0.0
    reachable: bool | None = None
    gzip: bool | None = None  # what is known of the remote's gzip support after the run
    error: str | None = None
    run_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == "done" and self.error is None and self.rejected == 0

    @property
    def wire_bytes(self) -> int:
        return self.bytes_out + self.bytes_in

    def line(self) -> str:
        """One line for people: the CLI prints it at the end of a run."""
        text = (
            f"sync {self.status}: {self.sent}/{self.pending} sent"
            + (f", {self.rejected} refused" if self.rejected else "")
            + f", {self.requests} request{'s' if self.requests != 1 else ''}, {self.wire_bytes} bytes"
            + f", {self.seconds:.1f} s"
        )
        return text + (f" — {self.error}" if self.error else "")


@dataclass(frozen=True)
class Retry:
    """Exponential backoff with jitter between tries of one request, and how many tries a run makes."""

    attempts: int = 6
    base: float = 0.5
    cap: float = 30.0

    def delay(self, failures: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after the n-th failure in a row: half the ceiling plus up to the other half."""
        ceiling = min(self.cap, self.base * 2 ** max(failures - 1, 0))
        return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


@dataclass(frozen=True)
class Probe:
    """The answer to one small request: is the remote there, does it take our credentials."""

    reachable: bool
    status: int | None = None
    versions: tuple[str, ...] = ()
    error: str | None = None
    bytes: int = 0


class _Abort(Exception):
    """The run cannot go on (retries exhausted, credentials refused, not an LRS)."""


class _Stopped(Exception):
    """The stop event was set."""


def split_endpoint(endpoint: str, auth: Auth = None) -> tuple[str, Auth]:
    """The endpoint without credentials, and the credentials (given, or from user:secret@ in the URL)."""
    parts = urlsplit(endpoint.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncError(f"the sync endpoint must be an http(s) URL, not {endpoint!r}")
    if parts.username is not None and auth is None:
        auth = (unquote(parts.username), unquote(parts.password or ""))
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", "")), auth


@contextmanager
def _exclusive(path: str) -> Iterator[bool]:
    """An advisory lock beside the database: one sync at a time, released by the OS if we die."""
    fd = os.open(f"{os.path.realpath(path)}.sync-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            if sys.platform == "win32":  # pragma: no cover - the player runs on Linux laptops
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


@dataclass
class _Row:
    id: int
    statement_id: str
    body: bytes  # exactly what is sent: the outbox text (with its id)


# ---------------------------------------------------------------------------------------------
# One run


class _Run:
    def __init__(
        self,
        conn: sqlite3.Connection,
        endpoint: str,
        auth: Auth,
        *,
        batch_size: int,
        progress: Progress | None,
        timeout: float,
        retry: Retry,
        gzip: bool | None,
        stop: threading.Event | None,
    ) -> None:
        self.conn, self.endpoint = conn, endpoint
        self.client = Client(endpoint, auth, timeout)
        self.batch_size = max(1, int(batch_size))
        self.progress, self.retry, self.stop = progress, retry, stop
        self.forced_gzip = gzip
        self.gzip: bool | None = gzip
        self.result = SyncResult(status="running")
        self.tries: dict[int, int] = {}  # outbox id -> requests that carried it in this run
        self.acked_before = False
        self.started = time.perf_counter()

    # -- the log row and the remote's row ----------------------------------------------------

    def begin(self) -> None:
        now = db.now()
        with db.transaction(self.conn) as tx:
            # we hold the lock: a run still 'running' was killed
            sync_log.interrupt_running(tx)
            pending, self.last_id = outbox.pending_span(tx)
            self.result.pending = pending
            self.result.run_id = sync_log.start_run(tx, self.endpoint, now, pending)
            remote = sync_log.remote(tx, self.endpoint)
        self.acked_before = remote["acked_at"] is not None
        if self.forced_gzip is None and remote["gzip"] is not None:
            self.gzip = bool(remote["gzip"])
            learned = instant(remote["gzip_at"])
            if not self.gzip and learned and datetime.now(UTC) - learned > GZIP_RECHECK:
                self.gzip = None  # a week later, offer gzip again: the hub may have been upgraded

    def _counters(self, tx: sqlite3.Connection) -> None:
        r = self.result
        r.requests, r.bytes_out, r.bytes_in = (
            self.client.counter.requests,
            self.client.counter.out,
            self.client.counter.into,
        )
        sync_log.run_counters(tx, r.run_id, r.sent, r.rejected, r.requests, r.bytes_out, r.bytes_in)

    def _flush_tries(self, tx: sqlite3.Connection, ids: list[int] | None = None) -> None:
        ids = list(self.tries) if ids is None else ids
        outbox.add_tries(tx, [(self.tries.pop(i), i) for i in ids if i in self.tries])

    def finish(self, state: str) -> SyncResult:
        r = self.result
        r.status = state
        r.seconds = time.perf_counter() - self.started
        r.gzip = self.gzip
        with db.transaction(self.conn) as tx:
            self._flush_tries(tx)
            self._counters(tx)
            sync_log.finish_run(tx, r.run_id, db.now(), state, r.error)
        self.client.close()
        return r

    def _learn_gzip(self, accepted: bool) -> None:
        if self.gzip is accepted or self.forced_gzip is not None:
            return
        self.gzip = accepted
        with db.transaction(self.conn) as tx:
            sync_log.learn_gzip(tx, self.endpoint, accepted, db.now())
        log.info("sync: %s %s gzip-compressed bodies", self.endpoint, "accepts" if accepted else "refuses")

    # -- the run -------------------------------------------------------------------------------

    def run(self) -> SyncResult:
        self.begin()
        try:
            if self.result.pending == 0:
                probe = check_remote(self.endpoint, client=self.client)
                self.result.reachable = probe.reachable
                self.result.error = probe.error
                if probe.reachable:
                    self._contact()
                return self.finish("done")
            after = 0
            while True:
                rows = self._next(after)
                if not rows:
                    break
                self._deliver(rows)
                after = rows[-1].id
        except _Abort as exc:
            self.result.error = str(exc)
            return self.finish("partial" if self.result.sent else "failed")
        except _Stopped:
            self.result.error = "stopped before the end"
            return self.finish("stopped")
        except BaseException:
            self.result.error = "interrupted"
            self.finish("interrupted")
            raise
        return self.finish("done")

    def _next(self, after: int) -> list[_Row]:
        rows = outbox.pending_batch(self.conn, after, self.last_id, self.batch_size)
        out = []
        for row in rows:
            text = row["statement"]
            try:
                body = json.loads(text)
            except ValueError:
                body = None
            if isinstance(body, dict) and body.get("id") != row["statement_id"]:
                body["id"] = row["statement_id"]  # the id is what makes a resend harmless: never send without it
                text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
            out.append(_Row(row["id"], row["statement_id"], text.encode("utf-8")))
        return out

    def _contact(self) -> None:
        with db.transaction(self.conn) as tx:
            sync_log.note_contact(tx, self.endpoint, db.now())

    # -- requests with retries -----------------------------------------------------------------

    def _sleep(self, seconds: float) -> None:
        if self.stop is not None:
            if self.stop.wait(seconds):
                raise _Stopped
        else:
            time.sleep(seconds)

    def _exchange(
        self,
        method: str,
        target: str,
        rows: list[_Row],
        body: bytes | None = None,
        check: Callable[[Reply], str | None] | None = None,
    ) -> Reply:
        """Send until the remote gives an answer that is not a transient failure (or attempts run out)."""
        failures = 0
        while True:
            if self.stop is not None and self.stop.is_set():
                raise _Stopped
            for row in rows:
                self.tries[row.id] = self.tries.get(row.id, 0) + 1
            wait = None
            try:
                reply = self._send(method, target, body)
            except TransportError as exc:
                problem = str(exc)
            else:
                problem = None
                if reply.status in RETRYABLE:
                    problem = f"HTTP {reply.status} {reply.reason}".strip()
                    wait = _retry_after(reply)
                elif check is not None:
                    problem = check(reply)
                self.result.reachable = True
                if problem is None:
                    return reply
            failures += 1
            log.info("sync: %s %s failed (%s), try %d/%d", method, target, problem, failures, self.retry.attempts)
            if failures >= self.retry.attempts:
                if self.result.reachable is None:
                    self.result.reachable = False
                raise _Abort(f"{problem} (gave up after {failures} tries)")
            delay = self.retry.delay(failures)
            if wait is not None:
                delay = max(delay, min(wait, MAX_RETRY_AFTER))
            self._sleep(delay)

    def _send(self, method: str, target: str, body: bytes | None) -> Reply:
        """One request; a body goes gzip-compressed when the remote takes it (learned on the way)."""
        plain = {"Content-Type": "application/json"} if body is not None else {}
        if method == "POST":
            plain["Accept-Encoding"] = "gzip"  # our ids in the answer compress too
        if body is None or self.gzip is False or len(body) < GZIP_MIN:
            return self.client.request(method, target, body, plain)
        packed = gziplib.compress(body, compresslevel=9, mtime=0)
        reply = self.client.request(method, target, packed, {**plain, "Content-Encoding": "gzip"})
        if reply.status in (200, 204, 409):  # it read our statements: gzip works
            self._learn_gzip(True)
            return reply
        if (self.gzip is None and reply.status in (400, 415, 422, 500, 501)) or reply.status == 415:
            # Could be the encoding: Ralph answers 500, our hub 400 before it learns gzip. Ask again plainly.
            again = self.client.request(method, target, body, plain)
            if again.status != reply.status:
                self._learn_gzip(False)
            return again
        return reply

    # -- delivering a batch --------------------------------------------------------------------

    def _deliver(self, rows: list[_Row]) -> None:
        body = b"[" + b",".join(r.body for r in rows) + b"]"
        mine = {r.statement_id.lower() for r in rows}

        def check(reply: Reply) -> str | None:
            if reply.status != 200:
                return None
            try:
                ids = reply.json()
            except ValueError:
                return "garbled answer (not JSON)"
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                return "garbled answer (not a list of statement ids)"
            if not {i.lower() for i in ids} <= mine:
                raise _Abort("the LRS answered with statement ids we did not send: it does not keep statement ids")
            return None

        reply = self._exchange("POST", "/statements", rows, body, check)
        if reply.status in (200, 204):
            self._acknowledge(rows)
        elif reply.status in SPLITTABLE:
            self._split(rows, reply)
        else:
            self._refused(reply)

    def _refused(self, reply: Reply) -> None:
        what = {401: "credentials refused", 403: "credentials refused", 404: "no xAPI statements resource here"}
        raise _Abort(f"HTTP {reply.status} {what.get(reply.status, reply.reason)}: {reply.text()}".rstrip(": "))

    def _split(self, rows: list[_Row], reply: Reply) -> None:
        """A batch refused for what is in it: halve it until the culprits stand alone (or go one by one)."""
        trusted = self.acked_before or self.result.sent > 0
        if reply.status == 409 and len(rows) <= CONFLICT_ONE_BY_ONE:
            for row in rows:
                self._conflict(row)
            return
        if len(rows) > 1:
            if reply.status in (400, 422) and not trusted:
                # Never hunt for bad statements before this remote took any: more likely a wrong endpoint.
                raise _Abort(f"HTTP {reply.status}: {reply.text()} (the remote has not accepted any statement yet)")
            if reply.status == 413:
                self.batch_size = max(1, min(self.batch_size, len(rows)) // 2)
            middle = len(rows) // 2
            self._deliver(rows[:middle])
            self._deliver(rows[middle:])
        elif trusted:
            self._reject(rows[0], reply.status, reply.text())
        else:
            raise _Abort(f"HTTP {reply.status}: {reply.text()} (the remote has not accepted any statement yet)")

    def _conflict(self, row: _Row) -> None:
        """A 409 for one statement: PUT it; if the LRS still says 409, compare with what it stores."""
        target = "/statements?" + urlencode({"statementId": row.statement_id})
        reply = self._exchange("PUT", target, [row], row.body)
        if reply.status in (200, 204):
            self._acknowledge([row])
            return
        if reply.status not in (409, 400, 422, 413):
            self._refused(reply)
        if reply.status != 409:
            if not (self.acked_before or self.result.sent > 0):
                raise _Abort(f"HTTP {reply.status}: {reply.text()} (the remote has not accepted any statement yet)")
            self._reject(row, reply.status, reply.text())
            return
        stored = self._fetch(row.statement_id)
        if stored is not None and equivalent(json.loads(row.body), stored):
            self._acknowledge([row])
        else:
            self._reject(row, 409, "a different statement with this id is already stored at the LRS")

    def _fetch(self, statement_id: str) -> dict | None:
        reply = self._exchange("GET", "/statements?" + urlencode({"statementId": statement_id}), [])
        if reply.status != 200:
            return None
        try:
            found = reply.json()
        except ValueError:
            return None
        if isinstance(found, dict) and isinstance(found.get("statements"), list):  # Ralph wraps it in a result
            found = next((s for s in found["statements"] if isinstance(s, dict)), None)
        return found if isinstance(found, dict) else None

    def _acknowledge(self, rows: list[_Row]) -> None:
        now = db.now()
        with db.transaction(self.conn) as tx:
            marked = outbox.mark_sent(tx, [row.id for row in rows], now)
            self._flush_tries(tx, [r.id for r in rows])
            self.result.sent += marked
            self._counters(tx)
            sync_log.note_contact(tx, self.endpoint, now, acked=True)
        self._advance()

    def _reject(self, row: _Row, status_code: int, error: str) -> None:
        log.warning("sync: %s refused statement %s: HTTP %s %s", self.endpoint, row.statement_id, status_code, error)
        with db.transaction(self.conn) as tx:
            sync_log.reject(tx, row.id, self.endpoint, status_code, error[:1000] or f"HTTP {status_code}", db.now())
            self._flush_tries(tx, [row.id])
            self.result.rejected += 1
            self._counters(tx)
        self._advance()

    def _advance(self) -> None:
        if self.progress is not None:
            self.progress(self.result.sent + self.result.rejected, self.result.pending)


def _retry_after(reply: Reply) -> float | None:
    value = reply.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


# ---------------------------------------------------------------------------------------------
# The API


def check_remote(endpoint: str, auth: Auth = None, *, timeout: float = 10.0, client: Client | None = None) -> Probe:
    """One small request (GET {endpoint}/about, credentials sent): does the remote answer?

    Any HTTP answer but 401/403/5xx means reachable: Ralph has no /about and answers 404, which
    still proves the line and the server are up.
    """
    own = client is None
    if client is None:
        endpoint, auth = split_endpoint(endpoint, auth)
        client = Client(endpoint, auth, timeout)
    before = client.counter.out + client.counter.into
    try:
        reply = client.request("GET", "/about")
    except TransportError as exc:
        return Probe(False, error=f"the remote does not answer: {exc}", bytes=client.counter.out - before)
    finally:
        if own:
            client.close()
    spent = client.counter.out + client.counter.into - before
    if reply.status in (401, 403):
        return Probe(True, reply.status, error=f"credentials refused (HTTP {reply.status})", bytes=spent)
    if reply.status >= 500:
        return Probe(False, reply.status, error=f"the remote is in trouble (HTTP {reply.status})", bytes=spent)
    versions: tuple[str, ...] = ()
    if reply.status == 200:
        try:
            versions = tuple(str(v) for v in reply.json().get("version", []))
        except (ValueError, AttributeError):
            versions = ()
        if versions and not any(v.startswith("1.0") for v in versions):
            return Probe(True, 200, versions, f"the LRS speaks xAPI {', '.join(versions)}, not 1.0.x", spent)
    return Probe(True, reply.status, versions, None, spent)


def sync(
    target: Any,
    endpoint: str,
    auth: Auth = None,
    *,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
    timeout: float = 30.0,
    retry: Retry = Retry(),  # noqa: B008 - frozen
    gzip: bool | None = None,
    stop: threading.Event | None = None,
) -> SyncResult:
    """Send the outbox of `target` (the player app, or its database path) to the LRS at `endpoint`.

    `endpoint` is the LRS base URL (`http://hub:5000/xapi`, `https://lrs.example.org/xAPI`); `auth`
    a (key, secret) pair for basic auth, a ready `Authorization` value, or credentials in the URL.
    `progress(done, total)` is called after every acknowledged batch. `timeout` bounds each socket
    wait. `gzip`: None learns whether the remote takes gzip bodies, True/False forces. `stop` ends the
    run between requests (and cuts backoff waits short). Returns what the run did; never raises for
    network trouble (the error is in the result and in the sync_run row).
    """
    endpoint, auth = split_endpoint(endpoint, auth)
    path = database_path(target)
    with _exclusive(path) as mine:
        if not mine:
            return SyncResult(status="busy", error="another sync of this database is running")
        with open_database(path) as conn:
            run = _Run(
                conn,
                endpoint,
                auth,
                batch_size=batch_size,
                progress=progress,
                timeout=timeout,
                retry=retry,
                gzip=gzip,
                stop=stop,
            )
            result = run.run()
    log.info("%s", result.line())
    return result


def settings(app: Any) -> tuple[str | None, Auth]:
    """The configured remote: SYNC_ENDPOINT, SYNC_KEY, SYNC_SECRET (app config, else RUCHE_SYNC_* variables)."""
    config = getattr(app, "config", {}) or {}

    def get(name: str) -> str | None:
        return config.get(f"SYNC_{name}") or os.environ.get(f"RUCHE_SYNC_{name}") or None

    key, secret = get("KEY"), get("SECRET")
    return get("ENDPOINT"), ((key, secret or "") if key else None)


__all__ = [
    "DEFAULT_BATCH",
    "Probe",
    "Retry",
    "SyncError",
    "SyncResult",
    "check_remote",
    "database_path",
    "settings",
    "split_endpoint",
    "sync",
]
