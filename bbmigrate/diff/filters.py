"""What a report leaves out or forgives: ignore paths, accepted differences, and a baseline.

* **Ignore paths** are JSONPath selectors (jsonpath-ng, extended syntax) evaluated on each
  resource, v1 and v2 side alike; a record whose path is a selected node or lies under one is
  dropped (and counted in the summary). :data:`DEFAULT_IGNORE` holds the volatile fields dropped
  unless the config says ``default_ignore: false``.
* **Accepted differences** (config ``accept:``) stay in the report, marked with their reason, but
  never fail a run.
* A **baseline** is a JSON report saved earlier. A record is *new* when the baseline has no record
  with the same resource, kind, v1 path, v2 path, v1 value and v2 value (as a multiset: two equal
  records need two in the baseline).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
import yaml

from ..errors import InputError
from ..jsonio import read_json
from .model import ALL_KINDS, ResourceDiff

DEFAULT_IGNORE: tuple[str, ...] = ("$.meta.lastUpdated",)
"""Volatile on every read: BFD stamps the time of the last load, not a property of the claim."""


@lru_cache(maxsize=256)
def compile_selector(text: str) -> Any:
    """A compiled JSONPath (parsing is the costly part, so each selector is parsed once)."""
    from jsonpath_ng.ext import parse

    try:
        return parse(text)
    except Exception as exc:  # jsonpath-ng raises plain Exceptions for syntax errors
        raise InputError(f"bad JSONPath {text!r}: {exc}", where="--ignore/--config") from None


_PLAIN = re.compile(r"^\$((?:\.[A-Za-z_][A-Za-z0-9_]*)+)$")


@lru_cache(maxsize=256)
def _plain_names(selector: str) -> tuple[str, ...] | None:
    """The field names of a selector that only names fields (``$.meta.lastUpdated``), or None."""
    match = _PLAIN.match(selector)
    return tuple(match[1][1:].split(".")) if match else None


def selected_paths(selector: str, document: Any) -> set[str]:
    """Concrete paths (``item[0].service``) of the nodes ``selector`` selects in ``document``."""
    if document is None:
        return set()
    names = _plain_names(selector)
    if names is not None:
        # walked directly (jsonpath-ng's find costs ~0.2 ms a document); any node that is not
        # an object on the way is left to jsonpath-ng, which has the last word on its rules
        node = document
        for name in names:
            if type(node) is not dict:
                break
            if name not in node:
                return set()
            node = node[name]
        else:
            return {".".join(names)}
    return {
        str(found.full_path).replace(".[", "[")
        for found in compile_selector(selector).find(document)
    }


class _Roots:
    """Selected nodes' paths, asked "is this path one of them or under one?" many times."""

    __slots__ = ("paths", "starts")

    def __init__(self, paths: set[str]) -> None:
        self.paths = paths
        # built once: every record of the resource is tested against it
        self.starts = tuple(root + sep for root in paths for sep in ".[")

    def holds(self, path: str | None) -> bool:
        if not path or not self.paths:
            return False
        return path in self.paths or path.startswith(self.starts)


@dataclass(frozen=True)
class Accept:
    path: str
    reason: str
    kinds: frozenset[str] = frozenset()
    rule: str | None = None


