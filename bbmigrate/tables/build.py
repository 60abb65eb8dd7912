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

Labels come from the codebook displays in the samples (see :mod:`.sample_values`), examples from
the sample v1 and v2 resources.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..mapping import load_mappings, map_with_provenance
from .elements import discriminator, example_at, fhirpath, generic
from .examples import SampleIndex, load_samples
from .links import element_page, profile_name
from .rows import SHEETS, ComparisonTables, TableRow
from .sample_values import (
    VARIABLE_PREFIX,
    VariableHit,
    coding_key,
    find_variables,
    variable_name,
)

_SELECTOR = re.compile(r"\[[^\]]*\]")


def _compose(base: str | None, path: str | None) -> str | None:
    """A nested rule's path as a reader sees it: relative paths joined to the parent's."""
    if not path:
        return None
    if path == "@":
        return base
    if path.startswith("/"):
        return path[1:]
    return f"{base}.{path}" if base else path


def _plain(path: str | None) -> str:
    return _SELECTOR.sub("", path or "").strip(".")


@dataclass
class _Placed:
    """Where a rule sits for a reader: its composed v1/v2 paths and its nesting depth."""

    rule: Any
    v1: str | None
    v2: str | None
    depth: int
    base_v2: str | None = None  # the element the parent builds into


@dataclass
class _Found:
    """One variable as the mapper handles it in the samples."""

    variable: str
    v1: VariableHit | None = None
    v2: VariableHit | None = None  # in the mapped output
    rule_id: str | None = None
    v2_leaf: str | None = None  # where provenance says the v1 value went
    v1_leaf: str | None = None  # where provenance says an unmarked v2 value came from
    v1_value: str = ""  # the value at v1_leaf
    v2_value: str = ""  # the value at v2_leaf in the mapped output


