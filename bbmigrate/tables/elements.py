"""Element texts for table cells: generic paths, discriminators, FHIRPath, and reading examples.

Concrete paths found in sample documents (``item[0].adjudication[3].amount.value``) are shown in
the data dictionary's notation (``item[N].adjudication[N].amount.value``) with the discriminator
that selects the list element and a FHIRPath expression. Rule paths from the mapping files are
read against samples with a small evaluator that understands the mapping path syntax well enough
to find an example value (fields, ``[*]``, ``[N]``, ``[sub.path=value]``; target-only steps such
as ``[+]`` and ``[~var]`` match every element).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..mapping.write import contains
from .sample_values import VariableHit, scalar_text

_INDEX = re.compile(r"\[\d+\]")
_STEP = re.compile(r"^([A-Za-z_$][A-Za-z0-9_\-]*)(?:\[(.*)\])?$")


def generic(path: str) -> str:
    """``item[0].adjudication[3].amount`` -> ``item[N].adjudication[N].amount``."""
    return _INDEX.sub("[N]", path)


def _marker_dd(marker: str) -> str:
    return marker.replace("coding.code", "coding[N].code")


def discriminator(hit: VariableHit) -> str:
    """The dictionary-style condition that picks the element carrying ``hit``'s variable."""
    return f"{generic(hit.path)}.{_marker_dd(hit.marker)} = '{hit.url}'"


def fhirpath(hit: VariableHit) -> str:
    """A FHIRPath to the value leaf, selecting the element by its variable marker."""
    element = _INDEX.sub("", hit.path)
    rest = _INDEX.sub("", hit.value_path[len(hit.path) :]) if hit.value_path else ""
    return f"{element}.where({hit.marker}='{hit.url}'){rest}"


def split_path(text: str) -> list[str]:
    """Split a mapping path on the dots that are not inside brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch == "["
        depth -= ch == "]"
        if ch == "." and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p for p in parts if p]


def _get(node: Any, dotted: str) -> Iterator[Any]:
    values = [node]
    for name in dotted.split("."):
        nxt = []
        for value in values:
            items = value if isinstance(value, list) else [value]
            nxt += [i[name] for i in items if isinstance(i, dict) and name in i]
        values = nxt
    for value in values:
        yield from value if isinstance(value, list) else [value]


def _select(items: list[Any], selector: str | None, variables: dict[str, Any]) -> list[Any]:
    if selector is not None and selector.startswith("~"):
        proto = variables.get(selector[1:])
        return [i for i in items if contains(i, proto)] if proto is not None else items
    if selector is None or selector in ("*", "+"):
        return items
    if selector.isdigit():
        index = int(selector)
        return items[index : index + 1]
    if "=" in selector:
        sub, want = selector.split("=", 1)
        want = want.strip().strip("'\"")
        return [i for i in items if any(str(v) == want for v in _get(i, sub.strip()))]
    return items


def read_path(
    document: Any, text: str | None, variables: dict[str, Any] | None = None
) -> Iterator[Any]:
    """Values ``text`` (mapping path syntax) selects in ``document``; unknown syntax gives none.

    ``variables`` are the mapping file's ``vars``: they fill ``${name}`` templates and give the
    prototypes ``[~name]`` selects by.
    """
    variables = variables or {}
    for name, value in variables.items():
        if text and isinstance(value, str):
            text = text.replace("${" + name + "}", value)
    if not text or "${" in text:
        return
    nodes = [document]
    for part in split_path(text.lstrip("/")):
        match = _STEP.match(part)
        if not match:
            return
        name, selector = match.groups()
        found = []
        for node in nodes:
            items = node if isinstance(node, list) else [node]
            for item in items:
                if isinstance(item, dict) and name in item:
                    value = item[name]
                    many = value if isinstance(value, list) else [value]
                    found += _select(many, selector, variables)
        nodes = found
    yield from nodes


def example_at(
    documents: list[dict[str, Any]], text: str | None, variables: dict[str, Any] | None = None
) -> str:
    """The first non-empty value ``text`` selects in any of ``documents``, as short text."""
    for document in documents:
        for value in read_path(document, text, variables):
            rendered = scalar_text(value)
            if rendered:
                return rendered
    return ""
