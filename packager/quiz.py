"""The Markdown quiz syntax (`::: quiz` … `:::`) → Quiz, with file:line errors.

The syntax is line-based on purpose: every error can point at the one line to fix.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from pathlib import Path

from packager.errors import Issue
from packager.model import Choice, Question, Quiz
from packager.text import did_you_mean, fold

OPEN = re.compile(r"^:::\s*quiz\b\s*(?P<title>.*)$")
CLOSE = re.compile(r"^:::\s*$")
CHOICE = re.compile(r"^[-*]\s+(?P<box>\(\s*[xX]?\s*\)|\[\s*[xX]?\s*\])\s*(?P<text>.*)$")
OPTION = re.compile(r"^(?P<key>[a-z_]+)\s*:\s*(?P<value>.*)$")
OPTIONS = ("mastery_score", "max_attempts")
TRUE_FALSE = ({"vrai", "faux"}, {"true", "false"})


@dataclass
class _Draft:
    prompt: str
    line: int
    choices: list[list] = field(default_factory=list)  # [box, text, feedback, line]
    answers: list[str] = field(default_factory=list)
    answer_line: int = 0
    answer_feedback: str = ""
    explanation: list[str] = field(default_factory=list)


def parse_quiz(
    lines: list[tuple[int, str]],
    title: str,
    open_line: int,
    quiz_id: str,
    first_number: int,
    path: Path,
) -> tuple[Quiz | None, list[Issue]]:
    """Parse the lines between `::: quiz` and `:::`; `first_number` numbers questions in the lesson."""
    issues: list[Issue] = []
    options: dict[str, int] = {}
    drafts: list[_Draft] = []

    def err(line: int, message: str, hint: str = "") -> None:
        issues.append(Issue(path, line, message, hint, code="quiz"))

    for number, raw in lines:
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            continue
        indented = line[:1].isspace()
        if stripped.startswith("? "):
            drafts.append(_Draft(stripped[2:].strip(), number))
            continue
        if not drafts:
            match = OPTION.match(stripped)
            if match and match["key"] in OPTIONS:
                value = match["value"].strip()
                if not value.isdigit() or (match["key"] == "mastery_score" and int(value) > 100):
                    err(
                        number,
                        f"{match['key']} must be a whole number"
                        + (" from 0 to 100" if match["key"] == "mastery_score" else ""),
                        f"write for example '{match['key']}: 80'",
                    )
                else:
                    options[match["key"]] = int(value)
            elif match:
                err(
                    number,
                    f"unknown quiz setting '{match['key']}'",
                    did_you_mean(match["key"], list(OPTIONS)) or f"known settings: {', '.join(OPTIONS)}",
                )
            else:
                err(
                    number,
                    "a quiz must start with a question line '? …'",
                    "write the question on a line that starts with '? '",
                )
            continue
        q = drafts[-1]
        if stripped.startswith(">"):
            text = stripped[1:].strip()
            if indented and q.explanation:
                q.explanation.append(text)
            elif indented and q.choices:
                q.choices[-1][2] = (q.choices[-1][2] + " " + text).strip()
            elif indented and q.answers:
                q.answer_feedback = (q.answer_feedback + " " + text).strip()
            else:
                q.explanation.append(text)
            continue
        match = CHOICE.match(stripped)
        if match and not indented:
            box = match["box"]
            kind = "(" if box.startswith("(") else "["
            correct = "x" in box.lower()
            if not match["text"].strip():
                err(number, "this answer has no text", "write the answer after the box: '- ( ) 2011'")
            q.choices.append([kind + ("x" if correct else " "), match["text"].strip(), "", number])
            continue
        if stripped.startswith("=") and not indented:
            q.answers = [a.strip() for a in stripped[1:].split("|") if a.strip()]
            q.answer_line = number
            if not q.answers:
                err(number, "no accepted answer after '='", "write '= réponse | autre réponse'")
            continue
        err(
            number,
            f"unexpected line in a quiz: {stripped[:40]!r}",
            "answers start with '- ( )', '- [ ]' or '= ', feedback with '>'; close the quiz with ':::'",
        )

    questions = []
    for index, draft in enumerate(drafts):
        question = _finish(draft, f"{quiz_id.split('-')[0]}q{first_number + index}", err)
        if question:
            questions.append(question)
    if not drafts and not issues:
        err(open_line, "this quiz has no question", "add a line '? question' and its answers")
    if issues:
        return None, issues
    return Quiz(
        quiz_id,
        title.strip(),
        open_line,
        tuple(questions),
        options.get("mastery_score"),
        options.get("max_attempts", 0),
    ), []


def _finish(d: _Draft, qid: str, err) -> Question | None:
    explanation = " ".join(d.explanation).strip()
    if not d.prompt:
        err(d.line, "the question has no text", "write the question after '? '")
        return None
    if d.choices and d.answers:
        err(d.answer_line, "a question has either choices or a text answer, not both", "split it into two questions")
        return None
    if d.answers:
        if not explanation and not d.answer_feedback:
            err(d.line, "the question has no feedback", "add an explanation line '> …' after the answer")
            return None
        return Question(
            qid,
            "fill-in",
            d.prompt,
            d.line,
            answers=tuple(d.answers),
            feedback=explanation,
            answer_feedback=d.answer_feedback,
        )
    if not d.choices:
        err(d.line, "the question has no answers", "add choices '- ( ) …' / '- (x) …' or a text answer '= …'")
        return None
    kinds = {c[0][0] for c in d.choices}
    if len(kinds) > 1:
        err(d.line, "the question mixes '( )' and '[ ]' answers", "use ( ) for one correct answer, [ ] for several")
        return None
    seen: dict[str, int] = {}
    ok = True
    for _box, text, _, line in d.choices:
        key = fold(text)
        if key in seen:
            err(line, f"duplicate answer {text!r} (same as line {seen[key]})", "make each answer different")
            ok = False
        seen[key] = line
    n_correct = sum(1 for c in d.choices if c[0][1] == "x")
    single = "(" in kinds
    if n_correct == 0:
        err(
            d.line,
            "the question has no correct answer",
            "mark the correct answer with (x)" if single else "mark correct answers with [x]",
        )
        return None
    if single and n_correct > 1:
        err(
            d.line,
            "a single-choice question has several answers marked (x)",
            "keep one (x), or use [x] boxes for a multiple-choice question",
        )
        return None
    if not explanation and not any(c[2] for c in d.choices):
        err(
            d.line,
            "the question has no feedback",
            "add an explanation line '> …' after the answers, or '  > …' under an answer",
        )
        return None
    if not ok:
        return None
    folded = {fold(c[1]) for c in d.choices}
    if single and len(d.choices) == 2 and folded in TRUE_FALSE:
        choices = tuple(
            Choice("true" if fold(t) in ("vrai", "true") else "false", t, b[1] == "x", f) for b, t, f, _ in d.choices
        )
        return Question(qid, "true-false", d.prompt, d.line, choices, feedback=explanation)
    if len(d.choices) > len(string.ascii_lowercase):
        err(d.line, "too many answers (26 at most)", "keep the question short")
        return None
    choices = tuple(Choice(string.ascii_lowercase[i], t, b[1] == "x", f) for i, (b, t, f, _) in enumerate(d.choices))
    kind = "choice" if single else "multiple-choice"
    return Question(qid, kind, d.prompt, d.line, choices, feedback=explanation)
