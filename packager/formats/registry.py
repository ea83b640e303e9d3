"""What a package format is: one entry carrying its CLI name, its builder, its runtime scripts, and
the manifest it writes with the reader the player opens such packages with.

Kept apart from `packager.formats` (which registers the built-in formats) so a format module and a
test can name `Format` without importing every other format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

# (rendered site, its own entry) → every file of the package.
Builder = Callable[[Any, "Format"], dict[str, bytes]]
# (manifest file name, its parsed root) → the packager.manifest.Package it describes.
Reader = Callable[[str, Any], Any]


@dataclass(frozen=True)
class Format:
    name: str
    build: Builder
    scripts: tuple[str, ...]
    help: str = ""
    manifest: str = ""  # the manifest file at the package root; "" for a format without one
    read: Reader | None = None


class Registry:
    """Formats by name, in registration order (the order builds and the CLI list them)."""

    def __init__(self, formats: Iterable[Format] = ()) -> None:
        self._formats: dict[str, Format] = {}
        for fmt in formats:
            self.register(fmt)

    def register(self, fmt: Format) -> Format:
        if fmt.name in self._formats:
            raise ValueError(f"format {fmt.name!r} is already registered")
        self._formats[fmt.name] = fmt
        return fmt

    def __getitem__(self, name: str) -> Format:
        return self._formats[name]

    def __contains__(self, name: object) -> bool:
        return name in self._formats

    def __iter__(self) -> Iterator[Format]:
        return iter(self._formats.values())

    def __len__(self) -> int:
        return len(self._formats)

    def names(self) -> tuple[str, ...]:
        return tuple(self._formats)

    def copy(self) -> Registry:
        """A registry to add formats to without touching this one (tests, plug-ins)."""
        return Registry(self)
