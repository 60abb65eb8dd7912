"""Deterministic rewriting of one FHIR document into a synthetic variant.

The emulator never stores 30,000 beneficiaries: it rewrites a sample beneficiary's documents
with a :class:`Variation`: substitutions (ids, identifier values), a day shift for every date and
a factor for every money amount. The same variation applied to the v1 (STU3) and the v2 (R4) form
of a resource gives the same ids, dates and amounts in both, which keeps the two versions of a
synthetic user comparable. Rules work on FHIR structure (``id``, ``reference``, identifier
``value``, Money), never on particular values of the sample data.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import orjson

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?$")
_ISO_4217 = "urn:iso:std:iso:4217"
# Keys whose string value is an identifier value that may name the patient, a claim or a member
# number; other string fields (codes, displays, text) are left alone.
_VALUE_KEYS = frozenset({"value", "subscriberId"})
# MBI letters exclude S, L, O, I, B and Z; using them for every upper-case letter keeps MBIs valid.
_UPPER = "ACDEFGHJKMNPQRTUVWXY"


def shape_preserving(value: str, rng: random.Random) -> str:
    """A new string of the same shape: digits stay digits, letters letters, the rest is kept."""
    out = []
    for ch in value:
        if ch.isdigit():
            out.append(rng.choice("123456789" if ch != "0" else "0123456789"))
        elif "a" <= ch <= "f":
            out.append(rng.choice("abcdef"))
        elif ch.islower():
            out.append(rng.choice("abcdefghijklmnopqrstuvwxyz"))
        elif ch.isupper():
            out.append(rng.choice(_UPPER))
        else:
            out.append(ch)
    return "".join(out)


def _is_money(node: dict[str, Any]) -> bool:
    return "value" in node and ("currency" in node or node.get("system") == _ISO_4217)


def _could_rename(text: str, keys: frozenset[str]) -> bool:
    return text in keys or any(ch in "/-" and text[i + 1 :] in keys for i, ch in enumerate(text))


def shift_date(text: str, days: int) -> str:
    """Shift a FHIR date or dateTime by ``days``; other strings come back unchanged."""
    match = _DATE.match(text)
    if not match or days == 0:
        return text
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return text
    return (day + timedelta(days=days)).isoformat() + (match[4] or "")


@dataclass
class Variation:
    """Substitutions applied to one document: ``ids`` (for ids, references and identifier values),
    a day shift for dates and a factor for money amounts."""

    ids: dict[str, str] = field(default_factory=dict)
    day_shift: int = 0
    money_factor: float = 1.0
    names: tuple[str, str] | None = None  # (given, family) for Patient.name

    def with_claim(self, ids: dict[str, str], day_shift: int, money_factor: float) -> Variation:
        """A variation for one claim: the user's substitutions plus the claim's own."""
        return Variation(
            ids={**self.ids, **ids},
            day_shift=self.day_shift + day_shift,
            money_factor=money_factor,
            names=self.names,
        )

    def rename(self, text: str) -> str:
        """Rewrite an id or a reference: ``key``, ``Type/key`` or ``prefix-key`` (ids like
        ``part-a-<patient>`` or ``carrier-<claim>``). The longest matching tail wins."""
        if text in self.ids:
            return self.ids[text]
        for i, ch in enumerate(text):
            if ch in "/-" and text[i + 1 :] in self.ids:
                return text[: i + 1] + self.ids[text[i + 1 :]]
        return text

    def apply(self, doc: Any) -> Any:
        """Return a rewritten deep copy of ``doc``."""
        return self._walk(doc, None)

    def _walk(self, node: Any, key: str | None) -> Any:
        if isinstance(node, dict):
            out = {k: self._walk(v, k) for k, v in node.items()}
            if self._is_money(out) and isinstance(out["value"], int | float):
                out["value"] = round(out["value"] * self.money_factor, 2)
            if self.names and out.get("resourceType") == "Patient" and "name" in out:
                out["name"] = [self._renamed(n) for n in out["name"]]
            return out
        if isinstance(node, list):
            return [self._walk(v, key) for v in node]
        if isinstance(node, str):
            if key in ("id", "reference"):
                return self.rename(node)
            if key in _VALUE_KEYS and node in self.ids:
                return self.ids[node]
            return shift_date(node, self.day_shift)
        return node

    @staticmethod
    def _is_money(node: dict[str, Any]) -> bool:
        return _is_money(node)

    def _renamed(self, name: Any) -> Any:
        if not isinstance(name, dict) or self.names is None:
            return name
        given, family = self.names
        out = dict(name)
        if "family" in out:
            out["family"] = family
        if isinstance(out.get("given"), list) and out["given"]:
            out["given"] = [given, *out["given"][1:]]
        if "text" in out:
            out["text"] = f"{given} {family}"
        return out


# Where a Template edits its copy: a path of dict keys and list indexes, and what to do there.
_Site = tuple[tuple[str | int, ...], str]


class Template:
    """A document prepared once for many variations: ``render(v)`` equals ``v.apply(doc)``
    for any variation whose ``ids`` keys are among ``keys``, but copies the document with orjson
    and edits only the places a variation can change instead of walking every node."""

    def __init__(self, doc: dict[str, Any], keys: frozenset[str]) -> None:
        self._raw = orjson.dumps(doc)
        self._sites: list[_Site] = []
        self._find(doc, (), None, keys)

    def _find(self, node: Any, path: tuple[str | int, ...], key: Any, keys: frozenset[str]) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                self._find(v, (*path, k), k, keys)
            if _is_money(node) and isinstance(node["value"], int | float):
                self._sites.append(((*path, "value"), "money"))
            if node.get("resourceType") == "Patient" and "name" in node:
                self._sites.append(((*path, "name"), "names"))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                self._find(v, (*path, i), key, keys)
        elif isinstance(node, str):
            if key in ("id", "reference"):
                if _could_rename(node, keys):
                    self._sites.append((path, "rename"))
            elif key in _VALUE_KEYS and node in keys:
                self._sites.append((path, "value"))
            elif _DATE.match(node):
                self._sites.append((path, "date"))

    def render(self, variation: Variation) -> dict[str, Any]:
        doc = orjson.loads(self._raw)
        for path, kind in self._sites:
            parent = doc
            for step in path[:-1]:
                parent = parent[step]
            last = path[-1]
            value = parent[last]
            if kind == "rename":
                parent[last] = variation.rename(value)
            elif kind == "value":
                parent[last] = variation.ids.get(value) or shift_date(value, variation.day_shift)
            elif kind == "date":
                parent[last] = shift_date(value, variation.day_shift)
            elif kind == "money":
                parent[last] = round(value * variation.money_factor, 2)
            elif variation.names:
                parent[last] = [variation._renamed(n) for n in value]
        return doc
