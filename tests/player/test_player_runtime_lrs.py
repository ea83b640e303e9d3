"""Our xAPI and cmi5 packages, launched by the player, report to the player's own LRS (issue 4).

The Ruche runtime in real Chromium reads the launch parameters the player gives it (cmi5: the fetch
URL and LMS.LaunchData in the State resource; xAPI: endpoint, auth, actor, registration), and a learner
who reads every lesson and answers every quiz right is credited as passed on "my progress".
"""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e.learner import Learner
from playerkit import CHROMIUM, learner_in_browser

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium (/usr/bin/chromium) is absent")

GUIDE = "Guide de l'auteur Ruche"


@pytest.mark.parametrize("standard", ["cmi5", "xAPI"])
def test_ruche_package_reports_to_the_player_lrs(player_server, browser, standard):
    url = player_server.url
    context, page = learner_in_browser(browser, url, f"Runtime {standard}")
    try:
        page.goto(url)
        card = page.locator("li.card", has_text=GUIDE).filter(has_text=standard).first
        card.locator("h2 a").click()
        page.locator("ol.lessons a").first.click()
        page.wait_for_selector("#sco")
        frame = page.query_selector("#sco").content_frame()
        learner = Learner(frame)
        learner.wait_ready(timeout=15)
        learner.read_course(right=True)
        assert set(learner.given) == {q["id"] for q in learner.questions()}

        def progress() -> str:
            tab = context.new_page()
            try:
                tab.goto(url + "progress")
                return tab.locator("section.progress", has_text=GUIDE).inner_text()
            finally:
                tab.close()

        text = ""
        for _ in range(40):  # statements leave the page in batches: give them a few seconds
            text = progress()
            if "Réussi" in text:
                break
            page.wait_for_timeout(250)
        assert "Réussi" in text and "score 100 %" in text, text
    finally:
        context.close()