@dataclass
class _Sheet:
    key: str
    rmap: Any
    mappings: Any
    samples: SampleIndex
    rows: list[TableRow] = field(default_factory=list)
    done: set[str] = field(default_factory=set)

    @property
    def resource(self) -> str:
        return SHEETS[self.key][1]

    # -- the rule tree ------------------------------------------------------------------------
    def placed(self) -> list[_Placed]:
        out: list[_Placed] = []

        def visit(rule: Any, v1: str | None, v2: str | None, depth: int) -> None:
            if rule.claim_types and self.key not in rule.claim_types:
                return
            target = _compose(v2, rule.v2)
            if target is None and rule.params.get("routes"):
                # A route has no target of its own: show where its branches put things.
                branches = [_compose(v2, b.v2) for b in rule.params["routes"].values()]
                target = " or ".join(dict.fromkeys(b for b in branches if b)) or None
            here = _Placed(rule, _compose(v1, rule.v1), target, depth, v2)
            out.append(here)
            for child in rule.rules:
                visit(child, here.v1, here.v2 or v2, depth + 1)
            for branch in rule.params.get("routes", {}).values():
                for child in branch.rules:
                    visit(child, here.v1, _compose(v2, branch.v2), depth + 1)

        for rule in self.rmap.rules if self.rmap else ():
            visit(rule, None, None, 0)
        return out

    # -- running the mapper on the samples ----------------------------------------------------
    def found(self, map_with_provenance) -> dict[str, _Found]:
        found: dict[str, _Found] = {}
        for document in self.samples.documents(self.key, "v1"):
            mapped, records = map_with_provenance(document, mappings=self.mappings)
            by_v1: dict[str, str] = {}
            went: dict[str, str] = {}
            came: dict[str, Any] = {}
            for r in records:
                if r.v1_path and (r.v2_path or r.v1_path not in by_v1):
                    # A rule that carried the leaf over beats one that only dropped a parent.
                    by_v1[r.v1_path] = r.rule_id
                if r.v1_path and r.v2_path:
                    went[r.v1_path] = r.v2_path
                    came.setdefault(r.v2_path, r)
            made = [r for r in records if r.v1_path is None and r.v2_path]
            mine = {}
            for hit in find_variables(document):
                entry = mine.setdefault(hit.variable, _Found(hit.variable))
                entry.v1 = entry.v1 or hit
            for hit in find_variables(mapped):
                entry = mine.setdefault(hit.variable, _Found(hit.variable))
                entry.v2 = entry.v2 or hit
            for name, entry in mine.items():
                entry.rule_id = _rule_for(entry, by_v1, made)
                entry.v2_leaf = went.get(entry.v1.value_path) if entry.v1 else None
                if entry.v2_leaf and not entry.v2:
                    entry.v2_value = example_at([mapped], entry.v2_leaf)
                source = came.get(entry.v2.value_path) if entry.v2 and not entry.v1 else None
                if source is not None:
                    # v1 has the value without a variable marker (totalCost, quantity...):
                    # provenance says where it came from.
                    entry.rule_id, entry.v1_leaf = source.rule_id, source.v1_path
                    entry.v1_value = example_at([document], source.v1_path)
                known = found.get(name)
                # Prefer an occurrence the mapper carried through, then one with a rule.
                if known is None or _score(entry) > _score(known):
                    found[name] = entry
        return found

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

    def rule_extra(self, rule: Any) -> dict[str, Any]:
        return {
            "note": rule.note + (" (BFD quirk)" if getattr(rule, "quirk", False) else ""),
            "rule_id": rule.id,
            "origin": str(rule.origin),
            "claim_types": tuple(rule.claim_types),
        }

    def variable_row(self, found: _Found, rule: Any | None, fallback: tuple[str, str]) -> None:
        name = found.variable
        v1, v2 = found.v1, found.v2
        v1_text = generic(v1.value_path) if v1 else generic(found.v1_leaf or "") or fallback[0]
        v2_text = generic(v2.value_path) if v2 else generic(found.v2_leaf or "") or fallback[1]
        extra = self.rule_extra(rule) if rule else {}
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

    def build(self, map_with_provenance) -> tuple[TableRow, ...]:
        placed = self.placed()
        by_id = {p.rule.id: p for p in placed}
        found = self.found(map_with_provenance) if self.rmap else {}
        attached: dict[str, list[_Found]] = {}
        for entry in found.values():
            attached.setdefault(entry.rule_id or "", []).append(entry)
        for here in placed:
            rule = here.rule
            name = variable_name(rule.variable) if rule.variable else None
            if name and name in self.done:
                pass
            elif name and name in found:
                self.variable_row(found[name], rule, (here.v1 or "", here.v2 or ""))
            elif name:
                self.rule_row(here, variable=name)
            elif _worth_a_row(here):
                self.rule_row(here)
            for entry in attached.get(rule.id, ()):
                if entry.variable not in self.done:
                    self.variable_row(entry, rule, (here.v1 or "", here.v2 or ""))
            for name, branch, specific, value in self.table_keys(here):
                if name in self.done:
                    continue
                if name in found:
                    owner = by_id.get(found[name].rule_id or "")
                    self.variable_row(
                        found[name], owner.rule if owner else _branch_rule(branch, rule), ("", "")
                    )
                elif specific or not self.seen_elsewhere(name, found):
                    self.table_row(here, name, branch, value)
        for entry in found.values():
            if entry.variable not in self.done:
                owner = by_id.get(entry.rule_id or "")
                self.variable_row(entry, owner.rule if owner else None, ("", ""))
        self.gap_rows()
        self.v2_only_rows()
        return tuple(self.rows)

    def rule_row(self, here: _Placed, variable: str | None = None) -> None:
        rule = here.rule
        change = rule.change
        element = here.v2 if change != "removed" else here.v1
        extra = self.rule_extra(rule)
        v1_docs = self.samples.documents(self.key, "v1")
        v2_docs = self.samples.documents(self.key, "v2")
        extra.update(
            v1_example=example_at(v1_docs, here.v1, self.variables) if here.v1 else "",
            v2_example=example_at(v2_docs, here.v2, self.variables)
            if here.v2 and change != "removed"
            else "",
        )
        if variable:
            extra.update(label=self.samples.label(variable), is_variable=True)
        v2 = here.v2 if change != "removed" else ""
        self.row(variable or _plain(element) or rule.id, here.v1 or "", v2 or "", change, **extra)
        if variable:
            self.done.add(variable)

    def table_keys(self, here: _Placed) -> Iterator[tuple[str, Any, bool, Any]]:
        """(variable, route, claim-type specific?, table row) per variable-URL key of a route's
        table."""
        rule = here.rule
        if rule.op != "route" or "table" not in rule.params:
            return
        routes = rule.params["routes"]
        rows: dict[str, tuple[Any, bool]] = {}
        for table, specific in _tables(rule.params["table"], self.rmap, self.mappings):
            for key, value in table.rows.items():
                rows.setdefault(key, (value, specific))
        for key, (value, specific) in rows.items():
            name = variable_name(key)
            if not name:
                continue
            route = value.get("route", "default") if isinstance(value, dict) else value
            # A row may send a variable down several routes at once (a list of route names).
            for one in route if isinstance(route, list) else [route]:
                yield name, routes.get(one or "default") or routes["default"], specific, value

    def seen_elsewhere(self, name: str, found: dict[str, _Found]) -> bool:
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

    def table_row(self, here: _Placed, name: str, branch: Any, value: Any) -> None:
        rule = here.rule
        key_text = ".".join(str(step[1]) for step in rule.params.get("key_path", ()))
        v1 = f"{_SELECTOR.sub('', here.v1 or '')}[{key_text}={VARIABLE_PREFIX}{name}]"
        inner = _branch_rule(branch, rule)
        extra = self.rule_extra(inner)
        extra.update(label=self.samples.label(name), is_variable=True)
        coding = value.get("coding") if isinstance(value, dict) else None
        if isinstance(coding, dict) and coding.get("code"):
            extra["carin_slice"] = coding_key(coding)
        if branch.drop is not None:
            extra["note"] = branch.drop
            self.row(name, v1, "", "removed", **extra)
        else:
            v2 = _compose(here.base_v2, branch.v2) or ""
            change = inner.change if inner.change not in ("added", "removed") else "moved"
            if change == "same" and _plain(v2) != _plain(here.v1):
                change = "moved"
            self.row(name, v1, v2, change, **extra)
        self.done.add(name)

    def gap_rows(self) -> None:
        files = {p.rule.origin.file for p in self.placed()}
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
                name or _plain(gap.v2),
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


