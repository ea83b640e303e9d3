"""`make bench` (content updates): bytes and requests for a one-lesson update against the full package.

One JSON line per figure, like bench/run.py and bench/sync_bench.py. Bytes are HTTP bytes (request
and status lines, headers, bodies, both directions) counted at the fault-injection proxy of the
sync tests (tests/sync/synckit.py), between a device and a hub (two player apps, their own data
folders, the hub on 127.0.0.1). Budget from issue 6: a one-lesson update ≤ 15 % of the package.

The course is courses/metiers-developpement (8 lessons). Two packagings are measured: SCORM 2004
(one page per lesson) and cmi5 (one index.html holding every lesson, like SCORM 1.2, xAPI and
web), each in three cases:

- `same-version`: one lesson's text changed, the course version unchanged;
- `version-bump`: the same change released as 1.0.1 (the version is in every page, so every
  page changes: each travels as a delta against the device's own copy);
- `cold-hub`: the version bump pulled from a hub that never published 1.0.0 (no delta base of
  the same path: each page is deflated alone or against an unchanged sibling).

    python bench/updates_bench.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "updates"))

from updkit import FaultProxy, Hub, build_versions, install, player  # noqa: E402

from player.fleet.pull import pull_updates  # noqa: E402

BUDGET = 0.15
FORMATS = ("scorm2004", "cmi5")


def emit(name: str, value: float, unit: str, budget: float | None = None, **extra: object) -> None:
    line: dict[str, object] = {"figure": name, "value": round(value, 4), "unit": unit}
    if budget is not None:
        line["budget"] = budget
        line["ok"] = value <= budget
    line.update(extra)
    print(json.dumps(line, ensure_ascii=False), flush=True)


def measure(work: Path, fmt: str, v1: Path, v2: Path, case: str) -> None:
    hub = Hub(work / "hub")
    device = player(work / "device")
    proxy = FaultProxy(hub.origin)
    try:
        if case == "cold-hub":
            install(device, v1)  # the device had 1.0.0 from a USB key; the hub only ever had 1.0.1
        else:
            install(hub.app, v1)
            first = pull_updates(device, f"{proxy.url}/updates", hub.auth)
            assert first.ok, first.line()
            if case == "same-version":  # the full download once, for reference
                emit(
                    f"updates.{fmt}.first_pull_bytes",
                    proxy.wire_bytes,
                    "bytes",
                    package_bytes=v1.stat().st_size,
                    requests=proxy.requests,
                )
        install(hub.app, v2)
        proxy.reset()
        result = pull_updates(device, f"{proxy.url}/updates", hub.auth)
        assert result.ok, result.line()
        package = v2.stat().st_size
        emit(
            f"updates.{fmt}.{case}.one_lesson_ratio",
            proxy.wire_bytes / package,
            "of the package",
            BUDGET,
            wire_bytes=proxy.wire_bytes,
            package_bytes=package,
            requests=proxy.requests,
            files_fetched=result.files_fetched,
            files_reused=result.files_reused,
            zips=result.zips_fetched,
        )
        proxy.reset()
        nothing = pull_updates(device, f"{proxy.url}/updates", hub.auth)
        if case == "same-version":
            emit(
                f"updates.{fmt}.nothing_new_bytes",
                nothing.wire_bytes,
                "bytes",
                requests=nothing.requests,
                not_modified=nothing.not_modified,
            )
    finally:
        proxy.close()
        hub.stop()


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="ruche-updates-bench-") as tmp:
        root = Path(tmp)
        same = build_versions(root / "same", FORMATS, bump=False)
        bumped = build_versions(root / "bumped", FORMATS, bump=True)
        for fmt in FORMATS:
            for case, (v1, v2) in (("same-version", same), ("version-bump", bumped), ("cold-hub", bumped)):
                measure(root / f"{fmt}-{case}", fmt, v1[fmt], v2[fmt], case)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
