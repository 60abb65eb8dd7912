"""Value sets the validator can check offline, and the ones it cannot.

A value set is compiled to ``{"codes": {system: [code, ...]}, "unchecked": [system, ...]}``.
Systems whose codes the packages enumerate (CARIN and core code systems) are checked exactly;
external terminologies (ICD, CPT/HCPCS, NDC, NUBC, X12, NCPDP, VSAC) cannot be expanded without
network access, so a code in one of those systems is "not checked" — reported, never passed
silently. A code in a system the value set does not include at all is a plain failure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Membership answers: True / False, or None when the code system cannot be checked offline.
Membership = bool | None


def _flatten(concepts: Iterable[Mapping[str, Any]]) -> Iterable[str]:
    for concept in concepts:
        if "code" in concept:
            yield concept["code"]
        yield from _flatten(concept.get("concept", ()))


def _system_codes(system: str, code_systems: Mapping[str, Mapping]) -> list[str] | None:
    """All codes of a code system the packages define completely, else ``None``."""
    cs = code_systems.get(system)
    if not cs or cs.get("content") != "complete" or not cs.get("concept"):
        return None
    return sorted(set(_flatten(cs["concept"])))


def compile_value_set(
    url: str,
    value_sets: Mapping[str, Mapping],
    code_systems: Mapping[str, Mapping],
    _seen: frozenset[str] = frozenset(),
) -> dict:
    """Expand ``url`` as far as the packages allow. Unknown value sets come back ``missing``."""
    url = url.split("|", 1)[0]
    vs = value_sets.get(url)
    if vs is None or url in _seen:
        return {"missing": True, "codes": {}, "unchecked": []}
    codes: dict[str, set[str]] = {}
    unchecked: set[str] = set()
    compose = vs.get("compose") or {}
    if not compose and vs.get("expansion"):
        for entry in vs["expansion"].get("contains", []):
            codes.setdefault(entry.get("system", ""), set()).add(entry.get("code", ""))
    for include in compose.get("include", []):
        for nested in include.get("valueSet", []):
            sub = compile_value_set(nested, value_sets, code_systems, _seen | {url})
            if sub.get("missing"):
                unchecked.add(f"valueset:{nested}")
            for system, values in sub["codes"].items():
                codes.setdefault(system, set()).update(values)
            unchecked.update(sub["unchecked"])
        system = include.get("system")
        if not system:
            continue
        if include.get("concept"):
            codes.setdefault(system, set()).update(c["code"] for c in include["concept"])
        elif include.get("filter"):
            unchecked.add(system)
        else:
            whole = _system_codes(system, code_systems)
            if whole is None:
                unchecked.add(system)
            else:
                codes.setdefault(system, set()).update(whole)
    for exclude in compose.get("exclude", []):
        system = exclude.get("system")
        if system in codes and exclude.get("concept"):
            codes[system] -= {c["code"] for c in exclude["concept"]}
    return {
        "codes": {system: sorted(values) for system, values in sorted(codes.items())},
        "unchecked": sorted(unchecked - set(codes)),
    }


class ValueSetIndex:
    """Fast membership tests over compiled value sets (sets built once per value set)."""

    def __init__(self, compiled: Mapping[str, Mapping]) -> None:
        self._compiled = compiled
        self._sets: dict[str, tuple[dict[str, frozenset[str]], frozenset[str], bool]] = {}

    def _get(self, url: str) -> tuple[dict[str, frozenset[str]], frozenset[str], bool]:
        url = url.split("|", 1)[0]
        hit = self._sets.get(url)
        if hit is None:
            vs = self._compiled.get(url) or {"missing": True, "codes": {}, "unchecked": []}
            hit = (
                {system: frozenset(codes) for system, codes in vs["codes"].items()},
                frozenset(vs["unchecked"]),
                bool(vs.get("missing")),
            )
            self._sets[url] = hit
        return hit

    def contains(self, url: str, system: str | None, code: Any) -> Membership:
        """Is ``system|code`` in the value set? ``system=None`` is a bare ``code`` element."""
        codes, unchecked, missing = self._get(url)
        if missing:
            return None
        if not isinstance(code, str) or not isinstance(system, str | None):
            return False  # a wrong JSON type: the structure layer reports it
        if system is None:
            if any(code in values for values in codes.values()):
                return True
            return None if unchecked else False
        if code in codes.get(system, ()):
            return True
        if system in unchecked:
            return None
        return False

    def contains_concept(self, url: str, concept: Any) -> Membership:
        """A CodeableConcept matches when any coding is a member (required-binding semantics)."""
        if not isinstance(concept, Mapping):
            return False
        codings = concept.get("coding")
        answers = [
            self.contains(url, coding.get("system"), coding.get("code"))
            for coding in (codings if isinstance(codings, list) else ())
            if isinstance(coding, Mapping)
        ]
        if True in answers:
            return True
        if None in answers:
            return None
        return False

    def unchecked_label(self, url: str, systems: Iterable[str | None] = ()) -> str:
        _, unchecked, missing = self._get(url)
        if missing:
            return "value set not in the packages"
        named = sorted({s for s in systems if s in unchecked}) or sorted(unchecked)
        return "cannot expand offline: " + ", ".join(named)
