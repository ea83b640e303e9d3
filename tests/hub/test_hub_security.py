"""Trainer pages: login everywhere, a rate-limited login, CSRF on every form, cookie settings."""

from __future__ import annotations

import re

from hubkit import TRAINER, csrf_of, hub_app, login

PREFIXES = ("/hub", "/dashboard", "/admin")
PUBLIC = {"auth.login", "auth.logout"}  # logging out without being logged in changes nothing


def test_no_trainer_page_is_reachable_without_login(hub):
    client = hub.test_client()
    rules = [r for r in hub.url_map.iter_rules() if r.rule.startswith(PREFIXES) and r.endpoint not in PUBLIC]
    assert {r.endpoint for r in rules} >= {
        "dashboard.index",
        "dashboard.export_csv",
        "hub.device_list",
        "hub.device_new",
        "hub.device_revoke",
        "hub.device_token",
        "views.admin",
    }
    csrf = csrf_of(client)
    for rule in rules:
        url = re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": csrf})
            location = response.headers.get("Location", "")
            assert (response.status_code in (302, 303) and "/admin/login" in location) or response.status_code in (
                401,
                403,
            ), (method, url, response.status_code)


def test_login_is_rate_limited_per_address(hub):
    client = hub.test_client()
    for _n in range(5):
        assert login(client, "wrong-password").status_code == 403
    blocked = login(client)  # even the right password waits
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 800
    assert "essais de mot de passe : réessayez dans 15 min" in blocked.get_data(as_text=True)
    assert client.get("/dashboard/").status_code == 302
    elsewhere = hub.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "127.0.0.2"
    assert login(elsewhere).status_code == 302  # another address is not blocked


def test_the_window_passes(tmp_path, monkeypatch):
    """A controlled clock: a slow password hash on a loaded machine must not let the window pass early."""
    from player.web import auth

    clock = [1000.0]
    monkeypatch.setattr(auth.time, "monotonic", lambda: clock[0])
    app = hub_app(tmp_path / "hub", LOGIN_WINDOW=60, LOGIN_MAX_FAILURES=2)
    client = app.test_client()
    login(client, "nope-nope")
    login(client, "nope-nope")
    clock[0] += 59
    assert login(client).status_code == 429
    clock[0] += 1.5
    assert login(client).status_code == 302


def test_forms_need_their_csrf_token(trainer):
    from hubkit import register

    register(trainer, "portable-0")
    forms = []
    for url in ("/hub/devices", "/dashboard/", "/admin", "/learners"):
        forms += re.findall(r'<form method="post".*?</form>', trainer.get(url).get_data(as_text=True), re.S)
    assert len(forms) >= 5
    for form in forms:
        assert 'name="csrf_token"' in form, form
    assert trainer.post("/hub/devices", data={"name": "tablette-1"}).status_code == 400
    assert trainer.post("/hub/devices", data={"name": "tablette-1", "csrf_token": "forged"}).status_code == 400
    assert trainer.post("/hub/devices/1/revoke").status_code == 400
    page = trainer.get("/hub/devices").get_data(as_text=True)
    assert "tablette-1" not in page and "Révoqué" not in page


def test_cookie_settings(tmp_path):
    app = hub_app(tmp_path / "hub")
    client = app.test_client()
    response = client.post("/admin/login", data={"password": TRAINER, "csrf_token": csrf_of(client)})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = hub_app(tmp_path / "secure", SESSION_COOKIE_SECURE=True).test_client()
    secure.get("/learners")
    response = secure.get("/learners", base_url="https://localhost")
    assert "Secure" in response.headers.get("Set-Cookie", "Secure")
    page = secure.get("/learners", base_url="https://localhost")
    assert page.status_code == 200
    r = secure.post(
        "/admin/login",
        base_url="https://localhost",
        data={"password": TRAINER, "csrf_token": csrf_of(secure, "https://localhost/learners")},
    )
    assert "Secure" in r.headers["Set-Cookie"] and "HttpOnly" in r.headers["Set-Cookie"]
