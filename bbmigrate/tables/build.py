"""Build the comparison tables from the mapping model, with examples from our samples.

Rows come from three places, all of them the mapper's own knowledge:

1. every rule of the resource (or claim-type) map, in file order: a structural row for what it
   does (``use`` becomes the constant ``claim``, ``information`` becomes ``supportingInfo``...);
2. the BB2 variables those rules move. Most rules are table-driven and keyed by the variable URL,
   so variables are found by *running the mapper* on every sample v1 resource with provenance:
   each variable found in the input (or produced in the output) gets the rule that consumed (or
   produced) it, and its element paths in v1 and in the mapped v2. Table keys that the samples
   lack still get a row, from the table and the route they select;
3. the declared gaps (v2 elements v1 cannot provide) and the variables BB2 v2 emits in the samples
   that no rule produces.

Labels come from the mapping files (code-table ``display``/``label``, constant codings), then from
the codebook displays in the samples (see :mod:`.sample_values`); examples come from the samples.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..mapping import MappingSet, ResourceMap, Rule, load_mappings
from .elements import discriminator, example_at, fhirpath, generic
from .examples import SampleIndex, load_samples
from .join import SheetJoin
from .links import element_page, profile_name
from .observed import Found, observe
from .rows import SHEETS, ComparisonTables, TableRow
from .rule_tree import (
    SELECTOR,
    Placed,
    branch_rule,
    compose,
    mapping_labels,
    place_rules,
    plain,
    route_tables,
    worth_a_row,
)
from .sample_values import VARIABLE_PREFIX, coding_key, variable_name
from .variables import FACTS_FILE, VariableFact, load_variables


@dataclass
class _Sheet:
    key: str
    rmap: ResourceMap | None
    mappings: MappingSet
    samples: SampleIndex
    rows: list[TableRow] = field(default_factory=list)
    done: set[str] = field(default_factory=set)
    pairs: list[tuple[dict, dict]] = field(default_factory=list)  # (sample v1, mapped v2)

    @property
    def resource(self) -> str:
        return SHEETS[self.key][1]

    # -- rows ---------------------------------------------------------------------------------
    @functools.cached_property
    def variables(self) -> dict[str, Any]:
        return dict(self.rmap.variables) if self.rmap else {}

    @functools.cached_property
    def profile_url(self) -> str:
        value = (self.rmap.variables.get("profile") if self.rmap else None) or ""
        if not value:
            for document in self.samples.documents(self.key, "v2"):
                value = ((document.get("meta") or {}).get("profile") or [""])[0]
                break
        return value if isinstance(value, str) else ""

    def row(self, variable: str, v1: str, v2: str, change: str, **extra: Any) -> None:
        profile = self.profile_url
        if profile:
            extra.setdefault("profile", profile_name(profile))
            extra.setdefault("profile_url", element_page(profile, self.resource, v2 or ""))
        self.rows.append(TableRow(variable, v1 or "", v2 or "", change, **extra))

    def with_profile(self, row: TableRow) -> TableRow:
        """``row`` linked to the sheet's CARIN profile (rows from the facts file have none yet)."""
        profile = self.profile_url
        if row.profile_url or not profile:
            return row
        return dataclasses.replace(
            row,
            profile=profile_name(profile),
            profile_url=element_page(profile, self.resource, row.v2_element or ""),
        )

    def rule_extra(self, rule: Rule) -> dict[str, Any]:
        return {
            "note": rule.note + (" (BFD quirk)" if getattr(rule, "quirk", False) else ""),
            "rule_id": rule.id,
            "origin": str(rule.origin),
            "claim_types": tuple(rule.claim_types),
        }

    def variable_row(
        self, found: Found, rule: Rule | None, fallback: tuple[str, str], note: str | None = None
    ) -> None:
        """A variable's row: elements as the samples show them, else the rule's own paths."""
        name = found.variable
        v1, v2 = found.v1, found.v2
        v1_text = generic(v1.value_path) if v1 else generic(found.v1_leaf or "")
        v2_text = generic(v2.value_path) if v2 else generic(found.v2_leaf or "")
        if not (v1_text or v2_text):
            v1_text, v2_text = fallback
        extra = self.rule_extra(rule) if rule else {}
        if note:
            extra["note"] = note
        extra.update(
            is_variable=True,
            label=self.samples.label(name),
            v1_example=self.samples.example(self.key, name, "v1")
            or (v1.value if v1 else found.v1_value),
            v2_example=self.samples.example(self.key, name, "v2")
            or (v2.value if v2 else found.v2_value),
        )
        if v2:
            extra.update(
                discriminator=discriminator(v2), fhirpath=fhirpath(v2), carin_slice=v2.slice
            )
        change = _change(v1_text, v2_text, rule)
        if change == "removed":
            v2_text = ""
        self.row(name, v1_text, v2_text, change, **extra)
        self.done.add(name)

    def build(self) -> tuple[TableRow, ...]:
        placed = place_rules(self.rmap, self.key)
        by_id = {p.rule.id: p for p in placed}
        found: dict[str, Found] = {}
        if self.rmap:
            found, self.pairs = observe(self.samples.documents(self.key, "v1"), self.mappings)
        attached: dict[str, list[Found]] = {}
        for entry in found.values():
            attached.setdefault(entry.rule_id or "", []).append(entry)
        for here in placed:
            rule = here.rule
            name = variable_name(rule.variable) if rule.variable else None
            if name is None:
                if worth_a_row(here):
                    self.rule_row(here)
            elif name in found and name not in self.done:
                self.variable_row(found[name], rule, (here.v1 or "", here.v2 or ""))
            elif name not in self.done:
                self.rule_row(here, variable=name)
            for name, branch, specific, value in self.table_keys(here):
                if name in self.done:
                    continue
                if name in found:
                    owner = by_id.get(found[name].rule_id or "")
                    self.variable_row(
                        found[name],
                        owner.rule if owner else branch_rule(branch, rule),
                        ("", ""),
                        # A drop branch says why v2 lacks it (when it does lack it).
                        note=None if found[name].v2 or found[name].v2_leaf else branch.drop,
                    )
                elif specific or not self.seen_elsewhere(name, found):
                    self.table_row(here, name, branch, value)
            for entry in attached.get(rule.id, ()):
                if entry.variable not in self.done:
                    self.variable_row(entry, rule, (here.v1 or "", here.v2 or ""))
        for entry in found.values():
            if entry.variable not in self.done:
                owner = by_id.get(entry.rule_id or "")
                self.variable_row(entry, owner.rule if owner else None, ("", ""))
        self.gap_rows()
        self.v2_only_rows()
        return tuple(self.rows)

    def rule_row(self, here: Placed, variable: str | None = None) -> None:
        rule = here.rule
        change = rule.change
        element = here.v2 if change != "removed" else here.v1
        extra = self.rule_extra(rule)
        v1_example, v2_example = self.examples(here.v1, here.v2 if change != "removed" else None)
        extra.update(v1_example=v1_example, v2_example=v2_example)
        if variable:
            extra.update(label=self.samples.label(variable), is_variable=True)
        v2 = here.v2 if change != "removed" else ""
        self.row(variable or plain(element) or rule.id, here.v1 or "", v2 or "", change, **extra)
        if variable:
            self.done.add(variable)

    def examples(self, v1: str | None, v2: str | None) -> tuple[str, str]:
        """Example values at a rule's paths, taken as a pair from one sample and its mapping.

        A rule path selects list elements by position or by everything (``careTeam[*]``), and
        the independently written sample v2 may order them differently, so the v2 side comes
        from the mapper's output for the same sample; the sample v2 is the fallback.
        """
        first = ("", "")
        for document, mapped in self.pairs:
            pair = (
                example_at([document], v1, self.variables) if v1 else "",
                example_at([mapped], v2, self.variables) if v2 else "",
            )
            if all(pair[i] or not path for i, path in enumerate((v1, v2))):
                return pair
            first = first if any(first) else pair
        if v2 and not first[1]:
            first = (
                first[0],
                example_at(self.samples.documents(self.key, "v2"), v2, self.variables),
            )
        if v1 and not first[0]:
            first = (
                example_at(self.samples.documents(self.key, "v1"), v1, self.variables),
                first[1],
            )
        return first

    def table_keys(self, here: Placed) -> Iterator[tuple[str, Any, bool, Any]]:
        """(variable, route, claim-type specific?, table row) per variable-URL key of a route's
        table."""
        rule = here.rule
        if rule.op != "route" or "table" not in rule.params:
            return
        routes = rule.params["routes"]
        rows: dict[str, tuple[Any, bool]] = {}
        for table, specific in route_tables(rule.params["table"], self.rmap, self.mappings):
            for key, value in table.rows.items():
                rows.setdefault(key, (value, specific))
        for key, (value, specific) in rows.items():
            name = variable_name(key)
            if name:
                route = value.get("route", "default") if isinstance(value, dict) else value
                if isinstance(route, list):
                    # Several routes map the element in turn; the first is its main target.
                    route = route[0] if route else None
                yield name, routes.get(route or "default") or routes["default"], specific, value

    def seen_elsewhere(self, name: str, found: dict[str, Found]) -> bool:
        """A shared table's variable that the samples show on other sheets but not this one.

        Tables shared by all claim types do not say which claim types send a variable; the
        samples do, so such a variable is listed only where it occurs. One that no sample has
        is listed on every sheet its rule applies to.
        """
        if name in found:
            return False
        return any(
            (sheet, name, version) in self.samples.hits
            for sheet in SHEETS
            for version in ("v1", "v2")
            if sheet != self.key
        )

    def table_row(self, here: Placed, name: str, branch: Any, value: Any) -> None:
        rule = here.rule
        key_text = ".".join(str(step[1]) for step in rule.params.get("key_path", ()))
        v1 = f"{SELECTOR.sub('', here.v1 or '')}[{key_text}={VARIABLE_PREFIX}{name}]"
        inner = branch_rule(branch, rule)
        extra = self.rule_extra(inner)
        extra.update(label=self.samples.label(name), is_variable=True)
        coding = value.get("coding") if isinstance(value, dict) else None
        if isinstance(coding, dict) and coding.get("code"):
            extra["carin_slice"] = coding_key(coding)
        if branch.drop is not None:
            extra["note"] = branch.drop
            self.row(name, v1, "", "removed", **extra)
        else:
            v2 = compose(here.base_v2, branch.v2) or ""
            change = inner.change if inner.change not in ("added", "removed") else "moved"
            if change == "same" and plain(v2) != plain(here.v1):
                change = "moved"
            self.row(name, v1, v2, change, **extra)
        self.done.add(name)

    def gap_rows(self) -> None:
        files = {p.rule.origin.file for p in place_rules(self.rmap, self.key)}
        for gap in self.mappings.gaps:
            # A gap belongs to the maps its file contributes rules to, or (a claim-type file
            # that declares only gaps) to the claim type the file is named after.
            if gap.origin.file not in files and Path(gap.origin.file).stem != self.key:
                continue
            if gap.claim_types and self.key not in gap.claim_types:
                continue
            name = variable_name(gap.variable) if gap.variable else None
            if name and name in self.done:
                continue
            self.row(
                name or plain(gap.v2),
                "",
                gap.v2,
                "added",
                is_variable=bool(name),
                label=self.samples.label(name),
                v2_example=(self.samples.example(self.key, name, "v2") if name else "")
                or example_at(self.samples.documents(self.key, "v2"), gap.v2, self.variables),
                note=f"Gap: {gap.reason}",
                rule_id=gap.id,
                origin=str(gap.origin),
                claim_types=tuple(gap.claim_types),
            )
            if name:
                self.done.add(name)

    def v2_only_rows(self) -> None:
        """Variables BB2 v2 emits in the samples that neither v1 nor any rule provides."""
        for name in sorted(self.samples.variables(self.key, "v2") - self.done):
            hit = self.samples.hits[(self.key, name, "v2")]
            self.row(
                name,
                "",
                generic(hit.value_path),
                "added",
                is_variable=True,
                label=self.samples.label(name),
                v2_example=hit.value,
                discriminator=discriminator(hit),
                fhirpath=fhirpath(hit),
                note="BB2 v2 emits this variable (seen in the samples); v1 has no source and no "
                "mapping rule or gap declares it.",
            )
            self.done.add(name)


