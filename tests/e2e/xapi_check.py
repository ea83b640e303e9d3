"""xAPI helpers for the end-to-end tests: validators, launch URLs, waiting on the LRS."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from urllib.parse import quote, urlencode

from e2e_common import HERE, ROOT

VERBS = "http://adlnet.gov/expapi/verbs/"
CMI5 = "https://w3id.org/xapi/cmi5/context/"
SESSION_ID = CMI5 + "extensions/sessionid"
ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")


def learner_agent(tag: str) -> dict:
    """An account-based agent (cmi5 requires one; Ralph refuses mailto addresses on reserved domains)."""
    return {
        "objectType": "Agent",
        "name": "Léa Tremblay",
        "account": {"homePage": "https://lms.example.org", "name": f"apprenant-{tag}"},
    }


def new_registration() -> str:
    return str(uuid.uuid4())


def query(params: dict, plus: bool = False) -> str:
    """A query string, spaces as %20 (encodeURIComponent), or as + (HTML forms, Java's URLEncoder)."""
    return urlencode(params) if plus else urlencode(params, quote_via=quote)


def tincan_url(
    base: str,
    package_path: str,
    endpoint: str,
    auth: str,
    actor: dict,
    registration: str,
    activity_id: str,
    plus: bool = False,
) -> str:
    """A Tin Can (xAPI) launch: index.html?endpoint=&auth=&actor=&registration=&activity_id="""
    return f"{base}{package_path}index.html?" + query(
        {
            "endpoint": endpoint,
            "auth": auth,
            "actor": json.dumps(actor),
            "registration": registration,
            "activity_id": activity_id,
        },
        plus,
    )


def verb(statement: dict) -> str:
    return statement["verb"]["id"].rsplit("/", 1)[-1]


def validate_ralph(statements: list[dict]) -> list[str]:
    """Errors from Ralph's xAPI statement model (strict: no extra or empty fields)."""
    from pydantic import ValidationError
    from ralph.models.xapi.base.statements import BaseXapiStatement

    errors = []
    for i, s in enumerate(statements):
        try:
            BaseXapiStatement.model_validate(s)
        except ValidationError as exc:
            errors.append(f"#{i} {verb(s)}: {exc}")
    return errors


def validate_learninglocker(statements: list[dict]) -> list[str]:
    """Errors from the npm package @learninglocker/xapi-validation (run with node)."""
    if not shutil.which("node") or not (ROOT / "node_modules" / "@learninglocker").is_dir():
        return ["node or @learninglocker/xapi-validation missing (npm ci)"]
    out = subprocess.run(
        ["node", str(HERE / "validate_xapi.js")],
        input=json.dumps(statements),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [f"#{p['index']} {verb(statements[p['index']])}: {p['path']} {p['warning']}" for p in json.loads(out.stdout)]


def wait_until(check: Callable[[], object], timeout: float, what: str, page=None):
    """Poll `check` until it returns something truthy (keeping Playwright's event loop turning)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        if page is not None and not page.is_closed():
            page.wait_for_timeout(200)
        else:
            time.sleep(0.2)
