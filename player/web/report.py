"""Learners' progress for the trainer dashboard, from the facts `store.progress` reads.

`progress_fact` holds one row per statement (filled by triggers, migrations/0004_hub.sql): on a hub
the statements devices sent, on a device its own. Everything the dashboard shows is built here from
those facts (the SQL is in store/progress.py), so the dashboard's views only parse filters and
render. Plus the CSV export and the SVG chart, both pure functions.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import unquote

from markupsafe import Markup, escape

from packager.standards import ids
from packager.standards import statements as xs
from packager.standards.scorm import parse_timespan
from player import db
from player.i18n import _
from player.store import devices as device_store
from player.store import packages as package_store
from player.store import progress as store

ADL = xs.ADL_VERBS
QUESTION_VERBS = (ADL + "answered", ADL + "responded")
SESSION_VERBS = (ADL + "terminated", ADL + "suspended", ADL + "exited")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LANGS = ("fr", "fr-CA", "fr-FR", "und", "en", "en-US")


@dataclass(frozen=True)
class Filters:
    """The dashboard's GET parameters, validated (an invalid value is dropped, never an error)."""

    course: str = ""
    learner: str = ""
    device: int | None = None
    start: str = ""  # YYYY-MM-DD, inclusive
    end: str = ""  # YYYY-MM-DD, inclusive

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        device = args.get("device", "")
        start, end = args.get("start", ""), args.get("end", "")
        return cls(
            course=args.get("course", "")[:2000],
            learner=args.get("learner", "")[:2000],
            device=int(device) if device.isdigit() else None,
            start=start if DATE.match(start) and _is_date(start) else "",
            end=end if DATE.match(end) and _is_date(end) else "",
        )

    def where(self, skip: tuple[str, ...] = ()) -> tuple[str, list[Any]]:
        return store.where(self, skip)

    def query(self) -> dict[str, str]:
        """The filters as query parameters (for the CSV link)."""
        out = {"course": self.course, "learner": self.learner, "start": self.start, "end": self.end}
        out["device"] = "" if self.device is None else str(self.device)
        return {k: v for k, v in out.items() if v}


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def label(name_map: str | None, fallback: str) -> str:
    """A name from an xAPI language map (French first), else the IRI's last segment."""
    try:
        names = json.loads(name_map) if name_map else {}
    except ValueError:
        names = {}
    if isinstance(names, dict) and names:
        for lang in LANGS:
            if names.get(lang):
                return str(names[lang])
        return str(next(iter(names.values())))
    return unquote(fallback.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]) or fallback


def course_names() -> dict[str, str]:
    """Course IRI → title: installed packages first, then activity definitions received."""
    conn = db.get_db()
    names = {}
    for row in store.course_definitions(conn):
        definition = json.loads(row["definition"]) if row["definition"] else {}
        names[row["course"]] = label(json.dumps(definition.get("name") or {}), row["course"])
    for identifier, course_iri, title in package_store.package_titles(conn):
        names[ids.package_course_iri(identifier, course_iri)] = title
    return names


def options() -> dict[str, list[tuple[str, str]]]:
    """The choices of the filter form: courses, learners, devices."""
    conn = db.get_db()
    names = course_names()
    courses = sorted(((c, names.get(c, c)) for c in names), key=lambda p: p[1].lower())
    learners = [(r["learner"], r["name"] or r["learner"]) for r in store.learners(conn)]
    devices = device_store.choices(conn)
    return {"courses": courses, "learners": learners, "devices": devices}


def learner_rows(filters: Filters) -> list[dict[str, Any]]:
    """Per course and learner: lessons completed of those known, mean best score, time, passed/failed."""
    conn = db.get_db()
    facts = store.facts(conn, filters)
    # Lessons of a course: every non-question activity seen in it, by anyone (not only this selection).
    lessons: dict[str, set[str]] = {}
    for row in store.lesson_activities(conn, filters, QUESTION_VERBS, xs.INTERACTION):
        lessons.setdefault(row["course"], set()).add(row["activity"])
    names = course_names()
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for f in facts:
        key = (f["course"], f["learner"])
        row = table.setdefault(
            key,
            {
                "course": f["course"],
                "course_name": names.get(f["course"], f["course"]),
                "learner": f["learner"],
                "learner_name": f["learner_name"] or f["learner"],
                "devices": set(),
                "completed": set(),
                "passed": set(),
                "failed": set(),
                "scores": {},
                "seconds": 0.0,
                "last": "",
            },
        )
        row["last"] = max(row["last"], f["timestamp"])
        if f["device"]:
            row["devices"].add(f["device"])
        if f["verb"] in QUESTION_VERBS or f["activity_type"] == xs.INTERACTION or f["activity"] == f["course"]:
            continue
        if f["verb"] == ADL + "completed" or f["completion"] == 1:
            row["completed"].add(f["activity"])
        if f["verb"] == ADL + "passed":
            row["passed"].add(f["activity"])
        if f["verb"] == ADL + "failed":
            row["failed"].add(f["activity"])
        if f["score"] is not None:
            row["scores"][f["activity"]] = max(row["scores"].get(f["activity"], -1.0), float(f["score"]))
        if f["verb"] in SESSION_VERBS and f["duration"]:
            row["seconds"] += parse_timespan(f["duration"])
    out = []
    for row in table.values():
        total = len(lessons.get(row["course"], set()) | row["completed"])
        scores = list(row["scores"].values())
        out.append(
            {
                "course": row["course"],
                "course_name": row["course_name"],
                "learner": row["learner"],
                "learner_name": row["learner_name"],
                "devices": ", ".join(sorted(row["devices"])),
                "completed": len(row["completed"]),
                "lessons": total,
                "completion": round(100 * len(row["completed"]) / total) if total else 0,
                "score": round(100 * sum(scores) / len(scores)) if scores else None,
                "passed": len(row["passed"]),
                "failed": len(row["failed"] - row["passed"]),
                "minutes": round(row["seconds"] / 60),
                "last": row["last"],
            }
        )
    out.sort(key=lambda r: (r["course_name"].lower(), r["learner_name"].lower()))
    return out


