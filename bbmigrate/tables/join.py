"""Join the mapper's rows with the variables facts file: one row per BFD variable per sheet.

The mapper's rows (rules, the variables the samples show, gaps) know what bbmigrate *does*; the
facts file (``mappings/variables.json``, derived from BFD's dictionary) knows every variable BFD
maps. Here each sheet gets:

- the mapper's rows, with elements and discriminators in readable form, and, where a row stands
  for a dictionary variable (joined on the URL name, else the column name), its column name,
  label and dictionary id;
- a row for every dictionary variable of the sheet that no mapper row stands for, from the
  facts (``source``: the facts file), with examples read from the samples by the dictionary's
  element and discriminators and a note written from the change;
- every row placed in its resource section, sections in reading order.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from .dictionary import elements_agree, normalise_element
from .dictionary_paths import example
from .readable import SECTIONS, readable_path, relative_discriminator, section_of
from .rows import TableRow
from .variables import VariableFact

FACTS_SOURCE = "variables facts file"


def _key(name: str) -> str:
    # Part D contract URLs carry the year and month after a slash (``ptdcntrct01/2024-1``).
    return name.split("/", 1)[0]


def _natural(text: str) -> list[Any]:
    return [int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", text)]


@dataclasses.dataclass
class SheetJoin:
    """The join for one sheet."""

    sheet: str
    rows: tuple[TableRow, ...]
    facts: list[VariableFact]  # the facts of this sheet
    all_facts: Iterable[VariableFact]
    documents: Mapping[str, list[dict[str, Any]]]  # version -> sample resources of the sheet
    variables: Mapping[str, Any]  # the map's vars (prototypes for readable selectors)

    def run(self) -> tuple[TableRow, ...]:
        labels = {}
        for fact in self.all_facts:
            for name in fact.names:
                labels.setdefault(name, fact.label)
        # Joined on the column name first, else on the URL name (as the check joins).
        by_name: dict[str, list[VariableFact]] = {}
        for fact in self.facts:
            if fact.column:
                by_name.setdefault(fact.column, []).append(fact)
        for fact in self.facts:
            if fact.url_name and fact.url_name != fact.column:
                by_name.setdefault(fact.url_name, []).append(fact)
        used: set[int] = set()
        out = []
        for row in self.rows:
            fact = self._match(row, by_name, used)
            if fact is not None:
                used.add(fact.id)
            out.append(self._readable(row, fact, labels))
        for fact in self.facts:
            if fact.id not in used:
                out.append(self._fact_row(fact))
        return _ordered(_distinct(out))

    def _match(
        self, row: TableRow, by_name: dict[str, list[VariableFact]], used: set[int]
    ) -> VariableFact | None:
        candidates: list[VariableFact] = []
        if row.is_variable:
            key = _key(row.variable)
            candidates = [f for f in by_name.get(key, ()) if f.id not in used]
            if not candidates:
                # Last resort: the column name written without underscores (the dictionary's
                # ``rds_ind_01`` is the ``rdsind01`` of BB2's URLs).
                bare = key.replace("_", "")
                candidates = [
                    f
                    for f in self.facts
                    if f.id not in used and f.column and f.column.replace("_", "") == bare
                ]
        if not candidates:
            # A structural row stands for a dictionary entry that has neither a column nor a URL
            # name when both name the same element (``id``, ``meta.lastUpdated``).
            candidates = [
                f for f in self.facts if f.id not in used and not f.names and _same_element(row, f)
            ]
        if not candidates:
            return None
        for fact in candidates:
            if (
                row.v2_element
                and fact.v2.element
                and elements_agree(row.v2_element, fact.v2.element)
            ):
                return fact
        for fact in candidates:
            if (
                row.v1_element
                and fact.v1.element
                and elements_agree(row.v1_element, fact.v1.element)
            ):
                return fact
        return candidates[0]

    def _examples(self, fact: VariableFact) -> tuple[str, str]:
        position = fact.last_position

        def at(element: str) -> str:
            # ``address[N].line[N]`` with position 1 reads ``address[N].line[1]``.
            if position is None or not element.endswith("[N]"):
                return element
            return f"{element[:-3]}[{position}]"

        return (
            example(
                self.documents.get("v1", ()),
                at(fact.v1.element),
                fact.v1.discriminator,
                fact.ordinal,
            ),
            example(
                self.documents.get("v2", ()),
                at(fact.v2.element),
                fact.v2.discriminator,
                fact.ordinal,
            ),
        )

    def _readable(
        self, row: TableRow, fact: VariableFact | None, labels: Mapping[str, str]
    ) -> TableRow:
        v1, v1_conditions = readable_path(row.v1_element, self.variables)
        v2, v2_conditions = readable_path(row.v2_element, self.variables)
        if row.discriminator:
            v2_conditions.append(row.discriminator)
        changes: dict[str, Any] = {
            "v1_element": v1,
            "v2_element": v2,
            "v1_discriminator": relative_discriminator(v1, v1_conditions),
            "v2_discriminator": relative_discriminator(v2, v2_conditions),
            "section": section_of(v2 or v1),
        }
        if fact is not None:
            changes.update(
                column=fact.column,
                url_name=fact.url_name,
                dictionary_id=fact.id,
                label=fact.label,
            )
            # The dictionary's discriminator is the public one wherever our element agrees.
            if v1 and fact.v1.discriminator and elements_agree(v1, fact.v1.element):
                changes["v1_discriminator"] = relative_discriminator(v1, fact.v1.discriminator)
            if v2 and fact.v2.discriminator and elements_agree(v2, fact.v2.element):
                changes["v2_discriminator"] = relative_discriminator(v2, fact.v2.discriminator)
            v1_example, v2_example = self._examples(fact)
            changes["v1_example"] = row.v1_example or (v1_example if v1 else "")
            changes["v2_example"] = row.v2_example or (v2_example if v2 else "")
        elif row.is_variable:
            changes["url_name"] = _key(row.variable)
            changes["label"] = row.label or labels.get(_key(row.variable), "")
        return dataclasses.replace(row, **changes)

    def _fact_row(self, fact: VariableFact) -> TableRow:
        v1, v2 = fact.v1.element, fact.v2.element
        change = _fact_change(fact)
        v1_example, v2_example = self._examples(fact)
        return TableRow(
            variable=fact.column or fact.url_name or v2 or v1,
            v1_element=v1,
            v2_element=v2,
            change=change,
            label=fact.label,
            v1_example=v1_example,
            v2_example=v2_example,
            note=_fact_note(fact, change),
            fhirpath=fact.v2.fhirpath,
            is_variable=True,
            v1_discriminator=relative_discriminator(v1, fact.v1.discriminator),
            v2_discriminator=relative_discriminator(v2, fact.v2.discriminator),
            section=section_of(v2 or v1),
            column=fact.column,
            url_name=fact.url_name,
            dictionary_id=fact.id,
            source=FACTS_SOURCE,
        )


def _same_element(row: TableRow, fact: VariableFact) -> bool:
    """A nameless dictionary entry is the row's when they name the same element (a variable row
    may name the element containing it: ``subType`` for ``subType.coding[N].code``)."""
    ours = row.v2_element or row.v1_element
    theirs = fact.v2.element or fact.v1.element
    if row.is_variable:
        return elements_agree(ours, theirs)
    return bool(normalise_element(theirs) & normalise_element(ours))


def _plain(element: str) -> str:
    return re.sub(r"\[[^\]]*\]", "", element).lower()


def _systems(discriminators: Iterable[str]) -> set[str]:
    return {v for d in discriminators for v in re.findall(r"'([^']*)'", d)}


def _fact_change(fact: VariableFact) -> str:
    """The change a facts-only row shows, from the two versions' element and discriminators."""
    if not fact.v2.element:
        return "removed"
    if not fact.v1.element:
        return "added"
    if _plain(fact.v1.element) != _plain(fact.v2.element):
        return "moved"
    if _systems(fact.v1.discriminator) != _systems(fact.v2.discriminator):
        return "recoded"
    return "same"


