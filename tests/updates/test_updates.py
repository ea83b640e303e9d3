"""Content updates (issue 6): a device pulls new and changed packages from the hub.

Each test starts a hub (a player app with its own data folder, served on 127.0.0.1) and a device
(another app, its own data folder) and checks one promise of docs/updates.md.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from updkit import basic, install, packages

from player import db
from player.fleet.content import folder_files
from player.fleet.pull import pull_updates

SCORM = "scorm2004"


def _progress(app, identifier: str, standard: str) -> None:
    """A learner who completed the first lesson (as tracking would leave it)."""
    with app.app_context(), db.transaction() as conn:
        learner = conn.execute(
            "INSERT INTO learner(name, uuid, created_at) VALUES ('Alice', ?, ?)", (str(uuid.uuid4()), db.now())
        ).lastrowid
        launch = conn.execute(
            "SELECT l.ident FROM launch l JOIN package p ON p.id = l.package_id "
            "WHERE p.identifier = ? AND p.standard = ? ORDER BY l.position",
            (identifier, standard),
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO attempt(learner_id, package_identifier, launch_ident, number, registration, standard,"
            " completion, success, score, started_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, 'completed', 'passed',"
            " 0.9, ?, ?)",
            (learner, identifier, launch, str(uuid.uuid4()), standard, db.now(), db.now()),
        )


def _attempts(app) -> list[dict]:
    with app.app_context():
        return [dict(r) for r in db.get_db().execute("SELECT * FROM attempt")]


def _files(app, key: tuple[str, str]) -> dict:
    return folder_files(Path(app.config["LIBRARY_DIR"]) / packages(app)[key]["folder"])


def _key(app, standard: str = SCORM) -> tuple[str, str]:
    return next(k for k in packages(app) if k[1] == standard)


def test_first_pull_installs_everything_then_costs_one_request(hub, device, versions, fast):
    v1, _ = versions
    for path in v1.values():
        install(hub.app, path)
    result = pull_updates(device, hub.url, hub.auth, retry=fast)
    assert result.ok, result.line()
    assert len(result.installed) == 2 and result.zips_fetched == 2 and not result.updated
    assert set(packages(device)) == set(packages(hub.app))
    for key in packages(hub.app):
        assert _files(device, key) == _files(hub.app, key)
    again = pull_updates(device, hub.url, hub.auth, retry=fast)
    assert again.ok and again.not_modified and not again.installed and not again.updated
    assert again.requests == 1 and again.wire_bytes < 700  # 304 to the catalogue's ETag
    with device.app_context():  # a package removed here: the next pull reads the whole catalogue again
        from player.learning import library

        library.remove_package(next(iter(packages(device).values()))["id"])
    third = pull_updates(device, hub.url, hub.auth, retry=fast)
    assert third.ok and not third.not_modified and len(third.installed) == 1 and third.unchanged == 1


def test_one_lesson_update_fetches_only_changed_files_and_keeps_progress(hub, device, versions, fast, make_proxy):
    v1, v2 = versions
    install(hub.app, v1[SCORM])
    assert pull_updates(device, hub.url, hub.auth, retry=fast).ok
    key = _key(device)
    _progress(device, *key)
    before = _files(device, key)
    revision = packages(device)[key]["revision"]

    install(hub.app, v2[SCORM])
    proxy = make_proxy(hub.origin)
    result = pull_updates(device, f"{proxy.url}/updates", hub.auth, retry=fast)
    assert result.ok, result.line()
    assert result.updated == [f"{key[0]} ({key[1]})"] and result.zips_fetched == 0
    after = _files(device, key)
    assert after == _files(hub.app, key)
    changed = {p for p in after if before.get(p) != after[p]}
    # The version number is in every page: every page changed, but each travels as a delta against
    # the device's own copy (the hub keeps its recent published versions), all in one request.
    assert result.files_fetched == len({after[p][0] for p in changed}) and "l3.html" in changed
    assert result.files_reused == len(after) - len(changed) and result.requests == 2
    package = v2[SCORM].stat().st_size
    assert result.wire_bytes == proxy.wire_bytes  # our count at the socket agrees with the proxy's
    assert proxy.wire_bytes <= 0.15 * package, f"{proxy.wire_bytes} bytes for a {package}-byte package"
    assert [p for p in proxy.log if ".zip" in p.path] == []
    attempts = _attempts(device)
    assert len(attempts) == 1 and attempts[0]["completion"] == "completed" and attempts[0]["score"] == 0.9
    assert packages(device)[key]["revision"] == revision + 1


def _rebuilt_shas(monkeypatch) -> list[str]:  # noqa: ANN001
    """The sha256 of every zip the device hands to its library during the test."""
    from player.fleet.content import sha256_file
    from player.learning import library

    seen: list[str] = []
    original = library.import_zip

    def recording(path, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        seen.append(sha256_file(path))
        return original(path, *args, **kwargs)

    monkeypatch.setattr(library, "import_zip", recording)
    return seen


def _published_sha(hub, key: tuple[str, str]) -> str:  # noqa: ANN001
    from player.fleet import publish as updates

    with hub.app.app_context():
        return next(p.zip_sha256 for p in updates.published() if (p.identifier, p.standard) == key)


def test_zip_rebuilt_from_a_delta_is_the_hubs_zip_byte_for_byte(hub, device, versions, fast, monkeypatch):
    """Hub and device write zips by one rule (packager.files): same files, same bytes, same sha256."""
    v1, v2 = versions
    install(hub.app, v1[SCORM])
    assert pull_updates(device, hub.url, hub.auth, retry=fast).ok
    install(hub.app, v2[SCORM])
    seen = _rebuilt_shas(monkeypatch)
    result = pull_updates(device, hub.url, hub.auth, retry=fast)
    assert result.ok and result.updated and result.zips_fetched == 0, result.line()
    assert seen == [_published_sha(hub, _key(hub.app))]


def test_zip_rebuilt_from_a_delta_that_differs_from_the_hubs_is_still_installed(
    hub, device, versions, fast, monkeypatch, caplog
):
    """A hub whose zips differ (an older release dated them 2020): every file matched its hash, so the
    device installs its own zip and downloads nothing more."""
    import packager.files

    v1, v2 = versions
    install(hub.app, v1[SCORM])
    assert pull_updates(device, hub.url, hub.auth, retry=fast).ok
    install(hub.app, v2[SCORM])
    with monkeypatch.context() as old_hub:
        old_hub.setattr(packager.files, "EPOCH", (2020, 1, 1, 0, 0, 0))
        hub_sha = _published_sha(hub, _key(hub.app))  # published (and cached) the old way
    seen = _rebuilt_shas(monkeypatch)
    with caplog.at_level("INFO", logger="player.fleet.pull"):
        result = pull_updates(device, hub.url, hub.auth, retry=fast)
    assert result.ok and result.updated and result.zips_fetched == 0, result.line()
    assert len(seen) == 1 and seen[0] != hub_sha
    assert "differs from the hub's" in caplog.text
    assert _files(device, _key(device)) == _files(hub.app, _key(hub.app))


def test_interrupted_download_resumes_with_range(hub, device, versions, fast, make_proxy):
    v1, _ = versions
    install(hub.app, v1[SCORM])
    size = next(iter(pull_sizes(hub)))
    proxy = make_proxy(hub.origin)
    cuts = {"n": 0}

    def cut_first_zip(exchange):  # noqa: ANN001, ANN202
        if exchange.path.endswith(".zip") and cuts["n"] == 0:
            cuts["n"] += 1
            return "truncate"  # half the answer, then the connection closes
        return None

    proxy.rule = cut_first_zip
    result = pull_updates(device, f"{proxy.url}/updates", hub.auth, retry=fast)
    assert result.ok, result.line()
    assert result.resumed == 1 and result.zips_fetched == 1
    zips = [e for e in proxy.log if e.path.endswith(".zip")]
    assert len(zips) == 2 and zips[0].fault == "truncate" and zips[1].status == 206
    assert sum(e.bytes_out for e in zips) < size * 1.3  # the second request did not start from zero
    assert _files(device, _key(device)) == _files(hub.app, _key(hub.app))


def test_download_cut_for_good_resumes_at_the_next_pull(hub, device, versions, fast, make_proxy):
    v1, _ = versions
    install(hub.app, v1[SCORM])
    size = next(iter(pull_sizes(hub)))
    proxy = make_proxy(hub.origin)
    proxy.faults = ["pass", "truncate"] + ["drop"] * 10  # catalogue, half the zip, then the line is down
    first = pull_updates(device, f"{proxy.url}/updates", hub.auth, retry=fast)
    assert not first.ok and first.refused and packages(device) == {}
    partial = list((Path(device.config["DATA_DIR"]) / "updates" / "partial").glob("*.part"))
    assert len(partial) == 1 and 0 < partial[0].stat().st_size < size
    proxy.faults, proxy.log[:] = [], []
    second = pull_updates(device, f"{proxy.url}/updates", hub.auth, retry=fast)
    assert second.ok, second.line()
    assert second.resumed == 1
    zips = [e for e in proxy.log if e.path.endswith(".zip")]
    assert len(zips) == 1 and zips[0].status == 206 and zips[0].bytes_out < size
    assert not partial[0].exists()


def pull_sizes(hub) -> list[int]:  # noqa: ANN001
    from player.fleet import publish as updates

    with hub.app.app_context():
        return [p.zip_size for p in updates.published()]


def test_corrupted_file_is_refused_and_nothing_installed(hub, device, versions, fast):
    v1, v2 = versions
    install(hub.app, v1[SCORM])
    assert pull_updates(device, hub.url, hub.auth, retry=fast).ok
    key = _key(device)
    before, row = _files(device, key), packages(device)[key]
    install(hub.app, v2[SCORM])
    pull_sizes(hub)  # the hub publishes (file list cached), then its copy of the lesson is damaged
    lesson = Path(hub.app.config["LIBRARY_DIR"]) / packages(hub.app)[_key(hub.app)]["folder"] / "l3.html"
    lesson.write_bytes(lesson.read_bytes().replace(b"<p>", b"<p>X", 1))
    result = pull_updates(device, hub.url, hub.auth, retry=fast)
    assert not result.ok and result.status == "partial"
    assert "does not match its hash" in result.refused[0][1]
    assert _files(device, key) == before and packages(device)[key] == row
    kept = {p.name for p in (Path(device.config["DATA_DIR"]) / "updates" / "objects").iterdir()}
    from player.fleet import publish as updates

    with hub.app.app_context():
        expected = updates.published()[0].files["l3.html"][0]  # what the catalogue promised
    assert expected not in kept  # the bad bytes were not stored
    assert not [name for name in kept if name.endswith(".tmp")]  # files checked before it: a head start


def test_corrupted_zip_is_refused_and_nothing_installed(hub, device, versions, fast):
    v1, _ = versions
    install(hub.app, v1[SCORM])
    from player.fleet import publish as updates

    with hub.app.app_context():
        item = updates.published()[0]
    data = bytearray(item.zip_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    item.zip_path.write_bytes(bytes(data))
    result = pull_updates(device, hub.url, hub.auth, retry=fast)
    assert not result.ok and "does not match its hash" in result.refused[0][1]
    assert packages(device) == {}
    assert not list(Path(device.config["LIBRARY_DIR"]).iterdir())
    assert not list((Path(device.config["DATA_DIR"]) / "updates" / "partial").iterdir())


def test_bad_credentials_are_refused(hub, device, versions, fast):
    install(hub.app, versions[0][SCORM])
    result = pull_updates(device, hub.url, ("device-1", "wrong"), retry=fast)
    assert result.status == "failed" and "credentials refused (HTTP 401)" in (result.error or "")
    assert packages(device) == {}
    for path in ("/catalog", "/files/" + "0" * 64, "/packages/1.zip"):
        try:
            urllib.request.urlopen(hub.url + path, timeout=10)
            raise AssertionError(f"{path} answered without credentials")
        except urllib.error.HTTPError as exc:
            assert exc.code == 401


def _get(url: str, **headers: str):  # noqa: ANN202
    request = urllib.request.Request(url, headers={"Authorization": basic("device-1", "device-secret"), **headers})
    return urllib.request.urlopen(request, timeout=10)


def test_hub_endpoints_range_if_range_etag(hub, versions):
    install(hub.app, versions[0][SCORM])
    with _get(f"{hub.url}/catalog") as response:
        import json

        catalog = json.load(response)
        etag = response.headers["ETag"]
    entry = catalog["packages"][0]
    whole = _get(f"{hub.url}/packages/{entry['id']}.zip").read()
    assert len(whole) == entry["size"] and hashlib.sha256(whole).hexdigest() == entry["sha256"]
    with _get(f"{hub.url}/packages/{entry['id']}.zip", Range="bytes=100-", **{"If-Range": f'"{entry["sha256"]}"'}) as r:
        assert r.status == 206 and r.read() == whole[100:]
    with _get(f"{hub.url}/packages/{entry['id']}.zip", Range="bytes=100-", **{"If-Range": '"stale"'}) as r:
        assert r.status == 200 and r.read() == whole  # another version: the whole of the new one
    path, (sha, size) = next(iter(entry["files"].items()))
    with _get(f"{hub.url}/files/{sha}", Range="bytes=0-9") as r:
        assert r.status == 206 and len(r.read()) == min(10, size)
    try:
        _get(f"{hub.url}/catalog", **{"If-None-Match": etag})
        raise AssertionError("an unchanged catalogue should answer 304")
    except urllib.error.HTTPError as exc:
        assert exc.code == 304


def test_hub_device_tokens_are_accepted_and_revocable(tmp_path, device, versions, fast):
    """In hub mode, a registered device's token works (lrs.authenticate decides), and stops when revoked."""
    hub_module = pytest.importorskip("player.fleet.devices")
    if not hasattr(hub_module, "register"):
        pytest.skip("hub mode not available")
    from updkit import Hub

    server = Hub(tmp_path / "hub-mode", HUB=True)
    try:
        install(server.app, versions[0][SCORM])
        with server.app.app_context():
            token = hub_module.register("tablette-1")
        result = pull_updates(device, server.url, ("tablette-1", token), retry=fast)
        assert result.ok and len(result.installed) == 1, result.line()
        with server.app.app_context():
            hub_module.revoke(next(d["id"] for d in hub_module.devices() if d["name"] == "tablette-1"))
        refused = pull_updates(device, server.url, ("tablette-1", token), retry=fast)
        assert refused.status == "failed" and "credentials refused (HTTP 401)" in (refused.error or "")
    finally:
        server.stop()


