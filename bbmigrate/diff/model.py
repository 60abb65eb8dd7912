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

from ..fidelity import Fidelity, total

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
    group: Any = None
    """The :class:`~bbmigrate.diff.groups.Group` this record was counted in (not serialised)."""

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
class Report:
    """A whole diff: inputs, options that shaped it, and the resources."""

    mode: str
    """``diff`` (v1 against v2) or ``mapped`` (mapped v1 against v2)."""
    left: str
    right: str
    resources: list[ResourceDiff] = field(default_factory=list)
    ignored: int = 0
    """Records dropped by ``--ignore`` paths."""
    ignore_paths: tuple[str, ...] = ()
    baseline: str | None = None
    groups: list[dict[str, Any]] = field(default_factory=list)
    """The grouped view (see :mod:`bbmigrate.diff.groups`), every kind."""

    def kinds(self) -> tuple[str, ...]:
        return MAPPED_KINDS if self.mode == "mapped" else DIFF_KINDS

    def counts(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for resource in self.resources:
            out.update(resource.counts())
        return out

    def summary(self) -> dict[str, Any]:
        counts = self.counts()
        accepted = sum(1 for r in self.resources for c in r.changes if c.accepted is not None)
        out: dict[str, Any] = {
            "mode": self.mode,
            "left": self.left,
            "right": self.right,
            "resources": len(self.resources),
            "paired": sum(1 for r in self.resources if r.status == "paired"),
            "only_left": sum(1 for r in self.resources if r.status == "removed"),
            "only_right": sum(1 for r in self.resources if r.status == "added"),
            "counts": {kind: counts.get(kind, 0) for kind in self.kinds()},
            "accepted": accepted,
            "ignored": self.ignored,
            "ignore_paths": list(self.ignore_paths),
        }
        scored = [r.fidelity for r in self.resources if r.fidelity is not None]
        if self.mode == "mapped":
            out["fidelity"] = total(scored).to_dict()
        if self.baseline is not None:
            out["baseline"] = self.baseline
            out["new"] = sum(1 for r in self.resources for c in r.changes if c.new)
        return out

    def to_dict(self, records: bool = True) -> dict[str, Any]:
        """The JSON form; ``records=False`` leaves each resource's ``changes`` empty (a grouped
        report does not read them, and they are most of the memory)."""
        return {
            "summary": self.summary(),
            "groups": self.groups,
            "resources": [resource.to_dict(records) for resource in self.resources],
        }
