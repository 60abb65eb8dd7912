"""Read values out of FHIR resources by a data-dictionary element and its discriminators.

The variables file gives each variable's element in the dictionary's notation
(``diagnosis[N].diagnosisCodeableConcept.coding[N].code``) with conditions that pick the list
element (``diagnosis[N].type[N].coding[N].code IN ('other','secondary')``). Evaluating them on
our samples gives the tables an example for every variable the samples carry, whether or not a
mapping rule names the variable. A condition applies at the deepest list step it shares with
the element; a numbered variable (``icd_dgns_cd21``) takes the n-th element that matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .sample_values import scalar_text

_CONDITION = re.compile(r"^\s*([A-Za-z][\w.\[\]]*)\s*(=:|=|\bIN\b)?\s*(.*)$")
_QUOTED = re.compile(r"'([^']*)'")
_PLACEHOLDER = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Condition:
    path: str  # full path in [N] notation
    values: tuple[str, ...]

    def matches(self, value: Any) -> bool:
        text = str(value).replace("/", "-")
        for want in self.values:
            if "<" in want:
                pattern = ".+".join(re.escape(p) for p in _PLACEHOLDER.split(want))
                if re.fullmatch(pattern.replace("/", "-"), text):
                    return True
            elif text == want.replace("/", "-"):
                return True
        return False


def parse_conditions(discriminators: Iterable[str]) -> list[Condition]:
    """Conditions of the form ``path = 'v'`` / ``path IN ('a','b')``; anything else is skipped
    (positional notes such as ``payor[1].identifier[1]`` are not conditions)."""
    out = []
    for text in discriminators:
        match = _CONDITION.match(text or "")
        if not match:
            continue
        path, _op, rest = match.groups()
        # The dictionary's slips: a missing dot (``identifier[N]type``), ``extention``.
        path = re.sub(r"\](?=[A-Za-z])", "].", path)
        values = tuple(_QUOTED.findall(rest))
        if (values and "[N]" in path) or (values and "." in path):
            out.append(Condition(path.replace("extention", "extension"), values))
    return out


def _children(node: Any, name: str) -> list[Any]:
    items = node if isinstance(node, list) else [node]
    found: list[Any] = []
    for item in items:
        if isinstance(item, dict) and name in item:
            value = item[name]
            found += value if isinstance(value, list) else [value]
    return found


def _leaf_values(node: Any, relative: str) -> Iterator[Any]:
    nodes = [node]
    for step in relative.replace("[N]", "").split("."):
        if step:
            nodes = [child for n in nodes for child in _children(n, step)]
    yield from nodes


def _steps(element: str) -> list[str]:
    return [s for s in element.split(".") if s]


def select(
    document: Any, element: str, conditions: list[Condition], ordinal: int | None = None
) -> list[Any]:
    """Values ``element`` selects in ``document`` under ``conditions`` (the n-th match when
    ``ordinal`` is given, counted at the last list step a condition applies to)."""
    element = element.replace("extention", "extension").split(" ")[0].split(";")[0]
    element = re.sub(r"^(?:eob|ExplanationOfBenefit|Patient|Coverage)\.", "", element)
    if not re.fullmatch(r"[A-Za-z][\w.\[\]]*", element):
        return []
    nodes = [document]
    prefix = ""
    lists = _list_prefixes(element)
    # The n-th match is counted where the conditions select (else at the first list step).
    ordinal_at = _deepest(conditions, element) or (lists[0] if lists else "")
    for step in _steps(element):
        position = re.fullmatch(r"(\w+)\[(\d+)\]", step)
        name = position.group(1) if position else step.replace("[N]", "")
        prefix = f"{prefix}.{step}" if prefix else step
        if position:
            # A fixed position (``name[N].given[1]``: the middle name) within each parent.
            index = int(position.group(2))
            picked = [_children(n, name) for n in nodes]
            nodes = [found[index] for found in picked if len(found) > index]
            continue
        nodes = [child for n in nodes for child in _children(n, name)]
        if step.endswith("[N]"):
            here = [c for c in conditions if _applies_at(c, element, prefix)]
            for condition in here:
                rest = condition.path[len(prefix) + 1 :]
                nodes = [
                    n for n in nodes if any(condition.matches(v) for v in _leaf_values(n, rest))
                ]
            if ordinal and prefix == ordinal_at:
                nodes = nodes[ordinal - 1 : ordinal]
    return [n for n in nodes if not isinstance(n, dict | list) or n]


def _list_prefixes(element: str) -> list[str]:
    return [element[: m.end()] for m in re.finditer(r"\[N\]", element)]


def _applies_at(condition: Condition, element: str, prefix: str) -> bool:
    """True when ``prefix`` is the deepest list step of ``element`` the condition shares."""
    shared = [p for p in _list_prefixes(element) if condition.path.startswith(p + ".")]
    return bool(shared) and shared[-1] == prefix


def _deepest(conditions: list[Condition], element: str) -> str:
    prefixes = [
        p for c in conditions for p in _list_prefixes(element) if c.path.startswith(p + ".")
    ]
    return max(prefixes, key=len) if prefixes else ""


def example(
    documents: Iterable[dict[str, Any]],
    element: str,
    discriminators: Iterable[str],
    ordinal: int | None = None,
) -> str:
    """The first value ``element`` selects in any of ``documents``, as short text ('' if none)."""
    if not element:
        return ""
    conditions = parse_conditions(discriminators)
    for attempt in (conditions, _without_systems(conditions)):
        for document in documents:
            for value in select(document, element, attempt, ordinal):
                text = scalar_text(value)
                if text:
                    return text
        if attempt == conditions and attempt == _without_systems(conditions):
            break
    return ""


def _without_systems(conditions: list[Condition]) -> list[Condition]:
    """The conditions less their ``.system`` tests, when other tests remain: the dictionary names
    code systems BFD's v2 responses (and our samples) no longer use in places (a diagnosis
    type's system, an NPI typed by ``type`` rather than ``system``), while the codes agree."""
    rest = [c for c in conditions if not c.path.endswith(".system")]
    return rest if rest else conditions
