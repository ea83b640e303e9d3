"""Orchestrates load → lint → render → formats → archive for every course; nothing else."""

from __future__ import annotations

import json
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from packager.cache import course_key, zip_comment
from packager.discover import course_dirs
from packager.errors import Issue, SourceError
from packager.files import atomic_write, read_comment, write_zip
from packager.formats import FORMATS, Registry

INDEX = ".build-index.json"
RUNTIME_FILES = ("ruche.js", "ruche.css")
# Every registered format, in registration order (what `build` makes by default).
ALL_FORMATS = FORMATS.names()


@dataclass
class PackageResult:
    course: str
    format: str
    path: Path
    bytes: int
    runtime_bytes: int


@dataclass
class BuildReport:
    built: list[PackageResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def runtime_overhead(path: Path) -> int:
    """Compressed bytes the runtime and styles add to a package (beyond the course content)."""
    with zipfile.ZipFile(path) as handle:
        return sum(i.compress_size + 30 + len(i.filename) for i in handle.infolist() if i.filename in RUNTIME_FILES)


def _read_index(out: Path) -> dict:
    try:
        return json.loads((out / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _up_to_date(out: Path, entry: dict, key: str, formats: Iterable[str]) -> bool:
    if entry.get("key") != key:
        return False
    for fmt in formats:
        name = entry.get("files", {}).get(fmt)
        if not name or read_comment(out / name) != zip_comment(key, fmt):
            return False
    return True


def build_course(
    folder: Path, out: Path, formats: Iterable[str], key: str, registry: Registry = FORMATS
) -> tuple[dict, list[PackageResult], list[Issue]]:
    """Build one course's packages in memory, then write each zip atomically."""
    from packager.lint import check_course
    from packager.load import load_course
    from packager.render import Site

    course = load_course(folder)
    issues = check_course(course)
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        raise SourceError(errors)
    site = Site(course)
    packages = {fmt: registry[fmt].build(site, registry[fmt]) for fmt in formats}
    results = []
    for fmt, files in packages.items():
        path = out / f"{course.slug}-{course.version}-{fmt}.zip"
        size = write_zip(path, files, zip_comment(key, fmt))
        results.append(PackageResult(course.slug, fmt, path, size, runtime_overhead(path)))
    meta = {
        "title": course.title,
        "description": course.description,
        "language": course.language,
        "version": course.version,
        "duration": course.duration,
        "lessons": len(course.lessons),
        "questions": len(course.questions),
        "sources": list(course.sources),
    }
    return meta, results, [i for i in issues if i.severity == "warning"]


def build(
    root: Path,
    out: Path,
    formats: Iterable[str] | None = None,
    force: bool = False,
    progress: Callable[[str], None] = print,
    registry: Registry = FORMATS,
) -> BuildReport:
    """Build every course under `root` into `out`, skipping courses whose inputs did not change."""
    formats = registry.names() if formats is None else tuple(formats)
    unknown = [f for f in formats if f not in registry]
    if unknown:
        raise ValueError(f"unknown format(s): {', '.join(unknown)}")
    out.mkdir(parents=True, exist_ok=True)
    index = _read_index(out)
    report = BuildReport()
    folders = course_dirs(root)
    changed = False
    for number, folder in enumerate(folders, 1):
        started = time.perf_counter()
        prefix = f"[{number}/{len(folders)}] {folder.name}"
        key = course_key(folder)
        entry = index.get(folder.name, {})
        if not force and _up_to_date(out, entry, key, formats):
            report.skipped.append(folder.name)
            progress(f"{prefix}: unchanged, skipped")
            continue
        try:
            meta, results, warnings = build_course(folder, out, formats, key, registry)
        except SourceError as exc:
            report.errors.extend(exc.issues)
            progress(f"{prefix}: FAILED ({len(exc.issues)} error(s)); previous exports kept")
            continue
        report.warnings.extend(warnings)
        report.built.extend(results)
        old = set(entry.get("files", {}).values())
        files = {r.format: r.path.name for r in results}
        for stale in old - set(files.values()):
            (out / stale).unlink(missing_ok=True)
        index[folder.name] = {"key": key, "files": {**entry.get("files", {}), **files}, "meta": meta}
        changed = True
        total = sum(r.bytes for r in results)
        progress(f"{prefix}: {len(results)} packages, {total / 1024:.1f} KB ({time.perf_counter() - started:.2f} s)")
    if changed:
        known = {f.name for f in folders}
        index = {slug: entry for slug, entry in index.items() if slug in known}
        atomic_write(out / INDEX, json.dumps(index, indent=1, sort_keys=True).encode())
        from packager.catalogue import write_catalogue

        write_catalogue(out, index)
    return report


def size_table(report: BuildReport) -> str:
    """Bytes per package, and the bytes the runtime and styles add beyond the content."""
    if not report.built:
        return "nothing built"
    rows = [f"{'package':<48} {'bytes':>9} {'runtime':>8}"]
    for r in report.built:
        rows.append(f"{r.path.name:<48} {r.bytes:>9,} {r.runtime_bytes:>8,}")
    rows.append(f"{'total':<48} {sum(r.bytes for r in report.built):>9,}")
    return "\n".join(rows)
