"""HEAD on a document is a GET without its body: it must never write (ADL conformance, Communication 1.1).

Before issue 10, HEAD on a single State, Activity Profile or Agent Profile document fell through to
the write path: it answered 204 and replaced the document with an empty body.
"""

from __future__ import annotations

import base64
import json

import pytest

AUTH = {"Authorization": "Basic " + base64.b64encode(b"hub:hub-secret").decode(), "X-Experience-API-Version": "1.0.3"}
AGENT = json.dumps({"objectType": "Agent", "mbox": "mailto:alice@example.org"})
ACTIVITY = "https://example.org/activities/a"
DOCUMENTS = {
    "state": ("/xapi/activities/state", {"activityId": ACTIVITY, "agent": AGENT, "stateId": "s1"}),
    "activity profile": ("/xapi/activities/profile", {"activityId": ACTIVITY, "profileId": "p1"}),
    "agent profile": ("/xapi/agents/profile", {"agent": AGENT, "profileId": "p1"}),
}


@pytest.mark.parametrize("kind", DOCUMENTS)
def test_head_reads_a_document_and_leaves_it_whole(client, kind):
    path, query = DOCUMENTS[kind]
    body = {"kept": True}
    put = client.put(path, query_string=query, json=body, headers={**AUTH, "If-None-Match": "*"})
    assert put.status_code == 204, put.data
    etag = client.get(path, query_string=query, headers=AUTH).headers["ETag"]

    head = client.head(path, query_string=query, headers=AUTH)
    assert head.status_code == 200, head.data
    assert head.data == b""
    assert head.headers["ETag"] == etag

    after = client.get(path, query_string=query, headers=AUTH)
    assert after.status_code == 200 and after.get_json() == body, "HEAD changed the document"


def test_head_on_a_missing_document_is_404_and_creates_nothing(client):
    path, query = DOCUMENTS["state"]
    assert client.head(path, query_string=query, headers=AUTH).status_code == 404
    assert client.get(path, query_string=query, headers=AUTH).status_code == 404


def test_head_on_the_list_of_ids_lists_nothing_and_deletes_nothing(client):
    path, query = DOCUMENTS["state"]
    client.put(path, query_string=query, json={"kept": True}, headers=AUTH)
    listing = {k: v for k, v in query.items() if k != "stateId"}
    assert client.head(path, query_string=listing, headers=AUTH).status_code == 200
    assert client.get(path, query_string=query, headers=AUTH).status_code == 200
