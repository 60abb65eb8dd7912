"""The grouped view every report leads with: one entry per (kind, v1 pattern, v2 pattern).

A beneficiary has tens of thousands of leaf records, most of them the same few element changes
repeated per claim and per line. A group generalises the concrete paths of its records into an
element pattern — list indexes become ``[*]``, or the discriminator the semantic keys use when it
names *what* the element is (``adjudication[category=…]``, ``extension[url=…]``,
``identifier[system=…]``); a per-claim discriminator (``sequence=3``, a diagnosis code) becomes
``[*]`` — and keeps counts (leaves, resources), the rule, the BB2 variable and the rule's note,
and up to :data:`EXAMPLES` examples (old → new) with the resources they come from.

Groups are built while the records are made (the documents their paths point into are at hand
then), so their size is bounded by the number of distinct patterns, not by the number of leaves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..leaves import element_key
from .model import ALL_KINDS, Change, ResourceDiff

EXAMPLES = 3
"""Examples kept per group (old → new, with the resource id)."""

# Discriminators that say what an element *is*; the others (sequence, diagnosis codes, a Bundle
# entry's id) differ from claim to claim and would split one change into a group per claim.
_KEPT = ("url=", "category=", "role=", "type=", "system=", "resourceType=", "relation=")
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def pattern(document: Any, path: str | None) -> str | None:
    """The element pattern of a concrete leaf path, read against the document it is in:
    ``item[0].adjudication[2].amount.value`` → ``item[*].adjudication[category=…]``.

    The pattern stops at the first element named by what it is (an extension's url, an
    adjudication's category, an identifier's system): the leaves under it (value, system,
    display…) are one element's change, not several. A path with no such element is kept whole
    with its indexes generalised (``item[*].servicedPeriod.start``). :class:`Patterns` gives
    the same for many paths into documents that stay alive, working shared parts out once."""
    if not path:
        return None
    return _pattern(document, path, None)[0]


def _pattern(document: Any, path: str, keys: dict[int, str] | None) -> tuple[str, bool]:
    """:func:`pattern`, and whether it stopped at an element named by what it is. ``keys``:
    element keys already worked out, by ``id`` of the element (a claim line is on the path of
    each of its hundreds of leaves; its key was ~40 % of a diff's grouping time)."""
    node = document
    out: list[str] = []
    for name, index in _STEP.findall(path):
        if name:
            out.append(f".{name}" if out else name)
            node = node.get(name) if type(node) is dict else None
            continue
        item = node[int(index)] if type(node) is list and int(index) < len(node) else None
        if item is None:
            key = "*"
        elif keys is None:
            key = element_key(item)
        else:
            key = keys.get(id(item))
            if key is None:
                key = keys[id(item)] = element_key(item)
        if key.startswith(_KEPT):
            out.append(f"[{key}]")
            # an element with a sequence (a claim line) is one of several alike: its category
            # says what kind of line, and the change is further down
            if type(item) is not dict or "sequence" not in item:
                return "".join(out), True
        else:
            out.append("[*]")
        node = item
    return "".join(out), False


_NAMES = re.compile(r"(?:\.[^.\[\]]+)*")
"""The end of a path after its last index: names only, each kept as it is in a pattern."""


class Patterns:
    """:func:`pattern` for many leaf paths into documents that stay alive meanwhile (one
    resource's v1, v2 and mapped): the leaves of one element share the path up to its last
    index, which is worked out once, and so is each element's key."""

    def __init__(self) -> None:
        self.keys: dict[int, str] = {}  # by id of an element
        self.heads: dict[tuple[int, str], tuple[str, bool]] = {}
        self.done: dict[tuple[int, str | None], str | None] = {}

    def __call__(self, document: Any, path: str | None) -> str | None:
        key = (id(document), path)
        found = self.done.get(key, _MISSING)
        if found is not _MISSING:
            return found
        result = None
        if path:
            cut = path.rfind("]") + 1
            tail = path[cut:]
            if cut and _NAMES.fullmatch(tail):
                head_key = (id(document), path[:cut])
                head = self.heads.get(head_key)
                if head is None:
                    head = self.heads[head_key] = _pattern(document, path[:cut], self.keys)
                text, stopped = head
                result = text if stopped else text + tail
            else:
                result = _pattern(document, path, self.keys)[0]
        self.done[key] = result
        return result


_MISSING: Any = object()


@dataclass(slots=True)
class Group:
    kind: str
    v1_pattern: str | None
    v2_pattern: str | None
    rule: str | None
    variable: str | None
    leaves: int = 0
    resources: int = 0
    accepted: int = 0
    new: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)
    other_rules: list[str] = field(default_factory=list)
    """Further rules behind leaves of the element (its code, display, amount…)."""
    last_resource: str | None = None

    def to_dict(self, info: RuleInfo) -> dict[str, Any]:
        note = info.notes.get(self.rule) if self.rule else None
        out: dict[str, Any] = {
            "kind": self.kind,
            "v1_pattern": self.v1_pattern,
            "v2_pattern": self.v2_pattern,
            "rule": self.rule,
            "other_rules": self.other_rules,
            "variable": self.variable,
            "label": info.labels.get(self.variable) if self.variable else None,
            "note": note,
            "resources": self.resources,
            "leaves": self.leaves,
            "examples": self.examples,
        }
        if self.accepted:
            out["accepted"] = self.accepted
        if self.new:
            out["new"] = self.new
        return out


