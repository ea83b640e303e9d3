"""`python -m packager build|lint|validate|new`: argument parsing only; each job lives in its module."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _build(args: argparse.Namespace) -> int:
    from packager.build import build, size_table

    report = build(Path(args.courses), Path(args.out), args.format, force=args.force)
    for issue in report.warnings:
        print(issue, file=sys.stderr)
    for issue in report.errors:
        print(issue, file=sys.stderr)
    if report.built:
        print(size_table(report))
    if not report.ok:
        print(f"build failed: {len(report.errors)} error(s); earlier exports were left as they were", file=sys.stderr)
        return 1
    return 0


def _validate(files: list[Path]) -> int:
    """One line per problem; exit 1 if any package has an error."""
    from packager.validate import validate_package

    errors = warnings = 0
    for file in files:
        for problem in validate_package(file):
            print(f"{file}: {problem.severity} {problem.code}: {problem.message}")
            errors += problem.severity == "error"
            warnings += problem.severity == "warning"
    verdict = "FAILED" if errors else "ok"
    print(f"{verdict}: {len(files)} package(s) checked, {errors} error(s), {warnings} warning(s)")
    return 1 if errors else 0


def main(argv: list[str]) -> int:
    from packager.formats import FORMATS

    parser = argparse.ArgumentParser(
        prog="python -m packager", description="Ruche packager: Markdown courses → e-learning packages"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build every course into packages")
    b.add_argument("courses", nargs="?", default="courses", help="courses folder (default: courses)")
    b.add_argument("out", nargs="?", default="exports", help="output folder (default: exports)")
    b.add_argument(
        "--format",
        action="append",
        choices=FORMATS.names(),
        help="only this format (repeatable)",
    )
    b.add_argument("--force", action="store_true", help="rebuild even unchanged courses")
    lint = sub.add_parser("lint", help="check course sources")
    lint.add_argument("paths", nargs="*", help="course folders or a folder of courses")
    validate = sub.add_parser("validate", help="check any SCORM/xAPI/cmi5 package zip")
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE.zip")
    new = sub.add_parser("new", help="start a new course that builds as is")
    new.add_argument("slug")
    new.add_argument("--root", default="courses")
    args = parser.parse_args(argv)
    if args.command == "build":
        return _build(args)
    if args.command == "lint":
        from packager.lint import main as lint_main

        return lint_main(args.paths)
    if args.command == "validate":
        return _validate(args.files)
    from packager.new import main as new_main

    return new_main(args.slug, Path(args.root))


def run() -> None:
    """Console-script entry point (`ruche-packager`)."""
    sys.exit(main(sys.argv[1:]))
