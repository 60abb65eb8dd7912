"""Find BB2 variables, their values and their labels in FHIR resources of either version.

Blue Button marks a variable in four ways, in v1 and v2 alike: an extension ``url``, a coding or
identifier ``system``, and a ``category``/``type`` coding whose *code* is the variable URL (the
adjudication, supportingInfo/information, benefitBalance and total elements). The last kind also
carries the variable's label as the coding's display, which is where the tables take labels from:
the workbook must be reproducible without the data dictionary, so labels come from our own samples.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

VARIABLE_PREFIX = "https://bluebutton.cms.gov/resources/variables/"
EOB_TYPE_SYSTEM = "https://bluebutton.cms.gov/resources/codesystem/eob-type"

# Where an element keyed by a category/type coding keeps its value, most specific first.
_ELEMENT_VALUE_KEYS = (
    "amount",
    "value",
    "usedMoney",
    "usedUnsignedInt",
    "allowedUnsignedInt",
    "allowedMoney",
    "valueQuantity",
    "valueMoney",
    "code",
    "timingDate",
    "timingPeriod",
    "valueString",
    "valueBoolean",
    "valueReference",
    "reason",
)
_MAX_EXAMPLE = 48


@dataclass(frozen=True)
class VariableHit:
    """One occurrence of a BB2 variable: its name, the JSON path, its value and label (if any)."""

    variable: str
    path: str  # the element that carries the variable marker
    value: str
    label: str = ""
    value_path: str = ""  # the leaf holding the value
    marker: str = ""  # where, relative to ``path``, the variable URL sits: url, system...
    slice: str = ""  # the element's other (CARIN / HL7) category codes, which name its slice

    @property
    def url(self) -> str:
        return VARIABLE_PREFIX + self.variable


def variable_name(uri: Any) -> str | None:
    """``.../resources/variables/clm_id`` -> ``clm_id``; anything else -> None."""
    if isinstance(uri, str) and uri.startswith(VARIABLE_PREFIX):
        name = uri[len(VARIABLE_PREFIX) :].strip("/")
        return name or None
    return None


def scalar_text(value: Any) -> str:
    """A short human-readable text for a FHIR value, cut to a table cell's worth."""
    text = _text(value)
    return text if len(text) <= _MAX_EXAMPLE else text[: _MAX_EXAMPLE - 1] + "…"


def _text(value: Any) -> str:
    """A short human-readable text for a FHIR value (coding, quantity, money, period...)."""
    if isinstance(value, dict):
        for key in ("value", "amount", "reference", "start"):
            if key in value:
                text = _text(value[key])
                if key == "start" and "end" in value:
                    text = f"{text} to {_text(value['end'])}"
                return text
        if "coding" in value:
            codings = value.get("coding") or [{}]
            return _text(codings[0])
        if "code" in value and ("system" in value or "display" in value):
            code, display = value.get("code", ""), value.get("display")
            return f"{code} ({display})" if display else str(code)
        if "end" in value:
            return f"to {_text(value['end'])}"
        # Any other structure (meta, name, address...): its first leaf, named.
        for key, child in value.items():
            text = _text(child)
            if text:
                return text if isinstance(child, dict | list) else f"{key}: {text}"
        return ""
    if isinstance(value, list):
        return _text(value[0]) if value else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return f"{value:.1f}"
    return "" if value is None else str(value)


def _leaf(value: Any) -> str:
    """The suffix from a FHIR value to the leaf a reader would call its value."""
    if not isinstance(value, dict):
        return ""
    if "value" in value:
        return ".value"
    if "coding" in value:
        return ".coding[0].code"
    for key in ("code", "reference", "start"):
        if key in value:
            return f".{key}"
    return ""


def _extension_value(extension: dict[str, Any], path: str) -> tuple[str, str]:
    for key, value in extension.items():
        if key.startswith("value"):
            return scalar_text(value), f"{path}.{key}{_leaf(value)}"
    return "", path


def coding_key(coding: dict[str, Any]) -> str:
    """A coding as ``<end of its system>#<code>``, e.g. ``C4BBAdjudication#paidtoprovider``."""
    return f"{str(coding.get('system', '')).rsplit('/', 1)[-1]}#{coding.get('code')}"


def _keyed_by(node: dict[str, Any]) -> tuple[str, str, str, str] | None:
    """(variable, label, key, slice) when a category/type coding's code names a variable."""
    for key in ("category", "type"):
        concept = node.get(key)
        if not isinstance(concept, dict):
            continue
        codings = [c for c in concept.get("coding") or () if isinstance(c, dict)]
        for coding in codings:
            name = variable_name(coding.get("code"))
            if name:
                others = [
                    coding_key(c)
                    for c in codings
                    if c is not coding and "bluebutton.cms.gov" not in str(c.get("system"))
                ]
                return name, str(coding.get("display") or ""), key, ", ".join(others)
    return None


def find_variables(node: Any, path: str = "") -> Iterator[VariableHit]:
    """Yield every BB2 variable occurrence under ``node`` in document order."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from find_variables(item, f"{path}[{index}]")
        return
    if not isinstance(node, dict):
        return
    skip: set[str] = set()
    name = variable_name(node.get("url"))
    if name:
        value, value_path = _extension_value(node, path)
        yield VariableHit(name, path, value, "", value_path, "url")
        skip = {key for key in node if key.startswith("value")}
    elif (name := variable_name(node.get("system"))) and ("code" in node or "value" in node):
        leaf = "code" if "code" in node else "value"
        yield VariableHit(name, path, scalar_text(node[leaf]), "", f"{path}.{leaf}", "system")
        return
    elif keyed := _keyed_by(node):
        name, label, key, carin = keyed
        source = next((k for k in _ELEMENT_VALUE_KEYS if k in node and k != key), None)
        value = scalar_text(node[source]) if source else ""
        value_path = f"{path}.{source}{_leaf(node[source])}" if source else path
        yield VariableHit(name, path, value, label, value_path, f"{key}.coding.code", carin)
        skip = {key, source or key}
    for key, child in node.items():
        if key not in skip and isinstance(child, dict | list):
            yield from find_variables(child, f"{path}.{key}" if path else key)


def sheet_of(resource: dict[str, Any]) -> str | None:
    """The comparison sheet a resource belongs on: patient, coverage or its claim type."""
    kind = resource.get("resourceType")
    if kind in ("Patient", "Coverage"):
        return kind.lower()
    if kind != "ExplanationOfBenefit":
        return None
    for coding in (resource.get("type") or {}).get("coding") or ():
        if coding.get("system") == EOB_TYPE_SYSTEM and coding.get("code"):
            return str(coding["code"]).lower()
    prefix = str(resource.get("id", "")).split("-", 1)[0]
    return prefix.lower() or None
