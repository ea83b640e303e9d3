"""French by default, English available: one catalogue per language as a Python dict.

Why dicts rather than gettext .po/.mo files: the interface has about a hundred strings and two
languages; a dict needs no compile step (no msgfmt, no Babel at build or run time), loads in
microseconds on a Raspberry Pi, and a test checks that every French string used by the
templates and the code has its English entry (tests/player/test_i18n.py). The French text is
the key, so templates stay readable. Switching to gettext later is mechanical: the keys are
already msgids, and `_()` is the gettext name.

The language of a request: ?lang=fr|en (remembered in a cookie), else the cookie, else
Accept-Language, else French.
"""

from __future__ import annotations

from flask import Flask, g, request

from player.catalogue_en import EN

LANGUAGES = ("fr", "en")
DEFAULT = "fr"
COOKIE = "ruche_lang"
CATALOGUES: dict[str, dict[str, str]] = {"fr": {}, "en": EN}


def choose_language() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    cookie = request.cookies.get(COOKIE)
    if cookie in LANGUAGES:
        return cookie
    best = request.accept_languages.best_match(LANGUAGES)
    return best or DEFAULT


def current() -> str:
    try:
        return g.lang
    except (AttributeError, RuntimeError):
        return DEFAULT


def gettext(text: str, **values: object) -> str:
    """The text in the request's language; `values` fill `{name}` placeholders."""
    translated = CATALOGUES.get(current(), {}).get(text, text)
    return translated.format(**values) if values else translated


_ = gettext


def init_app(app: Flask) -> None:
    @app.before_request
    def pick_language() -> None:
        g.lang = choose_language()

    @app.after_request
    def remember(response):  # noqa: ANN001, ANN202
        asked = request.args.get("lang")
        if asked in LANGUAGES:
            response.set_cookie(COOKIE, asked, max_age=365 * 86400, samesite="Lax", httponly=True)
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
        return response

    app.jinja_env.globals["_"] = gettext
    app.jinja_env.globals["current_language"] = current
