"""Driving the test LMS pages (lms/scorm12.html, lms/scorm2004.html) from Python."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from learner import Learner
from playwright.sync_api import Page

# SCORM 1.2 CMITimespan as the issue asks (HH…HH:MM:SS with up to two decimals)
TIMESPAN_12 = re.compile(r"^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$")
# SCORM 2004 timeinterval (ISO 8601 duration), seconds with at most two decimals
DURATION_2004 = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d{1,2})?S)?)?$")

LEARNER_12 = {
    "cmi.core.student_id": "apprenant-42",
    "cmi.core.student_name": "Tremblay, Léa",
    "cmi.core.lesson_mode": "normal",
    "cmi.core.credit": "credit",
}
LEARNER_2004 = {
    "cmi.learner_id": "apprenant-42",
    "cmi.learner_name": "Léa Tremblay",
    "cmi.mode": "normal",
    "cmi.credit": "credit",
}


def interactions(cmi: dict) -> list[dict]:
    """cmi.interactions.N.* of a flattened CMI object, as a list of dicts (nested keys kept dotted)."""
    found: dict[int, dict] = {}
    for key, value in cmi.items():
        m = re.match(r"^cmi\.interactions\.(\d+)\.(.+)$", key)
        if m:
            found.setdefault(int(m[1]), {})[m[2]] = value
    return [found[i] for i in sorted(found)]


@dataclass
class TestLMS:
    """One LMS page (one SCORM version) in one browser tab."""

    page: Page
    base: str  # the test server's URL
    version: str  # "12" or "2004"
    sessions: list[dict] = field(default_factory=list)  # lms.final of each finished session

    __test__ = False  # not a pytest class

    def open(self) -> TestLMS:
        name = "scorm12" if self.version == "12" else "scorm2004"
        self.page.goto(f"{self.base}/lms/{name}.html")
        self.page.wait_for_function("window.lms && window.lms.kind")
        return self

    def launch(self, url: str, cmi: dict, nav: dict | None = None) -> Learner:
        """A new API instance holding `cmi`, then the SCO at `url` in the frame."""
        self.page.evaluate("([u, c, n]) => lms.launch(u, c, n)", [url, cmi, nav or {}])
        self.page.wait_for_function(
            "u => lms.sco().location.href === u && lms.sco().document.readyState === 'complete'", arg=url
        )
        frame = self.page.locator("#sco").element_handle().content_frame()
        learner = Learner(frame)
        learner.wait_ready()
        return learner

    def leave(self) -> dict:
        """The learner closes the SCO; returns the CMI data right after its finish call."""
        self.page.evaluate("lms.leave()")
        return self.wait_finished()

    def wait_finished(self, timeout: float = 10) -> dict:
        self.page.wait_for_function("lms.finished", timeout=timeout * 1000)
        final = self.page.evaluate("lms.final")
        self.sessions.append(final)
        return final

    @property
    def calls(self) -> list:
        return self.page.evaluate("lms.calls")

    def errors(self) -> list:
        return self.page.evaluate("lms.errors()")

    def values(self, element: str) -> list[str]:
        return self.page.evaluate("e => lms.values(e)", element)

    @property
    def navigation(self) -> str | None:
        return self.page.evaluate("lms.navigation")


def mastery_12(course) -> str | None:
    """adlcp:masteryscore of the SCORM 1.2 manifest (an LMS hands it to the SCO)."""
    m = re.search(r"<adlcp:masteryscore>([^<]+)<", course.read("scorm12", "imsmanifest.xml"))
    return m[1] if m else None


def first_launch_12(course) -> dict:
    """The LMS data for a first launch: the learner, ab-initio, the manifest's mastery score."""
    cmi = {**LEARNER_12, "cmi.core.entry": "ab-initio"}
    if mastery_12(course):
        cmi["cmi.student_data.mastery_score"] = mastery_12(course)
    return cmi


def kept_12(final: dict, entry: str | None = None) -> dict:
    """What a SCORM 1.2 LMS gives the SCO on its next launch after a session ended with `final`."""
    keep = {
        k: v
        for k, v in final.items()
        if k
        in (
            "cmi.core.lesson_location",
            "cmi.suspend_data",
            "cmi.core.lesson_status",
            "cmi.core.score.raw",
            "cmi.core.score.min",
            "cmi.core.score.max",
            "cmi.student_data.mastery_score",
            "cmi.launch_data",
        )
        and v != ""
    }
    if entry is None:
        entry = "resume" if final.get("cmi.core.exit") == "suspend" else ""
    return {**LEARNER_12, **keep, "cmi.core.entry": entry}


def kept_2004(final: dict) -> dict:
    """What a SCORM 2004 LMS gives a SCO relaunched in the same attempt (RTE 4.2)."""
    keep = {}
    for k, v in final.items():
        if v in ("", None) or isinstance(v, dict):
            continue
        if k in (
            "cmi.location",
            "cmi.suspend_data",
            "cmi.completion_status",
            "cmi.success_status",
            "cmi.progress_measure",
            "cmi.score.scaled",
            "cmi.score.raw",
            "cmi.score.min",
            "cmi.score.max",
            "cmi.scaled_passing_score",
            "cmi.launch_data",
        ) or k.startswith("cmi.interactions."):
            keep[k] = v
    entry = "resume" if final.get("cmi.exit") == "suspend" else ""
    return {**LEARNER_2004, **keep, "cmi.entry": entry}
