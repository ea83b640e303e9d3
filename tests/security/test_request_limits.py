"""Limits before work (issue 10): a body is bounded while it is read, chunked or not, and JSON is
parsed with a depth limit, so no request spends the player's memory or answers 500.

Chunked bodies reach the app as the real server hands them over: no CONTENT_LENGTH, and
`wsgi.input_terminated` set (werkzeug's server dechunks and sets it). Each stream counts the bytes
the app took from it, which is how these tests see that a refusal came before the work.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import socket
import threading
import urllib.request
from collections.abc import Iterator

import pytest
from playerkit import TRAINER, as_trainer, csrf, scorm12_zip, write_zip
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from player import bodies, create_app
from player import server as wsgi

AUTH = {"Authorization": "Basic " + base64.b64encode(b"hub:hub-secret").decode(), "X-Experience-API-Version": "1.0.3"}
STATEMENT = {
    "actor": {"objectType": "Agent", "name": "Ana", "mbox": "mailto:ana@example.org"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
    "object": {"objectType": "Activity", "id": "https://example.org/activities/a1"},
}
STATE = "/xapi/activities/state?" + "&".join(
    [
        "activityId=https://example.org/activities/a1",
        "agent=" + json.dumps({"mbox": "mailto:ana@example.org"}),
        "stateId=resume",
    ]
)


class Counted(io.RawIOBase):
    """A request body produced on demand (never held whole) that counts what was read from it."""

    def __init__(self, parts: Iterator[bytes]) -> None:
        self.parts, self.pending, self.consumed = parts, b"", 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # noqa: ANN001
        while not self.pending:
            self.pending = next(self.parts, b"")
            if not self.pending:
                return 0
        n = min(len(buffer), len(self.pending))
        buffer[:n], self.pending = self.pending[:n], self.pending[n:]
        self.consumed += n
        return n


def statements_batch(total: int) -> Iterator[bytes]:
    """A JSON array of statements about `total` bytes long, made 64 KB at a time."""
    one = json.dumps(STATEMENT).encode()
    per_part = max(1, 64 * 1024 // (len(one) + 1))
    sent = 1
    yield b"["
    while sent < total:
        part = b",".join([one] * per_part)
        yield part if sent == 1 else b"," + part
        sent += len(part) + 1
    yield b"]"


def repeated(byte: bytes, total: int) -> Iterator[bytes]:
    block = byte * (64 * 1024)
    for _ in range(total // len(block) + 1):
        yield block


def chunked(client, method: str, path: str, body: Counted, headers: dict | None = None, **environ):
    """Send `body` as a chunked request: no Content-Length, the stream terminated by the server."""
    headers = {"Transfer-Encoding": "chunked", **(headers or {})}
    # The Content-Type goes in the environ: given as a header, a form's type makes the test client
    # declare a length.
    content_type = headers.pop("Content-Type", None)
    if content_type:
        environ["CONTENT_TYPE"] = content_type
    response = getattr(client, method)(
        path,
        headers=headers,
        environ_overrides={"wsgi.input": body, "wsgi.input_terminated": True, **environ},
    )
    assert "CONTENT_LENGTH" not in response.request.environ  # really chunked: no declared length
    return response


def stored(client) -> list:
    return client.get("/xapi/statements", headers=AUTH).get_json()["statements"]


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


# ---------------------------------------------------------------------------------------------
# Size limits, while the body is read


def test_a_chunked_statements_batch_past_the_limit_is_refused_while_read(client):
    body = Counted(statements_batch(8 * 1024 * 1024))
    response = chunked(client, "post", "/xapi/statements", body, {**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 413
    assert "too large" in response.get_json()["error"] and "5 MB" in response.get_json()["error"]
    assert response.headers["X-Experience-API-Version"] == "1.0.3"
    assert body.consumed <= 1 + bodies.STATEMENTS  # stopped at the limit, not read to the end
    assert stored(client) == []


def test_a_chunked_statements_batch_within_the_limit_is_stored(client):
    body = Counted(iter([b"[", json.dumps(STATEMENT).encode(), b",", json.dumps(STATEMENT).encode(), b"]"]))
    response = chunked(client, "post", "/xapi/statements", body, {**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 200 and len(response.get_json()) == 2
    assert len(stored(client)) == 2


def test_a_declared_length_past_the_limit_is_refused_before_reading(client):
    body = Counted(statements_batch(8 * 1024 * 1024))
    response = client.post(
        "/xapi/statements",
        headers={**AUTH, "Content-Type": "application/json", "Content-Length": str(8 * 1024 * 1024)},
        environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(8 * 1024 * 1024)},
    )
    assert response.status_code == 413 and "too large" in response.get_json()["error"]
    assert body.consumed == 0
    assert stored(client) == []


def test_an_unauthenticated_chunked_body_is_not_read(client):
    body = Counted(statements_batch(8 * 1024 * 1024))
    response = chunked(
        client,
        "post",
        "/xapi/statements",
        body,
        {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"},
    )
    assert response.status_code == 401 and body.consumed == 0


def test_a_chunked_document_past_its_limit_is_refused(client):
    body = Counted(repeated(b"x", 3 * 1024 * 1024))
    response = chunked(client, "put", STATE, body, {**AUTH, "Content-Type": "application/octet-stream"})
    assert response.status_code == 413 and "1 MB" in response.get_json()["error"]
    assert body.consumed <= 1 + bodies.DOCUMENT
    assert client.get(STATE, headers=AUTH).status_code == 404


def test_a_chunked_lms_commit_past_its_limit_is_refused_while_read(learner):
    token = csrf(learner)
    body = Counted(iter([b'{"session": "s", "seq": 1, "cmi": {"cmi.suspend_data": "', *repeated(b"x", 8 << 20)]))
    response = chunked(
        learner,
        "post",
        "/api/attempts/1/commit",
        body,
        {"Content-Type": "application/json", "X-CSRF-Token": token},
    )
    assert response.status_code == 413 and "too large" in response.get_json()["error"]
    assert body.consumed <= 1 + bodies.COMMIT


@pytest.mark.parametrize("declared", [False, True])
def test_the_csrf_check_does_not_read_a_big_json_body(client, declared):
    """The review's attack: a 100 MB JSON POST to /learners/leave, read and parsed before any check."""
    size = 100 * 1024 * 1024
    body = Counted(iter([b'{"csrf_token": "', *repeated(b"x", size)]))
    headers = {"Content-Type": "application/json"}
    if declared:
        response = client.post(
            "/learners/leave",
            headers={**headers, "Content-Length": str(size)},
            environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(size)},
        )
    else:
        response = chunked(client, "post", "/learners/leave", body, headers)
    assert response.status_code in (400, 413)
    assert body.consumed <= 1 + bodies.FORM


