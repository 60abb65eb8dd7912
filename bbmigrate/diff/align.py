"""Align the leaves of a v1 resource with those of its v2 form: the only place alignment is decided.

Each v1 leaf gets candidate v2 locations, best first:

1. where the mapping rules send it: the engine maps v1 with provenance, and the semantic key of
   the produced leaf (``leaves.flatten`` of the mapped output) names its place in the real v2,
   whatever the array order there;
2. the same semantic key in v2 (the field did not move).

Matching runs in passes so that a good match is never taken by a worse one (see ``run``): the
same value at a candidate (same concrete path first), any value at a candidate (``changed``),
then structural moves — the same value elsewhere in v2 under the same variable, a renamed field
or a distinctive value — which also overrule a rule that says "dropped", then leaves of re-keyed
elements at their old path, then long texts anywhere. A v1 leaf left over is ``removed``; a v2
leaf no v1 leaf claimed is ``added``. Every v1 leaf ends in exactly one record.
``IGNORED_FIELD`` (BFD's "any value") equals anything.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..leaves import IGNORED, Leaf, flatten, tag
from .model import Change
from .provenance import Mapped, prefixes, variable_in


@dataclass(slots=True)
class _Target:
    key: str
    rule: str | None
    variable: str | None


def _last_name(path: str) -> str:
    return path.rsplit(".", 1)[-1].split("[", 1)[0]


_OUTSIDE_BRACKETS = re.compile(r"\.(?![^\[\]]*\])")


@lru_cache(maxsize=65536)
def _segments(key: str) -> tuple[str, ...]:
    """A semantic key split on the dots outside brackets (URLs inside keys keep theirs)."""
    return tuple(_OUTSIDE_BRACKETS.split(key))


def _renamed(a: str, b: str) -> bool:
    """Keys that differ in one step: a field renamed in place (service → productOrService)."""
    left, right = _segments(a), _segments(b)
    return len(left) == len(right) and sum(x != y for x, y in zip(left, right, strict=True)) == 1


def _fast_tag(value: Any) -> Any:
    """``leaves.tag`` with strings left as they are (a str never equals a tagged number)."""
    return value if type(value) is str else tag(value)


ANY = ("any", None)
"""The tag under which IGNORED_FIELD leaves are indexed."""


def _distinctive(value: Any) -> bool:
    """Worth matching by value alone: not a flag, a small count or a short code."""
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        return len(value) >= 6 and value != IGNORED
    if isinstance(value, float) and not value.is_integer():
        return True
    return isinstance(value, int) and abs(value) >= 1000


class _Aligner:
    def __init__(self, v1: dict[str, Any], v2: dict[str, Any], mapped: Mapped | None) -> None:
        self.left = mapped.v1_leaves if mapped is not None and mapped.v1_leaves else flatten(v1)
        self.right = flatten(v2)
        self.mapped = mapped
        self.ltags = [_fast_tag(leaf.value) for leaf in self.left]
        self.rtags = [_fast_tag(leaf.value) for leaf in self.right]
        self.index: dict[str, list[int]] = defaultdict(list)
        self.exact: dict[tuple[str, Any], list[int]] = defaultdict(list)
        self.by_path: dict[str, int] = {}
        for j, leaf in enumerate(self.right):
            self.index[leaf.key].append(j)
            self.by_path[leaf.path] = j
            # IGNORED_FIELD equals anything: it is a candidate for every value of its key
            self.exact[(leaf.key, ANY if leaf.value == IGNORED else self.rtags[j])].append(j)
        self.used = [False] * len(self.right)
        self.by_value: dict[Any, list[int]] | None = None
        self.match: list[tuple[int, _Target | None] | None] = [None] * len(self.left)
        self.plans = [self._plan(leaf) for leaf in self.left]

    def _plan(self, leaf: Leaf) -> tuple[list[_Target], str | None]:
        """Candidate targets of a v1 leaf and, when a rule drops it, that rule's id."""
        targets: list[_Target] = []
        dropped: str | None = None
        if self.mapped is not None:
            hits = self.mapped.index.from_v1(leaf.path)
            for hit in hits:
                key = self.mapped.key_of.get(hit.other_path) if hit.other_path else None
                if key is not None:
                    targets.append(_Target(key, hit.rule, hit.variable))
            if hits and all(hit.other_path is None for hit in hits):
                dropped = hits[0].rule
            rule = hits[0].rule if hits else None
            variable = hits[0].variable if hits else None
        else:
            rule = variable = None
        targets.append(_Target(leaf.key, rule, variable))
        return targets, dropped

    def _take(self, i: int, j: int, target: _Target | None) -> None:
        self.used[j] = True
        self.match[i] = (j, target)

    def _same(self, i: int, j: int) -> bool:
        return (
            self.ltags[i] == self.rtags[j]
            or self.left[i].value == IGNORED
            or self.right[j].value == IGNORED
        )

    def _in_place_equal(self, i: int) -> None:
        """Pass 1: same semantic key, same concrete path, same value."""
        j = self.by_path.get(self.left[i].path)
        if j is None or self.used[j]:
            return
        for target in self.plans[i][0]:
            if self.right[j].key == target.key and self._same(i, j):
                self._take(i, j, target)
                return

    def _equal_anywhere(self, i: int) -> None:
        """Pass 2: a candidate key holding the same value."""
        anything = self.left[i].value == IGNORED
        for target in self.plans[i][0]:
            if anything:
                pool: Any = self.index.get(target.key, ())
            else:
                pool = self.exact.get((target.key, self.ltags[i]), []) + self.exact.get(
                    (target.key, ANY), []
                )
            j = next((j for j in pool if not self.used[j]), None)
            if j is not None:
                self._take(i, j, target)
                return

    def _any_value(self, i: int, *, shared: bool) -> None:
        """Pass 3 (a candidate key, any value: ``changed``) and the last pass (``shared``: an
        equal v2 leaf another v1 leaf already claimed, where two v1 leaves merged into one)."""
        path = self.left[i].path
        for target in self.plans[i][0]:
            fits = [
                j
                for j in self.index.get(target.key, ())
                if self.used[j] == shared and (not shared or self._same(i, j))
            ]
            if fits:
                # among several (two MBIs under one key), keep the element at the same position
                j = next((j for j in fits if self.right[j].path == path), fits[0])
                if shared:
                    self.match[i] = (j, target)
                else:
                    self._take(i, j, target)
                return

    def _moves(self, min_score: int) -> None:
        """Leaves no candidate explains: look for their value elsewhere in v2.

        Strong evidence (``min_score`` 3: same variable, a renamed field, a distinctive value
        under the same name) also overrides a rule that says the leaf is dropped: the real v2 is
        the judge, and the record keeps the rule id.
        """
        pending = [
            i
            for i, m in enumerate(self.match)
            if m is None and (min_score >= 3 or self.plans[i][1] is None)
        ]
        if not pending:
            return
        if self.by_value is None:
            # built once: candidates are checked against ``used`` when they are picked
            self.by_value = defaultdict(list)
            for j, leaf in enumerate(self.right):
                if not self.used[j] and leaf.value != IGNORED:
                    self.by_value[self.rtags[j]].append(j)
        by_value = self.by_value
        for i in pending:
            leaf = self.left[i]
            if leaf.value == IGNORED:
                continue
            pick = self._best_move(leaf, by_value.get(self.ltags[i], ()), min_score)
            if pick is not None:
                self._take(i, pick, None)

    def _in_place(self) -> None:
        """A leaf whose element was re-keyed (its url or code edited) is still at its old path.

        Runs after the strong moves, so an element that really moved is found there first.
        """
        by_path = {leaf.path: j for j, leaf in enumerate(self.right)}
        for i, leaf in enumerate(self.left):
            if self.match[i] is None and self.plans[i][1] is None:
                j = by_path.get(leaf.path)
                if j is not None and not self.used[j]:
                    self._take(i, j, None)

    def _best_move(self, leaf: Leaf, candidates: Any, min_score: int) -> int | None:
        """The unused v2 leaf holding this value that is most plausibly the same field.

        Anchored (both under the same BB2 variable) or renamed in place (the keys differ in one
        step) beats a distinctive value under the same field name, which beats a long text
        anywhere; trivial values (0, 1, true, short codes) move only when anchored or renamed.
        """
        variable = variable_in(leaf.key)
        name = _last_name(leaf.path)
        best, best_score = None, min_score - 0.5
        for j in candidates:
            if self.used[j]:
                continue
            other = self.right[j]
            anchored = variable is not None and variable == variable_in(other.key)
            same_name = name == _last_name(other.path)
            if anchored or _renamed(leaf.key, other.key):
                score = 4 + same_name
            elif _distinctive(leaf.value) and same_name:
                score = 3
            elif isinstance(leaf.value, str) and len(leaf.value) >= 10:
                score = 1
            else:
                continue
            if other.path == leaf.path:
                score += 0.5
            if score > best_score:
                best, best_score = j, score
        return best

    def run(self) -> list[Change]:
        # same place and value first, so that equal keys (several MBIs) do not cross over
        for step in (
            self._in_place_equal,
            self._equal_anywhere,
            lambda i: self._any_value(i, shared=False),
        ):
            for i in range(len(self.left)):
                if self.match[i] is None:
                    step(i)
        self._moves(min_score=3)
        self._in_place()
        self._moves(min_score=1)
        for i in range(len(self.left)):
            if self.match[i] is None:
                self._any_value(i, shared=True)
        return self._records()

    def _records(self) -> list[Change]:
        out: list[Change] = []
        for i, leaf in enumerate(self.left):
            targets, dropped = self.plans[i]
            fallback = targets[-1]
            found = self.match[i]
            if found is None:
                out.append(
                    Change(
                        "removed",
                        leaf.path,
                        None,
                        leaf.value,
                        rule=dropped or fallback.rule,
                        variable=fallback.variable or variable_in(leaf.key),
                    )
                )
                continue
            j, target = found
            other = self.right[j]
            target = target or fallback
            if not self._same(i, j):
                kind = "changed"
            else:
                same = leaf.key == other.key or leaf.path == other.path
                kind = "same" if same else "moved"
            out.append(
                Change(
                    kind,
                    leaf.path,
                    other.path,
                    leaf.value,
                    other.value,
                    rule=target.rule,
                    variable=target.variable or variable_in(other.key, leaf.key),
                )
            )
        out.extend(self._added())
        return out

    def _added(self) -> list[Change]:
        """Unclaimed v2 leaves; the rule that produces such a leaf, or the gap that explains it."""
        free = [leaf for j, leaf in enumerate(self.right) if not self.used[j]]
        produced: dict[str, str] = {}
        gaps: dict[str, str] = {}
        if self.mapped is not None and free:
            wanted = {leaf.key for leaf in free}
            for path, key in self.mapped.key_of.items():
                if key in wanted and key not in produced:
                    hits = self.mapped.index.from_v2(path)
                    if hits:
                        produced[key] = hits[0].rule
            gaps = self.mapped.gaps
        out = []
        for leaf in free:
            rule = produced.get(leaf.key)
            if rule is None and gaps:
                rule = next((gaps[a] for a, _ in prefixes(leaf.path) if a in gaps), None)
            out.append(
                Change(
                    "added",
                    None,
                    leaf.path,
                    None,
                    leaf.value,
                    rule=rule,
                    variable=variable_in(leaf.key),
                )
            )
        return out


def align(v1: dict[str, Any], v2: dict[str, Any], mapped: Mapped | None = None) -> list[Change]:
    """One change record per v1 leaf, then one ``added`` record per unclaimed v2 leaf."""
    return _Aligner(v1, v2, mapped).run()


def whole(resource: dict[str, Any], kind: str) -> list[Change]:
    """Records for a resource only one side has: every leaf ``removed`` or ``added``."""
    if kind == "removed":
        return [
            Change("removed", leaf.path, None, leaf.value, variable=variable_in(leaf.key))
            for leaf in flatten(resource)
        ]
    return [
        Change("added", None, leaf.path, None, leaf.value, variable=variable_in(leaf.key))
        for leaf in flatten(resource)
    ]
