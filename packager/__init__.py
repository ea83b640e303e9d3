"""Ruche packager: Markdown courses → SCORM 1.2, SCORM 2004, xAPI, cmi5 and offline web packages."""

__version__ = "0.1.0"
