"""`make bench`: speed and size figures of the packager, one JSON line per figure.

Budgets are checked here, not in timed unit tests; ratios are measured within one run.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from figures import emit  # noqa: E402

from packager.build import ALL_FORMATS, build  # noqa: E402
from packager.bundle import runtime_files  # noqa: E402
from packager.formats import FORMATS  # noqa: E402

QUIET = {"progress": lambda _line: None}
PARAGRAPH = (
    "Les acteurs du développement des communautés se réunissent pour partager un diagnostic, "
    "choisir des priorités communes et suivre leurs progrès dans la durée. "
) * 6


def generated_course(root: Path, lessons: int) -> Path:
    folder = root / f"gen-{lessons}"
    folder.mkdir(parents=True)
    (folder / "course.md").write_text(
        '---\nid: https://ruche.example.org/courses/gen\ntitle: Généré\nlanguage: fr\nversion: "1.0.0"\n'
        "authors: [Bench]\nlicense: CC0\ndescription: Cours généré.\nobjectives: [Mesurer]\n"
        "duration: 60\nmastery_score: 80\nsources: [000_0b7e17aa29a5c061.txt]\n---\n\nIntroduction.\n",
        encoding="utf-8",
    )
    for n in range(1, lessons + 1):
        (folder / f"{n:03d}-lecon-{n}.md").write_text(
            f"---\ntitle: Leçon {n}\nobjectives: [Lire]\nduration: 5\n---\n\n## Partie {n}\n\n{PARAGRAPH}\n\n"
            f"| a | b |\n|---|---|\n| {n} | {n * 2} |\n\n::: quiz\n? Combien font {n} et {n} ?\n"
            f"- (x) {2 * n}\n- ( ) {2 * n + 1}\n> {2 * n}.\n\n? Réponse {n}\n= {n}\n> {n}.\n:::\n",
            encoding="utf-8",
        )
    return folder


def timed_build(courses: Path, out: Path, force: bool = False) -> tuple[float, object]:
    started = time.perf_counter()
    report = build(courses, out, force=force, **QUIET)
    return time.perf_counter() - started, report


def main() -> None:
    courses = ROOT / "courses"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "exports"
        seconds, report = timed_build(courses, out)
        emit(
            "cold_build_all_courses",
            seconds,
            "s",
            courses=len({r.course for r in report.built}),
            packages=len(report.built),
        )
        seconds, noop = timed_build(courses, out)
        assert not noop.built
        emit("noop_rebuild_in_process", seconds, "s", budget=0.2)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "packager", "build", str(courses), str(out)],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        emit(
            "noop_rebuild_command",
            time.perf_counter() - started,
            "s",
            note="whole `python -m packager build`, interpreter start included",
        )
        for r in report.built:
            emit(f"package_bytes.{r.course}.{r.format}", r.bytes, "B")
        for fmt in ALL_FORMATS:
            total = sum(r.bytes for r in report.built if r.format == fmt)
            emit(f"package_bytes_total.{fmt}", total, "B")
            files = runtime_files(FORMATS[fmt].scripts)
            raw = b"".join(files.values())
            gz = sum(len(gzip.compress(data, 9)) for data in files.values())
            emit(f"runtime_bytes_gzip.{fmt}", gz, "B", budget=15 * 1024, minified=len(raw))
            in_zip = max(r.runtime_bytes for r in report.built if r.format == fmt)
            emit(f"runtime_bytes_in_package.{fmt}", in_zip, "B", budget=15 * 1024)
        timings = {}
        for lessons in (50, 500):
            gen_root = Path(tmp) / f"gen{lessons}"
            generated_course(gen_root, lessons)
            seconds, gen = timed_build(gen_root, Path(tmp) / f"out{lessons}")
            assert gen.ok, gen.errors[:3]
            timings[lessons] = seconds
            emit(f"build_generated_{lessons}_lessons", seconds, "s", per_lesson_ms=round(seconds / lessons * 1000, 2))
        emit("build_ratio_500_vs_50_lessons", timings[500] / timings[50], "x", note="10 is linear growth")


if __name__ == "__main__":
    main()
