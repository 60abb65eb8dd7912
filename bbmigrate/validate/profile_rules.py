"""Layer 2: CARIN profile rules from the compiled snapshots.

Walks a resource against a compiled profile (see ``profiles.py``): cardinality beyond the base
resource, slices (value/pattern/type discriminators, and slices told apart only by a required
binding, as CARIN 1.x does for adjudication categories), fixed and pattern values, required
bindings and choice-type restrictions. The walk also records which elements are present (for
the must-support report) and which values carry invariants (for ``invariants.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .findings import Finding, short_value
from .links import reference_type
from .terminology import ValueSetIndex

# A located value: concrete FHIR path, the JSON value, and the choice-type suffix if any.
Located = tuple[str, Any, str | None]
_CORE_VS = "http://hl7.org/fhir/ValueSet/"
_SLICE_NAME = re.compile(r":[^.]+")
_CORE_SD = "http://hl7.org/fhir/StructureDefinition/"


def pattern_matches(pattern: Any, value: Any) -> bool:
    """FHIR pattern semantics: every element of the pattern appears in the value."""
    if type(pattern) is str:  # the usual leaf: skip the slower ABC checks below
        return pattern == value
    if isinstance(pattern, Mapping):
        return isinstance(value, Mapping) and all(
            k in value and pattern_matches(v, value[k]) for k, v in pattern.items()
        )
    if isinstance(pattern, list):
        items = value if isinstance(value, list) else [value]
        return all(any(pattern_matches(p, item) for item in items) for p in pattern)
    return pattern == value


# R4 data types a choice element can take (the suffix of ``valueString``, ``timingPeriod``...).
_CHOICE_TYPES = frozenset(
    (  # noqa: SIM905 - 50 names read better as one string
        "Base64Binary Boolean Canonical Code Date DateTime Decimal Id Instant Integer Markdown Oid "
        "PositiveInt String Time UnsignedInt Uri Url Uuid Address Age Annotation Attachment "
        "CodeableConcept Coding ContactPoint Count Distance Duration HumanName Identifier Money "
        "Period Quantity Range Ratio Reference SampledData Signature Timing ContactDetail "
        "Contributor DataRequirement Expression ParameterDefinition RelatedArtifact "
        "TriggerDefinition UsageContext Dosage Meta"
    ).split()
)


def choice_values(parent: Mapping, name: str, path: str) -> list[Located]:
    """Values of ``value[x]``-style elements: the keys ``valueString``, ``valuePeriod``..."""
    prefix = name[:-3]
    found = []
    for key, value in parent.items():
        suffix = key[len(prefix) :]
        if key.startswith(prefix) and suffix in _CHOICE_TYPES:
            found.append((f"{path}.{key}", value, suffix))
    return found


def child_values(parent: Any, name: str, path: str) -> list[Located]:
    if not isinstance(parent, Mapping):
        return []
    if name.endswith("[x]"):
        return choice_values(parent, name, path)
    value = parent.get(name)
    if value is None:
        return []
    if isinstance(value, list):
        return [(f"{path}.{name}[{i}]", item, None) for i, item in enumerate(value)]
    return [(f"{path}.{name}", value, None)]


def _child(node: Mapping, name: str) -> Mapping | None:
    for child in node.get("children", ()):
        if child["name"] == name or (
            child["name"].endswith("[x]") and name.startswith(child["name"][:-3])
        ):
            return child
    return None


def _values_at(value: Any, dpath: str) -> list[Any]:
    if dpath == "$this":
        return [value]
    current = [value]
    for part in dpath.split("."):
        nxt = []
        for item in current:
            if isinstance(item, Mapping) and part in item:
                got = item[part]
                nxt.extend(got if isinstance(got, list) else [got])
        current = nxt
    return current


@dataclass
class WalkState:
    resource: str
    profile: str
    source: str | None
    findings: list[Finding] = field(default_factory=list)
    present: set[str] = field(default_factory=set)
    invariant_targets: list[tuple[Mapping, str, Any]] = field(default_factory=list)
    # value set URL -> (paths whose codes it could not check, the code systems involved)
    unchecked: dict[str, tuple[list[str], set[str]]] = field(default_factory=dict)
    contained: dict[str, str] = field(default_factory=dict)  # contained id -> resourceType

    def mark(self, node: Mapping) -> None:
        """Record an element as populated; a value in a slice also populates the base element."""
        self.present.add(node["id"])
        if ":" in node["id"]:
            self.present.add(_SLICE_NAME.sub("", node["id"]))

    def add(self, node: Mapping, path: str, rule: str, message: str, value: Any = None) -> None:
        self.findings.append(
            Finding(
                "error",
                self.resource,
                path,
                rule,
                message,
                short_value(value),
                profile=self.profile,
                element=node["id"],
                source=self.source,
            )
        )


class ProfileWalker:
    """Checks resources against one compiled rule set (one CARIN IG version)."""

    def __init__(self, ruleset: Mapping, valuesets: ValueSetIndex) -> None:
        self.ruleset = ruleset
        self.valuesets = valuesets
        self._target_types: dict[tuple[str, ...], frozenset[str] | None] = {}
        self._targets: dict[tuple[int, str], Mapping | None] = {}
        self._profile_types = {url: p["type"] for url, p in ruleset["profiles"].items()}

    def target_types(self, targets: list[str]) -> frozenset[str] | None:
        """Resource types a Reference may point at; ``None`` when any target is unknown."""
        key = tuple(targets)
        if key not in self._target_types:
            types: set[str] | None = set()
            for url in targets:
                if url in self._profile_types:
                    types.add(self._profile_types[url])
                elif url.startswith(_CORE_SD):
                    types.add(url[len(_CORE_SD) :])
                else:
                    types = None  # e.g. a US Core profile: its type is not in these packages
                    break
            if types is not None and "Resource" in types:
                types = None
            self._target_types[key] = frozenset(types) if types is not None else None
        return self._target_types[key]

    def walk(
        self, resource: Mapping, profile: Mapping, *, path: str, label: str, source: str | None
    ) -> WalkState:
        state = WalkState(label, profile["url"], source)
        for inner in resource.get("contained") or []:
            if isinstance(inner, Mapping) and isinstance(inner.get("id"), str):
                state.contained[inner["id"]] = str(inner.get("resourceType"))
        self._node(profile["root"], [(path, resource, None)], state)
        return state

    # -- traversal -------------------------------------------------------------------------
    def _node(self, node: Mapping, values: list[Located], state: WalkState) -> None:
        children = node.get("children", ())
        if values:
            state.mark(node)
        for path, value, suffix in values:
            self._value(node, path, value, suffix, state)
            if "constraints" in node:
                state.invariant_targets.append((node, path, value))
            for child in children:
                self._element(child, child_values(value, child["name"], path), path, state)

    def _element(self, node: Mapping, values: list[Located], parent: str, state: WalkState) -> None:
        count, low, high = len(values), node["min"], node["max"]
        where = values[0][0] if values else f"{parent}.{node['name']}"
        base_min = node.get("base_min", low)
        base_max = node.get("base_max", high)
        if count < low and (count > 0 or low > base_min):
            state.add(
                node,
                where,
                "cardinality",
                f"{node['name']}: at least {low} required by the profile, found {count}",
                count,
            )
        if high is not None and count > high and (base_max is None or high < base_max):
            state.add(
                node,
                where,
                "cardinality",
                f"{node['name']}: at most {high} allowed by the profile, found {count}",
                count,
            )
        if values:
            state.mark(node)
        slices = node.get("slices")
        if not slices or not values:
            if slices:
                self._slice_counts(node, slices, {s["id"]: [] for s in slices}, parent, state)
            self._node(node, values, state)
            return
        discriminators = (node.get("slicing") or {}).get("discriminator", [])
        matched: dict[str, list[Located]] = {s["id"]: [] for s in slices}
        rest: list[Located] = []
        for located in values:
            for sl in slices:
                if self._matches(sl, located, discriminators):
                    matched[sl["id"]].append(located)
                    break
            else:
                rest.append(located)
        self._slice_counts(node, slices, matched, parent, state)
        if (
            rest
            and (node.get("slicing") or {}).get("rules") == "closed"
            and not node["name"].endswith("[x]")
        ):
            for path, value, _ in rest:
                state.add(
                    node,
                    path,
                    "slice",
                    f"{node['name']}: matches none of the slices of a closed slicing",
                    value,
                )
        for sl in slices:
            self._node(sl, matched[sl["id"]], state)
        self._node(node, rest, state)

    def _slice_counts(
        self, node: Mapping, slices: list, matched: dict, parent: str, state: WalkState
    ) -> None:
        for sl in slices:
            got = matched[sl["id"]]
            where = got[0][0] if got else f"{parent}.{node['name']}"
            label = f"{node['name']}:{sl.get('slice_name')}"
            if len(got) < sl["min"]:
                state.add(
                    sl,
                    where,
                    "slice",
                    f"{label}: at least {sl['min']} required, found {len(got)}",
                    len(got),
                )
            if sl["max"] is not None and len(got) > sl["max"]:
                state.add(
                    sl,
                    where,
                    "slice",
                    f"{label}: at most {sl['max']} allowed, found {len(got)}",
                    len(got),
                )

    # -- slice discrimination ----------------------------------------------------------------
    def _matches(self, sl: Mapping, located: Located, discriminators: list) -> bool:
        _, value, suffix = located
        for dtype, dpath in discriminators:
            if dtype == "type":
                types = sl.get("types", ()) if dpath == "$this" else ()
                if not suffix or suffix.lower() not in {t.lower() for t in types}:
                    return False
                continue
            if dtype not in ("value", "pattern"):
                return False
            target = self._discriminator_target(sl, dpath)
            found = _values_at(value, dpath)
            if target is not None and "fixed" in target:
                ok = any(v == target["fixed"] for v in found)
            elif target is not None and "pattern" in target:
                ok = any(pattern_matches(target["pattern"], v) for v in found)
            elif dpath == "url" and "profile" in sl:
                ok = sl["profile"] in found
            elif target is not None and "binding" in target:
                ok = any(self._member(target["binding"], v) is True for v in found)
            else:
                ok = False
            if not ok:
                return False
        return True

    def _discriminator_target(self, sl: Mapping, dpath: str) -> Mapping | None:
        # Slices live as long as the rule set: resolve each discriminator path once.
        key = (id(sl), dpath)
        if key not in self._targets:
            target: Mapping | None = sl
            if dpath != "$this":
                for part in dpath.split("."):
                    target = _child(target, part) if target else None
            self._targets[key] = target
        return self._targets[key]

    def _member(self, url: str, value: Any) -> bool | None:
        if isinstance(value, str):
            return self.valuesets.contains(url, None, value)
        if isinstance(value, Mapping) and "coding" in value:
            return self.valuesets.contains_concept(url, value)
        if isinstance(value, Mapping) and ("code" in value or "system" in value):
            return self.valuesets.contains(url, value.get("system"), value.get("code"))
        return None

    def _reference(self, node: Mapping, path: str, value: Mapping, state: WalkState) -> None:
        reference = value.get("reference")
        if not isinstance(reference, str):
            return
        allowed = self.target_types(node["targets"])
        if allowed is None:
            return
        found = reference_type(reference)
        if found is None and reference.startswith("#"):
            found = state.contained.get(reference[1:])
        if found is not None and found not in allowed:
            state.add(
                node,
                f"{path}.reference",
                "reference",
                f"reference to {found} not allowed here (profile allows "
                f"{', '.join(sorted(allowed))})",
                reference,
            )

    # -- value-level rules -------------------------------------------------------------------
    def _value(
        self, node: Mapping, path: str, value: Any, suffix: str | None, state: WalkState
    ) -> None:
        types = node.get("types")
        if suffix and types and suffix.lower() not in {t.lower() for t in types}:
            state.add(
                node,
                path,
                "type",
                f"type {suffix} not allowed here (profile allows {', '.join(types)})",
                suffix,
            )
            return
        if "fixed" in node and value != node["fixed"]:
            state.add(
                node, path, "fixed", f"value must be exactly {short_value(node['fixed'])}", value
            )
        if "targets" in node and isinstance(value, Mapping):
            self._reference(node, path, value, state)
        if "pattern" in node and not pattern_matches(node["pattern"], value):
            state.add(
                node,
                path,
                "pattern",
                f"value must match the pattern {short_value(node['pattern'])}",
                value,
            )
        url = node.get("binding")
        if url is None or (types == ["code"] and url.startswith(_CORE_VS)):
            return  # core code bindings are checked by the structure layer
        member = self._member(url, value)
        if member is False:
            state.add(
                node,
                path,
                "binding",
                f"code not in required value set {url.rsplit('/', 1)[-1]} ({url})",
                value,
            )
        elif member is None and value is not None:
            codings = value.get("coding") if isinstance(value, Mapping) else None
            systems = [
                c.get("system")
                for c in (codings if isinstance(codings, list) else ())
                if isinstance(c, Mapping) and isinstance(c.get("system"), str)
            ]
            paths, where_systems = state.unchecked.setdefault(url, ([], set()))
            paths.append(path)
            where_systems.update(systems)
