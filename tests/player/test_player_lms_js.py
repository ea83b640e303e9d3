"""The player's LMS API script (static/lms.js) in Chromium: data-model rules, error codes, buffering."""

from __future__ import annotations

from pathlib import Path

import pytest
from playerkit import CHROMIUM, learner_in_browser

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium (/usr/bin/chromium) is absent")

CALLS_2004 = """() => {
  const a = window.API_1484_11, out = {};
  const set = (k, v) => [a.SetValue(k, v), a.GetLastError()];
  const get = (k) => [a.GetValue(k), a.GetLastError()];
  out.init_again = [a.Initialize(''), a.GetLastError()];
  out.location_unset = get('cmi.location');
  out.location_long = set('cmi.location', 'x'.repeat(1001));
  out.scaled_high = set('cmi.score.scaled', '1.01');
  out.session_12_format = set('cmi.session_time', '0000:00:05');
  out.session_3_decimals = set('cmi.session_time', 'PT3.456S');
  out.session_ok = set('cmi.session_time', 'PT1M');
  out.session_get = get('cmi.session_time');
  out.learner_id_set = set('cmi.learner_id', 'x');
  out.status_bad = set('cmi.completion_status', 'done');
  out.interaction_gap = set('cmi.interactions.1.id', 'q');
  out.interaction_no_id = set('cmi.interactions.0.type', 'choice');
  out.interaction_id = set('cmi.interactions.0.id', 'urn:ruche:q1');
  out.count = get('cmi.interactions._count');
  out.response_no_type = set('cmi.interactions.0.learner_response', 'a');
  out.type = set('cmi.interactions.0.type', 'choice');
  out.response = set('cmi.interactions.0.learner_response', 'a');
  out.undefined = get('cmi.nope');
  out.children = get('cmi.score._children');
  out.no_children = get('cmi.location._children');
  out.version_set = set('cmi._version', 'x');
  out.version = get('cmi._version');
  out.suspend_long = set('cmi.suspend_data', 'x'.repeat(64001));
  out.progress_high = set('cmi.progress_measure', '1.2');
  out.nav = set('adl.nav.request', 'jump');
  out.continue_valid = get('adl.nav.request_valid.continue');
  out.error_string = a.GetErrorString('406');
  out.entry = get('cmi.entry');
  out.commit = [a.Commit(''), a.GetLastError()];
  out.terminate = [a.Terminate(''), a.GetLastError()];
  out.after = get('cmi.location');
  out.terminate_again = [a.Terminate(''), a.GetLastError()];
  return out;
}"""

EXPECTED_2004 = {
    "init_again": ["false", "103"],
    "location_unset": ["", "403"],
    "location_long": ["false", "406"],
    "scaled_high": ["false", "407"],
    "session_12_format": ["false", "406"],
    "session_3_decimals": ["false", "406"],
    "session_ok": ["true", "0"],
    "session_get": ["", "405"],
    "learner_id_set": ["false", "404"],
    "status_bad": ["false", "406"],
    "interaction_gap": ["false", "351"],
    "interaction_no_id": ["false", "408"],
    "interaction_id": ["true", "0"],
    "count": ["1", "0"],
    "response_no_type": ["false", "408"],
    "type": ["true", "0"],
    "response": ["true", "0"],
    "undefined": ["", "401"],
    "children": ["scaled,raw,min,max", "0"],
    "no_children": ["", "301"],
    "version_set": ["false", "404"],
    "version": ["1.0", "0"],
    "suspend_long": ["false", "406"],
    "progress_high": ["false", "407"],
    "nav": ["false", "406"],
    "continue_valid": ["false", "0"],
    "error_string": "Data Model Element Type Mismatch",
    "entry": ["ab-initio", "0"],
    "commit": ["true", "0"],
    "terminate": ["true", "0"],
    "after": ["", "123"],
    "terminate_again": ["false", "113"],
}

