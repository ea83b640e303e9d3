"""SCORM's run-time rules (packager/standards/scorm.py): crediting, what the LMS owns, codecs."""

from __future__ import annotations

import pytest

from packager.standards import scorm


@pytest.mark.parametrize(
    "cmi, finished, expected",
    [
        ({}, False, ("not attempted", "unknown", None)),
        ({}, True, ("completed", "unknown", None)),  # 1.2: never set -> completed on LMSFinish
        ({"cmi.core.lesson_status": "incomplete"}, False, ("incomplete", "unknown", None)),
        ({"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "85"}, False, ("completed", "passed", 0.85)),
        ({"cmi.core.lesson_status": "completed", "cmi.core.score.raw": "70"}, False, ("completed", "failed", 0.7)),
        (
            {
                "cmi.core.lesson_status": "passed",
                "cmi.core.score.raw": "5",
                "cmi.core.score.min": "0",
                "cmi.core.score.max": "10",
            },
            False,
            ("completed", "failed", 0.5),
        ),
        ({"cmi.core.lesson_status": "browsed"}, False, ("incomplete", "unknown", None)),
    ],
)
def test_scorm12_credit_uses_masteryscore(cmi, finished, expected):
    got = scorm.credit("scorm12", cmi, {"mastery_score": 0.8}, finished=finished)
    assert (got["completion"], got["success"], got["score"]) == expected


@pytest.mark.parametrize(
    "cmi, launch, expected",
    [
        ({"cmi.completion_status": "completed", "cmi.success_status": "passed"}, {}, ("completed", "passed", None)),
        (
            {"cmi.completion_status": "completed", "cmi.score.scaled": "0.5"},
            {"mastery_score": 0.8},
            ("completed", "failed", 0.5),
        ),
        (
            {"cmi.success_status": "failed", "cmi.score.scaled": "0.9"},
            {"mastery_score": 0.8},
            ("unknown", "passed", 0.9),
        ),
        (
            {"cmi.completion_status": "completed", "cmi.progress_measure": "0.4"},
            {"completion_threshold": 0.5},
            ("incomplete", "unknown", None),
        ),
        ({"cmi.progress_measure": "0.6"}, {"completion_threshold": 0.5}, ("completed", "unknown", None)),
        ({"cmi.score.raw": "30", "cmi.score.min": "0", "cmi.score.max": "40"}, {}, ("unknown", "unknown", 0.75)),
    ],
)
def test_scorm2004_credit_uses_threshold_and_passing_score(cmi, launch, expected):
    got = scorm.credit("scorm2004", cmi, launch)
    assert (got["completion"], got["success"], got["score"]) == expected


def test_timespans():
    assert scorm.parse_timespan("0001:02:03.5") == 3723.5
    assert scorm.parse_timespan("PT1H2M3.5S") == 3723.5
    assert scorm.parse_timespan("P1DT1S") == 86401
    assert scorm.parse_timespan("nonsense") == 0
    assert scorm.timespan12(3723.5) == "0001:02:03.50"


def test_iso_durations():
    assert scorm.iso_duration(3723.45) == "PT1H2M3.45S"
    assert scorm.iso_duration(0) == "PT0S"
    assert scorm.iso_duration(-5) == "PT0S"
    assert scorm.parse_timespan(scorm.iso_duration(86401.5)) == 86401.5


def test_cmi_checks_refuse_with_a_4xx():
    with pytest.raises(scorm.InvalidCMI) as refused:
        scorm.check_cmi({"cmi.core.lesson_status": 3})
    assert refused.value.status == 400
    with pytest.raises(scorm.InvalidCMI):
        scorm.check_cmi({"window.alert": "x"})
    assert scorm.check_cmi({"cmi.suspend_data": "abc"}) == {"cmi.suspend_data": "abc"}


def test_the_lms_owns_its_elements():
    learner = {"uuid": "u-1", "name": "Bea"}
    attempt = {"entry": "resume", "total_seconds": 90}
    stored = {"cmi.core.student_name": "Mallory", "cmi.suspend_data": "p=2"}
    cmi = scorm.initial_cmi("scorm12", stored, learner, attempt, {"mastery_score": 0.8})
    assert cmi["cmi.core.student_name"] == "Bea" and cmi["cmi.suspend_data"] == "p=2"
    assert cmi["cmi.core.total_time"] == "0000:01:30.00" and cmi["cmi.student_data.mastery_score"] == "80"
    cmi = scorm.initial_cmi("scorm2004", {"cmi.learner_id": "x"}, learner, attempt, {"completion_threshold": 0.5})
    assert cmi["cmi.learner_id"] == "u-1" and cmi["cmi.total_time"] == "PT1M30S"
    assert cmi["cmi.completion_threshold"] == "0.5" and cmi["cmi.success_status"] == "unknown"


def test_scores_keep_raw_only_in_range():
    cmi = {"cmi.score.raw": "12", "cmi.score.min": "0", "cmi.score.max": "10"}
    assert scorm.score_of("scorm2004", cmi, 1.7) == {"scaled": 1.0}
    cmi = {"cmi.core.score.raw": "8", "cmi.core.score.min": "0", "cmi.core.score.max": "10"}
    assert scorm.score_of("scorm12", cmi, 0.8) == {"scaled": 0.8, "raw": 8.0, "min": 0.0, "max": 10.0}
    assert scorm.score_of("scorm12", cmi, None) == {}
