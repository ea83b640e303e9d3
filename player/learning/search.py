"""Search: a Whoosh index of every installed lesson's text, French-aware.

Text comes from the package's HTML pages (scripts, styles and navigation dropped). A page
made of lesson sections (`<section id=…>`, as Ruche packages are) gives one document per
section, so a result opens the lesson at that section. The analyzer lower-cases, drops
French stop words, stems with Whoosh's French Snowball stemmer, then folds accents, so
"eleve", "élève" and "élèves" find each other. The index is updated on import and removal.
"""

from __future__ import annotations

import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, current_app, render_template, request
from lxml import etree, html
from markupsafe import Markup, escape
from whoosh import index as windex
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.highlight import ContextFragmenter, HtmlFormatter
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.support.charset import accent_map

from player.store import packages as store

bp = Blueprint("search", __name__)

MAX_PAGES = 500
MAX_PAGE_BYTES = 4 * 1024 * 1024
DROP = ("script", "style", "noscript", "template", "nav", "svg", "button")
_EXTRA_STOP = {"les", "cette", "ces", "leur", "leurs", "dont", "où", "comme", "sans", "tout", "tous", "aussi"}
_STOP = (
    frozenset(stopwords_for_language("fr"))
    | _EXTRA_STOP
    | frozenset(w.translate(str.maketrans("àâäéèêëîïôöùûüç", "aaaeeeeiioouuuc")) for w in stopwords_for_language("fr"))
)


def analyzer():  # noqa: ANN201
    return (
        RegexTokenizer(r"\w+")
        | LowercaseFilter()
        | StopFilter(stoplist=_STOP, minsize=2)
        | StemFilter(stemfn=stemmer_for_language("fr"), cachesize=50000)
        | CharsetFilter(accent_map)
    )


SCHEMA = Schema(
    key=ID(unique=True, stored=True),
    package=ID(stored=True),
    launch=ID(stored=True),
    anchor=STORED,
    course=TEXT(stored=True, analyzer=analyzer()),
    title=TEXT(stored=True, analyzer=analyzer(), field_boost=2.0),
    body=TEXT(stored=True, analyzer=analyzer()),
)

_lock = threading.Lock()
_indexes: dict[str, windex.Index] = {}
_searchers: dict[str, object] = {}


@dataclass
class Section:
    title: str
    text: str
    anchor: str = ""


# ---------------------------------------------------------------------------------------------
# Text extraction (also used by the library for a package's description)


def _text(element: etree._Element) -> str:
    return re.sub(r"\s+", " ", " ".join(element.itertext())).strip()


def parse_page(data: bytes) -> etree._Element | None:
    try:
        root = html.fromstring(data, parser=html.HTMLParser(no_network=True, recover=True, remove_comments=True))
    except (etree.ParserError, ValueError):
        return None
    for element in root.xpath("|".join(f"//{t}" for t in DROP)):
        element.drop_tree()
    return root


def page_sections(data: bytes) -> list[Section]:
    """The page's lesson sections (one per `section[id]` with a heading), else the whole page."""
    root = parse_page(data)
    if root is None:
        return []
    sections = []
    for section in root.xpath("//section[@id]"):
        heading = section.xpath(".//h1|.//h2")
        text = _text(section)
        if text:
            sections.append(Section(_text(heading[0]) if heading else "", text, section.get("id")))
    if sections:
        return sections
    title = root.xpath("//title")
    body = root.xpath("//body")
    text = _text(body[0] if body else root)
    return [Section(_text(title[0]) if title else "", text)] if text else []


def page_summary(data: bytes) -> tuple[str, int | None, str]:
    """(description, duration in minutes or None, language) guessed from a launch page."""
    root = parse_page(data)
    if root is None:
        return "", None, ""
    language = root.get("lang") or ""
    meta = root.xpath("//meta[@name='description']/@content")
    description = meta[0].strip() if meta else ""
    scope = root.xpath("//section[@id='intro']") or root.xpath("//main") or root.xpath("//body") or [root]
    if not description:
        for paragraph in scope[0].xpath(".//p"):
            text = _text(paragraph)
            if len(text) > 30:
                description = text
                break
    duration = None
    match = re.search(r"(?:Durée|Duration)\s*:?\s*(\d{1,4})\s*min", _text(scope[0]))
    if match:
        duration = int(match.group(1))
    if len(description) > 400:
        description = description[:399].rsplit(" ", 1)[0] + "…"
    return description, duration, language