CALLS_12 = """() => {
  const a = window.API, out = {};
  const set = (k, v) => [a.LMSSetValue(k, v), a.LMSGetLastError()];
  const get = (k) => [a.LMSGetValue(k), a.LMSGetLastError()];
  out.init_again = [a.LMSInitialize(''), a.LMSGetLastError()];
  out.name = get('cmi.core.student_name');
  out.not_attempted = set('cmi.core.lesson_status', 'not attempted');
  out.suspend_long = set('cmi.suspend_data', 'x'.repeat(4097));
  out.raw_high = set('cmi.core.score.raw', '100.5');
  out.raw_negative = set('cmi.core.score.raw', '-1');
  out.raw_blank = set('cmi.core.score.raw', '');
  out.session_iso = set('cmi.core.session_time', 'PT5S');
  out.session_ok = set('cmi.core.session_time', '0000:00:05');
  out.session_get = get('cmi.core.session_time');
  out.student_id_set = set('cmi.core.student_id', 'x');
  out.keyword_set = set('cmi.core._children', 'x');
  out.no_children = get('cmi.core.lesson_location._children');
  out.no_count = get('cmi.core._count');
  out.interaction_get = get('cmi.interactions.0.id');
  out.interaction_gap = set('cmi.interactions.1.id', 'q');
  out.undefined = get('cmi.nope');
  out.mastery = get('cmi.student_data.mastery_score');
  out.error_string = a.LMSGetErrorString('405');
  out.location_unset = get('cmi.core.lesson_location');
  return out;
}"""

EXPECTED_12 = {
    "init_again": ["false", "101"],
    "name": ["Chloé", "0"],
    "not_attempted": ["false", "405"],
    "suspend_long": ["false", "405"],
    "raw_high": ["false", "405"],
    "raw_negative": ["false", "405"],
    "raw_blank": ["true", "0"],
    "session_iso": ["false", "405"],
    "session_ok": ["true", "0"],
    "session_get": ["", "404"],
    "student_id_set": ["false", "403"],
    "keyword_set": ["false", "402"],
    "no_children": ["", "202"],
    "no_count": ["", "203"],
    "interaction_get": ["", "404"],
    "interaction_gap": ["false", "201"],
    "undefined": ["", "201"],
    "mastery": ["80", "0"],
    "error_string": "Incorrect data type",
    "location_unset": ["", "0"],
}


def _play(page, url, course, lesson):
    page.goto(url)
    page.locator("li.card", has_text=course).locator("h2 a").click()
    page.click(f"text={lesson}")
    page.frame_locator("#sco").locator("#done").wait_for()


def test_scorm2004_data_model_rules(player_server, browser):
    context, page = learner_in_browser(browser, player_server.url, "Chloé")
    _play(page, player_server.url, "Cours tiers deux SCO", "Deuxième partie")
    with page.expect_response(lambda r: r.url.endswith("/commit")):
        got = page.evaluate(CALLS_2004)
    assert got == EXPECTED_2004
    context.close()


def test_scorm12_data_model_rules_and_buffered_commits(player_server, browser):
    context, page = learner_in_browser(browser, player_server.url, "Chloé 12")
    _play(page, player_server.url, "Cours tiers douze", "Leçon unique")
    got = page.evaluate(CALLS_12.replace("Chloé", "Chloé 12"))
    assert got == dict(EXPECTED_12, name=["Chloé 12", "0"])
    # the server does not answer: Commit still says true, the data waits in localStorage, then is retried
    page.route("**/commit", lambda route: route.abort())
    page.evaluate("() => { API.LMSSetValue('cmi.core.lesson_location', 'p7'); API.LMSCommit(''); }")
    page.wait_for_function("() => Object.keys(localStorage).some(k => k.startsWith('ruche:pending:'))")
    page.wait_for_selector("#lms-status:has-text('ne répond pas')")
    page.unroute("**/commit")
    with page.expect_response(lambda r: r.url.endswith("/commit") and r.status == 200, timeout=15000):
        pass
    page.wait_for_function("() => !Object.keys(localStorage).some(k => k.startsWith('ruche:pending:'))")
    # a commit that failed before the page was left is sent by the next page, before the new session opens
    page.route("**/commit", lambda route: route.abort())
    page.evaluate("() => { API.LMSSetValue('cmi.core.lesson_location', 'p8'); API.LMSCommit(''); }")
    page.wait_for_function("() => Object.keys(localStorage).some(k => k.startsWith('ruche:pending:'))")
    page.unroute("**/commit")
    page.reload()
    page.frame_locator("#sco").locator("#done").wait_for()
    page.wait_for_function("() => window.RucheLMS && window.RucheLMS.state() === 1")
    assert page.evaluate("() => [API.LMSGetValue('cmi.core.lesson_location'), API.LMSGetValue('cmi.core.entry')]") == [
        "p8",
        "",
    ]
    context.close()
