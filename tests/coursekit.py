"""A small valid course to copy and break in tests (one lesson file per concern)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COURSES = ROOT / "courses"
SEEDS = ROOT.parent / "shared" / "seeds"

COURSE = """---
id: https://ruche.example.org/courses/essai
title: Cours d'essai
language: fr
version: "1.0.0"
authors: [Équipe Ruche]
license: CC BY-SA 4.0
description: Un petit cours pour les tests.
objectives:
  - Vérifier le packager
duration: 20
mastery_score: 80
sources: [000_0b7e17aa29a5c061.txt]
---

Bienvenue dans le cours d'essai.
"""

LESSON1 = """---
title: Première leçon
objectives: [Lire]
duration: 10
---

## Le début

Du texte, un [lien](02-suite.md#la-suite) et une image ![carré](media/carre.svg).

::: quiz Vérifiez vos acquis
? En quelle année ?
- ( ) 2006
  > Non.
- (x) 2011
> 2011.

? Cochez les bonnes réponses
- [x] un
- [ ] deux
- [x] trois
> Un et trois.

? C'est vrai.
- (x) Vrai
- ( ) Faux
> Oui.

? Le sigle ?
= MDCL | M.D.C.L.
  > Exact.
> MDCL.
:::
"""

LESSON2 = """---
title: Deuxième leçon
objectives: [Conclure]
duration: 10
---

## La suite

Retour à [la première leçon](01-debut.md).
"""

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>'


def make_course(root: Path, slug: str = "essai", **overrides: str | None) -> Path:
    """Write the course under root/slug; `overrides` maps file names (dots as __) to new text."""
    folder = root / slug
    (folder / "media").mkdir(parents=True, exist_ok=True)
    files = {
        "course.md": COURSE.replace("essai", slug),
        "01-debut.md": LESSON1,
        "02-suite.md": LESSON2,
        "media/carre.svg": SVG,
    }
    for key, text in overrides.items():
        name = key.replace("__", ".").replace("_SLASH_", "/")
        if text is None:
            files.pop(name, None)
        else:
            files[name] = text
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
