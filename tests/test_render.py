"""Rendering: the page contract of docs/runtime.md, link rewriting, raw HTML off."""

from __future__ import annotations

import json
import re

from coursekit import LESSON2, make_course
from lxml import html as lxml_html

from packager.load import load_course
from packager.render import Site


def _site(tmp_path, **overrides) -> Site:
    return Site(load_course(make_course(tmp_path, **overrides)))


def _data(page: bytes) -> dict:
    tree = lxml_html.fromstring(page)
    return json.loads(tree.get_element_by_id("r-data").text)


def test_single_page_holds_every_lesson_with_unique_ids(tmp_path):
    site = _site(tmp_path)
    page = site.page("scorm12", site.course.lessons, intro=True, page_id=site.course.id, mode="anchor")
    tree = lxml_html.fromstring(page)
    sections = tree.xpath("//section[@class='r-lesson']/@id")
    assert sections == ["intro", "l1", "l2"]
    ids = tree.xpath("//@id")
    assert len(ids) == len(set(ids)), "ids are unique on the page"
    assert tree.xpath("//a[text()='lien']/@href") == ["#l2-la-suite"]
    assert tree.xpath("//a[text()='la première leçon']/@href") == ["#l1"]


def test_lesson_pages_keep_links_to_other_sco_as_text(tmp_path):
    site = _site(tmp_path, **{"02-suite__md": LESSON2 + "\nPlus haut : [la suite](02-suite.md#la-suite).\n"})
    first = lxml_html.fromstring(
        site.page("scorm2004", [site.course.lessons[0]], intro=False, page_id="x", mode="lesson")
    )
    assert first.xpath("//a[text()='lien']") == [], "another SCO is reached through the LMS, not a link"
    assert first.xpath("//span[@class='r-xref']/text()") == ["lien"]
    second = lxml_html.fromstring(
        site.page("scorm2004", [site.course.lessons[1]], intro=False, page_id="x", mode="lesson")
    )
    assert second.xpath("//a[text()='la suite']/@href") == ["#l2-la-suite"]


def test_quiz_text_renders_inline_markdown(tmp_path):
    site = _site(
        tmp_path,
        **{
            "02-suite__md": LESSON2 + "\n::: quiz\n? Que fait `::: quiz` ?\n- (x) *ouvre*\n"
            "- ( ) ferme\n> Il **ouvre** un quiz.\n:::\n"
        },
    )
    tree = lxml_html.fromstring(site.page("web", site.course.lessons, intro=True, page_id="x", mode="anchor"))
    assert tree.xpath("//fieldset[@id='l2q1']/legend/code/text()") == ["::: quiz"]
    assert tree.xpath("//fieldset[@id='l2q1']/label/em/text()") == ["ouvre"]
    assert tree.xpath("//fieldset[@id='l2q1']/p[@class='r-ex']/strong/text()") == ["ouvre"]


def test_quiz_markup_and_data_follow_the_contract(tmp_path):
    site = _site(tmp_path)
    page = site.page("web", site.course.lessons, intro=True, page_id=site.course.id, mode="anchor")
    tree = lxml_html.fromstring(page)
    kinds = tree.xpath("//fieldset[@class='r-q']/@data-kind")
    assert kinds == ["choice", "multiple-choice", "true-false", "fill-in"]
    assert tree.xpath("//fieldset[@id='l1q1']//input/@type") == ["radio", "radio"]
    assert tree.xpath("//fieldset[@id='l1q2']//input/@type") == ["checkbox"] * 3
    assert tree.xpath("//fieldset[@id='l1q3']//input/@value") == ["true", "false"]
    assert tree.xpath("//fieldset[@id='l1q4']//input/@type") == ["text"]
    assert tree.xpath("//fieldset[@id='l1q1']/p[@class='r-fb']/@data-for") == ["a"]
    data = _data(page)
    assert data["format"] == "web" and data["course"]["mastery"] == 80
    questions = data["quizzes"][0]["questions"]
    assert [q["correct"] for q in questions] == [["b"], ["a", "c"], ["true"], []]
    assert questions[3]["answers"] == ["mdcl", "m.d.c.l."]


def test_raw_html_is_shown_as_text(tmp_path):
    site = _site(tmp_path, **{"02-suite__md": LESSON2 + "\n<script>alert(1)</script>\n"})
    page = site.page("web", site.course.lessons, intro=True, page_id=site.course.id, mode="anchor")
    assert b"<script>alert" not in page
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_data_cannot_close_its_script_element(tmp_path):
    site = _site(tmp_path, **{"02-suite__md": LESSON2 + "\n::: quiz\n? </script><b>x\n- (x) a\n- ( ) b\n> c\n:::\n"})
    page = site.page("web", site.course.lessons, intro=True, page_id=site.course.id, mode="anchor")
    data_block = re.search(rb'<script type="application/json" id="r-data">(.*?)</script>', page, re.S)
    assert data_block and b"</script" not in data_block.group(1)
    assert _data(page)["quizzes"][1]["questions"][0]["prompt"] == "</script><b>x"