def question_rows(filters: Filters) -> list[dict[str, Any]]:
    """Per question: answers with a known result, how many right, the success rate in %."""
    rows = store.question_stats(db.get_db(), filters, QUESTION_VERBS, xs.INTERACTION)
    names = course_names()
    return [
        {
            "course_name": names.get(r["course"], r["course"]),
            "question": label(r["name"], r["activity"]),
            "activity": r["activity"],
            "answers": r["answers"],
            "correct": r["correct"] or 0,
            "rate": round(100 * (r["correct"] or 0) / r["answers"]),
        }
        for r in rows
    ]


def timeline(filters: Filters) -> list[tuple[str, int]]:
    """(day, lessons completed so far): each learner's first completion of a lesson, cumulated by day."""
    rows = store.completions_by_day(db.get_db(), filters, ADL + "completed", QUESTION_VERBS)
    total, out = 0, []
    for row in rows:
        total += row["n"]
        out.append((row["day"], total))
    return out


# ---------------------------------------------------------------------------------------------
# Outputs


def N_(text: str) -> str:
    """Marks a string for translation where it is defined; `_()` translates it where it is used."""
    return text


CSV_COLUMNS = (
    ("course_name", N_("Cours")),
    ("learner_name", N_("Personne")),
    ("devices", N_("Appareil")),
    ("completed", N_("Leçons terminées")),
    ("lessons", N_("Leçons")),
    ("completion", N_("Achèvement (%)")),
    ("score", N_("Score moyen (%)")),
    ("passed", N_("Réussies")),
    ("failed", N_("Échouées")),
    ("minutes", N_("Temps (min)")),
    ("last", N_("Dernière activité")),
)


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (names come from devices)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_(title) for _key, title in CSV_COLUMNS])
    for row in rows:
        writer.writerow([_cell(row[key]) for key, _title in CSV_COLUMNS])
    return buffer.getvalue()


def svg_chart(points: list[tuple[str, int]], title: str, width: int = 640, height: int = 240) -> Markup:
    """A step chart of a cumulative count per day, as inline SVG: no script, no library, readable without CSS."""
    left, right, top, bottom = 48, 16, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    desc = "; ".join(f"{day}: {n}" for day, n in points) or _("Aucune donnée pour ces filtres.")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="chart-title chart-desc">',
        f'<title id="chart-title">{escape(title)}</title><desc id="chart-desc">{escape(desc)}</desc>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="currentColor"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="currentColor"/>',
    ]
    if points:
        first, last = date.fromisoformat(points[0][0]), date.fromisoformat(points[-1][0])
        span = max((last - first).days, 1)
        peak = max(n for _day, n in points) or 1

        def xy(day: str, n: int) -> tuple[float, float]:
            x = left + plot_w * (date.fromisoformat(day) - first).days / span
            return round(x, 1), round(top + plot_h - plot_h * n / peak, 1)

        coords, previous_y = [], top + plot_h
        for day, n in points:
            x, y = xy(day, n)
            coords += [f"{x},{previous_y}", f"{x},{y}"]
            previous_y = y
        coords.append(f"{left + plot_w},{previous_y}")
        parts.append(f'<polyline fill="none" stroke="#1f6f8b" stroke-width="2" points="{" ".join(coords)}"/>')
        for day, n in points:
            x, y = xy(day, n)
            parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="#1f6f8b"><title>{day} : {n}</title></circle>')
        parts.append(f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="12">{peak}</text>')
        parts.append(f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" font-size="12">0</text>')
        parts.append(f'<text x="{left}" y="{height - 12}" font-size="12">{points[0][0]}</text>')
        if len(points) > 1:
            parts.append(
                f'<text x="{left + plot_w}" y="{height - 12}" text-anchor="end" font-size="12">{points[-1][0]}</text>'
            )
    else:
        parts.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle" font-size="14">'
            f"{escape(desc)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
