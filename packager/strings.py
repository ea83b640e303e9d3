"""Interface strings that the packager writes into pages, French first, English available."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "fr": {
        "skip": "Aller au contenu",
        "progress": "Progression",
        "toc": "Sommaire",
        "intro": "Introduction",
        "objectives": "Objectifs",
        "duration": "Durée",
        "license": "Licence",
        "authors": "Auteurs",
        "prev": "Précédent",
        "next": "Suivant",
        "quiz": "Quiz",
        "answer": "Votre réponse",
        "check": "Vérifier",
        "catalogue": "Catalogue des cours",
        "sources": "Sources",
        "lessons": "leçons",
        "open": "Ouvrir le cours",
        "download": "Télécharger",
    },
    "en": {
        "skip": "Skip to content",
        "progress": "Progress",
        "toc": "Contents",
        "intro": "Introduction",
        "objectives": "Objectives",
        "duration": "Duration",
        "license": "Licence",
        "authors": "Authors",
        "prev": "Previous",
        "next": "Next",
        "quiz": "Quiz",
        "answer": "Your answer",
        "check": "Check",
        "catalogue": "Course catalogue",
        "sources": "Sources",
        "lessons": "lessons",
        "open": "Open the course",
        "download": "Download",
    },
}


def strings_for(language: str) -> dict[str, str]:
    """English for `en…` tags, French otherwise (our learners are French first)."""
    return STRINGS["en" if language.lower().startswith("en") else "fr"]
