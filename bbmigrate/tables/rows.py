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
    meaning: str = ""  # what the column holds (the workbook's Column definitions sheet)


# The public view: exactly these columns, in this order. LibreOffice renders one width unit as
# about 7.3 pt, so 123 units fit a landscape Letter page (0.3 in margins) at a scale of about 0.84:
# 10 pt cell text prints at 8.4 pt (measured on the rendered PDF, see docs/tables.md).
COLUMNS: tuple[Column, ...] = (
    Column(
        "Variable",
        "display_name",
        13,
        wrap=True,
        meaning="The BFD column name of the variable (the URL name in "
        ".../resources/variables/<name> follows when it differs), or the FHIR element for "
        "structural rows (use, meta.profile...).",
    ),
    Column("Label", "label", 11, wrap=True, meaning="The variable's name in BFD's dictionary."),
    Column(
        "V1 (STU3) element",
        "v1_element",
        14,
        wrap=True,
        meaning="Where v1 (FHIR STU3) puts the value, in the data dictionary's notation "
        "([N] = any element of a list).",
    ),
    Column(
        "V1 discriminator",
        "v1_discriminator",
        14,
        wrap=True,
        meaning="The condition that picks the v1 list element holding the variable, written from "
        "that element (url = '...', system = '...').",
    ),
    Column(
        "V2 (R4) element",
        "v2_element",
        14,
        wrap=True,
        meaning="Where v2 (FHIR R4 / CARIN Blue Button) puts the value.",
    ),
    Column(
        "V2 discriminator",
        "v2_discriminator",
        14,
        wrap=True,
        meaning="The condition that picks the v2 list element holding the variable.",
    ),
    Column(
        "Change",
        "change_label",
        7,
        wrap=True,
        meaning="same, moved, recoded, added in v2 or removed in v2 (see Summary of changes).",
    ),
    Column(
        "V1 example",
        "v1_example",
        9,
        wrap=True,
        meaning="A value from our synthetic v1 samples (blank: the samples lack it).",
    ),
    Column(
        "V2 example",
        "v2_example",
        9,
        wrap=True,
        meaning="A value from our synthetic v2 samples.",
    ),
    Column(
        "Note",
        "note",
        18,
        wrap=True,
        meaning="What a migrating client must do, in bbmigrate's words (a mapping rule's note, "
        "or a sentence written from the change).",
    ),
)
HEADERS: tuple[str, ...] = tuple(column.header for column in COLUMNS)

# The internal columns, on the workbook's Rules sheet (keyed by Sheet and Variable).
RULE_COLUMNS: tuple[Column, ...] = (
    Column("Variable", "display_name", 28, meaning="The row's Variable, as on its sheet."),
    Column("Section", "section", 16, meaning="The resource section the row is grouped under."),
    Column("V2 FHIRPath", "fhirpath", 48, meaning="A FHIRPath selecting the v2 value."),
    Column(
        "CARIN slice",
        "carin_slice",
        28,
        meaning="The CARIN/HL7 category code v2 adds beside the BB one, naming the profile slice.",
    ),
    Column(
        "CARIN profile",
        "profile",
        28,
        meaning="The C4BB profile of the sheet, linked to the element's definition.",
    ),
    Column("Claim types", "claim_types_text", 16, meaning="Claim types the rule is limited to."),
    Column("Rule id", "rule_id", 28, meaning="The mapping rule (or gap) that handles the row."),
    Column("Mapping file:line", "origin", 28, meaning="Where that rule is written in mappings/."),
    Column(
        "Source",
        "source",
        22,
        meaning="Where the row's elements come from: the mapping rules (checked on the samples) "
        "or the variables facts file (mappings/variables.json) when no rule names the variable.",
    ),
    Column("Dictionary id", "dictionary_id_text", 10, meaning="The variable's BFD dictionary id."),
)
RULE_HEADERS: tuple[str, ...] = ("Sheet", *(c.header for c in RULE_COLUMNS))


@dataclass(frozen=True)
class TableRow:
    """One comparison row: a BB2 variable (or a structural FHIR element) on one sheet."""

    variable: str  # the mapper's key: a variable URL name, or the element of a structural row
    v1_element: str
    v2_element: str
    change: str
    label: str = ""
    v1_example: str = ""
    v2_example: str = ""
    note: str = ""
    fhirpath: str = ""
    discriminator: str = ""  # the sample's full-path discriminator (input to the readable ones)
    carin_slice: str = ""
    profile: str = ""
    profile_url: str = ""
    claim_types: tuple[str, ...] = ()
    rule_id: str = ""
    origin: str = ""
    is_variable: bool = False  # a BB2 variable row (else a structural FHIR element row)
    v1_discriminator: str = ""
    v2_discriminator: str = ""
    section: str = "header"
    column: str = ""  # BFD column name (bfdColumnName), when the dictionary knows the variable
    url_name: str = ""  # the variable's URL name, when it has one
    dictionary_id: int | None = None
    source: str = "mapping rules"
    shown_as: str = ""  # the Variable text, when it needs telling apart from a namesake

    def __post_init__(self) -> None:
        if self.change not in CHANGE_LABELS:
            raise ValueError(f"unknown change kind {self.change!r} for {self.variable!r}")

    @property
    def change_label(self) -> str:
        return CHANGE_LABELS[self.change]

    @property
    def claim_types_text(self) -> str:
        return ", ".join(self.claim_types)

    @property
    def dictionary_id_text(self) -> str:
        return "" if self.dictionary_id is None else str(self.dictionary_id)

    @property
    def display_name(self) -> str:
        """``column (URL: name)`` when the two differ, else the one name the row has."""
        if self.shown_as:
            return self.shown_as
        name = self.column or self.variable
        if self.url_name and self.url_name != name:
            return f"{name} (URL: {self.url_name})"
        return name

    def cells(self) -> list[str]:
        """The row's public cell texts, in :data:`COLUMNS` order."""
        return [str(getattr(self, column.attr)) for column in COLUMNS]

    def rule_cells(self) -> list[str]:
        """The row's internal cell texts, in :data:`RULE_COLUMNS` order."""
        return [str(getattr(self, column.attr)) for column in RULE_COLUMNS]


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
