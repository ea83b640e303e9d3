"""A scripted learner: reads a Ruche page like a person would (next button, table of contents,
the quiz forms) and knows the right answers from the page's #r-data (docs/runtime.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from playwright.sync_api import Frame, Page


def wrong_choice(q: dict) -> list[str]:
    """A wrong response to a question that has choices."""
    choices = list(q["choices"])
    correct = q["correct"]
    others = [c for c in choices if c not in correct]
    if q["kind"] == "multiple-choice":
        return others[:1] or correct[:-1] or choices[:1]
    return others[:1]


def right_response(q: dict) -> list[str]:
    if q["kind"] == "fill-in":
        answer = q["answers"][0]
        # type it as a person might: capitals and stray spaces, which the runtime folds away
        shouty = answer.upper() if answer.upper().lower() == answer else answer
        return [f"  {shouty}  "]
    return list(q["correct"])


def wrong_response(q: dict) -> list[str]:
    if q["kind"] == "fill-in":
        return ["zzz pas la bonne réponse"]
    return wrong_choice(q)


# The id of the one section on screen, or null unless exactly one is visible.
CURRENT = """() => {
  const shown = [].filter.call(document.querySelectorAll('section.r-lesson'),
    s => s.checkVisibility ? s.checkVisibility() : s.offsetParent !== null);
  return shown.length === 1 ? shown[0].id : null;
}"""


@dataclass
class Learner:
    frame: Frame | Page
    given: dict[str, list[str]] = field(default_factory=dict)  # question id -> response typed
    submitted: list[str] = field(default_factory=list)  # quiz ids, in order
    _data: dict | None = field(default=None, repr=False)

    # ---- reading the page ----
    def wait_ready(self, timeout: float = 10.0) -> None:
        """The runtime has connected to its LMS/LRS and resumed: exactly one section is shown."""
        self.frame.wait_for_function("document.documentElement.classList.contains('r-ready')", timeout=timeout * 1000)
        self.frame.wait_for_function(CURRENT, timeout=timeout * 1000)

    @property
    def data(self) -> dict:
        """The page's #r-data (read once)."""
        if self._data is None:
            self._data = json.loads(self.frame.evaluate("document.getElementById('r-data').textContent"))
        return self._data

    def sections(self) -> list[str]:
        return self.frame.evaluate("[].map.call(document.querySelectorAll('section.r-lesson'), s => s.id)")

    def current(self) -> str | None:
        """The id of the one section on screen (None unless exactly one is visible)."""
        return self.frame.evaluate(CURRENT)

    def quizzes_in(self, section: str) -> list[dict]:
        return [z for z in self.data["quizzes"] if z["lesson"] == section]

    def questions(self) -> list[dict]:
        return [q for z in self.data["quizzes"] for q in z["questions"]]

    def responses_on_page(self) -> dict[str, list[str]]:
        """What the form fields hold now, per question id (checked values, or the text)."""
        return self.frame.evaluate("""() => {
          const out = {};
          document.querySelectorAll('fieldset.r-q').forEach(f => {
            const r = [];
            f.querySelectorAll('input').forEach(i => {
              if (i.type === 'text') { if (i.value) r.push(i.value); }
              else if (i.checked) r.push(i.value);
            });
            out[f.id] = r;
          });
          return out;
        }""")

    def verdicts_on_page(self) -> dict[str, str]:
        """The verdict class each question shows (r-ok, r-ko or '')."""
        return self.frame.evaluate("""() => {
          const out = {};
          document.querySelectorAll('fieldset.r-q').forEach(f => {
            out[f.id] = f.classList.contains('r-ok') ? 'ok' : f.classList.contains('r-ko') ? 'ko' : '';
          });
          return out;
        }""")

    # ---- acting ----
    def _wait_section(self, section: str, timeout: float = 5.0) -> None:
        try:
            self.frame.wait_for_function(f"id => ({CURRENT})() === id", arg=section, timeout=timeout * 1000)
        except Exception as exc:
            raise AssertionError(f"expected section {section!r} on screen, got {self.current()!r}") from exc

    def next(self) -> None:
        before = self.current()
        sections = self.sections()
        self.frame.locator("button[data-nav=next]").click()
        if before in sections and sections.index(before) + 1 < len(sections):
            self._wait_section(sections[sections.index(before) + 1])

    def can_next(self) -> bool:
        button = self.frame.locator("button[data-nav=next]")
        return button.count() == 1 and button.is_enabled()

    def goto(self, section: str) -> None:
        """Open a section from the table of contents (opening the contents first if folded)."""
        link = self.frame.locator(f".r-toc a[href='#{section}']")
        if not link.is_visible():
            self.frame.locator(".r-toc button").first.click()
        link.click()
        self._wait_section(section)

    def respond(self, q: dict, response: list[str]) -> None:
        box = self.frame.locator(f"fieldset#{q['id']}")
        if q["kind"] == "fill-in":
            text = box.locator("input[type=text]")
            text.fill(response[0])
            text.press("Tab")  # done typing: the field's change event fires now, not on the button
        else:
            for value in q["choices"]:
                field_ = box.locator(f"input[value='{value}']")
                if value in response:
                    field_.check()
                elif q["kind"] == "multiple-choice" and field_.is_checked():
                    field_.uncheck()
        self.given[q["id"]] = response

    def answer(self, quiz: dict, right: bool = True) -> None:
        for q in quiz["questions"]:
            self.respond(q, right_response(q) if right else wrong_response(q))
        form = self.frame.locator(f"form#{quiz['id']}")
        form.locator("button[type=submit]").click()
        form.locator(".r-score").filter(has_text="%").wait_for(timeout=5000)
        self.submitted.append(quiz["id"])

    def read_course(self, right: bool = True, until: str | None = None) -> list[str]:
        """Read every section with the next button, answering each quiz on the way (all right or
        all wrong); stops once `until` (a section id) is on screen, before answering its quizzes.
        Returns the sections seen, in order."""
        self.wait_ready()
        seen = []
        while True:
            section = self.current()
            seen.append(section)
            if section == until:
                return seen
            for quiz in self.quizzes_in(section):
                if quiz["id"] not in self.submitted:
                    self.answer(quiz, right)
            sections = self.sections()
            if sections.index(section) + 1 >= len(sections):
                return seen
            self.next()
