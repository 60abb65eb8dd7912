"""Element and discriminator texts a documentation reader understands, and the row sections.

The mapping files' path syntax is for the mapper (``identifier[~current_mbi].period``,
``item[+]``, ``extension[url=...]``); readers of the tables see the data dictionary's notation:
every list step as ``[N]``, and the condition that selects a list element as a separate FHIR-style
discriminator (``url = 'https://bluebutton.cms.gov/resources/variables/dual_01'``), written
relative to the list element it selects, as the dictionary does when read from that element.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

_STEP_SELECTOR = re.compile(r"\[([^\]]*)\]")
_TEMPLATE = re.compile(r"\$\{([^}]+)\}")

# Sections of a resource, in reading order, and the top-level elements (v2, then v1 names) that
# fall in each. Everything not listed is header.
SECTIONS: tuple[str, ...] = (
    "header",
    "identifiers",
    "extensions",
    "care team",
    "diagnosis",
    "procedure",
    "supportingInfo",
    "item/line",
    "adjudication",
    "totals and benefit balance",
)
_SECTION_OF_FIELD: dict[str, str] = {
    "identifier": "identifiers",
    "subscriberId": "identifiers",
    "extension": "extensions",
    "modifierExtension": "extensions",
    "careTeam": "care team",
    "referral": "care team",
    "diagnosis": "diagnosis",
    "procedure": "procedure",
    "supportingInfo": "supportingInfo",
    "information": "supportingInfo",
    "hospitalization": "supportingInfo",
    "contained": "supportingInfo",
    "item": "item/line",
    "adjudication": "adjudication",
    "total": "totals and benefit balance",
    "totalCost": "totals and benefit balance",
    "benefitBalance": "totals and benefit balance",
    "payment": "totals and benefit balance",
}


def _flatten(prototype: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(path, value) for each scalar leaf of a prototype element (lists: their first item)."""
    if isinstance(prototype, dict):
        out: list[tuple[str, str]] = []
        for key, value in prototype.items():
            out += _flatten(value, f"{prefix}.{key}" if prefix else key)
        return out
    if isinstance(prototype, list):
        return _flatten(prototype[0], prefix) if prototype else []
    return [(prefix, str(prototype))] if prefix else []


def _condition(selector: str, variables: Mapping[str, Any]) -> str:
    """A mapping-path selector as a readable condition ('' for positional/any selectors)."""
    if selector.startswith("~"):
        leaves = _flatten(variables.get(selector[1:]))
        return " and ".join(f"{p} = '{v}'" for p, v in leaves[:2])
    if "=" in selector:
        path, value = selector.split("=", 1)
        return f"{path.strip()} = '{value.strip().strip(chr(39) + chr(34))}'"
    return ""


def readable_path(
    path: str | None, variables: Mapping[str, Any] | None = None
) -> tuple[str, list[str]]:
    """(element in ``[N]`` notation, conditions the mapping path's selectors stand for).

    ``identifier[~current_mbi].period`` -> (``identifier[N].period``, [``system = '...'``]).
    Alternatives (``a or b``) are kept; ``${var}`` templates are filled when the variable is text.
    """
    variables = variables or {}
    text = (path or "").strip()
    text = _TEMPLATE.sub(
        lambda m: (
            str(variables[m.group(1)]) if isinstance(variables.get(m.group(1)), str) else m.group(0)
        ),
        text,
    )
    conditions: list[str] = []
    parts = []
    for alternative in text.split(" or "):
        alternative = alternative.strip().lstrip("/")
        if alternative == "@":
            alternative = ""

        def step(match: re.Match[str]) -> str:
            condition = _condition(match.group(1), variables)
            if condition:
                conditions.append(condition)
            return "[N]"

        parts.append(_STEP_SELECTOR.sub(step, alternative))
    return " or ".join(p for p in parts if p), list(dict.fromkeys(conditions))


def relative_discriminator(element: str, discriminators: Iterable[str]) -> str:
    """The dictionary's discriminators, each written from the list element it selects.

    ``extension[N].url = 'X'`` for element ``extension[N].valueCoding.code`` reads
    ``url = 'X'``; several conditions are joined with `` and ``.
    """
    out = []
    for text in discriminators:
        text = " ".join(text.split())
        if not text:
            continue
        head, _, rest = text.partition(" ")
        if not rest:
            continue  # a position (``meta.profile[1]``), not a condition
        shared = _shared_list_prefix(element, head)
        if shared:
            head = head[len(shared) :]
        # Repair the dictionary's operator slips (``=:``, a missing ``=``) for readers.
        rest = re.sub(r"^=:\s*", "= ", rest)
        if rest.startswith("'"):
            rest = "= " + rest
        out.append(f"{head} {rest}".strip())
    return " and ".join(dict.fromkeys(out))


def _shared_list_prefix(element: str, path: str) -> str:
    """The longest prefix of ``path`` ending in ``[N].`` that ``element`` also starts with."""
    best = ""
    for match in re.finditer(r"\[N\]\.", path):
        prefix = path[: match.end()]
        if element.startswith(prefix):
            best = prefix
    return best


def section_of(element: str) -> str:
    """The resource section an element belongs to (``item[N].adjudication[N]...`` is
    adjudication; ``information[N]...`` is supportingInfo)."""
    plain = re.sub(r"\[[^\]]*\]", "", element or "").strip()
    first = re.split(r"[.\s]", plain, maxsplit=1)[0] if plain else ""
    steps = plain.split(".")
    if first == "item" and "adjudication" in steps:
        return "adjudication"
    return _SECTION_OF_FIELD.get(first, "header")