@dataclass(frozen=True)
class RuleInfo:
    """What the mapping model says about rules and variables: notes by rule id (gaps' reasons
    too) and labels by variable name."""

    notes: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)


_KIND_ORDER = {kind: n for n, kind in enumerate(ALL_KINDS)}


class Grouper:
    """Accumulates records into groups, resource by resource."""

    def __init__(self, info: RuleInfo | None = None) -> None:
        self.info = info or RuleInfo()
        self.groups: dict[tuple, Group] = {}

    def add(self, resource: ResourceDiff, docs: tuple[Any, Any, Any]) -> None:
        """Group one resource's records; ``docs`` is (v1, v2, mapped) as the paths point into."""
        v1, v2, mapped = docs
        label = resource.label
        pat = Patterns()  # v1, v2 and mapped stay alive meanwhile

        for change in resource.changes:
            if change.mapped_path is not None:
                left = pat(mapped, change.mapped_path)
            else:
                left = pat(v1, change.v1_path)
            right = pat(v2, change.v2_path)
            if resource.status == "added":
                right = pat(v2 if v2 is not None else v1, change.v2_path)
            key = (change.kind, left, right)
            group = self.groups.get(key)
            if group is None:
                group = self.groups[key] = Group(
                    change.kind, left, right, change.rule, change.variable
                )
            if change.rule and change.rule != group.rule:
                if group.rule is None:
                    group.rule = change.rule
                elif change.rule not in group.other_rules:
                    group.other_rules.append(change.rule)
            group.leaves += 1
            if group.last_resource != label:
                group.last_resource = label
                group.resources += 1
            if change.accepted is not None:
                group.accepted += 1
            if change.new:
                group.new += 1
            if group.variable is None and change.variable:
                group.variable = change.variable
            if len(group.examples) < EXAMPLES and not any(
                e["resource"] == label for e in group.examples
            ):
                group.examples.append(_example(label, change))

    def merge(self, groups: dict[tuple, Group]) -> None:
        """Add the groups of the resources that follow this grouper's (a later chunk's, made by
        another grouper), as if they had been added here one by one: same counts, rules,
        examples and group order."""
        for key, theirs in groups.items():
            group = self.groups.get(key)
            if group is None:
                self.groups[key] = theirs
                continue
            if group.rule is None:
                group.rule, group.other_rules = theirs.rule, list(theirs.other_rules)
            else:
                for rule in (theirs.rule, *theirs.other_rules):
                    if rule and rule != group.rule and rule not in group.other_rules:
                        group.other_rules.append(rule)
            if group.variable is None:
                group.variable = theirs.variable
            group.leaves += theirs.leaves
            group.resources += theirs.resources
            group.accepted += theirs.accepted
            group.new += theirs.new
            group.last_resource = theirs.last_resource
            for example in theirs.examples:
                if len(group.examples) < EXAMPLES and not any(
                    e["resource"] == example["resource"] for e in group.examples
                ):
                    group.examples.append(example)

    def to_list(self, kinds: frozenset[str] | None = None) -> list[dict[str, Any]]:
        """Groups, biggest first within each kind (in the kinds' order); only ``kinds`` if given."""
        chosen = [g for g in self.groups.values() if kinds is None or g.kind in kinds]
        chosen.sort(key=lambda g: (_KIND_ORDER.get(g.kind, 99), -g.leaves, g.v1_pattern or ""))
        return [g.to_dict(self.info) for g in chosen]


def _example(label: str, change: Change) -> dict[str, Any]:
    mapped = change.mapped_path is not None
    return {
        "resource": label,
        "old": change.mapped_value if mapped else change.v1_value,
        "new": change.v2_value,
        "v1_path": change.mapped_path if mapped else change.v1_path,
        "v2_path": change.v2_path,
    }


def variable_labels() -> dict[str, str]:
    """BB2 variable labels by name (URL name and column name), from the variables facts file
    the comparison tables read (``mappings/variables.json``); none when the mapping folder has
    no such file (the report then shows the rule's note)."""
    from ..tables.variables import load_variables

    labels: dict[str, str] = {}
    for fact in load_variables():
        for name in fact.names:
            if fact.label:
                labels.setdefault(name, fact.label)
    return labels
