"""Ruche player: a small Flask app that imports, plays and tracks standard e-learning packages.

`create_app(config)` is the only entry point; see docs/player.md for the layout.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, request, url_for
from markupsafe import Markup

HERE = Path(__file__).parent
COMPRESSIBLE = (
    "text/html",
    "text/css",
    "application/javascript",
    "text/javascript",
    "application/json",
    "image/svg+xml",
    "text/plain",
)


def _secret_key(data_dir: Path) -> str:
    path = data_dir / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, static_folder=None)
    config = dict(config or {})
    data_dir = Path(config.get("DATA_DIR") or os.environ.get("RUCHE_DATA") or app.instance_path)
    data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(data_dir, 0o700)  # learners' data, PIN hashes and the secret key: this account only
    app.config.update(
        DATA_DIR=str(data_dir),
        DATABASE=str(data_dir / "player.sqlite3"),
        LIBRARY_DIR=str(data_dir / "library"),
        INDEX_DIR=str(data_dir / "search-index"),
        IMPORT_DIRS=[],
        IMPORT_INTERVAL=10.0,
        MAX_CONTENT_LENGTH=512 * 1024 * 1024,  # a package upload by the trainer; other bodies: player.bodies
        DB_SYNCHRONOUS="FULL",  # an acknowledged write is on disk (db.SYNCHRONOUS); NORMAL only for benches
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="ruche_session",
        SESSION_COOKIE_SECURE=os.environ.get("RUCHE_SECURE_COOKIES") == "1",  # True behind HTTPS (docs/hub.md)
        LRS_KEY=None,  # basic-auth pair for other clients of /xapi/ (the hub, tests)
        LRS_SECRET=None,
        LAUNCH_CREDENTIAL_HOURS=12.0,  # a launch's /xapi/ credential lasts this long at most (docs/player.md)
        TRAINER_PASSWORD=None,  # sets the trainer password on first start when given
        DEVICE_HOME_PAGE=None,  # account homePage of this device's learners in statements
        SYNC_ENDPOINT=None,  # the remote LRS of this device, e.g. http://hub:5000/xapi (docs/sync.md);
        SYNC_KEY=None,  # with its basic-auth pair. Unset: $RUCHE_SYNC_ENDPOINT, _KEY, _SECRET
        SYNC_SECRET=None,
        SYNC_INTERVAL=60.0,  # seconds between looks at the outbox for the background sync
        HUB=os.environ.get("RUCHE_HUB") == "1",  # hub mode: devices sync into this player (docs/hub.md)
        HUB_UPSTREAM_ENDPOINT=None,  # hub: forward received statements there (else $RUCHE_HUB_UPSTREAM_*)
        HUB_UPSTREAM_KEY=None,
        HUB_UPSTREAM_SECRET=None,
        LOGIN_MAX_FAILURES=5,  # wrong trainer passwords per client address …
        LOGIN_WINDOW=900.0,  # … within this many seconds, then 429 until the window passes
        TRAINER_IDLE=1200.0,  # seconds without a trainer page before the trainer's session ends
    )
    app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(data_dir)
    Path(app.config["LIBRARY_DIR"]).mkdir(parents=True, exist_ok=True)

    from player import bodies, db, i18n
    from player.fleet.gzip_requests import GunzipRequests
    from player.learning import cmi5, library, search
    from player.learning import launch as learn
    from player.lrs import resources as lrs
    from player.web import assets, auth, views

    bodies.init_app(app, auth.is_trainer)  # first: no code may read a body before its limit is set
    db.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    for module in (assets, views, auth, library, learn, lrs, cmi5, search):
        app.register_blueprint(module.bp)
    from player.fleet import publish as updates

    app.register_blueprint(updates.bp)  # /updates/: the packages this player publishes (docs/updates.md)
    from player.web import dashboard, hub

    app.register_blueprint(dashboard.bp)  # /dashboard/: learners' progress for trainers (docs/hub.md)
    if app.config["HUB"]:
        hub.init_app(app)
        app.register_blueprint(hub.bp)  # /hub/: the device registry
    _static_and_compression(app)
    app.wsgi_app = GunzipRequests(app.wsgi_app, max_bytes=lrs.MAX_BODY)  # gzip bodies of syncs
    if app.config.get("TRAINER_PASSWORD"):
        with app.app_context():
            if not auth.trainer_exists():
                auth.set_trainer_password(app.config["TRAINER_PASSWORD"])
    return app


def _static_and_compression(app: Flask) -> None:
    hashes: dict[str, str] = {}

    def static_url(filename: str) -> str:
        """A static URL with a content hash: served as immutable, a new file gets a new URL."""
        if filename not in hashes:
            data = (HERE / "static" / filename).read_bytes()
            hashes[filename] = hashlib.sha256(data).hexdigest()[:12]
        return url_for("assets.static", filename=filename, v=hashes[filename])

    app.jinja_env.globals["static_url"] = static_url

    scripts: dict[str, Markup] = {}

    def inline_script(filename: str) -> Markup:
        """A small static script's text, to put in the page itself: on a slow line a request costs a
        round trip (~0.4 s throttled), its bytes far less. Only our own files, so Markup is safe."""
        if filename not in scripts:
            text = (HERE / "static" / filename).read_text(encoding="utf-8")
            scripts[filename] = Markup(text.replace("</", "<\\/"))
        return scripts[filename]

    app.jinja_env.globals["inline_script"] = inline_script

    @app.after_request
    def finish(response):  # noqa: ANN001, ANN202
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return _gzip(response)


def _gzip(response):  # noqa: ANN001, ANN202
    mimetype = response.mimetype or ""
    if (
        response.direct_passthrough
        or response.status_code < 200
        or response.status_code in (204, 304)
        or "Content-Encoding" in response.headers
        or not mimetype.startswith(COMPRESSIBLE)
        or "gzip" not in request.headers.get("Accept-Encoding", "").lower()
    ):
        return response
    data = response.get_data()
    if len(data) < 512:
        return response
    response.set_data(gzip.compress(data, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Content-Length"] = str(len(response.get_data()))
    response.vary.add("Accept-Encoding")
    if response.headers.get("ETag") and not response.headers["ETag"].startswith("W/"):
        response.headers["ETag"] = "W/" + response.headers["ETag"]
    return response