def test_run_command_prints_a_line_and_exit_status(hub, device, versions, monkeypatch):
    """What `python -m player update` runs: one line, 0 when everything is installed, 2 without a hub."""
    import io

    from player.cli import update_command as run_command

    install(hub.app, versions[0][SCORM])
    for name in ("RUCHE_SYNC_ENDPOINT", "RUCHE_UPDATES_ENDPOINT", "RUCHE_SYNC_KEY", "RUCHE_SYNC_SECRET"):
        monkeypatch.delenv(name, raising=False)
    out = io.StringIO()
    assert run_command(device, out=out) == 2 and "no hub" in out.getvalue()
    monkeypatch.setenv("RUCHE_SYNC_SECRET", hub.auth[1])
    out = io.StringIO()
    code = run_command(device, endpoint=hub.origin + "/xapi", key=hub.auth[0], out=out)  # derived: …/updates
    assert code == 0 and out.getvalue().startswith("update done: 1 installed"), out.getvalue()


def test_background_pull_installs_and_stops(hub, tmp_path, versions):
    """The hook for `serve`: start_background pulls on its own while a remote is configured."""
    import threading
    import time

    from updkit import player

    from player.fleet.pull import start_background

    install(hub.app, versions[0][SCORM])
    device = player(
        tmp_path / "bg-device", SYNC_ENDPOINT=hub.origin + "/xapi", SYNC_KEY=hub.auth[0], SYNC_SECRET=hub.auth[1]
    )
    stop = threading.Event()
    thread = start_background(device, stop)
    assert thread is not None
    deadline = time.monotonic() + 20
    while not packages(device) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(10)
    assert len(packages(device)) == 1 and not thread.is_alive()
    assert start_background(player(tmp_path / "alone"), threading.Event()) is None


def test_one_lesson_update_of_a_single_page_package_is_a_small_delta(hub, device, versions, fast, make_proxy):
    """cmi5 (like SCORM 1.2, xAPI, web) keeps every lesson in one index.html: it travels as a delta."""
    v1, v2 = versions
    install(hub.app, v1["cmi5"])
    assert pull_updates(device, hub.url, hub.auth, retry=fast).ok
    key = _key(device, "cmi5")
    _progress(device, *key)
    install(hub.app, v2["cmi5"])
    proxy = make_proxy(hub.origin)
    result = pull_updates(device, f"{proxy.url}/updates", hub.auth, retry=fast)
    assert result.ok and result.files_fetched == 1 and result.zips_fetched == 0, result.line()
    assert _files(device, key) == _files(hub.app, key)
    assert proxy.wire_bytes <= 0.15 * v2["cmi5"].stat().st_size
    assert len(_attempts(device)) == 1
