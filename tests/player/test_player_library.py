"""Importing packages: bundled exports, third-party manifests, the hostile corpus, re-imports."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from playerkit import (
    SCORM12_MANIFEST,
    SCORM2004_MANIFEST,
    as_trainer,
    csrf,
    import_file,
    sco_page,
    scorm12_zip,
    scorm2004_zip,
    write_zip,
)

from packager.packages import PackageError
from player import db
from player.learning import library

XXE = """<?xml version="1.0"?>
<!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<manifest identifier="x" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"><organizations/><resources/>
<title>&xxe;</title></manifest>"""
LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<manifest identifier="x" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"><title>&lol3;</title></manifest>"""
PAGE = sco_page("Page", "Texte", "1.2")


def good(**extra: str | bytes) -> dict[str, str | bytes]:
    return {"imsmanifest.xml": SCORM12_MANIFEST, "sco/page.html": PAGE, **extra}


def bomb(path: Path) -> Path:
    return write_zip(path, good(**{"sco/big.txt": b"\0" * (30 * 1024 * 1024)}))


HOSTILE = {
    "traversal": (lambda p: write_zip(p, good(**{"../evil.html": "x"})), "'..'"),
    "nested-traversal": (lambda p: write_zip(p, good(**{"sco/../../evil.html": "x"})), "'..'"),
    "absolute-path": (lambda p: write_zip(p, good(**{"/tmp/evil.html": "x"})), "absolute path"),
    "drive-letter": (lambda p: write_zip(p, good(**{"C:/evil.html": "x"})), "absolute path"),
    "backslash": (lambda p: write_zip(p, good(**{"sco\\other.html": "x"})), "backslash"),
    "symlink": (lambda p: write_zip(p, good(), symlinks={"sco/passwd": "/etc/passwd"}), "symbolic link"),
    "zip-bomb": (bomb, "zip bomb"),
    "duplicate-case": (lambda p: write_zip(p, good(**{"sco/Page.html": "x"})), "twice"),
    "no-manifest": (lambda p: write_zip(p, {"index.html": PAGE}), "no imsmanifest.xml"),
    "manifest-in-subfolder": (
        lambda p: write_zip(p, {"cours/imsmanifest.xml": SCORM12_MANIFEST, "cours/sco/page.html": PAGE}),
        "nested",
    ),
    "manifest-wrong-case": (
        lambda p: write_zip(p, {"IMSMANIFEST.XML": SCORM12_MANIFEST, "sco/page.html": PAGE}),
        "lower case",
    ),
    "xxe": (lambda p: write_zip(p, {"imsmanifest.xml": XXE}), "entities"),
    "billion-laughs": (lambda p: write_zip(p, {"imsmanifest.xml": LAUGHS}), "entities"),
    "launch-outside-dotdot": (
        lambda p: write_zip(
            p,
            {
                "imsmanifest.xml": SCORM12_MANIFEST.replace('href="sco/page.html">', 'href="../page.html">'),
                "sco/page.html": PAGE,
            },
        ),
        "climbs out",
    ),
    "launch-outside-url": (
        lambda p: write_zip(
            p,
            {
                "imsmanifest.xml": SCORM12_MANIFEST.replace(
                    'href="sco/page.html">', 'href="http://evil.example/page.html">'
                ),
                "sco/page.html": PAGE,
            },
        ),
        "outside the package",
    ),
    "launch-missing": (lambda p: write_zip(p, {"imsmanifest.xml": SCORM12_MANIFEST}), "not in the package"),
    "not-a-zip": (lambda p: (p.write_bytes(b"PK\x03\x04 not really a zip"), p)[1], "not a readable zip"),
    "malformed-xml": (lambda p: write_zip(p, {"imsmanifest.xml": "<manifest", "sco/page.html": PAGE}), "well-formed"),
}


