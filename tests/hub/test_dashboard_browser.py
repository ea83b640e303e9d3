"""End to end: `python -m player serve --hub` and Debian's Chromium (the session's `browser` fixture).

A trainer logs in, registers a device, a form posted without its CSRF token is refused, the device
syncs real statements with its token (player.fleet.sync.sync), and the dashboard then shows its learner.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hubkit import TRAINER, device_with_progress
from processes import stop_process

from player.fleet import sync
from player.fleet.sync import Retry

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def hub_server(tmp_path: Path) -> Iterator[str]:
    """The real command on 127.0.0.1 with an ephemeral port; its base URL. Stopped at teardown."""
    data = tmp_path / "hub"
    subprocess.run(
        [sys.executable, "-m", "player", "--data", str(data), "trainer-password"],
        input=TRAINER + "\n",
        text=True,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUCHE_SYNC_", "RUCHE_HUB"))}
    proc = subprocess.Popen(
        [sys.executable, "-m", "player", "--data", str(data), "serve", "--hub", "--host", "127.0.0.1", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**env, "PYTHONUNBUFFERED": "1"},
    )
    url, lines, deadline = "", [], time.monotonic() + 60
    while time.monotonic() < deadline and proc.stdout:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        match = re.search(r"on (http://127\.0\.0\.1:\d+/)", line)
        if match:
            url = match.group(1)
            break
    try:
        assert url, "the hub did not start:\n" + "".join(lines)
        yield url
    finally:
        stop_process(proc)


def test_trainer_login_csrf_and_progress_after_a_sync(hub_server, browser, tmp_path):
    url = hub_server
    context = browser.new_context(locale="fr-CA")
    page = context.new_page()
    try:
        # every trainer page sends to the login first
        page.goto(url + "dashboard/")
        assert "/admin/login" in page.url
        page.fill("#password", "pas-le-bon-mot")
        page.click("button:has-text('Entrer')")
        page.wait_for_selector("text=Mot de passe incorrect.")
        page.fill("#password", TRAINER)
        page.click("button:has-text('Entrer')")
        page.wait_for_selector("h1:has-text('Tableau de bord')")

        # a form posted without its CSRF token is refused, and nothing is registered
        page.goto(url + "hub/devices")
        page.fill("#device-name", "sans-jeton")
        page.eval_on_selector("form[action$='/hub/devices'] input[name=csrf_token]", "e => e.remove()")
        with page.expect_navigation() as refused:
            page.click("button:has-text('Inscrire')")
        assert refused.value.status == 400
        assert "Le formulaire a expiré" in page.content()
        page.goto(url + "hub/devices")
        assert "sans-jeton" not in page.inner_text("main")

        # with it: the device gets its token, shown once
        page.fill("#device-name", "portable-12")
        page.click("button:has-text('Inscrire')")
        token = page.inner_text("#device-token").strip()
        assert len(token) >= 40

        # a learner device syncs real statements into the hub with that token
        device = device_with_progress(tmp_path / "device", learner="Noémie")
        result = sync.sync(device, url + "xapi", ("portable-12", token), retry=Retry(attempts=3, base=0.01, cap=0.05))
        assert result.ok and result.sent == 6, result

        # the dashboard now shows that learner's progress, and the device's last sync
        page.goto(url + "dashboard/")
        table = page.locator("section[aria-labelledby=d-progress] table")
        row = table.locator("tr", has_text="Noémie")
        assert row.count() == 1
        assert "1 sur 1 (100 %)" in row.inner_text() and "90 %" in row.inner_text()
        assert "portable-12" in row.inner_text()
        assert page.locator("svg[role=img] circle").count() == 1
        devices = page.locator("section[aria-labelledby=d-devices] tr", has_text="portable-12").inner_text()
        assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", devices) and "6" in devices
        # filters are plain GET forms; the CSV link carries them
        page.select_option("#f-learner", label="Noémie")
        page.click("button:has-text('Filtrer')")
        assert "learner=" in page.url
        assert "learner=" in page.get_attribute("a:has-text('Exporter en CSV')", "href")

        # logged out, the dashboard is closed again
        page.goto(url + "admin")
        page.click("button:has-text('Se déconnecter')")
        page.goto(url + "dashboard/export.csv")
        assert "/admin/login" in page.url
    finally:
        context.close()
