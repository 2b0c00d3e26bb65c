"""A small declarative condition language over `HandMeasurements`, and dotted-path lookup.

Knowledge entries say *when* they apply as data, e.g.::

    {field: lines.heart.end_zone, equals: under_middle}
    {all: [{field: geometry.index_to_ring, gt: 1.02}, {field: lines.fate.found, equals: true}]}

Paths are dotted attribute names into `HandMeasurements`. Two containers are addressed by name
rather than position so paths stay stable: `lines.<LineName>.<field>` (a dict keyed by line) and
`mounts.<MountName>.<field>` (a list of regions, looked up by `name`).
"""

from __future__ import annotations

import types
import typing
from enum import Enum
from typing import Any, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rekha.reading.types import (
    HandMeasurements,
    LineName,
    MountName,
    MountRegion,
)


class _Missing:
    """Stands for a path that does not resolve on this photo (a line the engine did not report)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


class Condition(BaseModel):
    """Either a leaf test on one field, or a combination (`all`, `any`, `not`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    field: str | None = None
    equals: Any = None
    not_equals: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    contains: Any = None
    ends_with: str | None = None  # for compound zones such as "under_ring_straight_across"
    all_: list[Condition] | None = Field(default=None, alias="all")
    any_: list[Condition] | None = Field(default=None, alias="any")
    not_: Condition | None = Field(default=None, alias="not")

    @model_validator(mode="after")
    def _one_shape(self) -> Condition:
        combos = [c for c in (self.all_, self.any_, self.not_) if c is not None]
        ops = self.operators()
        if self.field is None:
            if len(combos) != 1 or ops:
                raise ValueError("a condition is a leaf (field + one operator) or one of all/any/not")
        else:
            if combos:
                raise ValueError("a leaf condition cannot also combine others")
            if len(ops) != 1 and not (set(ops) <= {"gt", "gte", "lt", "lte"} and ops):
                raise ValueError(f"leaf on {self.field!r} needs exactly one operator, got {ops}")
        return self

    def operators(self) -> list[str]:
        names = ["equals", "not_equals", "in_", "gt", "gte", "lt", "lte", "contains", "ends_with"]
        # `equals: null` is never useful here (use `found: false`), so None means "not given".
        return [n for n in names if getattr(self, n) is not None]

    def leaves(self) -> list[Condition]:
        if self.field is not None:
            return [self]
        out: list[Condition] = []
        for child in (self.all_ or []) + (self.any_ or []) + ([self.not_] if self.not_ else []):
            out.extend(child.leaves())
        return out

    def fields(self) -> list[str]:
        seen: list[str] = []
        for leaf in self.leaves():
            assert leaf.field is not None
            if leaf.field not in seen:
                seen.append(leaf.field)
        return seen


def resolve(m: BaseModel, path: str) -> Any:
    """The value at a dotted path, or MISSING when any step is absent."""
    obj: Any = m
    for part in path.split("."):
        if isinstance(obj, BaseModel):
            if part not in type(obj).model_fields:
                return MISSING
            obj = getattr(obj, part)
        elif isinstance(obj, dict):
            # StrEnum keys hash like their string, so a plain string finds them.
            if part not in obj:
                return MISSING
            obj = obj[part]
        elif isinstance(obj, list) and obj and all(hasattr(x, "name") for x in obj):
            found = [x for x in obj if str(x.name) == part]
            if not found:
                return MISSING
            obj = found[0]
        else:
            return MISSING
        if obj is None:
            return None
    return obj


def _plain(v: Any) -> Any:
    return v.value if isinstance(v, Enum) else v


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    return float(v)


def evaluate(cond: Condition, m: HandMeasurements) -> bool:
    if cond.all_ is not None:
        return all(evaluate(c, m) for c in cond.all_)
    if cond.any_ is not None:
        return any(evaluate(c, m) for c in cond.any_)
    if cond.not_ is not None:
        return not evaluate(cond.not_, m)
    assert cond.field is not None
    value = resolve(m, cond.field)
    if value is MISSING or value is None:
        return False
    pv = _plain(value)
    if cond.equals is not None:
        return bool(pv == cond.equals)
    if cond.not_equals is not None:
        return bool(pv != cond.not_equals)
    if cond.in_ is not None:
        return pv in cond.in_
    if cond.ends_with is not None:
        return isinstance(pv, str) and pv.endswith(cond.ends_with)
    if cond.contains is not None:
        return isinstance(value, list) and cond.contains in [_plain(x) for x in value]
    n = _num(pv)
    if n is None:
        return False
    return not (
        (cond.gt is not None and not n > cond.gt)
        or (cond.gte is not None and not n >= cond.gte)
        or (cond.lt is not None and not n < cond.lt)
        or (cond.lte is not None and not n <= cond.lte)
    )


# --- static checks: does a path name a real field, and of what type? -------------------------


def _unwrap_optional(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def field_type(path: str) -> Any:
    """The annotated type at a dotted path of HandMeasurements, or None if it names no field."""
    tp: Any = HandMeasurements
    for part in path.split("."):
        tp = _unwrap_optional(tp)
        origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if part not in tp.model_fields:
                return None
            tp = tp.model_fields[part].annotation
        elif origin is dict:
            key_t, val_t = typing.get_args(tp)
            if key_t is LineName and part not in {n.value for n in LineName}:
                return None
            tp = val_t
        elif origin is list and typing.get_args(tp) == (MountRegion,):
            if part not in {n.value for n in MountName}:
                return None
            tp = MountRegion
        else:
            return None
    return _unwrap_optional(tp)


def line_of(path: str) -> LineName | None:
    """Which traced line a path belongs to (its confidence governs statements about it)."""
    parts = path.split(".")
    if len(parts) >= 2 and parts[0] == "lines" and parts[1] in {n.value for n in LineName}:
        return LineName(parts[1])
    return None


def lines_in(cond: Condition) -> list[LineName]:
    """Every line a condition leans on: its own fields and lines named in `lines_crossing`."""
    out: list[LineName] = []
    for leaf in cond.leaves():
        assert leaf.field is not None
        names = [line_of(leaf.field)]
        if leaf.field.endswith(".lines_crossing") and leaf.contains is not None:
            names.append(LineName(leaf.contains))
        for n in names:
            if n is not None and n not in out:
                out.append(n)
    return out


__all__ = [
    "MISSING",
    "Condition",
    "evaluate",
    "field_type",
    "line_of",
    "lines_in",
    "resolve",
]