def test_a_chunked_form_past_its_limit_is_refused_while_read(client):
    token = csrf(client)
    body = Counted(iter([f"csrf_token={token}&name=".encode(), *repeated(b"a", 10 << 20)]))
    response = chunked(client, "post", "/learners/new", body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert "64 KB" in response.get_data(as_text=True)  # the page says the limit
    assert body.consumed <= 1 + bodies.FORM
    assert "Alice" not in client.get("/learners").get_data(as_text=True)


def _big_chunked_upload(client) -> tuple[int, int]:
    """A 1 MB package upload, chunked, with the session's valid token: (status, bytes the app read)."""
    payload, _length, boundary = stream_encode_multipart(
        {"csrf_token": csrf(client), "package": FileStorage(io.BytesIO(os.urandom(1 << 20)), "big.zip")}
    )
    body = Counted(iter([payload.read()]))
    response = chunked(
        client, "post", "/admin/import", body, {"Content-Type": f'multipart/form-data; boundary="{boundary}"'}
    )
    return response.status_code, body.consumed


def test_only_the_trainer_may_send_a_big_upload(client, tmp_path):
    status, consumed = _big_chunked_upload(client)  # a visitor's session: a valid token, not the trainer
    assert status == 413
    assert consumed <= 1 + bodies.FORM


def test_the_trainer_uploads_a_package_past_the_form_limit_chunked(app, client, tmp_path):
    as_trainer(client)
    path = write_zip(
        tmp_path / "big.zip",
        {
            **{n: c for n, c in _zip_members(scorm12_zip(tmp_path / "small.zip")).items()},
            "sco/noise.bin": os.urandom(600 * 1024),  # stored past the form limit, compressed or not
        },
    )
    payload, length, boundary = stream_encode_multipart(
        {"csrf_token": csrf(client), "package": FileStorage(io.BytesIO(path.read_bytes()), "big.zip")}
    )
    body = Counted(iter([payload.read()]))
    response = chunked(
        client, "post", "/admin/import", body, {"Content-Type": f'multipart/form-data; boundary="{boundary}"'}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert body.consumed == length > bodies.FORM
    assert "est installé" in client.get("/admin").get_data(as_text=True)


def _zip_members(path) -> dict[str, bytes]:  # noqa: ANN001
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# ---------------------------------------------------------------------------------------------
# Gzip bodies (the hub's syncs), chunked


def test_a_chunked_gzip_batch_is_inflated_and_stored(client):
    raw = gzip.compress(json.dumps([STATEMENT, STATEMENT]).encode())
    body = Counted(iter([raw[:10], raw[10:]]))
    response = chunked(
        client,
        "post",
        "/xapi/statements",
        body,
        {**AUTH, "Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 200 and len(stored(client)) == 2


def test_a_chunked_gzip_body_past_the_limit_is_refused(client):
    raw = os.urandom(6 * 1024 * 1024)  # does not compress: past the limit before inflating
    body = Counted(iter([raw[i : i + 65536] for i in range(0, len(raw), 65536)]))
    response = chunked(
        client,
        "post",
        "/xapi/statements",
        body,
        {**AUTH, "Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 413 and body.consumed <= 1 + bodies.STATEMENTS
    bomb = gzip.compress(b"[" + b" " * (20 * 1024 * 1024) + b"]")
    response = chunked(
        client,
        "post",
        "/xapi/statements",
        Counted(iter([bomb])),
        {**AUTH, "Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 413 and "inflated" in response.get_json()["error"]
    assert stored(client) == []


def test_an_inflated_document_past_its_own_limit_is_refused(client):
    raw = gzip.compress(b"x" * (2 * 1024 * 1024))  # within the gzip limit, past a document's
    response = chunked(
        client,
        "put",
        STATE,
        Counted(iter([raw])),
        {**AUTH, "Content-Type": "application/octet-stream", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 413
    assert client.get(STATE, headers=AUTH).status_code == 404


# ---------------------------------------------------------------------------------------------
# JSON too deep, or not the JSON asked for: 400 with a message, never 500


DEEP = "[" * 200_000 + "]" * 200_000


def test_deep_json_statements_answer_400(client):
    for body in (DEEP, json.dumps([STATEMENT])[:-1] + "," + nested(5000) + "]"):
        response = client.post("/xapi/statements", data=body, headers={**AUTH, "Content-Type": "application/json"})
        assert response.status_code == 400 and "64 deep" in response.get_json()["error"]
    response = client.put(
        "/xapi/statements?statementId=6fa459ea-ee8a-3ca4-894e-db77e160355e",
        data=DEEP,
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and "64 deep" in response.get_json()["error"]
    assert stored(client) == []


def test_a_statement_nested_as_deep_as_real_ones_is_stored(client):
    deep_enough = dict(STATEMENT, result={"extensions": {"https://example.org/x": json.loads(nested(40))}})
    response = client.post("/xapi/statements", json=deep_enough, headers=AUTH)
    assert response.status_code == 200


def test_deep_json_documents_and_agent_parameters_answer_400(client):
    headers = {**AUTH, "Content-Type": "application/json"}
    assert client.post(STATE, data=nested(5000), headers=headers).status_code == 400
    assert client.put(STATE, data=b"{}", headers=headers).status_code == 204
    response = client.post(STATE, data=nested(5000), headers=headers)
    assert response.status_code == 400 and "64 deep" in response.get_json()["error"]
    assert client.get(STATE, headers=AUTH).get_data() == b"{}"
    deep_agent = STATE.replace("agent=", "agent=" + "[" * 3000, 1)
    response = client.get(deep_agent, headers=AUTH)
    assert response.status_code == 400 and "agent" in response.get_json()["error"]


def test_deep_json_commits_and_csrf_bodies_answer_400(learner):
    token = csrf(learner)
    response = learner.post(
        "/api/attempts/1/commit",
        data=nested(20_000),
        headers={"Content-Type": "application/json", "X-CSRF-Token": token},
    )
    assert response.status_code == 400 and "64 deep" in response.get_json()["error"]
    response = learner.post("/learners/leave", data="[" * 30_000 + "]" * 30_000, content_type="application/json")
    assert response.status_code == 400  # within the form limit, parsed, too deep: no token
    response = learner.post("/learners/leave", json={"csrf_token": token})
    assert response.status_code == 302  # a small JSON body still carries the token


@pytest.mark.parametrize(
    "body",
    [b'{"actor": "\xff\xfe"}', b"\xef\xbb\xbf[]", b"[1", b"", b"null", b"[[]]"],
    ids=["bad-utf8", "bom", "truncated", "empty", "null", "nested-list"],
)
def test_malformed_bodies_answer_4xx_with_a_message(learner, body):
    token = csrf(learner)
    xapi = {**AUTH, "Content-Type": "application/json"}
    answers = [
        learner.post("/xapi/statements", data=body, headers=xapi),
        learner.put("/xapi/statements?statementId=6fa459ea-ee8a-3ca4-894e-db77e160355e", data=body, headers=xapi),
        learner.post(STATE, data=body, headers=xapi),
        learner.post(
            "/api/attempts/1/commit", data=body, headers={"Content-Type": "application/json", "X-CSRF-Token": token}
        ),
    ]
    for response in answers:
        assert 400 <= response.status_code < 500, response.get_data(as_text=True)
        assert response.get_json()["error"]
    assert stored(learner) == []


def test_the_depth_check_counts_brackets_outside_strings():
    assert not bodies.too_deep(nested(64)) and bodies.too_deep(nested(65))
    assert not bodies.too_deep(json.dumps({"a": "[" * 1000, "b": '"\\"[[[' * 100}))
    assert bodies.too_deep("[" * 65)  # unbalanced, and deep: json would recurse into it
    with pytest.raises(bodies.BadJSON, match="64 deep"):
        bodies.parse_json(b"[" * 65 + b"]" * 65)
    assert bodies.parse_json(b"[" * 64 + b"]" * 64)


# ---------------------------------------------------------------------------------------------
# The real server (werkzeug's, as `python -m player serve` runs it), over a raw socket


@pytest.fixture
def server(tmp_path):
    app = create_app(
        {
            "DATA_DIR": str(tmp_path / "served"),
            "TRAINER_PASSWORD": TRAINER,
            "LRS_KEY": "hub",
            "LRS_SECRET": "hub-secret",
        }
    )
    read = {"bytes": 0}
    inner = app.wsgi_app

    def counting(environ, start_response):  # noqa: ANN001, ANN202
        stream = environ["wsgi.input"]

        class Tally:
            def read(self, *size):  # noqa: ANN001, ANN202
                data = stream.read(*size)
                read["bytes"] += len(data)
                return data

            def readline(self, *size):  # noqa: ANN001, ANN202
                data = stream.readline(*size)
                read["bytes"] += len(data)
                return data

            def readinto(self, buffer):  # noqa: ANN001, ANN202
                n = stream.readinto(buffer)
                read["bytes"] += n or 0
                return n

        environ["wsgi.input"] = Tally()
        return inner(environ, start_response)

    app.wsgi_app = counting
    httpd = wsgi.create(app, "127.0.0.1", 0)  # the server `serve` runs (waitress)
    thread = threading.Thread(target=httpd.run, daemon=True)
    thread.start()
    yield httpd.effective_port, read, app
    httpd.close()
    thread.join(10)


def _raw_chunked(port: int, path: str, headers: dict, parts: Iterator[bytes]) -> tuple[int, bytes]:
    """POST `parts` as HTTP/1.1 chunks over a socket; the status and body of the answer."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"

    def send() -> None:
        try:
            sock.sendall(head.encode())
            for part in parts:
                sock.sendall(b"%x\r\n%s\r\n" % (len(part), part))
            sock.sendall(b"0\r\n\r\n")
            sock.shutdown(socket.SHUT_WR)  # the server drains what it did not read: let it end
        except OSError:
            pass  # the server may stop reading once it has answered

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    answer = b""
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except OSError:
        pass
    sender.join(30)
    sock.close()
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return status, answer.partition(b"\r\n\r\n")[2]


def _count_over_http(port: int) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/xapi/statements", headers=AUTH)
    with urllib.request.urlopen(request, timeout=30) as reply:
        return len(json.load(reply)["statements"])


def test_the_real_server_refuses_a_chunked_batch_past_the_limit(server):
    port, read, _app = server
    headers = {**AUTH, "Content-Type": "application/json"}
    status, body = _raw_chunked(port, "/xapi/statements", headers, statements_batch(12 * 1024 * 1024))
    assert status == 413 and b"too large" in body
    assert read["bytes"] <= 1 + bodies.STATEMENTS  # the app stopped at the limit
    assert _count_over_http(port) == 0
    status, body = _raw_chunked(port, "/xapi/statements", headers, iter([json.dumps([STATEMENT]).encode()]))
    assert status == 200 and len(json.loads(body)) == 1  # a small chunked batch still goes through
    assert _count_over_http(port) == 1


def test_the_real_server_inflates_a_chunked_gzip_batch(server):
    port, _read, _app = server
    raw = gzip.compress(json.dumps([STATEMENT, STATEMENT]).encode())
    headers = {**AUTH, "Content-Type": "application/json", "Content-Encoding": "gzip"}
    status, body = _raw_chunked(port, "/xapi/statements", headers, iter([raw[:7], raw[7:]]))
    assert status == 200, body
    assert _count_over_http(port) == 2


def test_a_logged_out_copy_of_a_trainer_cookie_gets_no_upload_limit(app, client):
    as_trainer(client)
    thief = app.test_client()
    thief.set_cookie("ruche_session", client.get_cookie("ruche_session").value)
    client.post("/admin/logout", data={"csrf_token": csrf(client)})
    status, consumed = _big_chunked_upload(thief)
    assert status == 413
    assert consumed <= 1 + bodies.FORM


@pytest.mark.parametrize("kind", [{"a": 1}, ["choice"], 3, None])
def test_an_interaction_type_that_is_not_a_string_is_400(client, kind):
    body = dict(STATEMENT, object={"id": "https://example.org/q", "definition": {"interactionType": kind}})
    response = client.post("/xapi/statements", json=body, headers=AUTH)
    assert response.status_code == 400, response.get_data(as_text=True)
