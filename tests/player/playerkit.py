# ruff: noqa: E501 - long interface strings and embedded HTML/XML
"""Hand-written third-party packages and hostile zips for the player tests (built in the test)."""

from __future__ import annotations

import re
import stat
import zipfile
from pathlib import Path

TRAINER = "mot-de-passe-formation"
CHROMIUM = "/usr/bin/chromium"

SCO_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main><section id="s"><h1>{title}</h1><p>{text}</p>
<button id="done" type="button">Terminer</button></section></main>
<script>
var api = (function (w) {{ for (var n = 0; w && n < 8; n++) {{ if (w.{api}) return w.{api}; if (w.parent == w) break; w = w.parent; }} }})(window);
api.{init}('');
document.getElementById('done').onclick = function () {{ {finish_js} }};
</script></body></html>"""


def sco_page(title: str, text: str, version: str) -> str:
    if version == "1.2":
        finish = (
            "api.LMSSetValue('cmi.core.score.raw','90');api.LMSSetValue('cmi.core.lesson_status','completed');"
            "api.LMSSetValue('cmi.core.exit','');api.LMSSetValue('cmi.core.session_time','0000:01:00');"
            "api.LMSCommit('');api.LMSFinish('');document.title='finished';"
        )
        return SCO_PAGE.format(title=title, text=text, api="API", init="LMSInitialize", finish_js=finish)
    finish = (
        "api.SetValue('cmi.score.scaled','0.9');api.SetValue('cmi.completion_status','completed');"
        "api.SetValue('cmi.success_status','passed');api.SetValue('cmi.exit','normal');"
        "api.SetValue('cmi.session_time','PT1M');api.Commit('');api.Terminate('');document.title='finished';"
    )
    return SCO_PAGE.format(title=title, text=text, api="API_1484_11", init="Initialize", finish_js=finish)


SCORM12_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="com.example.tiers.douze" version="1.0"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="ORG"><organization identifier="ORG"><title>Cours tiers douze</title>
    <item identifier="I1" identifierref="R1"><title>Leçon unique</title><adlcp:masteryscore>80</adlcp:masteryscore></item>
  </organization></organizations>
  <resources><resource identifier="R1" type="webcontent" adlcp:scormtype="sco" href="sco/page.html">
    <file href="sco/page.html"/></resource></resources>
</manifest>"""

SCORM2004_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="com.example.tiers.deux-sco" version="1"
  xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
  xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3" xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
  xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="ORG"><organization identifier="ORG"><title>Cours tiers deux SCO</title>
    <item identifier="ITEM1" identifierref="RES1"><title>Première partie</title>
      <imsss:sequencing><imsss:objectives><imsss:primaryObjective objectiveID="o1" satisfiedByMeasure="true">
      <imsss:minNormalizedMeasure>0.8</imsss:minNormalizedMeasure></imsss:primaryObjective></imsss:objectives></imsss:sequencing>
    </item>
    <item identifier="ITEM2" identifierref="RES2"><title>Deuxième partie</title></item>
  </organization></organizations>
  <resources>
    <resource identifier="RES1" type="webcontent" adlcp:scormType="sco" href="one.html"><file href="one.html"/></resource>
    <resource identifier="RES2" type="webcontent" adlcp:scormType="sco" href="two.html"><file href="two.html"/></resource>
  </resources>
</manifest>"""


def write_zip(
    path: Path,
    files: dict[str, str | bytes],
    symlinks: dict[str, str] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = compression
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, content)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def scorm12_zip(path: Path, text: str = "Le jardin communautaire du quartier.") -> Path:
    return write_zip(
        path, {"imsmanifest.xml": SCORM12_MANIFEST, "sco/page.html": sco_page("Leçon unique", text, "1.2")}
    )


def scorm2004_zip(path: Path, text: str = "Les élèves apprennent la coopération.") -> Path:
    return write_zip(
        path,
        {
            "imsmanifest.xml": SCORM2004_MANIFEST,
            "one.html": sco_page("Première partie", text, "2004"),
            "two.html": sco_page("Deuxième partie", "La suite du parcours.", "2004"),
        },
    )


def csrf(client) -> str:
    page = client.get("/learners").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def new_learner(client, name: str = "Alice", pin: str = "") -> None:
    response = client.post("/learners/new", data={"name": name, "pin": pin, "csrf_token": csrf(client)})
    assert response.status_code == 302, response.get_data(as_text=True)


def as_trainer(client) -> None:
    response = client.post("/admin/login", data={"password": TRAINER, "csrf_token": csrf(client)})
    assert response.status_code == 302


def import_file(app, path: Path):
    from player.learning import library

    with app.app_context():
        return library.import_zip(path)


def learner_in_browser(browser, url: str, name: str):
    """A new browser context with a learner profile created through the real pages: (context, page)."""
    context = browser.new_context(locale="fr-CA")
    page = context.new_page()
    page.goto(url + "learners")
    page.fill("#name", name)
    page.click("text=Créer mon profil")
    page.wait_for_selector(f"text=Bonjour, {name}")
    return context, page