def _snapshot(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_zip_is_refused_and_nothing_is_written(app, tmp_path, case):
    build, expected = HOSTILE[case]
    work = tmp_path / "in"
    work.mkdir()
    path = build(work / f"{case}.zip")
    data = Path(app.config["DATA_DIR"])
    before = _snapshot(data)
    with app.app_context(), pytest.raises(PackageError) as caught:
        library.import_zip(path)
        assert db.get_db().execute("SELECT COUNT(*) FROM package").fetchone()[0] == 0
    assert expected.lower() in caught.value.message.lower(), caught.value.message
    after = _snapshot(data)
    assert {p for p in after - before if "search-index" not in p and not p.startswith("player.sqlite3")} == set()
    assert not any(".incoming" in p for p in after)
    assert not (tmp_path / "evil.html").exists() and not Path("/tmp/evil.html").exists()


def test_limits_on_entry_count_and_total_size(app, tmp_path):
    app.config["IMPORT_LIMITS"] = library.Limits(max_entries=5, max_total_bytes=10_000)
    many = write_zip(tmp_path / "many.zip", good(**{f"sco/f{i}.txt": "x" for i in range(6)}))
    big = write_zip(tmp_path / "big.zip", good(**{"sco/data.bin": b"1234567890" * 2000}))
    with app.app_context():
        with pytest.raises(PackageError, match="entries"):
            library.import_zip(many)
        with pytest.raises(PackageError, match="more than 10000 bytes"):
            library.import_zip(big)


def test_bundled_exports_import(app, exports):
    zips = sorted(p for p in exports.glob("*.zip") if not p.name.endswith("-web.zip"))
    assert len(zips) >= 4
    with app.app_context():
        results = [library.import_zip(z) for z in zips]
        standards = {r[0] for r in db.get_db().execute("SELECT standard FROM package")}
        count = db.get_db().execute("SELECT COUNT(*) FROM package").fetchone()[0]
        described = db.get_db().execute("SELECT COUNT(*) FROM package WHERE description != ''").fetchone()[0]
    assert {r.status for r in results} == {"installed"}
    assert standards == {"scorm12", "scorm2004", "xapi", "cmi5"}
    assert count == len(zips)
    assert described == count
    # the web export is not a standard package: refused with a clear message
    web = next(exports.glob("*-web.zip"))
    with app.app_context(), pytest.raises(PackageError, match="not a SCORM, xAPI or cmi5 package"):
        library.import_zip(web)


def test_third_party_manifests(app, tmp_path):
    one = import_file(app, scorm12_zip(tmp_path / "douze.zip"))
    two = import_file(app, scorm2004_zip(tmp_path / "deux.zip"))
    with app.app_context():
        launches = (
            db.get_db()
            .execute(
                "SELECT ident, href, mastery_score FROM launch WHERE package_id = ? ORDER BY position",
                (two.package_id,),
            )
            .fetchall()
        )
        mastery12 = (
            db.get_db()
            .execute("SELECT mastery_score FROM launch WHERE package_id = ?", (one.package_id,))
            .fetchone()[0]
        )
    assert [tuple(r) for r in launches] == [("ITEM1", "one.html", 0.8), ("ITEM2", "two.html", None)]
    assert mastery12 == 0.8
    folder = Path(app.config["LIBRARY_DIR"])
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [
            f"com-example-tiers-douze-{_sha(tmp_path / 'douze.zip')}",
            f"com-example-tiers-deux-sco-{_sha(tmp_path / 'deux.zip')}",
        ]
    )


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def test_reimport_newer_version_keeps_progress(app, client, tmp_path):
    from playerkit import new_learner

    first = import_file(app, scorm12_zip(tmp_path / "v1.zip"))
    new_learner(client, "Béa")
    with app.app_context():
        launch_id = db.get_db().execute("SELECT id FROM launch WHERE package_id = ?", (first.package_id,)).fetchone()[0]
    opened = client.post(f"/api/launches/{launch_id}/open", headers={"X-CSRF-Token": csrf(client)}).get_json()
    cmi = dict(
        opened["cmi"],
        **{
            "cmi.core.lesson_status": "incomplete",
            "cmi.suspend_data": "page=3",
            "cmi.core.exit": "suspend",
            "cmi.core.session_time": "0000:02:00",
        },
    )
    response = client.post(
        opened["commit"],
        json={"session": opened["session"], "seq": 1, "finished": True, "cmi": cmi},
        headers={"X-CSRF-Token": csrf(client)},
    )
    assert response.status_code == 200
    same = import_file(app, tmp_path / "v1.zip")
    assert same.status == "unchanged"
    second = import_file(app, scorm12_zip(tmp_path / "v2.zip", text="Version deux du jardin."))
    assert second.status == "updated" and second.package_id == first.package_id
    with app.app_context():
        folders = list(Path(app.config["LIBRARY_DIR"]).iterdir())
        launch_id2 = (
            db.get_db().execute("SELECT id FROM launch WHERE package_id = ?", (first.package_id,)).fetchone()[0]
        )
    assert len(folders) == 1 and _sha(tmp_path / "v2.zip") in folders[0].name
    reopened = client.post(f"/api/launches/{launch_id2}/open", headers={"X-CSRF-Token": csrf(client)}).get_json()
    assert reopened["entry"] == "resume"
    assert reopened["cmi"]["cmi.suspend_data"] == "page=3"
    assert reopened["cmi"]["cmi.core.total_time"] == "0000:02:00.00"


