"""End to end: the real server (python -m player serve) and Debian's Chromium through Playwright.

Imports every bundled package and two hand-written third-party ones; a learner completes lessons;
"my progress" shows it; a second learner's progress is separate; a restart resumes the learner.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playerkit import CHROMIUM, TRAINER

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium (/usr/bin/chromium) is absent")


def new_learner(page, url: str, name: str) -> None:
    page.goto(url + "learners")
    page.fill("#name", name)
    page.click("text=Créer mon profil")
    page.wait_for_selector(f"text=Bonjour, {name}")


def open_course(page, url: str, title: str, standard: str) -> None:
    page.goto(url)
    card = page.locator("li.card", has_text=title).filter(has_text=standard).first
    card.locator("h2 a").click()


def credited(response) -> bool:
    """A commit the server credited; a resent duplicate of an earlier commit ({"duplicate": true}) is not."""
    return response.url.endswith("/commit") and response.status == 200 and "success" in (response.json() or {})


def test_learner_journey_with_restart(player_server, browser):
    url = player_server.url
    trainer = browser.new_context(locale="fr-CA")
    tp = trainer.new_page()
    tp.goto(url + "admin")
    tp.fill("#password", TRAINER)
    tp.click("button:has-text('Entrer')")
    tp.set_input_files("#package", str(player_server.root / "tiers-12-v2.zip"))  # a newer version of a package
    tp.click("button:has-text('Importer')")
    tp.wait_for_selector("text=est mis à jour")
    tp.goto(url)
    cards = tp.locator("li.card")
    assert cards.count() == 22  # 5 courses x 4 standards + 2 third-party packages
    trainer.close()

    alice = browser.new_context(locale="fr-CA")
    page = alice.new_page()
    new_learner(page, url, "Alice")

    # 1. hand-written SCORM 2004, two SCOs: complete the first one
    open_course(page, url, "Cours tiers deux SCO", "SCORM 2004")
    page.click("text=Première partie")
    frame = page.frame_locator("#sco")
    with page.expect_response(credited) as done:
        frame.locator("#done").click()
    assert done.value.json()["success"] == "passed"

    # 2. hand-written SCORM 1.2: complete it (masteryscore 80, raw 90 -> passed)
    open_course(page, url, "Cours tiers douze", "SCORM 1.2")
    page.click("text=Leçon unique")
    with page.expect_response(credited) as done:
        page.frame_locator("#sco").locator("#done").click()
    assert done.value.json() == {"ok": True, "completion": "completed", "success": "passed", "score": 0.9}

    # 3. a bundled SCORM 1.2 course with the Ruche runtime: move two sections on, then leave
    open_course(page, url, "Mobiliser une communauté", "SCORM 1.2")
    page.locator("ol.lessons a").first.click()
    course = page.frame_locator("#sco")
    course.locator("section.r-on").wait_for()
    with page.expect_response(lambda r: r.url.endswith("/commit"), timeout=15000):
        course.locator("[data-nav=next]").click()
        course.locator("[data-nav=next]").click()
    where = course.locator("section.r-on").get_attribute("id")
    assert where and where != "intro"
    page.goto(url + "progress")
    progress = page.locator("main").inner_text()
    assert "Cours tiers deux SCO" in progress and "1 sur 2 terminé(s)" in progress
    assert "Cours tiers douze" in progress and "Réussi" in progress and "score 90 %" in progress
    assert "Mobiliser une communauté" in progress and "Commencé" in progress

    # 4. a second learner starts from nothing
    bruno = browser.new_context(locale="fr-CA")
    other = bruno.new_page()
    new_learner(other, url, "Bruno")
    other.goto(url + "progress")
    assert "aucun cours" in other.locator("main").inner_text()
    assert other.locator(".st").count() == 0
    bruno.close()

    # 5. restart the server: Alice resumes where she was
    player_server.stop()
    player_server.start()
    url = player_server.url
    page.goto(url)
    assert "Bonjour, Alice" in page.locator("header").inner_text()
    open_course(page, url, "Mobiliser une communauté", "SCORM 1.2")
    page.locator("ol.lessons a").first.click()
    resumed = page.frame_locator("#sco").locator("section.r-on")
    resumed.wait_for()
    assert resumed.get_attribute("id") == where
    alice.close()


ANSWER_EVERYTHING = """() => {
  const D = JSON.parse(document.getElementById('r-data').textContent);
  for (const z of D.quizzes) for (const q of z.questions) {
    const box = document.getElementById(q.id);
    if (q.kind === 'fill-in') box.querySelector('input[type=text]').value = q.answers[0];
    else for (const c of q.correct) box.querySelector(`input[value="${c}"]`).checked = true;
  }
  document.querySelectorAll('form.r-quiz button[type=submit]').forEach(b => b.click());
  return D.quizzes.length;
}"""


@pytest.mark.parametrize("standard", ["SCORM 2004", "SCORM 1.2"])
def test_bundled_lesson_is_completed_with_the_ruche_runtime(player_server, browser, standard):
    context = browser.new_context(locale="fr-CA")
    page = context.new_page()
    new_learner(page, player_server.url, f"Dora {standard}")
    open_course(page, player_server.url, "Guide de l", standard)
    page.locator("ol.lessons a").first.click()
    page.frame_locator("#sco").locator("section.r-on").wait_for()
    frame = next(f for f in page.frames if "/content/" in f.url)

    def passed(response) -> bool:
        return response.url.endswith("/commit") and (response.json() or {}).get("success") == "passed"

    with page.expect_response(passed, timeout=20000) as done:
        # show every section (completion needs every lesson seen), then answer every quiz right
        frame.evaluate(
            "() => { const n = document.querySelectorAll('section.r-lesson').length;"
            " for (let i = 1; i < n; i++) document.querySelector('[data-nav=next]').click(); }"
        )
        assert frame.evaluate(ANSWER_EVERYTHING) >= 1
    assert done.value.json()["completion"] == "completed"
    page.goto(player_server.url + "progress")
    assert "Réussi" in page.locator("main").inner_text()
    context.close()
