"""Fidelity: how much of a real v2 resource a mapped one reproduces, leaf by leaf.

Both sides are flattened to multisets of ``(semantic path, value)`` (see :mod:`bbmigrate.leaves`).
``recall`` is the share of the expected (real v2) leaves that the mapped output has, and
``precision`` the share of the mapped leaves that the expected output has. BFD's ``IGNORED_FIELD``
means "any value": such expected leaves are not counted, and a mapped leaf at a path whose expected
value is ``IGNORED_FIELD`` is not counted either. A placeholder *inside* a longer string (a Bundle
link such as ``https://localhost:IGNORED_FIELD/v2/fhir/...``) is compared as the whole string.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .leaves import IGNORED, iter_leaves, tag

LeafKey = tuple[str, tuple[str, Any]]


def leaf_counter(document: Any, *, skip_paths: frozenset[str] = frozenset()) -> Counter[LeafKey]:
    """The multiset of ``(semantic path, tagged value)`` of a document, IGNORED_FIELD left out."""
    return Counter(
        (leaf.key, tag(leaf.value))
        for leaf in iter_leaves(document)
        if leaf.value != IGNORED and leaf.key not in skip_paths
    )


def ignored_paths(document: Any) -> frozenset[str]:
    """Semantic paths whose value is the ``IGNORED_FIELD`` placeholder."""
    return frozenset(leaf.key for leaf in iter_leaves(document) if leaf.value == IGNORED)


@dataclass(frozen=True)
class Fidelity:
    """Leaf counts of one comparison (or a sum of several)."""

    expected: int
    mapped: int
    shared: int
    missing: Counter[LeafKey] = field(default_factory=Counter, compare=False, repr=False)
    extra: Counter[LeafKey] = field(default_factory=Counter, compare=False, repr=False)

    @property
    def recall(self) -> float:
        return self.shared / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.shared / self.mapped if self.mapped else 1.0

    def __add__(self, other: Fidelity) -> Fidelity:
        return Fidelity(
            self.expected + other.expected,
            self.mapped + other.mapped,
            self.shared + other.shared,
            self.missing + other.missing,
            self.extra + other.extra,
        )

    def to_dict(self, *, details: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "expected_leaves": self.expected,
            "mapped_leaves": self.mapped,
            "shared_leaves": self.shared,
            "recall": round(self.recall, 4),
            "precision": round(self.precision, 4),
        }
        if details:
            out["missing"] = [_leaf_dict(k, n) for k, n in sorted(self.missing.items())]
            out["extra"] = [_leaf_dict(k, n) for k, n in sorted(self.extra.items())]
        return out


def _leaf_dict(key: LeafKey, count: int) -> dict[str, Any]:
    path, (_, value) = key
    return {"path": path, "value": value, "count": count}


def score(mapped: Any, expected: Any) -> Fidelity:
    """Compare a mapped document with the expected (real v2) one."""
    skip = ignored_paths(expected)
    want = leaf_counter(expected)
    have = leaf_counter(mapped, skip_paths=skip)
    shared = want & have
    return Fidelity(
        expected=sum(want.values()),
        mapped=sum(have.values()),
        shared=sum(shared.values()),
        missing=want - shared,
        extra=have - shared,
    )


def total(results: Iterable[Fidelity]) -> Fidelity:
    """Sum several comparisons into one (leaf-weighted, not an average of ratios)."""
    out = Fidelity(0, 0, 0)
    for result in results:
        out = out + result
    return out
