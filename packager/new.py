"""`python -m packager new <slug>`: a course skeleton that builds as is, to edit from."""

from __future__ import annotations

import sys
from pathlib import Path

from packager.schema import SLUG

COURSE = """---
id: https://ruche.example.org/courses/{slug}
title: Titre du cours
language: fr
version: "0.1.0"
authors: [Votre nom]
license: CC BY-SA 4.0
description: Une phrase qui dit à qui s'adresse le cours et ce qu'on y apprend.
objectives:
  - Premier objectif du cours
duration: 20
mastery_score: 80
sources: [000_0b7e17aa29a5c061.txt]
---

L'introduction du cours : pourquoi le suivre, et d'où viennent ses informations.
"""

LESSON = """---
title: Première leçon
objectives:
  - Premier objectif de la leçon
duration: 10
---

Le texte de la leçon, en Markdown. Voir le guide : docs/authoring.md.

::: quiz Vérifiez vos acquis
? Cette leçon est écrite en Markdown.
- (x) Vrai
- ( ) Faux
> Chaque leçon est un fichier Markdown avec un en-tête YAML.
:::
"""


def main(slug: str, root: Path) -> int:
    if not SLUG.match(slug):
        print(f"'{slug}' is not a valid slug: use lower-case letters, digits and hyphens", file=sys.stderr)
        return 2
    folder = root / slug
    if folder.exists():
        print(f"{folder} already exists; choose another slug", file=sys.stderr)
        return 2
    (folder / "media").mkdir(parents=True)
    (folder / "course.md").write_text(COURSE.format(slug=slug), encoding="utf-8")
    (folder / "01-premiere-lecon.md").write_text(LESSON, encoding="utf-8")
    print(f"created {folder}: edit course.md and 01-premiere-lecon.md, then run 'make package'")
    return 0
