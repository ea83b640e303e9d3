"""The background sync: a thread that sends the outbox whenever statements wait and the remote answers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from player.fleet.remote import Auth
from player.fleet.sync import Retry, SyncResult, check_remote, settings, sync
from player.fleet.sync_status import pending_count

log = logging.getLogger("player.fleet.sync")


def wait_and_sync(
    target: Any,
    endpoint: str,
    auth: Auth = None,
    *,
    stop: threading.Event,
    interval: float = 60.0,
    max_wait: float = 900.0,
    on_result: Callable[[SyncResult], None] | None = None,
    **options: Any,
) -> None:
    """Sync in the background until `stop` is set (run it in a thread).

    Costs nothing while the outbox is empty (a local count every `interval` seconds). When
    statements wait and the last try failed, one small request (`check_remote`) checks that the
    remote answers before a sync starts; failures back off exponentially with jitter up to `max_wait`.
    """
    backoff = Retry(attempts=1, base=max(interval, 0.01), cap=max_wait)
    failures = 0
    while not stop.is_set():
        try:
            if pending_count(target) == 0:
                stop.wait(interval)
                continue
            if failures:
                probe = check_remote(endpoint, auth, timeout=options.get("timeout", 10.0))
                if not probe.reachable:
                    failures += 1
                    stop.wait(backoff.delay(failures))
                    continue
            result = sync(target, endpoint, auth, stop=stop, **options)
            if on_result is not None:
                on_result(result)
            if result.status == "done" or result.status == "busy":
                failures = 0
                stop.wait(interval)
            elif result.status != "stopped":
                failures += 1
                stop.wait(backoff.delay(failures))
        except Exception:  # a background thread must not die: log, wait, try again
            log.exception("sync: background run failed")
            failures += 1
            stop.wait(backoff.delay(failures))


def start_background(app: Any, stop: threading.Event) -> threading.Thread | None:
    """Start `wait_and_sync` for the app in a daemon thread when a remote is configured."""
    endpoint, auth = settings(app)
    if not endpoint:
        return None
    interval = float(getattr(app, "config", {}).get("SYNC_INTERVAL", 60.0))
    thread = threading.Thread(
        target=wait_and_sync,
        args=(app, endpoint, auth),
        kwargs={"stop": stop, "interval": interval},
        name="ruche-sync",
        daemon=True,
    )
    thread.start()
    return thread