def _codings(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _codings(child)
    elif isinstance(value, list | tuple):
        for child in value:
            yield from _codings(child)


def mapping_labels(mappings: Any) -> dict[str, str]:
    """Variable labels the mapping files state: a ``label``/``display`` on a code-table row keyed
    by the variable URL, or a constant coding whose code is the variable URL."""
    labels: dict[str, str] = {}
    for table in mappings.tables.values():
        for key, row in table.rows.items():
            name = variable_name(key)
            text = (row.get("label") or row.get("display")) if isinstance(row, dict) else None
            if name and isinstance(text, str) and "${" not in text:
                labels.setdefault(name, text)
    for rmap in mappings.maps.values():
        for rule in rmap.all_rules():
            for node in _codings(rule.params.get("value")):
                name = variable_name(node.get("code"))
                text = node.get("display")
                if name and isinstance(text, str) and "${" not in text:
                    labels.setdefault(name, text)
    return labels


def _score(entry: _Found) -> int:
    return 2 * bool(entry.v1 and entry.v2) + bool(entry.rule_id)


def _rule_for(entry: _Found, by_v1: dict[str, str], made: list[Any]) -> str | None:
    if entry.v1:
        if entry.v1.value_path in by_v1:
            return by_v1[entry.v1.value_path]
        prefix = entry.v1.path + "."
        for path, rule_id in by_v1.items():
            if path.startswith(prefix) or path == entry.v1.path:
                return rule_id
    if entry.v2:
        for record in made:
            if record.v2_path == entry.v2.path or record.v2_path.startswith(entry.v2.path + "."):
                return record.rule_id
    return None


def _change(v1: str, v2: str, rule: Any | None) -> str:
    """The rule's change kind, corrected by what the samples show (absent side, moved path)."""
    if v1 and not v2:
        return "removed"
    if v2 and not v1:
        return "added"
    same_place = _plain(v1) == _plain(v2)
    change = rule.change if rule else "same"
    if change in ("added", "removed"):
        change = "same"
    if change == "same" and not same_place:
        change = "moved"
    return change


def _worth_a_row(here: _Placed) -> bool:
    """Top-level rules always; nested ones only when they say more than 'copy it as is'."""
    rule = here.rule
    if here.depth == 0:
        return True
    return not (rule.v1 in (None, "@") and rule.v2 in (None, "@")) or rule.op == "constant"


def _branch_rule(branch: Any, rule: Any) -> Any:
    return branch.rules[0] if branch.rules else rule


def _tables(names: Any, rmap: Any, mappings: Any) -> Iterator[tuple[Any, bool]]:
    """The code tables a rule names, each with whether it is specific to the claim type."""
    for name in names if isinstance(names, list) else [names]:
        specific = "${" in name
        for var, value in (rmap.variables if rmap else {}).items():
            name = name.replace("${" + var + "}", str(value))
        table = mappings.tables.get(name)
        if table is not None:
            yield table, specific


def build_tables(
    mappings: str | Path | None = None,
    samples: str | Path | None = None,
    *,
    mapping_set: Any = None,
    sample_index: SampleIndex | None = None,
    progress: Callable[[Iterable[str]], Iterable[str]] | None = None,
) -> ComparisonTables:
    """Build every sheet from the mapping files (default: the project's) and the samples.

    ``progress`` may wrap the iteration over sheet keys (the CLI shows a bar with it).
    """
    mset = mapping_set or (load_mappings(mappings) if mappings else load_mappings())
    index = sample_index if sample_index is not None else load_samples(samples)
    # Labels written in the mapping files win over those read from the samples.
    index = dataclasses.replace(index, labels={**index.labels, **mapping_labels(mset)})
    run = map_with_provenance
    sheets = {}
    keys: Iterable[str] = list(SHEETS)
    for key in progress(keys) if progress else keys:
        resource = SHEETS[key][1]
        claim_type = key if resource == "ExplanationOfBenefit" else None
        rmap = mset.for_resource(resource, claim_type)
        sheets[key] = _Sheet(key, rmap, mset, index).build(run)
    rule_ids = {r.id for rmap in mset.maps.values() for r in rmap.all_rules()}
    return ComparisonTables(sheets, {"rules": len(rule_ids), "samples": list(index.beneficiaries)})
