"""The syncing process killed with SIGKILL mid-batch, then run again: every statement at the LRS
exactly once, and nothing that was acknowledged before the kill is sent again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from synckit import ROOT, assert_exactly_once, fill_outbox, id_counts, outbox_state, runs, sent_ids

from player.fleet.sync import sync

CHILD = """
import sys
from player.fleet.sync import sync
result = sync(sys.argv[1], sys.argv[2], (sys.argv[3], sys.argv[4]), batch_size=50)
print(result.line(), flush=True)
"""


@pytest.mark.parametrize("lrs_name", ["hub", "ralph_lrs"])
@pytest.mark.parametrize(
    "where",
    [
        "hold",  # the LRS stored the 4th batch; the process dies before the answer arrives
        "hold_before",  # the 4th batch never reached the LRS
    ],
)
def test_sigkill_mid_batch_then_resume(request, device, make_proxy, lrs_name, where):
    lrs = request.getfixturevalue(lrs_name)
    ids = fill_outbox(device, 400)
    proxy = make_proxy(lrs.url)
    proxy.rule = lambda e: where if e.method == "POST" and len(proxy.stored) >= 150 else None
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(device), proxy.url, *lrs.credentials],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert proxy.held.wait(30), "the sync never reached the 4th batch"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    proxy.release.set()
    acknowledged = sent_ids(device)
    assert len(acknowledged) == 150 and outbox_state(device)["sent"] == 150
    at_lrs = id_counts(lrs.url, lrs.auth)
    assert sum(1 for i in ids if i in at_lrs) == (200 if where == "hold" else 150)

    proxy.rule = None
    proxy.reset()
    result = sync(device, proxy.url, lrs.credentials, batch_size=50)
    assert result.ok and result.pending == 250 and result.sent == 250, result.line()
    again = set(proxy.posted_ids())
    assert not again & acknowledged, "statements acknowledged before the kill were sent again"
    assert again == set(ids) - acknowledged
    assert_exactly_once(id_counts(lrs.url, lrs.auth), ids)
    if lrs_name == "ralph_lrs":
        assert_exactly_once(lrs.stored_ids(), ids)
    assert [r["status"] for r in runs(device)] == ["interrupted", "done"]
    assert runs(device)[0]["sent"] == 150  # the killed run's log row says what it had done
