"""Field-level changes between a stored snapshot and a received resource, as FHIR paths.

One function, :func:`field_changes`, computes the changes with deepdiff; it is the seam where the
project's diff engine (``bbmigrate.diff``) can take over later, so nothing else here compares
documents. Paths read like FHIR: ``item[0].adjudication[2].amount.value``; an element of a list
whose entries carry a ``url`` (extensions) is named by it, ``extension[url=https://…]``, and such
lists are paired by ``url``, so removing one extension reports that extension and not a shift of
every later one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from .normalize import placeholder_matches

VALUE_WIDTH = 80
EXTENSION_LISTS = frozenset({"extension", "modifierExtension"})


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class FieldChange:
    """One difference: ``kind`` is ``changed``, ``added`` (received only), ``removed``
    (snapshot only) or ``reordered``; ``old`` is the snapshot side, ``new`` the received side."""

    kind: str
    path: str
    old: Any = MISSING
    new: Any = MISSING

    def render(self, width: int = VALUE_WIDTH) -> str:
        if self.kind == "added":
            return f"+ {self.path}: {_short(self.new, width)}"
        if self.kind == "removed":
            return f"- {self.path}: {_short(self.old, width)}"
        if self.kind == "reordered":
            return f"{self.path}: order {_cut(self.old, width)} -> {_cut(self.new, width)}"
        return f"{self.path}: {_short(self.old, width)} -> {_short(self.new, width)}"


def _short(value: Any, width: int) -> str:
    return _cut(orjson.dumps(value).decode(), width)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _url(item: Any) -> str | None:
    url = item.get("url") if isinstance(item, dict) else None
    return url if isinstance(url, str) else None


def _list_name(level: Any) -> Any:
    rel = level.up.t1_child_rel if level is not None and level.up is not None else None
    return rel.param if rel is not None else None


def _pair_by_url(x: Any, y: Any, level: Any = None) -> bool:
    # deepdiff pairs list entries through this. Only extensions are identified by their url
    # (in Bundle.link the url is data); everything else is compared by index.
    from deepdiff.helper import CannotCompare

    url_x, url_y = _url(x), _url(y)
    if _list_name(level) not in EXTENSION_LISTS or url_x is None or url_y is None:
        raise CannotCompare() from None
    return url_x == url_y


def _step(list_name: Any, container: Any, key: Any, child: Any) -> str:
    if not isinstance(container, list):
        return f".{key}"
    url = _url(child)
    unique = url is not None and sum(_url(item) == url for item in container) == 1
    if list_name in EXTENSION_LISTS and unique:
        return f"[url={url}]"
    return f"[{key}]"


def _fhir_path(level: Any, *, received_side: bool) -> str:
    """Render a deepdiff tree level's location, walking up from it to the root."""
    from deepdiff.helper import notpresent

    chain = []
    while level is not None:
        chain.append(level)
        level = level.up
    parts: list[str] = []
    name = None
    for parent, child in zip(reversed(chain), reversed(chain[:-1]), strict=False):
        use_t2 = received_side or child.t1 is notpresent
        rel = parent.t2_child_rel if use_t2 else parent.t1_child_rel
        container = parent.t2 if use_t2 else parent.t1
        parts.append(_step(name, container, rel.param, child.t2 if use_t2 else child.t1))
        name = rel.param
    return "".join(parts).lstrip(".") or "(root)"


def _reorders(moved: Iterable[Any]) -> Iterator[FieldChange]:
    # deepdiff reports every entry whose index shifted as "moved"; only a change in the
    # relative order of the entries both sides share is a real change of a FHIR list.
    seen: set[str] = set()
    for level in moved:
        parent = level.up
        path = _fhir_path(parent, received_side=False)
        if path in seen:
            continue
        seen.add(path)
        # First occurrences only: a repeated url is an addition, reported as such, not an order.
        old_urls = list(dict.fromkeys(_url(item) for item in parent.t1))
        new_urls = list(dict.fromkeys(_url(item) for item in parent.t2))
        shared_old = [u for u in old_urls if u in new_urls]
        shared_new = [u for u in new_urls if u in old_urls]
        if shared_old != shared_new:
            yield FieldChange("reordered", path, _tails(shared_old), _tails(shared_new))


def _tails(urls: list[Any]) -> str:
    # The last segment names an extension well enough to see the new order at a glance.
    return ", ".join(str(url).rstrip("/").rsplit("/", 1)[-1] for url in urls)


def equivalent(snapshot: Any, received: Any) -> bool:
    """Whether :func:`field_changes` would find nothing, without building its report.

    A passing snapshot takes this path; deepdiff's per-node bookkeeping costs far more and is
    only worth paying to explain a failure.
    """
    if placeholder_matches(snapshot, received):
        return True
    if type(snapshot) is not type(received):
        return False
    if isinstance(snapshot, dict):
        return snapshot.keys() == received.keys() and all(
            equivalent(value, received[key]) for key, value in snapshot.items()
        )
    if isinstance(snapshot, list):
        return len(snapshot) == len(received) and all(map(equivalent, snapshot, received))
    return bool(snapshot == received)


