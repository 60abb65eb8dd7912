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
from functools import lru_cache, partial
from typing import Any, NamedTuple

from ..leaves import IGNORED, Leaf, flatten, tag
from .model import Change
from .provenance import Mapped, prefixes, variable_in


class _Target(NamedTuple):
    key: str
    rule: str | None
    variable: str | None


_target = partial(tuple.__new__, _Target)
"""``_Target(key, rule, variable)`` from a tuple: one per candidate of every v1 leaf."""


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


_UNSET = object()

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
        self.ltags = [v if type(v) is str else tag(v) for _, _, v in self.left]
        self.rtags = rtags = [v if type(v) is str else tag(v) for _, _, v in self.right]
        self.index: dict[str, list[int]] = defaultdict(list)
        self.exact: dict[tuple[str, Any], list[int]] = defaultdict(list)
        self.by_path: dict[str, int] = {}
        index, exact, by_path = self.index, self.exact, self.by_path
        for j, (key, path, value) in enumerate(self.right):
            index[key].append(j)
            by_path[path] = j
            # IGNORED_FIELD equals anything: it is a candidate for every value of its key
            exact[(key, ANY if value == IGNORED else rtags[j])].append(j)
        self.used = [False] * len(self.right)
        self.by_value: dict[Any, list[int]] | None = None
        self.rvars: list[Any] = []
        self.rnames: list[Any] = []
        self.match: list[tuple[int, _Target | None] | None] = [None] * len(self.left)
        self.plans = self._plans()

    def _plans(self) -> list[tuple[list[_Target], str | None]]:
        """Candidate targets of each v1 leaf and, when a rule drops it, that rule's id."""
        if self.mapped is None:
            return [([_target((leaf.key, None, None))], None) for leaf in self.left]
        from_v1, key_of = self.mapped.index.from_v1, self.mapped.key_of
        plans = []
        for leaf in self.left:
            targets: list[_Target] = []
            dropped = rule = variable = None
            hits = from_v1(leaf.path)
            if hits:
                rule, variable = hits[0].rule, hits[0].variable
                for hit in hits:
                    key = key_of.get(hit.other_path) if hit.other_path else None
                    if key is not None:
                        targets.append(_target((key, hit.rule, hit.variable)))
                if all(hit.other_path is None for hit in hits):
                    dropped = rule
            targets.append(_target((leaf.key, rule, variable)))
            plans.append((targets, dropped))
        return plans

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
                pools: Any = (self.index.get(target.key, ()),)
            else:
                pools = (
                    self.exact.get((target.key, self.ltags[i]), ()),
                    self.exact.get((target.key, ANY), ()),
                )
            for pool in pools:
                for j in pool:
                    if not self.used[j]:
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
            # what _best_move asks of a candidate, worked out once per v2 leaf when first asked
            self.rvars = [_UNSET] * len(self.right)
            self.rnames = [_UNSET] * len(self.right)
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
        by_path = self.by_path
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
        distinctive = _distinctive(leaf.value)
        long_text = isinstance(leaf.value, str) and len(leaf.value) >= 10
        best, best_score = None, min_score - 0.5
        used, right, rvars, rnames = self.used, self.right, self.rvars, self.rnames
        for j in candidates:
            if used[j]:
                continue
            other = right[j]
            if rnames[j] is _UNSET:
                rvars[j], rnames[j] = variable_in(other.key), _last_name(other.path)
            anchored = variable is not None and variable == rvars[j]
            same_name = name == rnames[j]
            if anchored or _renamed(leaf.key, other.key):
                score = 4 + same_name
            elif distinctive and same_name:
                score = 3
            elif long_text:
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
        right, plans, same = self.right, self.plans, self._same
        for i, (found, leaf) in enumerate(zip(self.match, self.left, strict=True)):
            targets, dropped = plans[i]
            fallback = targets[-1]
            if found is None:
                out.append(
                    Change(
                        "removed",
                        leaf.path,
                        None,
                        leaf.value,
                        None,
                        dropped or fallback.rule,
                        fallback.variable or variable_in(leaf.key),
                    )
                )
                continue
            j, target = found
            other = right[j]
            target = target or fallback
            if not same(i, j):
                kind = "changed"
            else:
                kind = "same" if leaf.key == other.key or leaf.path == other.path else "moved"
            out.append(
                Change(
                    kind,
                    leaf.path,
                    other.path,
                    leaf.value,
                    other.value,
                    target.rule,
                    target.variable or variable_in(other.key, leaf.key),
                )
            )
        out.extend(self._added())
        return out

    def _added(self) -> list[Change]:
        """Unclaimed v2 leaves; the rule that produces such a leaf, or the gap that explains it."""
        free = [leaf for leaf, used in zip(self.right, self.used, strict=True) if not used]
        produced: dict[str, str] = {}
        gaps: dict[str, str] = {}
        if self.mapped is not None and free:
            wanted = {leaf.key for leaf in free}
            from_v2 = self.mapped.index.from_v2
            for path, key in self.mapped.key_of.items():
                if key in wanted and key not in produced:
                    hits = from_v2(path)
                    if hits:
                        produced[key] = hits[0].rule
            gaps = self.mapped.gaps
        # a leaf under no gap (most) is told by one startswith, not by walking its ancestors
        under_gap = tuple(gap + sep for gap in gaps for sep in ".[")
        out = []
        for key, path, value in free:
            rule = produced.get(key)
            if rule is None and gaps and (path in gaps or path.startswith(under_gap)):
                rule = next((gaps[a] for a, _ in prefixes(path) if a in gaps), None)
            out.append(Change("added", None, path, None, value, rule, variable_in(key)))
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
