"""The real server keeps serving under half-open connections, with bounded threads (issue 10).

Before: Werkzeug's development server served production, a thread per connection and no timeout:
1,000 half-open connections made 1,003 threads.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

HALF_OPEN = 300


def _threads(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^Threads:\s+(\d+)", status, re.M).group(1))


@pytest.fixture
def server(tmp_path):
    env = {**os.environ, "RUCHE_SERVER_CHANNEL_TIMEOUT": "3"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "player", "--data", str(tmp_path / "d"), "serve", "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    url = ""
    for line in proc.stdout:
        match = re.search(r"on (http://127\.0\.0\.1:\d+/)", line)
        if match:
            url = match.group(1)
            break
    assert url, "the server did not start"
    yield proc, url
    proc.terminate()
    proc.wait(10)


def _get(url: str, timeout: float = 10) -> int:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="counts threads through /proc")
def test_half_open_connections_neither_starve_the_server_nor_multiply_its_threads(server):
    proc, url = server
    host, port = url.split("//")[1].rstrip("/").split(":")
    before = _threads(proc.pid)
    sockets = []
    try:
        for _ in range(HALF_OPEN):
            sock = socket.create_connection((host, int(port)), timeout=5)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never the blank line that ends it
            sockets.append(sock)
        started = time.monotonic()
        assert _get(url) == 200
        assert time.monotonic() - started < 5, "a learner's request waited behind half-open connections"
        assert _threads(proc.pid) <= before + 4, f"{_threads(proc.pid)} threads for {HALF_OPEN} connections"
    finally:
        for sock in sockets:
            sock.close()


def test_a_silent_connection_is_closed(server):
    _proc, url = server
    host, port = url.split("//")[1].rstrip("/").split(":")
    sock = socket.create_connection((host, int(port)), timeout=15)
    try:
        sock.sendall(b"GET / HTTP/1.1\r\n")
        started, said = time.monotonic(), b""
        while chunk := sock.recv(1024):  # a TimeoutError here: the server never let go
            said += chunk
        assert time.monotonic() - started < 12, "the silent connection stayed open past the timeout"
        assert said == b"" or said.startswith(b"HTTP/1.1 4"), said[:80]  # closed, or told why, then closed
    finally:
        sock.close()
