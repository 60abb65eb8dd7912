"""Run the mapper on the samples and see, variable by variable, what it does.

Each sample v1 resource is mapped with provenance. A BB2 variable found in the input (or in the
output) gets the rule that consumed (or produced) its value and the concrete paths of that value
on both sides; provenance also links values that carry no variable marker on one side
(``totalCost`` -> ``total[clm_tot_chrg_amt]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..mapping import MappingSet, Provenance, map_with_provenance
from .elements import example_at
from .sample_values import VariableHit, find_variables


@dataclass
class Found:
    """One variable as the mapper handles it in the samples."""

    variable: str
    v1: VariableHit | None = None
    v2: VariableHit | None = None  # in the mapped output
    rule_id: str | None = None
    v2_leaf: str | None = None  # where provenance says the v1 value went
    v1_leaf: str | None = None  # where provenance says an unmarked v2 value came from
    v1_value: str = ""  # the value at v1_leaf
    v2_value: str = ""  # the value at v2_leaf in the mapped output


def observe(
    documents: list[dict[str, Any]], mappings: MappingSet
) -> tuple[dict[str, Found], list[tuple[dict[str, Any], dict[str, Any]]]]:
    """Map every sample v1 ``document`` with provenance.

    Returns the best occurrence of each variable, and the (sample, mapped) pairs.
    """
    pairs = []
    found: dict[str, Found] = {}
    for document in documents:
        mapped, records = map_with_provenance(document, mappings=mappings)
        pairs.append((document, mapped))
        by_v1: dict[str, str] = {}
        went: dict[str, str] = {}
        came: dict[str, Provenance] = {}
        for r in records:
            if r.v1_path and (r.v2_path or r.v1_path not in by_v1):
                # A rule that carried the leaf over beats one that only dropped a parent.
                by_v1[r.v1_path] = r.rule_id
            if r.v1_path and r.v2_path:
                # The first place a leaf goes is its main target (later routes repeat it).
                went.setdefault(r.v1_path, r.v2_path)
                came.setdefault(r.v2_path, r)
        made = [r for r in records if r.v1_path is None and r.v2_path]
        mine = {}
        for hit in find_variables(document):
            entry = mine.setdefault(hit.variable, Found(hit.variable))
            entry.v1 = entry.v1 or hit
        outputs: dict[str, list[VariableHit]] = {}
        for hit in find_variables(mapped):
            mine.setdefault(hit.variable, Found(hit.variable))
            outputs.setdefault(hit.variable, []).append(hit)
        for name, entry in mine.items():
            hits = outputs.get(name, [])
            target = went.get(entry.v1.value_path) if entry.v1 else None
            # Where the v1 value went, when the output has the variable more than once.
            entry.v2 = next((h for h in hits if h.value_path == target), hits[0] if hits else None)
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
    return found, pairs


def _score(entry: Found) -> int:
    return 2 * bool(entry.v1 and entry.v2) + bool(entry.rule_id)


def _rule_for(entry: Found, by_v1: dict[str, str], made: list[Provenance]) -> str | None:
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
