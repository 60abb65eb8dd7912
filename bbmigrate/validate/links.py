"""Cross-element checks neither the models nor the profiles' invariants make.

- An EOB item's ``careTeamSequence``/``diagnosisSequence``/``procedureSequence``/
  ``informationSequence`` should name an existing ``careTeam``/``diagnosis``/``procedure``/
  ``supportingInfo`` entry (a dangling link silently drops data in every consumer), and those
  sequence numbers should be unique within their list. Neither R4 nor CARIN states these as
  rules (an official CARIN example has dangling links), so they are reported as information.
- A local reference ``#id`` must name a contained resource.
- A literal reference (``Type/id`` or an absolute URL) must point at a resource type the
  profile's ``targetProfile`` allows (checked in ``profile_rules.py`` with these helpers).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from .structure import references

# item link element -> the list it points into
_LINKS = {
    "careTeamSequence": "careTeam",
    "diagnosisSequence": "diagnosis",
    "procedureSequence": "procedure",
    "informationSequence": "supportingInfo",
}

Raw = tuple[str, str, str, str, Any]  # severity, path, rule, message, value


def reference_type(reference: str) -> str | None:
    """The resource type a literal reference names (``None`` for ``#id``, ``urn:`` and the like)."""
    if reference.startswith(("#", "urn:")):
        return None
    parts = reference.split("?", 1)[0].rstrip("/").split("/")
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    if len(parts) < 2 or not parts[-2][:1].isupper():
        return None
    return parts[-2]


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _sequences(items: Any) -> list[int]:
    """The integer sequence numbers of a list (other JSON types are the structure layer's)."""
    found = [i.get("sequence") for i in _list(items) if isinstance(i, Mapping)]
    return [s for s in found if isinstance(s, int) and not isinstance(s, bool)]


def sequence_links(eob: Mapping, path: str) -> Iterator[Raw]:
    for target in ("item", *_LINKS.values()):
        counts = Counter(_sequences(eob.get(target)))
        for number, count in sorted(counts.items(), key=lambda kv: str(kv[0])):
            if count > 1:
                yield (
                    "information",
                    f"{path}.{target}",
                    "sequence-unique",
                    f"{target}.sequence {number} is used {count} times",
                    number,
                )
    known = {target: set(_sequences(eob.get(target))) for target in _LINKS.values()}
    for index, item in enumerate(_list(eob.get("item"))):
        if not isinstance(item, Mapping):
            continue
        for link, target in _LINKS.items():
            for j, number in enumerate(_list(item.get(link))):
                if isinstance(number, int) and number not in known[target]:
                    yield (
                        "information",
                        f"{path}.item[{index}].{link}[{j}]",
                        "sequence-link",
                        f"no {target} entry has sequence {number}",
                        number,
                    )


def _local_references(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "contained":
                continue
            here = f"{path}.{key}"
            if key == "reference" and isinstance(value, str) and value.startswith("#"):
                yield here, value
            else:
                yield from _local_references(value, here)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _local_references(item, f"{path}[{index}]")


def contained_references(resource: Mapping, path: str) -> Iterator[Raw]:
    contained = [c for c in _list(resource.get("contained")) if isinstance(c, Mapping)]
    ids = {c["id"] for c in contained if isinstance(c.get("id"), str)}
    # Paths are costly to build: find them only when some local reference is dangling.
    local = (r for r in references(resource) if r.startswith("#") and r != "#")
    if isinstance(resource, dict) and all(r[1:] in ids for r in local):
        return
    for where, reference in _local_references(resource, path):
        if reference != "#" and reference[1:] not in ids:
            yield (
                "error",
                where,
                "reference",
                f"no contained resource has id {reference[1:]!r}",
                reference,
            )


def check_links(resource: Mapping, path: str) -> list[Raw]:
    found = list(contained_references(resource, path))
    if resource.get("resourceType") == "ExplanationOfBenefit":
        found += sequence_links(resource, path)
    return found
