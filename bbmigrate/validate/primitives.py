"""FHIR primitive values the R4B models' own types accept, checked without importing them.

Importing ``fhir_core.types`` (and pydantic with it) costs ~0.1 s, a third of what
``bbmigrate validate`` of one file took. So each primitive type is described once, from the
type itself (``spec``: the regexes, lengths and bounds it carries, or the pattern its own
validator applies), and stored with the R4B schema (``r4_schema.py``). ``accepts`` answers
``True`` only where the type is sure to accept the value; anything else (``None``) goes to the
pydantic type as before (``structure._primitive_ok``), so an answer never changes, only where
it comes from:

- strings: without control characters (C0, DEL, C1) or surrogates, where Python's ``re`` and
  pydantic's Rust regex agree on every construct the FHIR patterns use: ``\\s`` is Unicode
  White_Space in Rust and ``str.isspace`` in Python, which differ only on ``\\x1c``-``\\x1f``,
  and ``$`` differs only before a final newline;
- integers: within the type's ``Ge``/``Le``;
- decimal: the regex ``fhir_core``'s validator itself applies to ``str(value)``;
- date, dateTime, instant, time: the type's own regex, then a real calendar day, seconds
  below 60 and at most 6 fraction digits (leap seconds and longer fractions: ask the type).

``tests/test_validate_r4_schema.py`` checks the checks against the pydantic types on real,
generated and hostile values.
"""

from __future__ import annotations

import datetime
import re
import typing
from collections.abc import Callable
from functools import cache
from typing import Any

Spec = dict[str, Any]
Check = Callable[[Any], "bool | None"]

# Characters on which the two regex engines could disagree (see the module docstring).
_UNSURE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_STAMP = re.compile(
    r"(\d{4})(?:-(\d\d)(?:-(\d\d)(?:T\d\d:\d\d:(\d\d)(?:\.(\d+))?(?:Z|[+-]\d\d:\d\d))?)?)?"
)
_CLOCK = re.compile(r"\d\d:\d\d:(\d\d)(?:\.(\d+))?")
_DATE_KINDS = ("date", "dateTime", "instant", "time")


def name_of(tp: Any) -> str:
    """A stable name for a primitive annotated type: its FHIR type name where it has one."""
    if tp is bool:
        return "boolean"
    if typing.get_origin(tp) is typing.Annotated:
        base, *meta = typing.get_args(tp)
        for item in reversed(meta):
            visit = getattr(item, "__visit_name__", None)
            if isinstance(visit, str):
                return visit
        return f"{getattr(base, '__name__', base)}:{type(meta[-1]).__name__}"
    return getattr(tp, "__name__", repr(tp))


def _constraints(meta: list[Any]) -> dict[str, Any] | None:
    """Patterns and bounds of grouped metadata (``String()``, ``Id()``, ``Integer()``...), or
    ``None`` when any of it is something else."""
    from annotated_types import Ge, GroupedMetadata, Le, MaxLen, MinLen

    found: dict[str, Any] = {"patterns": []}
    for group in meta:
        if not isinstance(group, GroupedMetadata):
            return None
        for item in group:
            if isinstance(item, MinLen):
                found["min_len"] = item.min_length
            elif isinstance(item, MaxLen):
                found["max_len"] = item.max_length
            elif isinstance(item, Ge):
                found["ge"] = item.ge
            elif isinstance(item, Le):
                found["le"] = item.le
            elif set(vars(item)) == {"pattern"} and isinstance(item.pattern, str):
                found["patterns"].append(item.pattern)
            else:
                return None
    return found


def spec(tp: Any) -> Spec:
    """What ``accepts`` needs to know of one primitive type, read from the type."""
    if tp is bool:
        return {"check": "boolean"}
    if typing.get_origin(tp) is not typing.Annotated:
        return {"check": None}
    base, *meta = typing.get_args(tp)
    visit = name_of(tp)
    if visit in _DATE_KINDS or visit == "decimal":
        pattern = getattr(meta[-1], "pattern", None)
        if len(meta) == 1 and isinstance(pattern, re.Pattern):
            return {"check": visit, "pattern": pattern.pattern}
        return {"check": None}
    found = _constraints(meta)
    if found is not None and base is str and not {"ge", "le"} & set(found):
        return {"check": "string", **found}
    if found is not None and base is int and not found["patterns"]:
        return {"check": "integer", **found}
    return {"check": None}


def _string(spec: Spec) -> Check:
    patterns = [re.compile(p) for p in spec["patterns"]]
    low, high = spec.get("min_len", 0), spec.get("max_len")

    def check(value: Any) -> bool | None:
        if (
            type(value) is str
            and not _UNSURE.search(value)
            and low <= len(value)
            and (high is None or len(value) <= high)
            and all(p.search(value) for p in patterns)
        ):
            return True
        return None

    return check


def _integer(spec: Spec) -> Check:
    low, high = spec.get("ge"), spec.get("le")

    def check(value: Any) -> bool | None:
        if type(value) is int and (low is None or value >= low) and (high is None or value <= high):
            return True
        return None

    return check


def _decimal(spec: Spec) -> Check:
    pattern = re.compile(spec["pattern"])

    def check(value: Any) -> bool | None:
        if type(value) in (int, float) and pattern.fullmatch(str(value)):
            return True
        return None

    return check


def _real_day(year: str, month: str, day: str) -> bool:
    try:
        datetime.date(int(year), int(month), int(day))
    except ValueError:
        return False
    return True


def _moment(spec: Spec) -> Check:
    pattern, kind = re.compile(spec["pattern"]), spec["check"]

    def check(value: Any) -> bool | None:
        if type(value) is not str or not pattern.fullmatch(value):
            return None
        if kind == "time":
            clock = _CLOCK.fullmatch(value)
            ok = clock is not None and clock[1] != "60" and len(clock[2] or "") <= 6
            return True if ok else None
        stamp = _STAMP.fullmatch(value)
        if stamp is None:
            return None
        _, month, day, second, fraction = stamp.groups()
        if day is None:  # a partial date: the type keeps the string (the regex vouched)
            return True if kind != "instant" else None
        if second == "60" or len(fraction or "") > 6 or not _real_day(value[:4], month, day):
            return None
        return True

    return check


@cache
def _checker(check: str | None, frozen: tuple) -> Check:
    spec = dict(frozen)
    if check == "string":
        return _string(spec)
    if check == "integer":
        return _integer(spec)
    if check == "decimal":
        return _decimal(spec)
    if check in _DATE_KINDS:
        return _moment(spec)
    if check == "boolean":
        return lambda value: True if type(value) is bool else None
    return lambda value: None


def checker(spec: Spec) -> Check:
    """``accepts`` for one spec: ``True`` if the type accepts the value, ``None``: ask it."""
    frozen = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in spec.items()))
    return _checker(spec.get("check"), frozen)
