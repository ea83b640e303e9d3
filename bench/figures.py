"""One JSON line per figure, the format every `make bench` script prints."""

from __future__ import annotations

import json


def emit(name: str, value: float, unit: str, budget: float | None = None, **extra: object) -> None:
    """Print a figure; with a budget, whether it is met (`ok`), so a reader need not compare."""
    line: dict[str, object] = {"figure": name, "value": round(value, 4), "unit": unit}
    if budget is not None:
        line["budget"] = budget
        line["ok"] = value <= budget
    line.update(extra)
    print(json.dumps(line, ensure_ascii=False), flush=True)
