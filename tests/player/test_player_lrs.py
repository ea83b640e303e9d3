"""The local xAPI 1.0.3 LRS: every resource, and its error cases."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

AUTH = {"Authorization": "Basic " + base64.b64encode(b"hub:hub-secret").decode(), "X-Experience-API-Version": "1.0.3"}
ACTOR = {"objectType": "Agent", "name": "Ana", "mbox": "mailto:ana@example.org"}
OTHER = {"objectType": "Agent", "account": {"homePage": "https://example.org", "name": "bo"}}
ACTIVITY = "https://example.org/activities/a1"


def stmt(**over):
    body = {
        "actor": ACTOR,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
        "object": {"objectType": "Activity", "id": ACTIVITY, "definition": {"name": {"fr": "Activité"}}},
    }
    body.update(over)
    return body


@pytest.fixture
def xapi(client):
    class X:
        def __getattr__(self, method):
            def call(path, headers=None, **kw):
                return getattr(client, method)("/xapi/" + path, headers={**AUTH, **(headers or {})}, **kw)

            return call

    return X()


def test_about_and_headers(client, xapi):
    about = client.get("/xapi/about")
    assert about.status_code == 200 and "1.0.3" in about.get_json()["version"]
    assert about.headers["X-Experience-API-Version"] == "1.0.3"
    r = xapi.get("statements")
    assert r.status_code == 200 and r.headers["X-Experience-API-Consistent-Through"].endswith("Z")


def test_auth_and_version_are_required(client):
    assert client.get("/xapi/statements", headers={"X-Experience-API-Version": "1.0.3"}).status_code == 401
    bad = {"Authorization": "Basic " + base64.b64encode(b"hub:wrong").decode(), "X-Experience-API-Version": "1.0.3"}
    assert client.get("/xapi/statements", headers=bad).status_code == 401
    r = client.get("/xapi/statements", headers={"Authorization": AUTH["Authorization"]})
    assert r.status_code == 400 and "X-Experience-API-Version" in r.get_json()["error"]


def test_post_single_and_array_then_get(xapi):
    r = xapi.post("statements", json=stmt())
    assert r.status_code == 200
    (first,) = r.get_json()
    ids = xapi.post("statements", json=[stmt(), stmt(verb={"id": "http://adlnet.gov/expapi/verbs/passed"})]).get_json()
    assert len(ids) == 2
    got = xapi.get("statements", query_string={"statementId": first}).get_json()
    assert got["id"] == first and got["stored"] and got["authority"]["account"]["name"] == "hub"
    assert got["version"] == "1.0.0" and got["timestamp"]
    listed = xapi.get("statements").get_json()
    assert [s["id"] for s in listed["statements"]] == [ids[1], ids[0], first] and listed["more"] == ""
    asc = xapi.get("statements", query_string={"ascending": "true"}).get_json()
    assert [s["id"] for s in asc["statements"]] == [first, ids[0], ids[1]]


def test_put_conflicts_and_duplicates(xapi):
    sid = str(uuid.uuid4())
    assert xapi.put("statements", query_string={"statementId": sid}, json=stmt()).status_code == 204
    assert xapi.put("statements", query_string={"statementId": sid}, json=stmt()).status_code == 204
    r = xapi.put("statements", query_string={"statementId": sid}, json=stmt(verb={"id": "http://x.org/v"}))
    assert r.status_code == 409
    assert xapi.post("statements", json=dict(stmt(), id=sid)).status_code == 200
    assert xapi.post("statements", json=dict(stmt(result={"success": True}), id=sid)).status_code == 409
    assert xapi.put("statements", json=stmt()).status_code == 400
    assert (
        xapi.put("statements", query_string={"statementId": sid}, json=dict(stmt(), id=str(uuid.uuid4()))).status_code
        == 400
    )
    dup = str(uuid.uuid4())
    r = xapi.post("statements", json=[dict(stmt(), id=dup), dict(stmt(result={"completion": True}), id=dup)])
    assert r.status_code == 400


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"actor": {"name": "no ifi"}}, "needs one of"),
        ({"actor": {"mbox": "ana@example.org"}}, "mailto"),
        ({"actor": dict(ACTOR, openid="https://x.org")}, "exactly one"),
        ({"verb": {"id": "not an iri"}}, "absolute IRI"),
        ({"verb": {"id": "http://x.org/v", "display": {"not a tag!": "x"}}}, "language tag"),
        ({"object": {"id": "relative/id"}}, "absolute IRI"),
        ({"result": {"score": {"scaled": 1.5}}}, "between -1 and 1"),
        ({"result": {"score": {"raw": 11, "min": 0, "max": 10}}}, "between min and max"),
        ({"result": {"duration": "5 minutes"}}, "duration"),
        ({"result": {"success": "yes"}}, "true or false"),
        ({"context": {"registration": "nope"}}, "UUID"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"id": "123"}, "UUID"),
        ({"unknown": 1}, "unknown property"),
        ({"version": "2.0.0"}, "1.0.x"),
        ({"attachments": [{"usageType": "http://x.org/u"}]}, "attachments"),
        ({"verb": {"id": "http://adlnet.gov/expapi/verbs/voided"}}, "StatementRef"),
        (
            {
                "object": {
                    "objectType": "SubStatement",
                    "actor": ACTOR,
                    "verb": {"id": "http://x.org/v"},
                    "object": {"objectType": "SubStatement"},
                }
            },
            "not allowed",
        ),
        ({"context": {"platform": "web"}, "object": OTHER}, "only allowed"),
    ],
)
def test_invalid_statements_get_400_with_a_message(xapi, bad, message):
    r = xapi.post("statements", json=stmt(**bad))
    assert r.status_code == 400
    assert message in r.get_json()["error"]


def test_refuses_multipart_and_non_json(xapi):
    r = xapi.post("statements", data=b"--x\r\n", content_type="multipart/mixed; boundary=x")
    assert r.status_code == 400 and "attachments" in r.get_json()["error"]
    assert xapi.post("statements", data=b"{", content_type="application/json").status_code == 400


def test_voiding(xapi):
    (target,) = xapi.post("statements", json=stmt()).get_json()
    (voiding,) = xapi.post(
        "statements",
        json=stmt(
            verb={"id": "http://adlnet.gov/expapi/verbs/voided"}, object={"objectType": "StatementRef", "id": target}
        ),
    ).get_json()
    assert xapi.get("statements", query_string={"statementId": target}).status_code == 404
    assert xapi.get("statements", query_string={"voidedStatementId": target}).get_json()["id"] == target
    assert xapi.get("statements", query_string={"voidedStatementId": voiding}).status_code == 404
    ids = [s["id"] for s in xapi.get("statements").get_json()["statements"]]
    assert ids == [voiding]


def test_filters_and_paging(xapi):
    reg = str(uuid.uuid4())
    a = xapi.post("statements", json=stmt(context={"registration": reg})).get_json()[0]
    b = xapi.post(
        "statements", json=stmt(actor=OTHER, verb={"id": "http://adlnet.gov/expapi/verbs/passed"})
    ).get_json()[0]
    c = xapi.post(
        "statements",
        json=stmt(
            actor=OTHER,
            object={"id": "https://example.org/activities/a2"},
            context={"instructor": ACTOR, "contextActivities": {"parent": {"id": ACTIVITY}}},
        ),
    ).get_json()[0]
    q = lambda **p: [s["id"] for s in xapi.get("statements", query_string=p).get_json()["statements"]]  # noqa: E731
    assert q(agent=json.dumps(ACTOR)) == [a]
    assert q(agent=json.dumps(ACTOR), related_agents="true") == [c, a]
    assert q(verb="http://adlnet.gov/expapi/verbs/passed") == [b]
    assert q(activity=ACTIVITY) == [b, a]
    assert q(activity=ACTIVITY, related_activities="true") == [c, b, a]
    assert q(registration=reg) == [a]
    stored_b = xapi.get("statements", query_string={"statementId": b}).get_json()["stored"]
    assert q(since=stored_b) == [c]
    assert q(until=stored_b) == [b, a]
    page = xapi.get("statements", query_string={"limit": 2}).get_json()
    assert [s["id"] for s in page["statements"]] == [c, b] and page["more"].startswith("/xapi/statements?")
    rest = xapi.get(page["more"].removeprefix("/xapi/")).get_json()
    assert [s["id"] for s in rest["statements"]] == [a] and rest["more"] == ""
    ids_only = xapi.get("statements", query_string={"statementId": a, "format": "ids"}).get_json()
    assert (
        ids_only["verb"] == {"id": "http://adlnet.gov/expapi/verbs/completed"}
        and "definition" not in ids_only["object"]
    )
    for bad in (
        {"agent": "{not json"},
        {"verb": "nope"},
        {"since": "yesterday"},
        {"limit": "-1"},
        {"format": "x"},
        {"statementId": a, "verb": "http://x.org/v"},
        {"registration": "x"},
        {"bogus": "1"},
        {"statementId": a, "voidedStatementId": a},
    ):
        assert xapi.get("statements", query_string=bad).status_code == 400, bad


def test_state_documents(xapi):
    scope = {"activityId": ACTIVITY, "agent": json.dumps(ACTOR), "stateId": "s1"}
    assert xapi.get("activities/state", query_string=scope).status_code == 404
    assert xapi.put("activities/state", query_string=scope, json={"a": 1}).status_code == 204
    assert xapi.post("activities/state", query_string=scope, json={"b": 2}).status_code == 204
    r = xapi.get("activities/state", query_string=scope)
    assert r.get_json() == {"a": 1, "b": 2} and r.headers["ETag"]
    reg = dict(scope, registration=str(uuid.uuid4()))
    assert xapi.put("activities/state", query_string=reg, data=b"raw", content_type="text/plain").status_code == 204
    assert xapi.get("activities/state", query_string=reg).data == b"raw"
    assert xapi.post("activities/state", query_string=reg, json={"x": 1}).status_code == 400  # cannot merge text
    listing = {k: v for k, v in scope.items() if k != "stateId"}
    assert xapi.get("activities/state", query_string=listing).get_json() == ["s1"]
    assert xapi.delete("activities/state", query_string=listing).status_code == 204
    assert xapi.get("activities/state", query_string=scope).status_code == 404
    assert xapi.get("activities/state", query_string=reg).status_code == 200  # other registration kept
    assert xapi.get("activities/state", query_string={"agent": json.dumps(ACTOR), "stateId": "s"}).status_code == 400
    assert xapi.get("activities/state", query_string={"activityId": ACTIVITY, "stateId": "s"}).status_code == 400
    bad_reg = dict(scope, registration="nope")
    assert xapi.get("activities/state", query_string=bad_reg).status_code == 400


def test_activity_profile_concurrency(xapi):
    scope = {"activityId": ACTIVITY, "profileId": "p1"}
    assert (
        xapi.put("activities/profile", query_string=scope, json={"v": 1}, headers={"If-None-Match": "*"}).status_code
        == 204
    )
    etag = xapi.get("activities/profile", query_string=scope).headers["ETag"]
    assert xapi.put("activities/profile", query_string=scope, json={"v": 2}).status_code == 409
    assert (
        xapi.put("activities/profile", query_string=scope, json={"v": 2}, headers={"If-None-Match": "*"}).status_code
        == 412
    )
    assert (
        xapi.put("activities/profile", query_string=scope, json={"v": 2}, headers={"If-Match": '"stale"'}).status_code
        == 412
    )
    assert (
        xapi.put("activities/profile", query_string=scope, json={"v": 2}, headers={"If-Match": etag}).status_code == 204
    )
    assert xapi.get("activities/profile", query_string=scope).get_json() == {"v": 2}
    assert xapi.get("activities/profile", query_string={"activityId": ACTIVITY}).get_json() == ["p1"]
    assert xapi.delete("activities/profile", query_string=scope, headers={"If-Match": etag}).status_code == 412
    assert xapi.delete("activities/profile", query_string=scope).status_code == 204
    assert xapi.get("activities/profile", query_string=scope).status_code == 404


def test_agent_profile(xapi):
    scope = {"agent": json.dumps(ACTOR), "profileId": "prefs"}
    assert xapi.post("agents/profile", query_string=scope, json={"lang": "fr"}).status_code == 204
    assert xapi.post("agents/profile", query_string=scope, json={"audio": "on"}).status_code == 204
    assert xapi.get("agents/profile", query_string=scope).get_json() == {"lang": "fr", "audio": "on"}
    assert xapi.get("agents/profile", query_string={"agent": json.dumps(ACTOR)}).get_json() == ["prefs"]
    assert xapi.get("agents/profile", query_string={"agent": '{"name": "x"}', "profileId": "p"}).status_code == 400
    assert (
        xapi.post("agents/profile", query_string=scope, data=b"[1]", content_type="application/json").status_code == 400
    )


def test_activities_and_agents(xapi):
    assert xapi.get("activities", query_string={"activityId": ACTIVITY}).status_code == 404
    xapi.post("statements", json=stmt())
    xapi.post("statements", json=stmt(object={"id": ACTIVITY, "definition": {"description": {"fr": "Décrite"}}}))
    act = xapi.get("activities", query_string={"activityId": ACTIVITY}).get_json()
    assert act["definition"] == {"name": {"fr": "Activité"}, "description": {"fr": "Décrite"}}
    assert xapi.get("activities").status_code == 400
    person = xapi.get("agents", query_string={"agent": json.dumps(ACTOR)}).get_json()
    assert person == {"objectType": "Person", "name": ["Ana"], "mbox": ["mailto:ana@example.org"]}
    assert xapi.get("agents").status_code == 400
