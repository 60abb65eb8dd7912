"""Flatten a FHIR resource into leaves addressed by *semantic* paths.

Two versions of a resource rarely list their array elements in the same order, and v2 inserts
elements v1 lacks, so an index says little about which element is which. A semantic path names
each array element by what identifies it instead, taking the first of these that it has:

1. ``url`` (extensions);
2. ``resourceType`` (contained resources);
3. for a Bundle entry, its resource's ``resourceType/id``;
4. ``relation`` (Bundle links);
5. all codes of ``category`` (sorted, comma-joined: adjudications, supportingInfo, totals);
6. all codes of ``role`` (careTeam);
7. all codes of ``type`` when it is a single CodeableConcept and the element has no ``system``
   (identifiers typed by a coding, Coverage classes; a diagnosis's list of types is not a key);
8. the codes of ``diagnosisCodeableConcept`` / ``procedureCodeableConcept``;
9. ``sequence``;
10. ``system`` (codings, identifiers);

and otherwise no key (``[*]``). A resource becomes a multiset of ``(semantic path, value)``.
Integral floats compare as integers, booleans never equal numbers, and ``IGNORED_FIELD`` (BFD's
"any value" placeholder) is kept visible so that callers can decide how to treat it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any, NamedTuple

IGNORED = "IGNORED_FIELD"

Value = tuple[str, Any]
"""A leaf value tagged with its JSON kind ("s", "n", "b"), so that ``True`` never equals ``1``."""


class Leaf(NamedTuple):
    key: str
    """Semantic path, e.g. ``item[sequence=1].adjudication[category=benefit,...].amount.value``."""
    path: str
    """Concrete JSON path, e.g. ``item[0].adjudication[2].amount.value``."""
    value: Any


def _codes(concept: Any) -> list[str]:
    """Codes of a CodeableConcept, a Coding, or a list of either."""
    if isinstance(concept, list):
        return [code for item in concept for code in _codes(item)]
    if not isinstance(concept, dict):
        return []
    if "coding" in concept:
        return [str(c["code"]) for c in concept["coding"] if isinstance(c, dict) and "code" in c]
    if "code" in concept:
        return [str(concept["code"])]
    return []


def element_key(item: Any) -> str:
    """The semantic key of one array element (``*`` when it has none)."""
    if not isinstance(item, dict):
        return ""
    if "url" in item:
        return f"url={item['url']}"
    if "resourceType" in item:
        return f"resourceType={item['resourceType']}"
    resource = item.get("resource")
    if isinstance(resource, dict) and "resourceType" in resource:
        return f"entry={resource['resourceType']}/{resource.get('id', '')}"
    if "relation" in item:
        return f"relation={item['relation']}"
    for name in ("category", "role"):
        if name in item:
            codes = _codes(item[name])
            if codes:
                return f"{name}={','.join(sorted(codes))}"
    if isinstance(item.get("type"), dict) and "system" not in item:
        codes = _codes(item["type"])
        if codes:
            return f"type={','.join(sorted(codes))}"
    for name in ("diagnosisCodeableConcept", "procedureCodeableConcept"):
        if name in item:
            return f"code={','.join(sorted(_codes(item[name])))}"
    if "sequence" in item:
        return f"sequence={item['sequence']}"
    if "system" in item:
        return f"system={item['system']}"
    return "*"


def tag(value: Any) -> Value:
    """A comparable form of a JSON scalar."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, float) and value.is_integer():
        return ("n", int(value))
    if isinstance(value, int | float):
        return ("n", value)
    return ("s", value)


def iter_leaves(document: Any, key: str = "", path: str = "") -> Iterator[Leaf]:
    """Yield every scalar leaf of ``document`` with its semantic and concrete paths."""
    out: list[Leaf] = []
    _walk(document, key, path, out)
    return iter(out)


_SCALARS = frozenset((str, int, float, bool))
_leaf = functools.partial(tuple.__new__, Leaf)
"""``Leaf(key, path, value)`` from a tuple, without the Python-level ``__new__`` of a NamedTuple."""


def _walk(node: Any, key: str, path: str, out: list[Leaf]) -> None:
    # one appending recursion: nested generators cost a resume per level for every leaf
    if type(node) is dict:
        for name, child in node.items():
            ckey = f"{key}.{name}" if key else name
            cpath = f"{path}.{name}" if path else name
            if type(child) in _SCALARS:
                out.append(_leaf((ckey, cpath, child)))
            elif child is not None:
                _walk(child, ckey, cpath, out)
    elif type(node) is list:
        for index, child in enumerate(node):
            ckey = f"{key}[{element_key(child)}]"
            cpath = f"{path}[{index}]"
            if type(child) in _SCALARS:
                out.append(_leaf((ckey, cpath, child)))
            elif child is not None:
                _walk(child, ckey, cpath, out)
    elif isinstance(node, dict | list):
        # subclasses (rare): the same walk through their plain forms
        _walk(dict(node) if isinstance(node, dict) else list(node), key, path, out)
    elif node is not None:
        out.append(_leaf((key, path, node)))


def flatten(document: Any) -> list[Leaf]:
    """All scalar leaves of ``document``, in document order."""
    out: list[Leaf] = []
    _walk(document, "", "", out)
    return out
