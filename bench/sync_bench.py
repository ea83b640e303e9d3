"""`make bench` (sync part): wire bytes and requests of a sync, and the hub's ingest rate.

One JSON line per figure, like bench/run.py. Bytes are HTTP bytes (request and status lines,
headers, bodies, both directions) counted at a proxy between the device and the LRS, the same
proxy the fault-injection tests use (tests/sync/synckit.py). Budgets from issue 6: a sync with
nothing to send ≤ 1 KB and one request; ≤ 100 wire bytes per statement in batches of 100 or more.

    python bench/sync_bench.py            # hub (gzip and plain) and Ralph when installed
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(ROOT / "tests" / "sync"))

from figures import emit  # noqa: E402
from synckit import FaultProxy, HubProcess, RalphProcess, fill_outbox  # noqa: E402

from player import db  # noqa: E402
from player.fleet.sync import DEFAULT_BATCH, sync  # noqa: E402

EMPTY_BUDGET_BYTES = 1024
PER_STATEMENT_BUDGET = 100


def statement_bytes(path: Path) -> float:
    conn = db.connect(path)
    try:
        return conn.execute("SELECT AVG(LENGTH(CAST(statement AS BLOB))) FROM outbox").fetchone()[0]
    finally:
        conn.close()


def measure(tmp: Path, label: str, url: str, credentials: tuple[str, str]) -> None:
    """Empty sync, 100 statements, 10,000 statements (default batches and batches of 100)."""
    proxy = FaultProxy(url)
    try:
        for count, batch in ((100, DEFAULT_BATCH), (10_000, DEFAULT_BATCH), (10_000, 100)):
            device = tmp / f"{label}-{count}-{batch}.sqlite3"
            fill_outbox(device, 1)  # a first sync learns whether the remote takes gzip (once per remote)
            proxy.reset()
            first = sync(device, proxy.url, credentials)
            assert first.ok, first.line()
            if count == 100:
                emit(
                    f"sync_first_contact.{label}.requests",
                    proxy.requests,
                    "requests",
                    gzip=first.gzip,
                    wire_bytes=proxy.wire_bytes,
                    note="1 statement; includes the once-per-remote gzip probe",
                )
            fill_outbox(device, count, seed=count + batch)
            proxy.reset()
            result = sync(device, proxy.url, credentials, batch_size=batch)
            assert result.ok, result.line()
            name = f"sync_{count}.{label}" + ("" if batch == DEFAULT_BATCH else f".batch{batch}")
            emit(f"{name}.wire_bytes", proxy.wire_bytes, "B", requests=proxy.requests, batch=batch, gzip=result.gzip)
            emit(f"{name}.requests", proxy.requests, "requests")
            budget: dict[str, object] = {"budget": PER_STATEMENT_BUDGET}
            if not result.gzip:  # the budget assumes gzip bodies; say why it cannot be met here
                budget = {"note": "the remote cannot read gzip request bodies, so no budget applies"}
            emit(
                f"{name}.bytes_per_statement",
                proxy.wire_bytes / count,
                "B",
                **budget,
                json_bytes_per_statement=round(statement_bytes(device), 1),
                seconds=round(result.seconds, 3),
            )
            if count == 100:
                proxy.reset()
                empty = sync(device, proxy.url, credentials)
                assert empty.pending == 0 and empty.reachable, empty.line()
                emit(f"sync_empty.{label}.wire_bytes", proxy.wire_bytes, "B", budget=EMPTY_BUDGET_BYTES)
                emit(f"sync_empty.{label}.requests", proxy.requests, "requests", budget=1)
    finally:
        proxy.close()


def ingest_rate(tmp: Path, devices: int = 50, per_device: int = 400) -> None:
    """Statements per second into one hub (its own process, gzip bodies), devices syncing at once."""
    hub = HubProcess(tmp / "ingest-hub", gzip_bodies=True)
    try:
        paths = []
        for n in range(devices):
            paths.append(tmp / f"ingest-{n}.sqlite3")
            fill_outbox(paths[-1], per_device, seed=n)
        results: list = [None] * devices
        barrier = threading.Barrier(devices + 1)

        def run(n: int) -> None:
            barrier.wait()
            results[n] = sync(paths[n], hub.url, hub.credentials, gzip=True)

        threads = [threading.Thread(target=run, args=(n,)) for n in range(devices)]
        for thread in threads:
            thread.start()
        barrier.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        assert all(r is not None and r.ok for r in results)
        total = devices * per_device
        emit("hub_ingest_rate.concurrent", total / seconds, "statements/s", devices=devices, statements=total)
        one = tmp / "ingest-one.sqlite3"
        fill_outbox(one, 10_000, seed=99)
        result = sync(one, hub.url, hub.credentials, gzip=True)
        assert result.ok
        emit("hub_ingest_rate.one_device", 10_000 / result.seconds, "statements/s", statements=10_000)
    finally:
        hub.stop()


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        for label, gzip_bodies in (("hub", True), ("hub_plain", False)):
            hub = HubProcess(tmp / label, gzip_bodies=gzip_bodies)
            try:
                measure(tmp, label, hub.url, hub.credentials)
            finally:
                hub.stop()
        if all(importlib.util.find_spec(m) for m in ("ralph", "uvicorn", "bcrypt")):
            ralph = RalphProcess(tmp / "ralph")
            try:
                measure(tmp, "ralph", ralph.url, ralph.credentials)
            finally:
                ralph.stop()
        else:
            emit("sync.ralph", 0, "skipped", note="ralph-malph[lrs] not installed")
        ingest_rate(tmp)


if __name__ == "__main__":
    main()