@dataclass(frozen=True)
class DiffConfig:
    """The ``--config`` file: extra ignore paths and accepted differences."""

    ignore: tuple[str, ...] = ()
    accept: tuple[Accept, ...] = ()
    default_ignore: bool = True

    def ignore_paths(self, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
        base = DEFAULT_IGNORE if self.default_ignore else ()
        return tuple(dict.fromkeys(base + self.ignore + tuple(extra)))


def _kinds(value: Any, where: str) -> frozenset[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(k, str) for k in items):
        raise InputError("kind must be a kind name or a list of them", where=where)
    unknown = sorted(set(items) - set(ALL_KINDS))
    if unknown:
        raise InputError(
            f"unknown kind {unknown[0]!r} (known: {', '.join(ALL_KINDS)})", where=where
        )
    return frozenset(items)


def load_config(path: str | Path) -> DiffConfig:
    """Read and check a config file; any problem is one :class:`InputError` naming the spot."""
    where = str(path)
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise InputError(exc.strerror or str(exc), where=where) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f":{mark.line + 1}" if mark is not None else ""
        raise InputError(
            f"invalid YAML: {getattr(exc, 'problem', exc)}", where=where + at
        ) from None
    if not isinstance(data, dict):
        raise InputError("expected a mapping with ignore/accept keys", where=where)
    unknown = sorted(set(data) - {"ignore", "accept", "default_ignore"})
    if unknown:
        raise InputError(f"unknown key {unknown[0]!r}", where=where)
    ignore = data.get("ignore") or []
    if not isinstance(ignore, list) or not all(isinstance(p, str) for p in ignore):
        raise InputError("'ignore' must be a list of JSONPath strings", where=where)
    for selector in ignore:
        compile_selector(selector)
    accepted = data.get("accept") or []
    if not isinstance(accepted, list):
        raise InputError("'accept' must be a list of {path, reason} entries", where=where)
    accepts = []
    for n, item in enumerate(accepted):
        spot = f"{where}: accept[{n}]"
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            raise InputError("needs a 'path' (JSONPath) and a 'reason'", where=spot)
        extra = sorted(set(item) - {"path", "reason", "kind", "rule"})
        if extra:
            raise InputError(f"unknown key {extra[0]!r}", where=spot)
        if not isinstance(item.get("reason"), str) or not item["reason"].strip():
            raise InputError("needs a non-empty 'reason'", where=spot)
        compile_selector(item["path"])
        kinds = _kinds(item["kind"], spot) if "kind" in item else frozenset()
        accepts.append(Accept(item["path"], item["reason"], kinds, item.get("rule")))
    default = data.get("default_ignore", True)
    if not isinstance(default, bool):
        raise InputError("'default_ignore' must be true or false", where=where)
    return DiffConfig(tuple(ignore), tuple(accepts), default)


@dataclass
class Filter:
    """Applies ignore paths and accepted differences to one resource's records."""

    ignore: tuple[str, ...]
    accept: tuple[Accept, ...] = ()
    dropped: int = field(default=0)

    def apply(self, resource: ResourceDiff, docs: tuple[Any, Any, Any]) -> None:
        """``docs`` is (v1, v2, mapped) — the documents the records' paths point into."""
        v1, v2, mapped = docs
        ignored = [
            _Roots(set().union(*(selected_paths(s, doc) for s in self.ignore)))
            for doc in (v1, v2, mapped)
        ]
        if any(roots.paths for roots in ignored):
            kept = []
            for change in resource.changes:
                if (
                    ignored[0].holds(change.v1_path)
                    or ignored[1].holds(change.v2_path)
                    or ignored[2].holds(change.mapped_path)
                ):
                    self.dropped += 1
                    continue
                kept.append(change)
            resource.changes = kept
        for accept in self.accept:
            roots = [_Roots(selected_paths(accept.path, doc)) for doc in (v1, v2, mapped)]
            for change in resource.changes:
                if change.accepted is not None:
                    continue
                if accept.kinds and change.kind not in accept.kinds:
                    continue
                if accept.rule and change.rule != accept.rule:
                    continue
                if (
                    roots[0].holds(change.v1_path)
                    or roots[1].holds(change.v2_path)
                    or roots[2].holds(change.mapped_path)
                ):
                    change.accepted = accept.reason


def _record_key(label: str, record: dict[str, Any]) -> tuple:
    return (
        label,
        record.get("kind"),
        record.get("v1_path"),
        record.get("v2_path"),
        orjson.dumps(record.get("v1_value")),
        orjson.dumps(record.get("v2_value")),
    )


def load_baseline(path: str | Path) -> Counter[tuple]:
    """The records of a saved JSON report, as a multiset of match keys."""
    data = read_json(path)
    where = str(path)
    if not isinstance(data, dict) or not isinstance(data.get("resources"), list):
        raise InputError("not a bbmigrate diff JSON report (no 'resources' list)", where=where)
    out: Counter[tuple] = Counter()
    for n, resource in enumerate(data["resources"]):
        if not isinstance(resource, dict) or not isinstance(resource.get("changes"), list):
            raise InputError(f"resources[{n}] has no 'changes' list", where=where)
        label = f"{resource.get('resourceType')}/{resource.get('id')}"
        for record in resource["changes"]:
            if not isinstance(record, dict):
                raise InputError(f"resources[{n}].changes holds a non-object", where=where)
            out[_record_key(label, record)] += 1
    return out


def mark_new(resource: ResourceDiff, remaining: Counter[tuple]) -> None:
    """Set ``new`` on every record of ``resource``: True unless ``remaining`` (the baseline's
    records not matched yet, used up as they match) still has an equal one. Match keys name
    the resource, so resources can be marked in any order, each against the same counter."""
    for change in resource.changes:
        key = _record_key(resource.label, change.to_dict())
        if remaining[key] > 0:
            remaining[key] -= 1
            change.new = False
        else:
            change.new = True