def test_upload_form_and_removal(app, client, tmp_path):
    as_trainer(client)
    path = scorm2004_zip(tmp_path / "deux.zip")
    with path.open("rb") as handle:
        response = client.post(
            "/admin/import",
            data={"package": (handle, "deux.zip"), "csrf_token": csrf(client)},
            content_type="multipart/form-data",
            follow_redirects=True,
        )
    assert "est installé" in response.get_data(as_text=True)
    bad = write_zip(tmp_path / "bad.zip", {"../x": "x"})
    with bad.open("rb") as handle:
        response = client.post(
            "/admin/import",
            data={"package": (handle, "bad.zip"), "csrf_token": csrf(client)},
            content_type="multipart/form-data",
            follow_redirects=True,
        )
    assert "Paquet refusé" in response.get_data(as_text=True)
    assert [p.name for p in Path(app.config["LIBRARY_DIR"]).iterdir()] == [f"com-example-tiers-deux-sco-{_sha(path)}"]
    response = client.post("/admin/packages/1/remove", data={"csrf_token": csrf(client)}, follow_redirects=True)
    assert response.status_code == 200
    assert list(Path(app.config["LIBRARY_DIR"]).iterdir()) == []
    assert "Première partie" not in client.get("/search?q=coopération").get_data(as_text=True)


def test_watched_folder_imports_new_zips_once(app, client, tmp_path):
    usb = Path(app.config["IMPORT_DIRS"][0])
    usb.mkdir()
    scorm12_zip(usb / "douze.zip")
    write_zip(usb / "evil.zip", {"../evil": "x"})
    with app.app_context():
        first = library.scan_folder(usb)
        again = library.scan_folder(usb)
    assert [(n, ok) for n, _m, ok in first] == [("douze.zip", True), ("evil.zip", False)]
    assert again == []
    as_trainer(client)
    response = client.post("/admin/scan", data={"csrf_token": csrf(client)}, follow_redirects=True)
    assert "Aucun nouveau paquet" in response.get_data(as_text=True)


def test_cli_import(tmp_path, capsys):
    from player.cli import run

    good_zip = scorm12_zip(tmp_path / "douze.zip")
    bad_zip = write_zip(tmp_path / "bad.zip", {"index.html": "x"})
    assert run(["--data", str(tmp_path / "d"), "import", str(good_zip)]) == 0
    assert "est installé" in capsys.readouterr().out
    assert run(["--data", str(tmp_path / "d"), "import", str(bad_zip)]) == 1
    assert "refused" in capsys.readouterr().err


def test_manifest_sanity_of_handwritten_2004(tmp_path):
    path = scorm2004_zip(tmp_path / "x.zip")
    with zipfile.ZipFile(path) as archive:
        assert "adlcp:scormType" in archive.read("imsmanifest.xml").decode()
    assert json.loads("{}") == {}
    assert SCORM2004_MANIFEST.count("<item ") == 2
