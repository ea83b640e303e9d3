"""SCORM 2004 4th edition: one SCO per lesson, taken in order, completion and score rolled up.

Sequencing: a lesson is disabled until the previous one is completed (its completion status is
written to a global objective and read back by the next lesson); the course is satisfied when
its measure, the question-weighted average of the lessons' scores, reaches the mastery score.
"""

from __future__ import annotations

from lxml import etree

from packager.formats.common import manifest_id, xml_bytes
from packager.formats.registry import Format
from packager.model import Lesson
from packager.render import Site, lesson_file, lesson_iri
from packager.standards import ids

CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
ADLCP = "http://www.adlnet.org/xsd/adlcp_v1p3"
ADLSEQ = "http://www.adlnet.org/xsd/adlseq_v1p3"
ADLNAV = "http://www.adlnet.org/xsd/adlnav_v1p3"
IMSSS = "http://www.imsglobal.org/xsd/imsss"
LOM = "http://ltsc.ieee.org/xsd/LOM"
NSMAP = {None: CP, "adlcp": ADLCP, "adlseq": ADLSEQ, "adlnav": ADLNAV, "imsss": IMSSS, "lom": LOM}


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, tag, attrs)
    el.text = text
    return el


def _cp(tag: str) -> str:
    return f"{{{CP}}}{tag}"


def _ss(tag: str) -> str:
    return f"{{{IMSSS}}}{tag}"


def _declare_iri(metadata: etree._Element, iri: str) -> None:
    """IEEE LOM 1.1 general.identifier in the URI catalog: the activity IRI (read by packager.packages)."""
    identifier = _el(_el(_el(metadata, f"{{{LOM}}}lom"), f"{{{LOM}}}general"), f"{{{LOM}}}identifier")
    _el(identifier, f"{{{LOM}}}catalog", ids.LOM_CATALOG)
    _el(identifier, f"{{{LOM}}}entry", iri)


def _global(site: Site, lesson: Lesson) -> str:
    return f"{site.course.id}#{lesson.slug}"


def _lesson_sequencing(
    site: Site, item: etree._Element, lesson: Lesson, previous: Lesson | None, total_questions: int
) -> None:
    seq = _el(item, _ss("sequencing"))
    if previous is not None:
        rules = _el(seq, _ss("sequencingRules"))
        rule = _el(rules, _ss("preConditionRule"))
        conditions = _el(rule, _ss("ruleConditions"), conditionCombination="any")
        _el(
            conditions,
            _ss("ruleCondition"),
            referencedObjective=f"PREV-{lesson.id}",
            operator="not",
            condition="completed",
        )
        _el(rule, _ss("ruleAction"), action="disabled")
    questions = len(lesson.questions)
    rollup = {"objectiveMeasureWeight": f"{questions / total_questions:.4f}" if total_questions else "0"}
    if not questions:
        rollup["rollupObjectiveSatisfied"] = "false"
    _el(seq, _ss("rollupRules"), **rollup)
    objectives = _el(seq, _ss("objectives"))
    _el(objectives, _ss("primaryObjective"), objectiveID=f"OBJ-{lesson.id}")
    if previous is not None:
        prev = _el(objectives, _ss("objective"), objectiveID=f"PREV-{lesson.id}")
        _el(
            prev,
            _ss("mapInfo"),
            targetObjectiveID=_global(site, previous),
            readSatisfiedStatus="false",
            readNormalizedMeasure="false",
        )
    _el(seq, _ss("deliveryControls"), completionSetByContent="true", objectiveSetByContent="true")
    adl = _el(seq, f"{{{ADLSEQ}}}objectives")
    mine = _el(adl, f"{{{ADLSEQ}}}objective", objectiveID=f"OBJ-{lesson.id}")
    _el(mine, f"{{{ADLSEQ}}}mapInfo", targetObjectiveID=_global(site, lesson), writeCompletionStatus="true")
    if previous is not None:
        prev = _el(adl, f"{{{ADLSEQ}}}objective", objectiveID=f"PREV-{lesson.id}")
        _el(prev, f"{{{ADLSEQ}}}mapInfo", targetObjectiveID=_global(site, previous), readCompletionStatus="true")


def manifest(site: Site, shared: list[str]) -> bytes:
    c = site.course
    root = etree.Element(_cp("manifest"), nsmap=NSMAP, identifier=manifest_id(site), version=c.version)
    meta = _el(root, _cp("metadata"))
    _el(meta, _cp("schema"), "ADL SCORM")
    _el(meta, _cp("schemaversion"), "2004 4th Edition")
    _declare_iri(meta, c.id)
    orgs = _el(root, _cp("organizations"), default=f"ORG-{c.slug}")
    org = _el(orgs, _cp("organization"), identifier=f"ORG-{c.slug}")
    org.set(f"{{{ADLSEQ}}}objectivesGlobalToSystem", "false")
    _el(org, _cp("title"), c.title)
    total = len(c.questions)
    previous = None
    for lesson in c.lessons:
        item = _el(org, _cp("item"), identifier=f"ITEM-{lesson.id}", identifierref=f"RES-{lesson.id}")
        _el(item, _cp("title"), lesson.title)
        _declare_iri(_el(item, _cp("metadata")), lesson_iri(c, lesson))
        _lesson_sequencing(site, item, lesson, previous, total)
        previous = lesson
    seq = _el(org, _ss("sequencing"))
    _el(seq, _ss("controlMode"), choice="true", flow="true")
    if c.has_quiz:
        objectives = _el(seq, _ss("objectives"))
        primary = _el(objectives, _ss("primaryObjective"), objectiveID=f"OBJ-{c.slug}", satisfiedByMeasure="true")
        _el(primary, _ss("minNormalizedMeasure"), f"{c.mastery_score / 100:g}")
    resources = _el(root, _cp("resources"))
    for lesson in c.lessons:
        res = _el(
            resources, _cp("resource"), identifier=f"RES-{lesson.id}", type="webcontent", href=lesson_file(lesson)
        )
        res.set(f"{{{ADLCP}}}scormType", "sco")
        _el(res, _cp("file"), href=lesson_file(lesson))
        _el(res, _cp("dependency"), identifierref="RES-common")
    common = _el(resources, _cp("resource"), identifier="RES-common", type="webcontent")
    common.set(f"{{{ADLCP}}}scormType", "asset")
    for name in shared:
        _el(common, _cp("file"), href=name)
    return xml_bytes(root)


def package(site: Site, fmt: Format) -> dict[str, bytes]:
    c = site.course
    files: dict[str, bytes] = {}
    for index, lesson in enumerate(c.lessons):
        files[lesson_file(lesson)] = site.page(
            fmt.name,
            [lesson],
            intro=index == 0,
            page_id=lesson_iri(c, lesson),
            mode="lesson",
            title=f"{lesson.title} · {c.title}",
        )
    shared = {**site.runtime(fmt.scripts), **site.assets()}
    files.update(shared)
    files["imsmanifest.xml"] = manifest(site, sorted(shared))
    return files
