"""Offline web: unzip and open index.html from file://, no server and no LMS."""

from __future__ import annotations

from packager.formats.common import single_page
from packager.formats.registry import Format
from packager.render import Site


def package(site: Site, fmt: Format) -> dict[str, bytes]:
    return single_page(site, fmt)
