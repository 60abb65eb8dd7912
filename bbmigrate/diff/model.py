"""What a diff produces: one :class:`Change` per leaf, grouped by resource into a :class:`Report`.

A plain diff (v1 against v2) classifies every leaf as ``same``, ``moved`` (same value at another
path), ``changed`` (its counterpart has another value), ``removed`` (no v2 counterpart) or
``added`` (no v1 counterpart). A ``--mapped`` diff compares bbmigrate's mapping of v1 with the
real v2 and classifies each leaf as ``reproduced``, ``differs``, ``missing`` or ``extra``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..fidelity import Fidelity

DIFF_KINDS = ("same", "moved", "changed", "removed", "added")
MAPPED_KINDS = ("reproduced", "differs", "missing", "extra")
ALL_KINDS = DIFF_KINDS + MAPPED_KINDS
QUIET_KINDS = frozenset({"same", "reproduced"})
"""Kinds that are counted, not listed, unless asked for (``--only``)."""
NOT_SAME = frozenset(ALL_KINDS) - QUIET_KINDS


@dataclass(slots=True)
class Change:
    """One leaf of one resource and what became of it."""

    kind: str
    v1_path: str | None
    v2_path: str | None
    v1_value: Any = None
    v2_value: Any = None
    rule: str | None = None
    variable: str | None = None
    mapped_path: str | None = None
    mapped_value: Any = None
    accepted: str | None = None
    """Why this difference is accepted (from the config file), or None."""
    new: bool | None = None
    """Against a baseline: True when the baseline does not have this record."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "v1_path": self.v1_path,
            "v2_path": self.v2_path,
            "v1_value": self.v1_value,
            "v2_value": self.v2_value,
            "rule": self.rule,
            "variable": self.variable,
        }
        if self.kind in MAPPED_KINDS:
            out["mapped_path"] = self.mapped_path
            out["mapped_value"] = self.mapped_value
        if self.accepted is not None:
            out["accepted"] = self.accepted
        if self.new is not None:
            out["new"] = self.new
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Change:
        names = set(cls.__slots__)  # type: ignore[attr-defined]
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(slots=True)
class ResourceDiff:
    """The changes of one resource pair (or of a resource only one side has)."""

    resource_type: str
    id: str
    status: str
    """``paired``, ``removed`` (only in v1) or ``added`` (only in v2)."""
    aligned_by: str
    """``mapping`` (the mapping model's provenance), ``structure`` (semantic keys), or ``none``."""
    changes: list[Change] = field(default_factory=list)
    fidelity: Fidelity | None = None
    note: str | None = None

    @property
    def label(self) -> str:
        return f"{self.resource_type}/{self.id}"

    def counts(self) -> Counter[str]:
        return Counter(change.kind for change in self.changes)

    def to_dict(self, records: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "resourceType": self.resource_type,
            "id": self.id,
            "status": self.status,
            "aligned_by": self.aligned_by,
            "counts": dict(sorted(self.counts().items())),
        }
        if self.fidelity is not None:
            out["fidelity"] = self.fidelity.to_dict()
        if self.note:
            out["note"] = self.note
        out["changes"] = [change.to_dict() for change in self.changes] if records else []
        return out


@dataclass(slots=True)
class Tally:
    """The figures of a report's summary, added up resource by resource.

    Tallies of separate runs over consecutive pairs (chunks, worker processes) are merged in
    order with :meth:`merge`, so a summary never needs the records kept."""

    resources: int = 0
    paired: int = 0
    only_left: int = 0
    only_right: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    accepted: int = 0
    ignored: int = 0
    """Records dropped by ``--ignore`` paths."""
    new: int = 0
    fidelity: Fidelity = field(default_factory=lambda: Fidelity(0, 0, 0))
    """Leaf counts only (the missing/extra details are not summed)."""
    failures: Counter[str] = field(default_factory=Counter)
    """``--fail-on`` records by kind (not accepted, not in the baseline)."""
    failing_resources: int = 0

    def add(self, resource: ResourceDiff, fail_kinds: frozenset[str] = frozenset()) -> None:
        self.resources += 1
        if resource.status == "paired":
            self.paired += 1
        elif resource.status == "removed":
            self.only_left += 1
        elif resource.status == "added":
            self.only_right += 1
        self.counts.update(resource.counts())
        failed = 0
        for change in resource.changes:
            if change.accepted is not None:
                self.accepted += 1
            if change.new:
                self.new += 1
            if change.kind in fail_kinds and change.accepted is None and change.new is not False:
                self.failures[change.kind] += 1
                failed = 1
        self.failing_resources += failed
        fid = resource.fidelity
        if fid is not None:
            self.fidelity = self.fidelity + Fidelity(fid.expected, fid.mapped, fid.shared)

    def merge(self, other: Tally) -> None:
        for name in ("resources", "paired", "only_left", "only_right", "accepted", "ignored"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.new += other.new
        self.failing_resources += other.failing_resources
        self.counts.update(other.counts)
        self.failures.update(other.failures)
        self.fidelity = self.fidelity + other.fidelity


@dataclass(slots=True)
class Report:
    """A whole diff: inputs, options that shaped it, and the resources."""

    mode: str
    """``diff`` (v1 against v2) or ``mapped`` (mapped v1 against v2)."""
    left: str
    right: str
    resources: list[ResourceDiff] = field(default_factory=list)
    ignore_paths: tuple[str, ...] = ()
    baseline: str | None = None
    groups: list[dict[str, Any]] = field(default_factory=list)
    """The grouped view (see :mod:`bbmigrate.diff.groups`), every kind."""
    tally: Tally = field(default_factory=Tally)

    @property
    def ignored(self) -> int:
        return self.tally.ignored

    def kinds(self) -> tuple[str, ...]:
        return kinds_of(self.mode)

    def counts(self) -> Counter[str]:
        return Counter(self.tally.counts)

    def summary(self) -> dict[str, Any]:
        return summary_dict(
            self.mode, self.left, self.right, self.tally, self.ignore_paths, self.baseline
        )

    def to_dict(self, records: bool = True) -> dict[str, Any]:
        """The JSON form; ``records=False`` leaves each resource's ``changes`` empty (a grouped
        report does not read them, and they are most of the memory)."""
        return {
            "summary": self.summary(),
            "groups": self.groups,
            "resources": [resource.to_dict(records) for resource in self.resources],
        }


def kinds_of(mode: str) -> tuple[str, ...]:
    return MAPPED_KINDS if mode == "mapped" else DIFF_KINDS


def summary_dict(
    mode: str,
    left: str,
    right: str,
    tally: Tally,
    ignore_paths: tuple[str, ...] = (),
    baseline: str | None = None,
) -> dict[str, Any]:
    """The ``summary`` object of a report's JSON form."""
    out: dict[str, Any] = {
        "mode": mode,
        "left": left,
        "right": right,
        "resources": tally.resources,
        "paired": tally.paired,
        "only_left": tally.only_left,
        "only_right": tally.only_right,
        "counts": {kind: tally.counts.get(kind, 0) for kind in kinds_of(mode)},
        "accepted": tally.accepted,
        "ignored": tally.ignored,
        "ignore_paths": list(ignore_paths),
    }
    if mode == "mapped":
        out["fidelity"] = tally.fidelity.to_dict()
    if baseline is not None:
        out["baseline"] = baseline
        out["new"] = tally.new
    return out
