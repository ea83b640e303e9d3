"""The lesson player: course pages, the lesson frame, the LMS API endpoints, content files.

SCORM: the page holds the SCO in an iframe and the player's own script (static/lms.js)
provides `API` (1.2) or `API_1484_11` (2004). The script first sends any commit left
buffered from an earlier session, then opens the session (POST …/open), then loads the SCO.
xAPI and cmi5: the page opens the attempt and launches the content against the local LRS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from werkzeug.security import safe_join

from player import bodies
from player.i18n import _
from player.learning import cmi5, tracking
from player.store import attempts
from player.store import packages as store
from player.web import assets
from player.web.auth import csrf_token, current_learner, learner_required

bp = Blueprint("learn", __name__)


def get_package(package_id: int) -> dict[str, Any]:
    package = store.get(package_id)
    if package is None:
        abort(404)
    return package


def get_launch(launch_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    launch = store.get_launch(launch_id)
    if launch is None:
        abort(404)
    return get_package(launch["package_id"]), launch


def content_url(package: dict, href: str) -> str:
    path, sep, rest = href.partition("?")
    if not sep:
        path, sep, rest = href.partition("#")
    return url_for("learn.content", package_id=package["id"], rev=package["sha256"][:12], path=path) + (
        sep + rest if sep else ""
    )


@bp.get("/courses/<int:package_id>")
def course(package_id: int):
    package = get_package(package_id)
    items = store.launches(package_id)
    learner = current_learner()
    status = {}
    if learner:
        for launch in items:
            tried = attempts.of_launch(learner["id"], package["identifier"], package["standard"], launch["ident"])
            status[launch["id"]] = tracking.best(tried)
    return render_template("course.html", package=package, launches=items, status=status)


def _lesson_src(package: dict, launch: dict, anchor: str) -> str:
    """The lesson's file, opened at a section (`?at=`, from search) unless its href has a fragment."""
    return content_url(package, launch["href"]) + (f"#{anchor}" if anchor and "#" not in launch["href"] else "")


@bp.get("/play/<int:launch_id>")
@learner_required
def play(launch_id: int):
    package, launch = get_launch(launch_id)
    siblings = [la for la in store.launches(package["id"]) if la["visible"]]
    index = next((i for i, la in enumerate(siblings) if la["id"] == launch_id), 0)
    nav = {
        "prev": url_for("learn.play", launch_id=siblings[index - 1]["id"]) if index > 0 else None,
        "next": url_for("learn.play", launch_id=siblings[index + 1]["id"]) if index + 1 < len(siblings) else None,
        "exit": url_for("learn.course", package_id=package["id"]),
    }
    anchor = request.args.get("at", "")
    src = _lesson_src(package, launch, anchor)
    config: dict[str, Any] = {
        "nav": nav,
        "csrf": csrf_token(),
        "msg": {
            "offline": _("Le lecteur ne répond pas : votre progression est gardée dans le navigateur et sera envoyée."),
            "lost": _("Cette leçon a été ouverte ailleurs : rechargez la page."),
        },
    }
    # Opening an attempt writes (an attempt, a `launched` statement): always a POST from the page's
    # own script, never a side effect of this GET (a link on another site must not start one).
    config.update(
        {
            "standard": package["standard"],
            "src": src,
            "learner": current_learner()["id"],
            "open": url_for("learn.open_session", launch_id=launch_id, at=anchor or None),
        }
    )
    return render_template(
        "play.html",
        package=package,
        launch=launch,
        siblings=siblings,
        nav=nav,
        config=config,
        src=src,
    )


@bp.post("/api/launches/<int:launch_id>/open")
@learner_required
def open_session(launch_id: int):
    package, launch = get_launch(launch_id)
    learner = current_learner()
    attempt = tracking.open_attempt(learner, package, launch)
    if package["standard"] not in ("scorm12", "scorm2004"):  # xAPI, cmi5: the content's launch URL
        src = _lesson_src(package, launch, request.args.get("at", ""))
        return jsonify(attempt=attempt["id"], src=cmi5.launch_url(package, launch, attempt, learner, src))
    return jsonify(
        attempt=attempt["id"],
        session=attempt["session_id"],
        entry=attempt["entry"],
        cmi=tracking.initial_cmi(attempt, learner, launch),
        commit=url_for("learn.commit", attempt_id=attempt["id"]),
    )


@bp.post("/api/attempts/<int:attempt_id>/commit")
def commit(attempt_id: int):
    learner = current_learner()
    if learner is None:
        return jsonify(error="no learner chosen"), 401
    try:
        payload = bodies.parse_json(request.get_data())
    except bodies.BadJSON as exc:
        return jsonify(error=f"a JSON object is expected: {exc}"), 400
    if not isinstance(payload, dict):
        return jsonify(error="a JSON object is expected"), 400
    _package, launch = store.of_attempt(attempt_id)
    launch = launch or {"title": "", "kind": "sco"}
    try:
        result = tracking.commit(attempt_id, learner, payload, launch)
    except tracking.TrackingError as exc:
        return jsonify(error=str(exc)), exc.status
    return jsonify(result)


@bp.get("/content/<int:package_id>/<rev>/<path:path>")
def content(package_id: int, rev: str, path: str):
    package = get_package(package_id)
    folder = Path(current_app.config["LIBRARY_DIR"]) / package["folder"]
    joined = safe_join(str(folder), path) if "\x00" not in path else None  # a NUL: no such file anywhere
    if joined is None:
        abort(404)
    target = Path(joined)
    if target.is_symlink() or not target.resolve().is_relative_to(folder.resolve()):
        abort(404)
    # The revision is the package's content hash: files under it never change, so they are immutable.
    return assets.send(target, immutable=rev == package["sha256"][:12])
