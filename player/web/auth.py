"""Who is using the device: learner profiles (name, optional 4-digit PIN), the trainer, CSRF.

Learners pick their name on a shared laptop; a PIN is optional and stored hashed. One trainer
account (a password hashed by werkzeug) opens the admin pages. Every form carries a CSRF token
checked here before any view runs; the session cookie is HttpOnly and SameSite=Lax.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import re
import secrets
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from player import bodies, db
from player.i18n import _
from player.store import learners as store

bp = Blueprint("auth", __name__)
PIN = re.compile(r"^[0-9]{4}$")
MAX_PIN_FAILURES = 10
NAME_MAX = 60
CSRF_EXEMPT_PREFIXES = ("/xapi/", "/cmi5/fetch/")


# ---------------------------------------------------------------------------------------------
# CSRF


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    if request.method in ("GET", "HEAD", "OPTIONS") or request.path.startswith(CSRF_EXEMPT_PREFIXES):
        return
    sent = request.headers.get("X-CSRF-Token") or _body_token()
    expected = session.get("csrf")
    if not expected or not sent or not hmac.compare_digest(str(sent), expected):
        abort(400, description=_("Le formulaire a expiré : rechargez la page et recommencez."))


def _body_token() -> Any:
    """The token of a form (its body bounded by player.bodies), or of a JSON body only when that
    declares a length within a form's limit: a big or chunked JSON body sends the header instead."""
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return request.form.get("csrf_token")
    length = request.content_length
    if not request.is_json or length is None or length > bodies.FORM:
        return None
    try:
        body = bodies.parse_json(request.get_data())
    except bodies.BadJSON:
        return None
    return body.get("csrf_token") if isinstance(body, dict) else None


# ---------------------------------------------------------------------------------------------
# Learners


def current_learner() -> dict[str, Any] | None:
    if "learner" not in g:
        g.learner = None
        learner_id = session.get("learner_id")
        if learner_id is not None:
            g.learner = store.get(learner_id)
            if g.learner is None:
                session.pop("learner_id", None)
    return g.learner


