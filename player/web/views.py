"""Pages that only read: the catalogue (home), "my progress", the admin dashboard."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from player.bodies import API_PREFIXES, too_large_message
from player.i18n import _
from player.learning import tracking
from player.store import attempts, learners, packages
from player.web.auth import current_learner, learner_required, trainer_required

bp = Blueprint("views", __name__)


@bp.get("/")
def home():
    catalogue = packages.catalogue()
    learner = current_learner()
    status = {}
    if learner:
        for entry in tracking.progress(learner["id"]):
            if entry["package"].get("id"):
                status[entry["package"]["id"]] = entry
    return render_template("home.html", packages=catalogue, status=status)


@bp.get("/progress")
@learner_required
def progress():
    return render_template("progress.html", entries=tracking.progress(current_learner()["id"]))


@bp.get("/admin")
@trainer_required
def admin():
    return render_template(
        "admin.html",
        packages=packages.ordered_by_title(),
        learners=learners.with_activity(),
        pending=attempts.pending_outbox(),
        import_dirs=current_app.config.get("IMPORT_DIRS") or [],
    )


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException):
    description = too_large_message() if exc.code == 413 else exc.description
    if request.path.startswith(API_PREFIXES):
        return {"error": description}, exc.code
    titles = {
        400: _("Requête refusée"),
        403: _("Accès refusé"),
        404: _("Page introuvable"),
        413: _("Fichier trop gros"),
    }
    return render_template(
        "error.html",
        code=exc.code,
        title=titles.get(exc.code, exc.name),
        message=description if exc.code in (400, 403, 413) else "",
    ), exc.code
