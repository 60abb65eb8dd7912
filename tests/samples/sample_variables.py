"""Collect the values a FHIR resource carries per BB variable, whatever element holds them.

v1 and v2 put a variable in different elements (extension, information vs supportingInfo,
adjudication, benefitBalance...), but the variable URL is always there: as an extension url, an
identifier or coding system, or the code of a BB category coding. Values are normalised to
(kind, value) so that e.g. an Identifier in v1 and a Coding in v2 compare equal.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

VARIABLES = "https://bluebutton.cms.gov/resources/variables/"


def _scalar(value: Any) -> tuple[str, Any] | None:
    """(kind, value) of a value[x] / amount / code container, or None when it holds none."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", float(value))
    if isinstance(value, str):
        return ("text", value)
    if isinstance(value, dict):
        if "value" in value and not isinstance(value["value"], dict):
            return _scalar(value["value"])
        if "code" in value and isinstance(value["code"], str):
            return ("text", value["code"])
        if value.get("coding"):
            return ("text", value["coding"][0].get("code"))
        if "start" in value or "end" in value:
            return ("period", (value.get("start"), value.get("end")))
    return None


def _value_of(element: dict[str, Any]) -> tuple[str, Any] | None:
    for key, value in element.items():
        if key.startswith("value") or key in (
            "amount",
            "usedMoney",
            "usedUnsignedInt",
            "timingDate",
            "timingPeriod",
        ):
            found = _scalar(value)
            if found:
                return found
    for key in ("code", "reason"):
        if key in element:
            return _scalar(element[key])
    return None


def collect(
    node: Any, out: dict[tuple[str, str], set[Any]] | None = None
) -> dict[tuple[str, str], set[Any]]:
    """{(variable, kind): {values}} over the whole document."""
    if out is None:
        out = defaultdict(set)
    if isinstance(node, list):
        for item in node:
            collect(item, out)
        return out
    if not isinstance(node, dict):
        return out
    url, system = node.get("url"), node.get("system")
    if isinstance(url, str) and url.startswith(VARIABLES):
        found = _value_of(node)
        if found:
            out[(url[len(VARIABLES) :], found[0])].add(found[1])
    if (
        isinstance(system, str)
        and system.startswith(VARIABLES)
        and isinstance(node.get("code") or node.get("value"), str)
    ):
        out[(system[len(VARIABLES) :], "text")].add(node.get("code") or node.get("value"))
    for key in ("category", "type"):
        concept = node.get(key)
        codings = concept.get("coding", []) if isinstance(concept, dict) else []
        for coding in codings:
            code = coding.get("code")
            if isinstance(code, str) and code.startswith(VARIABLES):
                found = _value_of(node)
                if found:
                    out[(code[len(VARIABLES) :], found[0])].add(found[1])
    for value in node.values():
        collect(value, out)
    return out
