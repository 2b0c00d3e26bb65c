"""Build a palm that satisfies a knowledge entry's condition (for the reachability test)."""

from __future__ import annotations

import math
from typing import Any

from rekha.reading.knowledge import Condition, field_type, line_of
from rekha.reading.types import MountName

from .builders import base_dict, set_path


def quiet_base() -> dict[str, Any]:
    """A typical palm with no line running into any mount, so mount entries do not crowd."""
    d = base_dict()
    for mount in d["mounts"]:
        mount["lines_crossing"] = []
    return d


def _get(d: dict[str, Any], path: str) -> Any:
    obj: Any = d
    for part in path.split("."):
        obj = next(x for x in obj if x["name"] == part) if isinstance(obj, list) else obj[part]
    return obj


def witness(leaf: Condition) -> Any:
    """A value that satisfies one leaf."""
    assert leaf.field is not None
    if leaf.equals is not None:
        return leaf.equals
    if leaf.in_ is not None:
        return leaf.in_[0]
    if leaf.ends_with is not None:
        return f"under_ring_{leaf.ends_with}"
    if leaf.not_equals is not None:
        return f"not_{leaf.not_equals}"
    lo = leaf.gte if leaf.gte is not None else leaf.gt
    hi = leaf.lte if leaf.lte is not None else leaf.lt
    if lo is not None and hi is not None:
        v = (lo + hi) / 2
    elif lo is not None:
        v = lo if leaf.gte is not None else lo + 0.05
    else:
        assert hi is not None
        v = max(0.0, hi - 0.05) if leaf.lt is not None else hi
    if field_type(leaf.field) is int:
        return math.ceil(v) if lo is not None else math.floor(v)
    return round(v, 4)


def satisfy(cond: Condition, d: dict[str, Any]) -> None:
    if cond.all_ is not None:
        for c in cond.all_:
            satisfy(c, d)
        return
    if cond.any_ is not None:
        satisfy(cond.any_[0], d)
        return
    if cond.not_ is not None:
        raise NotImplementedError("no entry uses `not` yet")
    assert cond.field is not None
    line = line_of(cond.field)
    if line is not None:
        if cond.field.endswith(".found") and cond.equals is False:
            set_path(d, f"lines.{line.value}.found", False)
            set_path(d, f"lines.{line.value}.confidence", 0.05)
            set_path(d, f"lines.{line.value}.clearly_visible", False)
            return
        # A line's properties are only read when the line was seen clearly.
        set_path(d, f"lines.{line.value}.found", True)
        set_path(d, f"lines.{line.value}.confidence", 0.9)
        set_path(d, f"lines.{line.value}.clearly_visible", True)
    if cond.contains is not None:
        current = _get(d, cond.field)
        if cond.contains not in current:
            current.append(cond.contains)
        if cond.field.endswith(".lines_crossing"):
            ln = str(cond.contains)
            set_path(d, f"lines.{ln}.found", True)
            set_path(d, f"lines.{ln}.confidence", 0.9)
            set_path(d, f"lines.{ln}.clearly_visible", True)
        return
    set_path(d, cond.field, witness(cond))


__all__ = ["MountName", "quiet_base", "satisfy", "witness"]
