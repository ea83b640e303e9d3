"""SCORM's run-time rules in pure Python, for the player's server side.

What the LMS owns in the CMI data model, how completion, success and score follow from it
(SCORM 1.2 RTE §3.4, SCORM 2004 4th RTE §4.2), and the time and duration codecs of both
editions and of xAPI. The browser's side (the `scorm-again` runtime) keeps its own copy of the
element tables; these are the rules the server recomputes from what a commit carries.
"""

from __future__ import annotations

import re
from typing import Any

MAX_CMI_BYTES = 1024 * 1024
MAX_VALUE = 65536
_ELEMENT = re.compile(r"^(cmi|adl)\.[A-Za-z0-9_.\-]{1,200}$")
_TIMESPAN = re.compile(r"^(\d{2,4}):(\d{2}):(\d{2}(?:\.\d{1,2})?)$")
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_INTERACTION = re.compile(r"^cmi\.interactions\.(\d+)\.(id|type|result|student_response|learner_response|description)$")

# Elements the LMS owns: never taken from the content's commits.
SERVER_OWNED = {
    "scorm12": frozenset(
        {
            "cmi.core.student_id",
            "cmi.core.student_name",
            "cmi.core.credit",
            "cmi.core.entry",
            "cmi.core.total_time",
            "cmi.core.lesson_mode",
            "cmi.launch_data",
            "cmi.comments_from_lms",
            "cmi.student_data.mastery_score",
            "cmi.student_data.max_time_allowed",
            "cmi.student_data.time_limit_action",
            "cmi.core.session_time",
            "cmi.core.exit",
        }
    ),
    "scorm2004": frozenset(
        {
            "cmi.learner_id",
            "cmi.learner_name",
            "cmi.credit",
            "cmi.entry",
            "cmi.total_time",
            "cmi.mode",
            "cmi.launch_data",
            "cmi.completion_threshold",
            "cmi.scaled_passing_score",
            "cmi.max_time_allowed",
            "cmi.time_limit_action",
            "cmi.session_time",
            "cmi.exit",
        }
    ),
}
# (exit, session time, score prefix) elements of each edition.
EXIT = {"scorm12": "cmi.core.exit", "scorm2004": "cmi.exit"}
SESSION_TIME = {"scorm12": "cmi.core.session_time", "scorm2004": "cmi.session_time"}
SCORE = {"scorm12": "cmi.core.score.", "scorm2004": "cmi.score."}


