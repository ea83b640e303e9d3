"""The trainer's /hub/ pages: register devices, show a token once, revoke or renew it; and the hub's
wiring into the app (upstream settings, device contacts noted on /xapi/about).

The registry's rules are player.fleet.devices; these views only read forms and render.
"""

from __future__ import annotations

import base64
import os

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from player.fleet.devices import check_device, devices, forwarding, new_token, register, revoke
from player.i18n import _
from player.web.auth import is_trainer

bp = Blueprint("hub", __name__, url_prefix="/hub")


def _note_about() -> None:
    """`GET /xapi/about` skips auth, but an empty sync is only that request: note the device's contact."""
    if request.path != "/xapi/about" or not request.headers.get("Authorization", "").startswith("Basic "):
        return
    try:
        pair = base64.b64decode(request.headers["Authorization"][6:], validate=True).decode()
        key, _sep, secret = pair.partition(":")
    except (ValueError, UnicodeDecodeError):
        return
    check_device(key, secret)


@bp.before_request
def trainer_only():  # noqa: ANN201
    """Every page under /hub/ needs the trainer, whatever decorators a future view forgets."""
    if not is_trainer():
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def _page(token: tuple[str, str] | None = None, status: int = 200):  # noqa: ANN202
    response = make_response(
        render_template("hub_devices.html", devices=devices(), token=token, forwarding=forwarding()), status
    )
    response.headers["Cache-Control"] = "no-store"  # the page may hold a token
    return response


@bp.get("/devices")
def device_list():  # noqa: ANN201
    return _page()


@bp.post("/devices")
def device_new():  # noqa: ANN201
    name = request.form.get("name", "")
    try:
        token = register(name)
    except ValueError as exc:
        flash(str(exc), "error")
        return _page(status=400)
    return _page((name.strip(), token), status=201)


@bp.post("/devices/<int:device_id>/revoke")
def device_revoke(device_id: int):  # noqa: ANN201
    revoke(device_id)
    flash(_("Jeton révoqué : l'appareil ne peut plus synchroniser."))
    return redirect(url_for("hub.device_list"))


@bp.post("/devices/<int:device_id>/token")
def device_token(device_id: int):  # noqa: ANN201
    try:
        token = new_token(device_id)
    except KeyError:
        abort(404)
    return _page(token, status=201)


def init_app(app: Flask) -> None:
    """Hub settings: the upstream becomes the sync remote; device contacts on /xapi/about are noted."""
    for name in ("ENDPOINT", "KEY", "SECRET"):
        value = app.config.get(f"HUB_UPSTREAM_{name}") or os.environ.get(f"RUCHE_HUB_UPSTREAM_{name}")
        app.config[f"HUB_UPSTREAM_{name}"] = value or None
    if app.config["HUB_UPSTREAM_ENDPOINT"] and not app.config.get("SYNC_ENDPOINT"):
        app.config["SYNC_ENDPOINT"] = app.config["HUB_UPSTREAM_ENDPOINT"]
        app.config["SYNC_KEY"] = app.config["HUB_UPSTREAM_KEY"]
        app.config["SYNC_SECRET"] = app.config["HUB_UPSTREAM_SECRET"]
    app.before_request(_note_about)
