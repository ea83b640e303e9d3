"""ADL's xAPI 1.0.3 LRS conformance suite against the player's LRS: one JSON line of counts.

    .venv/bin/python scripts/lrs_conformance.py [--suite ../shared/lrs-conformance-suite]

The suite (adlnet/lrs-conformance-test-suite) is copied once into .cache/ and `npm install` run
there (it ships no lock file).
The player runs on 127.0.0.1 under waitress (the server `serve` uses) with a fresh data folder and
an LRS_KEY pair; each test file runs under mocha with the TAP reporter and a watchdog (the stock
console runner can hang), and the `ok` / `not ok` lines are counted. About six minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEY, SECRET = "conformance", "conformance-secret"
PER_FILE_SECONDS = 300


def prepared(suite: Path) -> Path:
    """The suite with its node_modules, in .cache/ (copied and installed once)."""
    copy = ROOT / ".cache" / "lrs-conformance-suite"
    if not (copy / "node_modules").exists():
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(suite, copy)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=copy, check=True, capture_output=True)
    return copy


def serve(data: Path):  # noqa: ANN201 - a waitress server
    from player import create_app
    from player import server as wsgi

    app = create_app({"DATA_DIR": str(data), "LRS_KEY": KEY, "LRS_SECRET": SECRET})
    server = wsgi.create(app, "127.0.0.1", 0)
    threading.Thread(target=server.run, daemon=True).start()
    return server


def run_file(copy: Path, test: Path, endpoint: str) -> tuple[int, int]:
    env = {
        **os.environ,
        "DIRECTORY": "v1_0_3",
        "XAPI_VERSION": "1.0.3",
        "LRS_ENDPOINT": endpoint,
        "BASIC_AUTH_ENABLED": "true",
        "BASIC_AUTH_USER": KEY,
        "BASIC_AUTH_PASSWORD": SECRET,
    }
    mocha = copy / "node_modules" / "mocha" / "bin" / "_mocha"
    try:
        done = subprocess.run(
            ["node", str(mocha), "-R", "tap", "-t", "15000", str(test)],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=PER_FILE_SECONDS,
        )
        out = done.stdout
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
    passed = len(re.findall(r"^ok \d+", out, re.M))
    failed = len(re.findall(r"^not ok \d+", out, re.M))
    return passed, failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, default=ROOT.parent / "shared" / "lrs-conformance-suite")
    args = parser.parse_args()
    copy = prepared(args.suite)
    with tempfile.TemporaryDirectory() as tmp:
        server = serve(Path(tmp) / "data")
        endpoint = f"http://127.0.0.1:{server.effective_port}/xapi"
        totals, files = [0, 0], {}
        try:
            for test in sorted((copy / "test" / "v1_0_3").glob("*.js")):
                passed, failed = run_file(copy, test, endpoint)
                totals[0] += passed
                totals[1] += failed
                files[test.stem] = {"ok": passed, "not_ok": failed}
        finally:
            server.close()
    print(json.dumps({"figure": "lrs_conformance_1_0_3", "passed": totals[0], "failed": totals[1], "files": files}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