def _pruned(old: Any, new: Any, *, in_extensions: bool = False) -> tuple[Any, Any]:
    """Copies of both sides without the parts that are equivalent in the same place.

    deepdiff spends its time on bookkeeping for every node, equal or not; handing it only the
    differing branches made explaining one change in BFD's 220 KB EOB Bundle 30-80x cheaper
    (benchmarks/bench_snapshot.py). Paths stay the same: equal dict keys are dropped, equal
    list entries are kept as tiny stand-ins.
    """
    if isinstance(old, dict) and isinstance(new, dict):
        kept_old, kept_new = {}, {}
        for key, value in old.items():
            if key not in new:
                kept_old[key] = value
            elif not equivalent(value, new[key]):
                kept_old[key], kept_new[key] = _pruned(
                    value, new[key], in_extensions=key in EXTENSION_LISTS
                )
        kept_new.update((key, value) for key, value in new.items() if key not in old)
        return kept_old, kept_new
    if isinstance(old, list) and isinstance(new, list):
        kept_old, kept_new = list(old), list(new)
        for index, (a, b) in enumerate(zip(old, new, strict=False)):
            if equivalent(a, b):
                # An empty stand-in of the same type keeps deepdiff comparing the list the same
                # way; extensions are paired by url, so theirs keeps it.
                stand_in = {"url": _url(a)} if _url(a) else type(a)() if _is_tree(a) else a
                kept_old[index] = kept_new[index] = stand_in
            elif not in_extensions:
                # Entries of other lists are compared by index, so their insides can be pruned;
                # an extension may pair with one elsewhere in the list and must stay whole.
                kept_old[index], kept_new[index] = _pruned(a, b)
        return kept_old, kept_new
    return old, new


def _is_tree(value: Any) -> bool:
    return isinstance(value, (dict, list))


def field_changes(snapshot: Any, received: Any) -> list[FieldChange]:
    """The changes from ``snapshot`` to ``received`` (both plain JSON data), in FHIR-path form.

    A snapshot value holding ``"IGNORED_FIELD"`` accepts whatever is received in its place.
    """
    # Imported here: the plugin loads in every pytest run, and deepdiff (with pydantic) adds
    # ~70 ms to start-up that only a mismatching snapshot needs.
    from deepdiff import DeepDiff

    old, new = _pruned(snapshot, received)
    # threshold_to_diff_deeper=0: always report dict keys one by one. deepdiff's default reports
    # a dict sharing under a third of its keys as one whole-value change, which pruning (and
    # a real rename) would trigger.
    tree = DeepDiff(
        old,
        new,
        view="tree",
        iterable_compare_func=_pair_by_url,
        cache_size=5000,
        threshold_to_diff_deeper=0,
    )
    changes: list[FieldChange] = []
    for report, levels in tree.items():
        if report == "iterable_item_moved":
            changes.extend(_reorders(levels))
            continue
        for level in levels:
            if report.endswith("_added"):
                changes.append(
                    FieldChange("added", _fhir_path(level, received_side=True), new=level.t2)
                )
            elif report.endswith("_removed"):
                changes.append(
                    FieldChange("removed", _fhir_path(level, received_side=False), old=level.t1)
                )
            elif not placeholder_matches(level.t1, level.t2):
                path = _fhir_path(level, received_side=False)
                changes.append(FieldChange("changed", path, level.t1, level.t2))
    changes.sort(key=_path_order)
    return changes


def _path_order(change: FieldChange) -> list[Any]:
    # Natural order, so item[2] sorts before item[10].
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", change.path)]


_INDEX = re.compile(r"\[(\d+)\]")


def _runs(numbers: list[int]) -> str:
    """``[1, 2, 3, 7]`` → ``"1..3, 7"``."""
    parts: list[str] = []
    start = prev = numbers[0]
    for number in [*numbers[1:], None]:
        if number is not None and number == prev + 1:
            prev = number
            continue
        parts.append(str(start) if prev == start else f"{start}..{prev}")
        if number is not None:
            start = prev = number
    return ", ".join(parts)


def _grouped(changes: list[FieldChange]) -> list[FieldChange]:
    """Merge changes that differ only in one list index and carry the same values.

    A mapping change usually hits every repetition of an element; ``diagnosis[1..3].type``
    reads better than three lines, and keeps a long report within pytest's output.
    """
    groups: dict[tuple[Any, ...], list[FieldChange]] = {}
    for change in changes:
        values = orjson.dumps([change.old, change.new], default=repr, option=orjson.OPT_SORT_KEYS)
        groups.setdefault((change.kind, _INDEX.sub("[#]", change.path), values), []).append(change)
    merged: list[FieldChange] = []
    for (kind, shape, _), members in groups.items():
        indexes = [[int(i) for i in _INDEX.findall(m.path)] for m in members]
        varying = [pos for pos in range(len(indexes[0])) if len({ix[pos] for ix in indexes}) > 1]
        if len(varying) != 1:
            merged.extend(members)
            continue
        pieces = iter([*indexes[0][: varying[0]], None, *indexes[0][varying[0] + 1 :]])
        spread = _runs(sorted({ix[varying[0]] for ix in indexes}))

        def fill(
            _: re.Match[str], pieces: Iterator[int | None] = pieces, spread: str = spread
        ) -> str:
            piece = next(pieces)
            return f"[{spread}]" if piece is None else f"[{piece}]"

        first = members[0]
        merged.append(FieldChange(kind, re.sub(r"\[#\]", fill, shape), first.old, first.new))
    merged.sort(key=_path_order)
    return merged


def render_changes(changes: list[FieldChange], *, limit: int = 60) -> list[str]:
    """Lines for a failure message: a count, then one line per change (at most ``limit``).

    Changes that repeat across a list are merged into one line (``diagnosis[1..3].type``).
    """
    noun = "field differs" if len(changes) == 1 else "fields differ"
    lines = [f"{len(changes)} {noun} (- snapshot only, + received only, old -> new):"]
    shown = _grouped(changes)
    lines.extend(change.render() for change in shown[:limit])
    if len(shown) > limit:
        lines.append(f"… and {len(shown) - limit} more")
    return lines
