"""Pages that only read: the catalogue (home), "my progress", the admin dashboard."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from player import db
from player.i18n import _
from player.learning import tracking
from player.web.auth import current_learner, learner_required, trainer_required

bp = Blueprint("views", __name__)


@bp.get("/")
def home():
    conn = db.get_db()
    packages = [
        dict(r)
        for r in conn.execute(
            "SELECT p.*, (SELECT COUNT(*) FROM launch l WHERE l.package_id = p.id AND l.visible) AS lessons, "
            "(SELECT id FROM launch l WHERE l.package_id = p.id AND l.visible ORDER BY position LIMIT 1) "
            "AS first_launch "
            "FROM package p ORDER BY p.title COLLATE NOCASE"
        )
    ]
    learner = current_learner()
    status = {}
    if learner:
        for entry in tracking.progress(learner["id"]):
            if entry["package"].get("id"):
                status[entry["package"]["id"]] = entry
    return render_template("home.html", packages=packages, status=status)


@bp.get("/progress")
@learner_required
def progress():
    return render_template("progress.html", entries=tracking.progress(current_learner()["id"]))


@bp.get("/admin")
@trainer_required
def admin():
    conn = db.get_db()
    packages = [dict(r) for r in conn.execute("SELECT * FROM package ORDER BY title COLLATE NOCASE")]
    learners = [
        dict(r)
        for r in conn.execute(
            "SELECT l.*, (SELECT COUNT(*) FROM attempt a WHERE a.learner_id = l.id AND a.completion = 'completed') "
            "AS completed, (SELECT MAX(updated_at) FROM attempt a WHERE a.learner_id = l.id) AS last_seen "
            "FROM learner l ORDER BY name COLLATE NOCASE"
        )
    ]
    pending = conn.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0]
    return render_template(
        "admin.html",
        packages=packages,
        learners=learners,
        pending=pending,
        import_dirs=current_app.config.get("IMPORT_DIRS") or [],
    )


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException):
    if request.path.startswith(("/xapi/", "/api/", "/cmi5/")):
        return {"error": exc.description}, exc.code
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
        message=exc.description if exc.code in (400, 403) else "",
    ), exc.code
