"""The trainer dashboard: learners' progress with filters, a CSV export and an SVG chart.

Thin views over player.web.report; the trainer login is checked for every route of the blueprint
(before_request), so a new page cannot be left open by a forgotten decorator.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from player.fleet import devices as hub
from player.i18n import _
from player.web import report as progress
from player.web.auth import is_trainer

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.before_request
def trainer_only():  # noqa: ANN201
    if not is_trainer():
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


@bp.get("/")
def index() -> str:
    filters = progress.Filters.from_args(request.args)
    in_hub = bool(current_app.config.get("HUB"))
    return render_template(
        "dashboard.html",
        filters=filters,
        options=progress.options(),
        rows=progress.learner_rows(filters),
        questions=progress.question_rows(filters),
        chart=progress.svg_chart(progress.timeline(filters), _("Leçons terminées au fil du temps")),
        devices=hub.devices() if in_hub else [],
        hub=in_hub,
    )


@bp.get("/export.csv")
def export_csv() -> Response:
    filters = progress.Filters.from_args(request.args)
    body = "\ufeff" + progress.to_csv(progress.learner_rows(filters))  # BOM: spreadsheets read the accents right
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="progression.csv"', "Cache-Control": "no-store"},
    )