def _change(v1: str, v2: str, rule: Rule | None) -> str:
    """The rule's change kind, corrected by what the samples show (absent side, moved path)."""
    if v1 and not v2:
        return "removed"
    if v2 and not v1:
        return "added"
    same_place = plain(v1) == plain(v2)
    change = rule.change if rule else "same"
    if change in ("added", "removed"):
        change = "same"
    if change == "same" and not same_place:
        change = "moved"
    return change


def build_tables(
    mappings: str | Path | None = None,
    samples: str | Path | None = None,
    *,
    mapping_set: MappingSet | None = None,
    sample_index: SampleIndex | None = None,
    progress: Callable[[Iterable[str]], Iterable[str]] | None = None,
    variables: str | Path | None = None,
    facts: tuple[VariableFact, ...] | None = None,
) -> ComparisonTables:
    """Build every sheet from the mapping files (default: the project's), the variables facts
    file (default: ``variables.json`` beside the mapping files) and the samples.

    ``progress`` may wrap the iteration over sheet keys (the CLI shows a bar with it).
    """
    if facts is None:
        if variables is None and mappings is not None:
            variables = Path(mappings) / FACTS_FILE
        facts = load_variables(variables)
    mset = mapping_set or (load_mappings(mappings) if mappings else load_mappings())
    index = sample_index if sample_index is not None else load_samples(samples)
    # Labels written in the mapping files win over those read from the samples.
    index = dataclasses.replace(index, labels={**index.labels, **mapping_labels(mset)})
    sheets = {}
    keys: Iterable[str] = list(SHEETS)
    for key in progress(keys) if progress else keys:
        resource = SHEETS[key][1]
        claim_type = key if resource == "ExplanationOfBenefit" else None
        rmap = mset.for_resource(resource, claim_type)
        built = _Sheet(key, rmap, mset, index)
        rows = built.build()
        sheets[key] = SheetJoin(
            key,
            rows,
            [f for f in facts if key in f.sheets],
            facts,
            {version: index.documents(key, version) for version in ("v1", "v2")},
            built.variables,
        ).run()
        sheets[key] = tuple(built.with_profile(row) for row in sheets[key])
    rule_ids = {r.id for rmap in mset.maps.values() for r in rmap.all_rules()}
    return ComparisonTables(
        sheets,
        {"rules": len(rule_ids), "samples": list(index.beneficiaries), "variables": len(facts)},
    )
