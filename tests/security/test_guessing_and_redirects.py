"""Guess limits hold under concurrency, and `next=` never leads to another site (issue 10).

Before: 64 concurrent wrong PINs were evaluated 460 times (limit 10) and 100 concurrent trainer
passwords 32 times (limit 5), because the limit was read, then the hash checked, then the failure
counted; `next=/\\t/evil.example/` passed `safe_next` (browsers drop the tab: `//evil.example/`).
Each request here runs in its own thread with its own client, at the same moment (a barrier).
"""

from __future__ import annotations

import re
import threading

import pytest
from playerkit import TRAINER, csrf

from player.web import auth

PIN_LIMIT, PASSWORD_LIMIT = auth.MAX_PIN_FAILURES, 5


def _counting_hash_checks(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = auth.check_password_hash

    def counted(stored: str, given: str) -> bool:
        calls.append(1)
        return real(stored, given)

    monkeypatch.setattr(auth, "check_password_hash", counted)
    return calls


def _at_once(n: int, attempt) -> list[int]:
    """Run `attempt(barrier)` in n threads released together; their status codes."""
    barrier, codes, errors = threading.Barrier(n), [], []

    def run() -> None:
        try:
            codes.append(attempt(barrier))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:3]
    return codes


def test_concurrent_wrong_pins_are_evaluated_at_most_the_limit(app, monkeypatch):
    setup = app.test_client()
    response = setup.post("/learners/new", data={"name": "Béatrice", "pin": "4821", "csrf_token": csrf(setup)})
    assert response.status_code == 302
    learner_id = int(re.search(r"/learners/(\d+)/choose", setup.get("/learners").get_data(as_text=True)).group(1))
    calls = _counting_hash_checks(monkeypatch)

    def guess(barrier: threading.Barrier) -> int:
        client = app.test_client()
        token = csrf(client)
        barrier.wait()
        return client.post(f"/learners/{learner_id}/choose", data={"pin": "0000", "csrf_token": token}).status_code

    _at_once(64, guess)
    assert 0 < len(calls) <= PIN_LIMIT, f"{len(calls)} PIN checks for a limit of {PIN_LIMIT}"
    # and the right PIN is refused now: the learner's PIN is locked until the trainer resets it
    client = app.test_client()
    client.post(f"/learners/{learner_id}/choose", data={"pin": "4821", "csrf_token": csrf(client)})
    assert "Bonjour, Béatrice" not in client.get("/").get_data(as_text=True)


def test_a_right_pin_after_a_few_wrong_ones_still_opens_and_resets_the_count(app):
    client = app.test_client()
    client.post("/learners/new", data={"name": "Chloé", "pin": "1357", "csrf_token": csrf(client)})
    client.post("/learners/leave", data={"csrf_token": csrf(client)})
    learner_id = int(re.search(r"/learners/(\d+)/choose", client.get("/learners").get_data(as_text=True)).group(1))
    for _ in range(PIN_LIMIT - 1):
        client.post(f"/learners/{learner_id}/choose", data={"pin": "0000", "csrf_token": csrf(client)})
    response = client.post(f"/learners/{learner_id}/choose", data={"pin": "1357", "csrf_token": csrf(client)})
    assert response.status_code == 302
    assert "Bonjour, Chloé" in client.get("/").get_data(as_text=True)
    from player import db

    with app.app_context():
        assert db.get_db().execute("SELECT failed_pins FROM learner WHERE id = ?", (learner_id,)).fetchone()[0] == 0


def test_concurrent_wrong_trainer_passwords_are_evaluated_at_most_the_limit(app, monkeypatch):
    app.config["LOGIN_MAX_FAILURES"] = PASSWORD_LIMIT
    calls = _counting_hash_checks(monkeypatch)

    def guess(barrier: threading.Barrier) -> int:
        client = app.test_client()
        token = csrf(client)
        barrier.wait()
        return client.post("/admin/login", data={"password": "pas le bon", "csrf_token": token}).status_code

    codes = _at_once(100, guess)
    assert 0 < len(calls) <= PASSWORD_LIMIT, f"{len(calls)} password checks for a limit of {PASSWORD_LIMIT}"
    assert codes.count(429) == 100 - len(calls) and set(codes) <= {403, 429}


def test_the_right_trainer_password_does_not_count_as_a_try(app):
    app.config["LOGIN_MAX_FAILURES"] = 2
    for _ in range(3):
        client = app.test_client()
        response = client.post("/admin/login", data={"password": TRAINER, "csrf_token": csrf(client)})
        assert response.status_code == 302, "a trainer who signs in three times is not a guesser"


HOSTILE = [
    "/\t/evil.example/",
    "/\n/evil.example/",
    "/\r\n/evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    " /evil",
    "/ok\x00",
]


@pytest.mark.parametrize("target", HOSTILE, ids=[repr(t) for t in HOSTILE])
def test_next_never_leads_to_another_site(client, target):
    response = client.post(
        "/learners/new", data={"name": "Denis", "pin": "", "next": target, "csrf_token": csrf(client)}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/", response.headers["Location"]


def test_next_keeps_a_path_of_this_site(client):
    response = client.post(
        "/learners/new", data={"name": "Denis", "pin": "", "next": "/progress?x=1#a", "csrf_token": csrf(client)}
    )
    assert response.headers["Location"] == "/progress?x=1#a"
