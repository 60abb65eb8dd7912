"""The row model of the V1/V2 comparison tables, independent of any output format.

A :class:`ComparisonTables` is an ordered set of sheets (Patient, Coverage, then the eight claim
types), each a list of :class:`TableRow`. The Excel, CSV and Markdown writers all render this
model, so the three formats cannot disagree with each other.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# Sheet key -> (sheet title, FHIR resource). Keys are the claim-type names the mapping model uses.
SHEETS: dict[str, tuple[str, str]] = {
    "patient": ("Patient", "Patient"),
    "coverage": ("Coverage", "Coverage"),
    "carrier": ("Carrier", "ExplanationOfBenefit"),
    "dme": ("DME", "ExplanationOfBenefit"),
    "hha": ("HHA", "ExplanationOfBenefit"),
    "hospice": ("Hospice", "ExplanationOfBenefit"),
    "inpatient": ("Inpatient", "ExplanationOfBenefit"),
    "outpatient": ("Outpatient", "ExplanationOfBenefit"),
    "pde": ("PDE", "ExplanationOfBenefit"),
    "snf": ("SNF", "ExplanationOfBenefit"),
}
CLAIM_TYPES: tuple[str, ...] = tuple(
    key for key, (_, resource) in SHEETS.items() if resource == "ExplanationOfBenefit"
)

# Mapping-model change kind -> the words the tables show.
CHANGE_LABELS: dict[str, str] = {
    "same": "same",
    "moved": "moved",
    "recoded": "recoded",
    "added": "added in v2",
    "removed": "removed in v2",
}
CHANGES: tuple[str, ...] = tuple(CHANGE_LABELS)


@dataclass(frozen=True)
class Column:
    header: str
    attr: str
    width: float  # in Excel character units
    wrap: bool = False


# The first eight headers are fixed by the issue; the rest help an author trace a row to its rule.
COLUMNS: tuple[Column, ...] = (
    Column("Variable", "variable", 28),
    Column("Label", "label", 30, wrap=True),
    Column("V1 (STU3) element", "v1_element", 42, wrap=True),
    Column("V2 (R4) element", "v2_element", 42, wrap=True),
    Column("Change", "change_label", 13),
    Column("V1 example", "v1_example", 26, wrap=True),
    Column("V2 example", "v2_example", 26, wrap=True),
    Column("Note", "note", 48, wrap=True),
    Column("V2 FHIRPath", "fhirpath", 48),
    Column("Discriminator", "discriminator", 36),
    Column("CARIN slice", "carin_slice", 30),
    Column("CARIN profile", "profile", 30),
    Column("Claim types", "claim_types_text", 16, wrap=True),
    Column("Rule id", "rule_id", 24),
    Column("Mapping file:line", "origin", 30),
)
HEADERS: tuple[str, ...] = tuple(column.header for column in COLUMNS)


@dataclass(frozen=True)
class TableRow:
    """One comparison row: a BB2 variable (or a structural FHIR element) on one sheet."""

    variable: str
    v1_element: str
    v2_element: str
    change: str
    label: str = ""
    v1_example: str = ""
    v2_example: str = ""
    note: str = ""
    fhirpath: str = ""
    discriminator: str = ""
    carin_slice: str = ""
    profile: str = ""
    profile_url: str = ""
    claim_types: tuple[str, ...] = ()
    rule_id: str = ""
    origin: str = ""
    is_variable: bool = False  # a BB2 variable row (else a structural FHIR element row)

    def __post_init__(self) -> None:
        if self.change not in CHANGE_LABELS:
            raise ValueError(f"unknown change kind {self.change!r} for {self.variable!r}")

    @property
    def change_label(self) -> str:
        return CHANGE_LABELS[self.change]

    @property
    def claim_types_text(self) -> str:
        return ", ".join(self.claim_types)

    def cells(self) -> list[str]:
        """The row's cell texts, in :data:`COLUMNS` order."""
        return [str(getattr(self, column.attr)) for column in COLUMNS]


@dataclass(frozen=True)
class ComparisonTables:
    """All sheets, in :data:`SHEETS` order, plus where the content came from."""

    sheets: dict[str, tuple[TableRow, ...]]
    sources: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.sheets) - set(SHEETS)
        if unknown:
            raise ValueError(f"unknown sheet(s): {sorted(unknown)}")

    def ordered(self) -> list[tuple[str, tuple[TableRow, ...]]]:
        return [(key, self.sheets.get(key, ())) for key in SHEETS]

    def counts(self) -> dict[str, dict[str, int]]:
        """Rows per sheet and change kind (every kind present, zeros included)."""
        result: dict[str, dict[str, int]] = {}
        for key, rows in self.ordered():
            tally = Counter(row.change for row in rows)
            result[key] = {change: tally.get(change, 0) for change in CHANGES}
        return result

    def summary(self) -> dict[str, Any]:
        """Counts in a JSON-friendly shape (used by ``--json`` and the Summary sheet)."""
        counts = self.counts()
        totals = {change: sum(c[change] for c in counts.values()) for change in CHANGES}
        return {
            "sheets": {
                key: {"title": SHEETS[key][0], "rows": sum(c.values()), "changes": c}
                for key, c in counts.items()
            },
            "rows": sum(totals.values()),
            "changes": totals,
        }