def learner_required(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_learner() is None:
            flash(_("Choisissez d'abord votre nom."))
            return redirect(url_for("auth.learners", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def create_learner(name: str, pin: str = "") -> int:
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX:
        raise ValueError(_("Le nom doit compter entre 1 et {n} caractères.", n=NAME_MAX))
    if pin and not PIN.match(pin):
        raise ValueError(_("Le NIP doit compter exactement 4 chiffres."))
    with db.transaction() as conn:
        if store.name_taken(conn, name):
            raise ValueError(_("Ce nom est déjà pris : choisissez-le dans la liste."))
        return store.insert(conn, name, generate_password_hash(pin) if pin else None, str(uuid.uuid4()), db.now())


def check_pin(learner: dict[str, Any], pin: str) -> bool:
    """True when the learner has no PIN or this one is right; counts failures."""
    if not learner["pin_hash"]:
        return True
    with db.transaction() as conn:  # the try is spent before the PIN is checked
        if not store.reserve_pin_try(conn, learner["id"], MAX_PIN_FAILURES):
            return False
    ok = check_password_hash(learner["pin_hash"], pin or "")
    if ok:
        with db.transaction() as conn:
            store.clear_failed_pins(conn, learner["id"])
    return ok


def safe_next(target: str | None) -> str:
    """`target` when it is a path of this site, else the home page (never another site: browsers drop
    tabs and line breaks from URLs, so `/<tab>/evil.example/` would be `//evil.example/`)."""
    if target and target.isprintable() and not any(c.isspace() or c == "\\" for c in target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("views.home")


@bp.get("/learners")
def learners():
    return render_template("learners.html", learners=store.names(), next=request.args.get("next", ""))


@bp.post("/learners/new")
def new_learner():
    try:
        learner_id = create_learner(request.form.get("name", ""), request.form.get("pin", "").strip())
    except ValueError as exc:
        flash(str(exc), "error")
        return redirect(url_for("auth.learners", next=request.form.get("next", "")))
    _switch_to(learner_id)
    return redirect(safe_next(request.form.get("next")))


def _switch_to(learner_id: int) -> None:
    """A new session for the chosen learner (no fixation). Choosing a learner ends the trainer's
    session: the laptop is shared, and the trainer's rights must not pass to whoever sits down next."""
    session.clear()
    session["learner_id"] = learner_id


@bp.post("/learners/<int:learner_id>/choose")
def choose(learner_id: int):
    learner = store.get(learner_id)
    if learner is None:
        abort(404)
    if learner["failed_pins"] >= MAX_PIN_FAILURES and learner["pin_hash"]:
        flash(_("Trop d'essais : demandez à la personne formatrice de remettre votre NIP à zéro."), "error")
        return redirect(url_for("auth.learners"))
    if not check_pin(learner, request.form.get("pin", "")):
        flash(_("NIP incorrect."), "error")
        return redirect(url_for("auth.learners", next=request.form.get("next", "")))
    _switch_to(learner_id)
    return redirect(safe_next(request.form.get("next")))


@bp.post("/learners/leave")
def leave():
    session.clear()  # "Changer de personne" ends the trainer's session too
    return redirect(url_for("views.home"))


# ---------------------------------------------------------------------------------------------
# The trainer


def trainer_exists() -> bool:
    return store.trainer_password_hash() is not None


def set_trainer_password(password: str) -> None:
    if len(password) < 8:
        raise ValueError(_("Le mot de passe doit compter au moins 8 caractères."))
    store.set_trainer_password_hash(generate_password_hash(password))


def new_setup_code() -> str:
    """A one-time code for choosing the first trainer password, which `serve` prints on its console.

    Only someone at the device's console (or its ssh session) can read it; a lesson's script also
    runs on the device, so "from the device itself" alone proves nothing. Stored hashed, spent once.
    """
    code = f"{secrets.randbelow(10**8):08d}"
    db.set_setting("trainer_setup_code", generate_password_hash(code))
    return f"{code[:4]}-{code[4:]}"


def _setup_code_matches(given: str) -> bool:
    stored = db.get_setting("trainer_setup_code")
    digits = "".join(c for c in given if c.isdigit())
    return bool(stored) and check_password_hash(stored, digits)


def _trainer_epoch() -> str:
    """Trainer sessions carry this value; logging out changes it, so a copied cookie stops working."""
    return db.get_setting("trainer_epoch") or "0"


def is_trainer() -> bool:
    """A trainer session of the current epoch, active within TRAINER_IDLE seconds (then it ends)."""
    if not session.get("trainer") or session["trainer"] != _trainer_epoch():
        return False
    now = time.time()
    if now - float(session.get("trainer_seen", 0)) > float(current_app.config["TRAINER_IDLE"]):
        session.pop("trainer", None)
        return False
    session["trainer_seen"] = now
    return True


def trainer_required(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not is_trainer():
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def _is_loopback() -> bool:
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


_LOGIN_LOCK = threading.Lock()


def _login_failures() -> dict[str, list[float]]:
    """Recent wrong passwords per client address (in memory: one server process per device)."""
    return current_app.extensions.setdefault("ruche_login_failures", {})


def reserve_login_try() -> float:
    """Count this password try before it is checked, under one lock, so that concurrent guesses can
    never be evaluated more than LOGIN_MAX_FAILURES times a window. 0 when the try may go on, else
    the seconds to wait (the try is then not counted)."""
    window, limit = float(current_app.config["LOGIN_WINDOW"]), int(current_app.config["LOGIN_MAX_FAILURES"])
    now, address = time.monotonic(), request.remote_addr or ""
    with _LOGIN_LOCK:
        failures = _login_failures()
        recent = [t for t in failures.get(address, []) if now - t < window]
        if len(recent) >= limit:
            failures[address] = recent
            return window - (now - recent[0])
        failures[address] = [*recent, now]
        return 0.0


def _release_login_try() -> None:
    """The password was right: its try does not count against the address."""
    with _LOGIN_LOCK:
        tries = _login_failures().get(request.remote_addr or "", [])
        if tries:
            tries.pop()


@bp.route("/admin/login", methods=["GET", "POST"])
def login():
    first_run = not trainer_exists()
    if request.method == "POST":
        wait = reserve_login_try()
        if wait:  # a password guesser gets a few tries per window, even the right password waits
            minutes = max(1, round(wait / 60))
            flash(_("Trop d'essais de mot de passe : réessayez dans {n} min.", n=minutes), "error")
            response = make_response(render_template("login.html", first_run=first_run, next=""), 429)
            response.headers["Retry-After"] = str(int(wait) + 1)
            return response
        password = request.form.get("password", "")
        if first_run:
            if not _is_loopback():
                abort(403, description=_("Le premier mot de passe se choisit sur l'appareil lui-même."))
            if not _setup_code_matches(request.form.get("code", "")):
                flash(_("Code d'installation incorrect : il est affiché dans la console du lecteur."), "error")
                return render_template("login.html", first_run=True, next=""), 403
            try:
                set_trainer_password(password)
            except ValueError as exc:
                flash(str(exc), "error")
                return redirect(url_for("auth.login"))
            db.set_setting("trainer_setup_code", "")  # spent
        elif not check_password_hash(store.trainer_password_hash() or "", password):
            flash(_("Mot de passe incorrect."), "error")
            return render_template("login.html", first_run=False, next=request.form.get("next", "")), 403
        _release_login_try()
        learner_id = session.get("learner_id")
        session.clear()
        if learner_id is not None:
            session["learner_id"] = learner_id
        session["trainer"] = _trainer_epoch()
        session["trainer_seen"] = time.time()
        return redirect(safe_next(request.form.get("next") or url_for("views.admin")))
    return render_template("login.html", first_run=first_run, next=request.args.get("next", ""))


@bp.post("/admin/logout")
def logout():
    db.set_setting("trainer_epoch", secrets.token_hex(8))  # every copy of a trainer cookie ends here
    session.pop("trainer", None)
    return redirect(url_for("views.home"))


def _change_learner(change: Callable[[sqlite3.Connection, int], None], learner_id: int, done: str) -> Response:
    """The trainer's actions on a profile share their shape: one transaction, a note, back to admin."""
    with db.transaction() as conn:
        change(conn, learner_id)
    flash(done)
    return redirect(url_for("views.admin"))


@bp.post("/admin/learners/<int:learner_id>/reset-pin")
@trainer_required
def reset_pin(learner_id: int):
    return _change_learner(store.reset_pin, learner_id, _("NIP effacé."))


@bp.post("/admin/learners/<int:learner_id>/delete")
@trainer_required
def delete_learner(learner_id: int):
    return _change_learner(store.delete, learner_id, _("Profil supprimé."))


def init_app(app: Flask) -> None:
    app.before_request(check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["current_learner"] = current_learner
    app.jinja_env.globals["is_trainer"] = is_trainer
