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


def test_lesson_pages_link_to_each_other_by_file(tmp_path):
    site = _site(tmp_path)
    page = site.page("scorm2004", [site.course.lessons[0]], intro=False, page_id="x", mode="file")
    tree = lxml_html.fromstring(page)
    assert tree.xpath("//a[text()='lien']/@href") == ["l2.html#l2-la-suite"]


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