# ---------------------------------------------------------------------------------------------
# The index


def _index() -> windex.Index:
    path = Path(current_app.config["INDEX_DIR"])
    key = str(path)
    with _lock:
        if key not in _indexes:
            if windex.exists_in(path):
                _indexes[key] = windex.open_dir(path)
            else:
                path.mkdir(parents=True, exist_ok=True)
                _indexes[key] = windex.create_in(path, SCHEMA)
        return _indexes[key]


def _documents(package: dict, launches: list[dict]) -> list[dict]:
    folder = Path(current_app.config["LIBRARY_DIR"]) / package["folder"]
    by_file: dict[str, str] = {}
    for launch in launches:
        by_file.setdefault(launch["href"].split("#", 1)[0].split("?", 1)[0], launch["ident"])
    first = launches[0]["ident"] if launches else ""
    pages = sorted(folder.rglob("*.htm*"), key=lambda p: (p.relative_to(folder).as_posix() not in by_file, str(p)))
    docs = []
    for page in pages[:MAX_PAGES]:
        rel = page.relative_to(folder).as_posix()
        if page.is_symlink() or not page.is_file() or page.stat().st_size > MAX_PAGE_BYTES:
            continue
        launch = by_file.get(rel, first)
        for number, section in enumerate(page_sections(page.read_bytes())):
            docs.append(
                {
                    "key": f"{package['id']}:{rel}:{number}",
                    "package": str(package["id"]),
                    "launch": launch,
                    "anchor": section.anchor,
                    "course": package["title"],
                    "title": section.title or package["title"],
                    "body": section.text,
                }
            )
    return docs


def index_package(package_id: int) -> int:
    """(Re)index one installed package; returns the number of documents."""
    package = store.get(package_id)
    if package is None:
        return 0
    docs = _documents(package, store.launches(package_id))
    writer = _index().writer(timeout=30)
    try:
        writer.delete_by_term("package", str(package_id))
        for doc in docs:
            writer.add_document(**doc)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return len(docs)


def remove_package(package_id: int) -> None:
    writer = _index().writer(timeout=30)
    writer.delete_by_term("package", str(package_id))
    writer.commit()


def rebuild() -> int:
    """Drop the index and index every installed package again."""
    path = Path(current_app.config["INDEX_DIR"])
    with _lock:
        _indexes.pop(str(path), None)
        old = _searchers.pop(str(path), None)
        if old is not None:
            old.close()
    shutil.rmtree(path, ignore_errors=True)
    total = 0
    for package_id in store.all_ids():
        total += index_package(package_id)
    return total


def query(text: str, limit: int = 20) -> list[dict]:
    text = text.strip()[:200]
    if not text:
        return []
    ix = _index()
    parser = MultifieldParser(["title", "body", "course"], schema=ix.schema, group=OrGroup.factory(0.9))
    try:
        parsed = parser.parse(text)
    except Exception:  # noqa: BLE001 - a query the parser cannot read: search the words
        parsed = parser.parse(re.sub(r"[^\w\s]", " ", text))
    results = []
    with _lock:  # one cached searcher per index, refreshed when the index changed
        key = current_app.config["INDEX_DIR"]
        searcher = _searchers.get(key)
        searcher = ix.searcher() if searcher is None else searcher.refresh()
        _searchers[key] = searcher
        hits = searcher.search(parsed, limit=limit)
        hits.fragmenter = ContextFragmenter(maxchars=180, surround=60)
        hits.formatter = HtmlFormatter(tagname="mark", classname="", termclass="")
        snippets: dict[str, Markup] = {}  # one course exported in several standards: the same text, highlighted once
        for hit in hits:
            body = hit["body"]
            if body not in snippets:
                # the formatter escapes the text it highlights; the fallback is escaped here
                snippets[body] = Markup(hit.highlights("body", top=2) or escape(body[:180]))
            snippet = snippets[body]
            results.append(
                {
                    "package": int(hit["package"]),
                    "launch": hit["launch"],
                    "anchor": hit.get("anchor", ""),
                    "course": hit["course"],
                    "title": hit["title"],
                    "snippet": snippet,
                }
            )
    return results


@bp.get("/search")
def search_page():
    text = request.args.get("q", "")
    results = query(text) if text.strip() else []
    for result in results:
        result["launch_id"] = store.launch_id(result["package"], result["launch"])
    return render_template("search.html", q=text, results=results)