class InvalidCMI(ValueError):
    """CMI data the server refuses; `status` is the HTTP answer it deserves."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------------------------------------
# Times


def parse_timespan(value: str) -> float:
    """Seconds in a SCORM 1.2 CMITimespan (HHHH:MM:SS.SS) or an ISO 8601 duration; 0 if unreadable."""
    value = (value or "").strip()
    match = _TIMESPAN.match(value)
    if match:
        return int(match.group(1)) * 3600 + int(match.group(2)) * 60 + float(match.group(3))
    match = _DURATION.match(value)
    if match and value not in ("P", "PT") and not value.endswith("T"):
        y, mo, d, h, mi, s = (float(g) if g else 0.0 for g in match.groups())
        return ((y * 365 + mo * 30 + d) * 24 + h) * 3600 + mi * 60 + s
    return 0.0


def timespan12(seconds: float) -> str:
    """Seconds as a SCORM 1.2 CMITimespan (the hours stop at 9999, the type's limit)."""
    centis = int(round(seconds * 100))
    hours, rest = divmod(centis, 360000)
    return f"{min(hours, 9999):04d}:{rest // 6000:02d}:{(rest % 6000) // 100:02d}.{rest % 100:02d}"


def iso_duration(seconds: float) -> str:
    """Seconds as an ISO 8601 duration at centisecond precision (SCORM 2004 timeinterval, xAPI): PT1H2M3.45S."""
    centis = int(round(max(seconds, 0) * 100))
    hours, rest = divmod(centis, 360000)
    minutes, rest = divmod(rest, 6000)
    secs = rest / 100
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    return text + (f"{secs:.2f}".rstrip("0").rstrip(".") or "0") + "S"


# ---------------------------------------------------------------------------------------------
# CMI data


def number(value: Any) -> float | None:
    """A CMI real(10,7) as a float; None when empty or unreadable (the data model's 'unknown')."""
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def check_cmi(cmi: Any) -> dict[str, str]:
    """The element → value map of a commit, refused when it is not one."""
    if not isinstance(cmi, dict):
        raise InvalidCMI("cmi must be an object")
    clean = {}
    for key, value in cmi.items():
        if not isinstance(key, str) or not _ELEMENT.match(key):
            raise InvalidCMI(f"bad CMI element name: {str(key)[:80]!r}")
        if not isinstance(value, str) or len(value) > MAX_VALUE:
            raise InvalidCMI(f"bad value for {key}")
        clean[key] = value
    return clean


def content_owned(standard: str, cmi: dict[str, str]) -> dict[str, str]:
    """What of the CMI data the content may set (the server-owned elements removed)."""
    return {k: v for k, v in cmi.items() if k not in SERVER_OWNED[standard]}


def interactions(cmi: dict[str, str]) -> dict[str, dict[str, str]]:
    """cmi.interactions.n.* by index n (both editions' names of the learner's response kept)."""
    found: dict[str, dict[str, str]] = {}
    for key, value in cmi.items():
        match = _INTERACTION.match(key)
        if match:
            found.setdefault(match.group(1), {})[match.group(2)] = value
    return found


def score_of(standard: str, cmi: dict[str, str], scaled: float | None) -> dict[str, float]:
    """An xAPI result score from the CMI score elements and a scaled score; {} when there is none."""
    if scaled is None:
        return {}
    score: dict[str, float] = {"scaled": max(-1.0, min(1.0, round(scaled, 4)))}
    raw, low, high = (number(cmi.get(SCORE[standard] + k)) for k in ("raw", "min", "max"))
    if raw is not None and (low is None or raw >= low) and (high is None or raw <= high):
        score["raw"] = raw
        if low is not None:
            score["min"] = low
        if high is not None and (low is None or high >= low):
            score["max"] = high
    return score


# ---------------------------------------------------------------------------------------------
# Crediting


def credit(standard: str, cmi: dict[str, str], launch: dict[str, Any], finished: bool = False) -> dict[str, Any]:
    """completion, success and score (scaled) of CMI data, by the rules of the package's standard."""
    if standard == "scorm12":
        return _credit12(cmi, launch, finished)
    return _credit2004(cmi, launch)


def _credit12(cmi: dict[str, str], launch: dict[str, Any], finished: bool) -> dict[str, Any]:
    status = cmi.get("cmi.core.lesson_status") or "not attempted"
    raw = number(cmi.get("cmi.core.score.raw"))
    low, high = number(cmi.get("cmi.core.score.min")), number(cmi.get("cmi.core.score.max"))
    mastery = launch.get("mastery_score")
    if finished and status == "not attempted":
        # RTE 1.2, cmi.core.lesson_status: a SCO that never sets it is 'completed' on LMSFinish.
        status = "completed"
    if mastery is not None and raw is not None and status != "not attempted":
        # RTE 1.2: with a mastery score and a raw score, the LMS sets passed/failed (credit mode).
        status = "passed" if raw >= mastery * 100 else "failed"
    score = None
    if raw is not None:
        score = (raw - low) / (high - low) if low is not None and high is not None and high > low else raw / 100
    completion = {
        "passed": "completed",
        "failed": "completed",
        "completed": "completed",
        "incomplete": "incomplete",
        "browsed": "incomplete",
    }.get(status, "not attempted")
    success = status if status in ("passed", "failed") else "unknown"
    return {"completion": completion, "success": success, "score": score, "lesson_status": status}


def _credit2004(cmi: dict[str, str], launch: dict[str, Any]) -> dict[str, Any]:
    completion = cmi.get("cmi.completion_status") or "unknown"
    success = cmi.get("cmi.success_status") or "unknown"
    threshold = launch.get("completion_threshold")
    measure = number(cmi.get("cmi.progress_measure"))
    if threshold is not None:  # RTE 4.2.4.1: the threshold and progress measure decide
        completion = "unknown" if measure is None else ("completed" if measure >= threshold else "incomplete")
    scaled = number(cmi.get("cmi.score.scaled"))
    passing = launch.get("mastery_score")
    if passing is not None:  # RTE 4.2.22: scaled_passing_score and score.scaled decide
        success = "unknown" if scaled is None else ("passed" if scaled >= passing else "failed")
    score = scaled
    if score is None:
        raw, low, high = (number(cmi.get(f"cmi.score.{k}")) for k in ("raw", "min", "max"))
        if raw is not None and low is not None and high is not None and high > low:
            score = (raw - low) / (high - low)
    return {"completion": completion, "success": success, "score": score}


# ---------------------------------------------------------------------------------------------
# What the LMS hands the content at launch


# What the LMS sets at launch, named per edition: (learner id, learner name, credit, entry, mode,
# total time), the value every content-owned status starts from, and the total time's codec.
_LAUNCH_ELEMENTS = {
    "scorm12": (
        "cmi.core.student_id",
        "cmi.core.student_name",
        "cmi.core.credit",
        "cmi.core.entry",
        "cmi.core.lesson_mode",
        "cmi.core.total_time",
    ),
    "scorm2004": ("cmi.learner_id", "cmi.learner_name", "cmi.credit", "cmi.entry", "cmi.mode", "cmi.total_time"),
}
_UNSET_STATUS = {
    "scorm12": {"cmi.core.lesson_status": "not attempted"},
    "scorm2004": {"cmi.completion_status": "unknown", "cmi.success_status": "unknown"},
}
_TOTAL_TIME = {"scorm12": timespan12, "scorm2004": iso_duration}


def initial_cmi(
    standard: str, stored: dict[str, str], learner: dict[str, Any], attempt: dict[str, Any], launch: dict[str, Any]
) -> dict[str, str]:
    """The CMI data the LMS API script starts with: what the content stored + what the LMS owns."""
    cmi = content_owned(standard, stored)
    for element, value in _UNSET_STATUS[standard].items():
        cmi.setdefault(element, value)
    values = (
        learner["uuid"],
        learner["name"],
        "credit",
        attempt["entry"],
        "normal",
        _TOTAL_TIME[standard](attempt["total_seconds"]),
    )
    cmi.update(zip(_LAUNCH_ELEMENTS[standard], values, strict=True))
    cmi["cmi.launch_data"] = launch.get("launch_data") or ""
    mastery = launch.get("mastery_score")
    if standard == "scorm12":
        cmi["cmi.comments_from_lms"] = ""
        if mastery is not None:
            cmi["cmi.student_data.mastery_score"] = f"{mastery * 100:g}"
        return cmi
    if launch.get("completion_threshold") is not None:
        cmi["cmi.completion_threshold"] = f"{launch['completion_threshold']:g}"
    if mastery is not None:
        cmi["cmi.scaled_passing_score"] = f"{mastery:g}"
    return cmi
