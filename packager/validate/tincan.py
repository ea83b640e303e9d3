"""tincan.xml (xAPI launch): one launchable activity, ids present and unique."""

from __future__ import annotations

from lxml import etree

from packager.manifest import (
    NS_TINCAN,
    text_of,
)
from packager.validate.report import Report, check_launch_href
from packager.validate.schemas import shorten


def check_tincan(root: etree._Element, manifest: str, names: set[str], report: Report) -> None:
    if root.tag != f"{{{NS_TINCAN}}}tincan":
        report.add(
            "error",
            "tincan-root",
            f'{manifest}: the root element is {shorten(str(root.tag))!r}; expected <tincan xmlns="{NS_TINCAN}">',
            manifest,
        )
        return
    activities = root.findall(f"{{{NS_TINCAN}}}activities/{{{NS_TINCAN}}}activity")
    if not activities:
        report.add("error", "tincan-activity", f"{manifest} has no <activities>/<activity>", manifest)
    launches: list[tuple[str, etree._Element]] = []
    seen: set[str] = set()
    for index, activity in enumerate(activities, 1):
        activity_id = (activity.get("id") or "").strip()
        label = f"activity '{activity_id}'" if activity_id else f"activity #{index}"
        if not activity_id:
            report.add("error", "tincan-activity", f"{manifest}: {label} has no id", manifest)
        elif activity_id in seen:
            report.add("error", "identifier-duplicate", f"{manifest}: {label} is declared twice", manifest)
        seen.add(activity_id)
        if not (activity.get("type") or "").strip():
            report.add("error", "tincan-activity", f"{manifest}: {label} has no type", manifest)
        launches.extend((label, el) for el in activity.findall(f"{{{NS_TINCAN}}}launch"))
    if len(launches) != 1:
        where = "; ".join(label for label, _ in launches)
        report.add(
            "error",
            "tincan-launch",
            f"{manifest} has {len(launches)} <launch> elements{' (' + where + ')' if where else ''}; "
            "exactly one activity must have exactly one <launch>",
            manifest,
        )
    for label, launch in launches:
        check_launch_href(text_of(launch), f"{manifest}: {label}", manifest, names, report)
