"""A crafted URL gets a 4xx or is harmless; never a 500, never markup in the lesson page (issue 10).

Before: `?at=--><!--<script>` broke the lesson page's config block (the JSON was escaped for `</`
only), and `%00` in a content path answered 500.
"""

from __future__ import annotations

import html.parser
import json

import pytest
from playerkit import import_file, scorm12_zip

from player import db


class _Scripts(html.parser.HTMLParser):
    """The text of each <script> element, as a browser's tokenizer splits the page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: dict[str, str] = {}
        self._current: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._current = dict(attrs).get("id") or f"script-{len(self.scripts)}"
            self.scripts[self._current] = ""

    def handle_data(self, data):
        if self._current is not None:
            self.scripts[self._current] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._current = None


@pytest.fixture
def lesson(app, learner, tmp_path):
    import_file(app, scorm12_zip(tmp_path / "tiers.zip"))
    with app.app_context():
        row = db.get_db().execute("SELECT l.id, p.id AS package, p.sha256 FROM launch l JOIN package p").fetchone()
    return dict(row)


@pytest.mark.parametrize("anchor", ["--><!--<script>", "</script><script>alert(1)</script>", "<!--", "&amp;\u2028"])
def test_the_lesson_anchor_cannot_break_the_config_block(learner, lesson, anchor):
    page = learner.get(f"/play/{lesson['id']}", query_string={"at": anchor})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    parser = _Scripts()
    parser.feed(text)
    config = json.loads(parser.scripts["lms-config"])  # the whole block, and only it, is the JSON
    assert config["src"].endswith("#" + anchor)
    assert "<!--" not in parser.scripts["lms-config"] and "<script" not in parser.scripts["lms-config"]
    assert text.count('id="lms-config"') == 1


@pytest.mark.parametrize("path", ["a%00b", "%00", "sco/page.html%00.png", "..%00/x"])
def test_a_nul_in_a_content_path_is_404(learner, lesson, path):
    response = learner.get(f"/content/{lesson['package']}/{lesson['sha256'][:12]}/{path}")
    assert response.status_code == 404
