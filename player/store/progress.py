"""The dashboard's queries over `progress_fact` (one row per statement, filled by triggers:
migrations/0004_hub.sql and 0006_agent_key.sql). Its `learner` is the LRS's agent key
(packager.standards.ids.agent_key), stored with each statement. `filters` is report.Filters: any
object with course, learner, device, start and end (YYYY-MM-DD, inclusive)."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any


def where(filters: Any, skip: tuple[str, ...] = ()) -> tuple[str, list[Any]]:
    """The WHERE clause and parameters of the filters, without those named in `skip`."""
    clauses, params = ["1"], []
    if filters.course and "course" not in skip:
        clauses.append("course = ?")
        params.append(filters.course)
    if filters.learner and "learner" not in skip:
        clauses.append("learner = ?")
        params.append(filters.learner)
    if filters.device is not None and "device" not in skip:
        clauses.append("device_id = ?")
        params.append(filters.device)
    if filters.start:
        clauses.append("timestamp >= ?")
        params.append(filters.start)
    if filters.end:
        clauses.append("timestamp < ?")
        params.append((date.fromisoformat(filters.end) + timedelta(days=1)).isoformat())
    return " AND ".join(clauses), params


def course_definitions(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every course seen, with its activity definition when an LRS received one (course, definition)."""
    return conn.execute(
        "SELECT DISTINCT f.course, a.definition FROM progress_fact f LEFT JOIN lrs_activity a ON a.id = f.course"
    ).fetchall()


def learners(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """(learner, name) of everyone seen, by name."""
    return conn.execute(
        "SELECT learner, MAX(learner_name) AS name FROM progress_fact GROUP BY learner ORDER BY name COLLATE NOCASE"
    ).fetchall()


def facts(conn: sqlite3.Connection, filters: Any) -> list[sqlite3.Row]:
    """The selected rows in time order, with the name of the device that sent each."""
    clause, params = where(filters)
    return conn.execute(
        f"SELECT f.*, d.name AS device FROM progress_fact f LEFT JOIN hub_device d ON d.id = f.device_id "
        f"WHERE {clause} ORDER BY timestamp",
        params,
    ).fetchall()


_LESSON_ACTIVITIES = (
    "SELECT DISTINCT course, activity FROM progress_fact WHERE {where} AND activity <> course "
    "AND verb NOT IN ({verbs}) AND COALESCE(activity_type, '') <> ?"
)
_QUESTION_STATS = (
    "SELECT course, activity, MAX(activity_name) AS name, COUNT(*) AS answers, SUM(success) AS correct "
    "FROM progress_fact WHERE {where} AND (verb IN ({verbs}) OR activity_type = ?) AND success IS NOT NULL "
    "GROUP BY course, activity ORDER BY course, activity"
)
_COMPLETIONS_BY_DAY = (
    "SELECT substr(first, 1, 10) AS day, COUNT(*) AS n FROM ("
    "SELECT learner, activity, MIN(timestamp) AS first FROM progress_fact WHERE {where} "
    "AND (verb = ? OR completion = 1) AND activity <> course AND verb NOT IN ({verbs}) "
    "GROUP BY learner, activity) GROUP BY day ORDER BY day"
)


def _with_question_verbs(
    conn: sqlite3.Connection,
    sql: str,
    filters: Any,
    question_verbs: tuple[str, ...],
    args: list[Any],
    skip: tuple[str, ...] = (),
) -> list[sqlite3.Row]:
    """The queries that set questions apart: `{where}` takes the filters, `{verbs}` a mark per question verb."""
    clause, params = where(filters, skip=skip)
    marks = ", ".join("?" for _ in question_verbs)
    return conn.execute(sql.format(where=clause, verbs=marks), [*params, *args]).fetchall()


def lesson_activities(
    conn: sqlite3.Connection, filters: Any, question_verbs: tuple[str, ...], interaction: str
) -> list[sqlite3.Row]:
    """(course, activity) of every non-question activity seen in a course, by anyone."""
    args = [*question_verbs, interaction]
    return _with_question_verbs(conn, _LESSON_ACTIVITIES, filters, question_verbs, args, skip=("learner", "device"))


def question_stats(
    conn: sqlite3.Connection, filters: Any, question_verbs: tuple[str, ...], interaction: str
) -> list[sqlite3.Row]:
    """Per question with a known result: answers and how many were right."""
    return _with_question_verbs(conn, _QUESTION_STATS, filters, question_verbs, [*question_verbs, interaction])


def completions_by_day(
    conn: sqlite3.Connection, filters: Any, completed: str, question_verbs: tuple[str, ...]
) -> list[sqlite3.Row]:
    """(day, n): each learner's first completion of a lesson, counted by day."""
    return _with_question_verbs(conn, _COMPLETIONS_BY_DAY, filters, question_verbs, [completed, *question_verbs])
