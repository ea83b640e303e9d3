"""The attack suite's fixtures work: a learner signs in on a fresh player."""

from __future__ import annotations


def test_a_fresh_player_serves_its_home_page(learner):
    assert learner.get("/").status_code == 200
