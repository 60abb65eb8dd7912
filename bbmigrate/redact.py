"""One redaction policy for every report that can show PHI (diff, tables, logs).

What is redacted, found by where a value sits in a FHIR resource, whatever the resource type:

* identifiers — resource ``id``, every ``identifier.value`` and ``valueIdentifier.value`` (MBI,
  hashes, claim and group ids, NPIs, provider numbers), the id part of each ``reference``,
  ``telecom.value``, and the identifiers FHIR keeps in plain strings: ``Coverage.subscriberId``
  (BB2 v2 puts the MBI there) and ``preAuthRef``;
* names — ``name`` (HumanName parts or an organisation's name) and the ``display`` of a reference
  (a practitioner or organisation, never a coding's display, which is vocabulary);
* birth and death dates; address lines, city and postal code.

Each secret gets a STABLE placeholder within one :class:`Redactor` — the same value always becomes
the same ``[ID-3]`` — so that a redacted report still shows which values agree. Secrets are then
replaced wherever they occur in the report, also inside longer strings (the claim id inside
``carrier-9991831999``, the patient id inside ``Coverage/part-a-567834``). Secrets shorter than
:data:`MIN_EMBEDDED` characters are replaced only where they are the whole value, and identifiers
that short (a one-digit UPIN) are left alone: they identify no one, and replacing them would
rewrite every code ``0``.
"""

from __future__ import annotations

import re
from typing import Any

from .leaves import IGNORED, iter_leaves

MIN_EMBEDDED = 4

_ID_SUFFIXES = ("identifier.value", "valueIdentifier.value", "telecom.value")
_ID_FIELDS = ("subscriberId", "preAuthRef")  # identifiers typed as plain strings
_INDEX = re.compile(r"\[\d+\]")
_NAME_PART = re.compile(r"^(?:.*\.)?name(?:\.(?:family|given|text|prefix|suffix))?$")
_ADDRESS = re.compile(r"(?:^|\.)address\.(?:line|city|postalCode|text|district)$")


def category(path: str) -> str | None:
    """The kind of secret at a concrete leaf path (indices are ignored), or None."""
    bare = _INDEX.sub("", path)
    last = bare.rsplit(".", 1)[-1]
    if bare in ("id", "entry.resource.id") or bare.endswith(_ID_SUFFIXES) or last in _ID_FIELDS:
        return "ID"
    if last == "reference":
        return "REF"
    if last in ("birthDate", "deceasedDateTime"):
        return "DATE"
    if _ADDRESS.search(bare):
        return "ADDR"
    if _NAME_PART.match(bare):
        return "NAME"
    if last == "display" and not bare.lower().endswith("coding.display"):
        return "NAME"
    return None


class Redactor:
    """Learns the secrets of some resources, then replaces them in any JSON-like data."""

    def __init__(self) -> None:
        self._placeholders: dict[str, str] = {}
        self._counts: dict[str, int] = {}
        self._pattern: re.Pattern[str] | None = None

    def _register(self, value: str, kind: str) -> None:
        if not value or value == IGNORED or value in self._placeholders:
            return
        if kind == "ID" and len(value) < MIN_EMBEDDED:
            return
        self._counts[kind] = self._counts.get(kind, 0) + 1
        self._placeholders[value] = f"[{kind}-{self._counts[kind]}]"
        self._pattern = None

    def learn(self, resource: Any) -> None:
        """Register every secret of ``resource`` (and of the resources a Bundle holds)."""
        for leaf in iter_leaves(resource):
            kind = category(leaf.path)
            if kind is None or isinstance(leaf.value, bool):
                continue
            value = str(leaf.value)
            if kind == "REF":
                if value.startswith("#") or "/" not in value:
                    continue
                self._register(value.rsplit("/", 1)[-1], "ID")
            else:
                self._register(value, kind)

    @property
    def secrets(self) -> dict[str, str]:
        return dict(self._placeholders)

    def _regex(self) -> re.Pattern[str] | None:
        if self._pattern is None:
            long = sorted((s for s in self._placeholders if len(s) >= MIN_EMBEDDED), key=len)
            if not long:
                return None
            self._pattern = re.compile("|".join(re.escape(s) for s in reversed(long)))
        return self._pattern

    def text(self, value: str) -> str:
        if value in self._placeholders:
            return self._placeholders[value]
        pattern = self._regex()
        if pattern is None:
            return value
        return pattern.sub(lambda m: self._placeholders[m.group(0)], value)

    def apply(self, data: Any) -> Any:
        """A copy of ``data`` with every secret replaced (numbers equal to a secret too)."""
        if isinstance(data, dict):
            return {key: self.apply(value) for key, value in data.items()}
        if isinstance(data, list):
            return [self.apply(item) for item in data]
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, int | float) and not isinstance(data, bool):
            text = str(data)
            return self._placeholders.get(text, data) if len(text) >= MIN_EMBEDDED else data
        return data