def _first_step(element: str) -> str:
    return re.split(r"[.\[]", element, maxsplit=1)[0]


def _fact_note(fact: VariableFact, change: str) -> str:
    """A note in our words: what a client reading this variable from v1 changes for v2."""
    v1, v2 = fact.v1.element, fact.v2.element
    if change == "added":
        return "New in v2: v1 does not send it. Read it from the v2 element if you need it."
    if change == "removed":
        return "Not in v2: stop reading it, v2 does not send it."
    if change == "same":
        return "No change: read it from the same element, selected the same way."
    if change == "recoded":
        return (
            "Same element, selected differently: match the v2 discriminator (its code system "
            "or code changed)."
        )
    if _first_step(v1) != _first_step(v2):
        return (
            f"Moved from {_first_step(v1)} to {_first_step(v2)}: change the element your code "
            "reads and select it by the v2 discriminator."
        )
    return "Moved within the element: change the path your code reads."


def _distinct(rows: list[TableRow]) -> list[TableRow]:
    """Give namesakes on one sheet (``mbi_num`` current and historic) a telling-apart suffix."""
    seen = Counter(r.display_name for r in rows)
    out = []
    for row in rows:
        if seen[row.display_name] > 1 and row.dictionary_id is not None:
            row = dataclasses.replace(
                row, shown_as=f"{row.display_name} (dictionary id {row.dictionary_id})"
            )
        out.append(row)
    return out


def _ordered(rows: list[TableRow]) -> tuple[TableRow, ...]:
    """Rows by section; in a section, structural rows first (rule order), then variables by
    name in natural order (``icd_dgns_cd2`` before ``icd_dgns_cd10``)."""
    rank = {name: i for i, name in enumerate(SECTIONS)}
    indexed = list(enumerate(rows))
    indexed.sort(
        key=lambda pair: (
            rank.get(pair[1].section, 0),
            pair[1].is_variable,
            _natural(pair[1].display_name) if pair[1].is_variable else [pair[0]],
        )
    )
    return tuple(row for _, row in indexed)
