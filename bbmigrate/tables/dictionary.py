"""Read BFD's data dictionary and measure how far our V2 elements agree with it.

The dictionary (``data-dictionary/data/V1|V2/*.json``, one file per variable) is the reference a
test and ``bbmigrate tables --dictionary`` check the tables against; the tables themselves never
read it, so a user's clone without the reference produces the same workbook.

Joining is by the BB2 variable name as it appears in ``.../resources/variables/<name>`` URLs: the
dictionary's own ``bfdColumnName`` differs from the URL name for about 150 variables (``race`` vs
``bene_race_cd``, ``ptdcntrct01`` vs ``ptd_cntrct_id_01``...), so each entry is known by the URL
names in its discriminators and, failing those, by its file name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..jsonio import read_json
from .rows import CLAIM_TYPES, TableRow

_URL_NAME = re.compile(r"resources/variables/([A-Za-z0-9_]+)")
_APPLIES_TO = {
    "carrier": "carrier",
    "dme": "dme",
    "hha": "hha",
    "hospice": "hospice",
    "inpatient": "inpatient",
    "outpatient": "outpatient",
    "pde": "pde",
    "snf": "snf",
}
# The dictionary's element strings carry typos and prose; these repairs come from reading all
# 1,257 of them (see notes §C "Machine-readability").
_TYPOS = (("extention", "extension"), ("Extension", "extension"))
_ALTERNATIVES = re.compile(r"\s*(?:;|\bAND\b|\bOR\b|\band\b|\bor\b)\s*")
_BRACKETS = re.compile(r"\[[^\]]*\]")
_RESOURCE_PREFIX = re.compile(
    r"^(?:eob|ExplanationOfBenefit|Patient|Coverage|patient|coverage)\.(?=[a-z])"
)


@dataclass(frozen=True)
class DictionaryEntry:
    """One dictionary variable with both versions' mapping."""

    id: int
    stem: str  # the file name without its number: a unique name per entry
    label: str
    sheets: tuple[str, ...]  # the comparison sheets this variable belongs on
    names: tuple[str, ...]  # BB2 variable names it is known by (URL names, else the stem)
    bb2: bool
    v1_element: str
    v2_element: str
    v2_fhirpath: str = ""
    v2_discriminator: tuple[str, ...] = ()
    by_url: bool = False  # known by a variables/<name> URL (so it is visible in the data)


def normalise_element(text: str) -> frozenset[str]:
    """The set of plain dotted paths an element string denotes.

    ``[N]`` indexes and ``[url=...]`` discriminators are removed, typos repaired, alternatives
    joined by ``;``/AND/OR split, and a leading resource name dropped, so
    ``eob.careTeam[N]provider.identifier[N].value`` becomes ``careTeam.provider.identifier.value``.
    """
    text = text or ""
    for wrong, right in _TYPOS:
        text = text.replace(wrong, right)
    text = re.sub(r"\](?=[A-Za-z])", "].", text)  # careTeam[N]provider -> careTeam[N].provider
    paths = set()
    for part in _ALTERNATIVES.split(_BRACKETS.sub("", text)):
        part = part.strip().strip(".").replace(" ", "")
        part = _RESOURCE_PREFIX.sub("", part)
        if part and re.fullmatch(r"[A-Za-z0-9_.\[\]]+", part):
            paths.add(part)
    return frozenset(paths)


def _sheets(resource: str, applies_to: Iterable[str]) -> tuple[str, ...]:
    if resource in ("Patient", "Coverage"):
        return (resource.lower(),)
    if resource == "ExplanationOfBenefit":
        found = [_APPLIES_TO.get(a.strip().lower()) for a in applies_to]
        return tuple(s for s in CLAIM_TYPES if s in found)
    return ()


def _mapping(doc: dict, where: Path) -> dict:
    try:
        return doc["fhirMapping"][0]
    except (KeyError, IndexError, TypeError):
        raise InputError("no fhirMapping[0]", where=str(where)) from None


def read_dictionary(root: str | Path) -> list[DictionaryEntry]:
    """Read ``root/data/V1`` and ``root/data/V2`` (``root`` is the ``data-dictionary`` folder)."""
    from .variables import read_checked

    base = Path(root)
    # Every file is read and type-checked before any entry is built: one bad file is one error.
    read_checked(base)
    v2_dir, v1_dir = base / "data" / "V2", base / "data" / "V1"
    entries = []
    for v2_path in sorted(v2_dir.glob("*.json")):
        v1_path = v1_dir / v2_path.name
        try:
            entries.append(_entry(v2_path, v1_path))
        except (AttributeError, TypeError, ValueError) as exc:
            # a field of the wrong type (a list where an object belongs, an id that is not a
            # number): one line naming the file, like any other bad input
            raise InputError(f"unexpected field type: {exc}", where=str(v2_path)) from None
    return entries


def _entry(v2_path: Path, v1_path: Path) -> DictionaryEntry:
    """One dictionary variable from its V2 file and (when there is one) its V1 file."""
    v2_doc = read_json(v2_path)
    v1_doc = read_json(v1_path) if v1_path.is_file() else {"fhirMapping": [{}]}
    v2, v1 = _mapping(v2_doc, v2_path), _mapping(v1_doc, v1_path)
    stem = v2_path.stem.split("_", 1)[-1]
    urls = " ".join([*(v2.get("discriminator") or ()), *(v1.get("discriminator") or ())])
    url_names = tuple(dict.fromkeys(_URL_NAME.findall(urls)))
    names = url_names or (stem,)
    resource = v2.get("resource") or v1.get("resource") or ""
    return DictionaryEntry(
        id=int(v2_doc.get("id", 0)),
        stem=stem,
        label=str(v2_doc.get("name") or ""),
        sheets=_sheets(resource, v2_doc.get("appliesTo") or ()),
        names=names if stem in names else (*names, stem),
        bb2="BB2" in (v2_doc.get("suppliedIn") or ()),
        v1_element=str(v1.get("element") or ""),
        v2_element=str(v2.get("element") or ""),
        v2_fhirpath=str(v2.get("fhirPath") or ""),
        v2_discriminator=tuple(d for d in v2.get("discriminator") or () if d),
        by_url=bool(url_names),
    )


@dataclass(frozen=True)
class Comparison:
    sheet: str
    variable: str
    ours: str
    theirs: str
    dictionary_id: int
    agrees: bool
    rule_id: str = ""
    how: str = ""  # "same" path, or our path is the "container" of the dictionary's leaf


@dataclass
class Agreement:
    """Our V2 element against the dictionary's, wherever both map the same variable."""

    compared: list[Comparison] = field(default_factory=list)
    only_ours: list[tuple[str, str]] = field(default_factory=list)  # (sheet, variable)
    only_dictionary: list[tuple[str, str]] = field(default_factory=list)

    @property
    def agreed(self) -> int:
        return sum(c.agrees for c in self.compared)

    @property
    def ratio(self) -> float:
        return self.agreed / len(self.compared) if self.compared else 0.0

    @property
    def disagreements(self) -> list[Comparison]:
        return [c for c in self.compared if not c.agrees]

    def as_dict(self) -> dict:
        return {
            "compared": len(self.compared),
            "agreed": self.agreed,
            "agreed_as_container": sum(c.how == "container" for c in self.compared),
            "ratio": round(self.ratio, 4),
            "disagreements": [c.__dict__ for c in self.disagreements],
            "only_ours": [list(pair) for pair in self.only_ours],
            "only_dictionary": [list(pair) for pair in self.only_dictionary],
        }


def agreement_kind(ours: str, theirs: str) -> str:
    """ "same" when a path ``ours`` denotes equals one of ``theirs`` after normalisation,
    "container" when one path contains the other (``payment`` and ``payment.amount.value``: a
    rule moving a whole element vs the dictionary naming its leaf), else ""."""
    mine = {p.lower() for p in normalise_element(ours)}
    other = {p.lower() for p in normalise_element(theirs)}
    if mine & other:
        return "same"
    for a in mine:
        for b in other:
            if b.startswith(a + ".") or a.startswith(b + "."):
                return "container"
    return ""


def elements_agree(ours: str, theirs: str) -> bool:
    """True when our element and the dictionary's denote the same element (or one contains it)."""
    return bool(agreement_kind(ours, theirs))


def compare(sheets: dict[str, Iterable[TableRow]], entries: list[DictionaryEntry]) -> Agreement:
    """Compare every row that names a variable with the dictionary entries for that variable."""
    index: dict[tuple[str, str], list[DictionaryEntry]] = {}
    for entry in entries:
        for sheet in entry.sheets:
            for name in entry.names:
                index.setdefault((sheet, name), []).append(entry)
    result = Agreement()
    seen: set[tuple[str, str]] = set()
    for sheet, rows in sheets.items():
        for row in rows:
            if not row.is_variable or not row.v2_element or row.change == "removed":
                continue
            # Part D contract variables carry the year and month after a slash in their URL
            # (``ptdcntrct01/2024-1``); the dictionary names the variable without them.
            key = (sheet, row.variable.split("/", 1)[0])
            candidates = [e for e in index.get(key, ()) if e.v2_element]
            if not candidates:
                if key not in seen and key not in index:
                    result.only_ours.append(key)
                seen.add(key)
                continue
            seen.add(key)
            # One variable may have several dictionary entries (a period's start and end share
            # the same discriminator URL); agreement with any of them counts.
            match = next(
                (e for e in candidates if elements_agree(row.v2_element, e.v2_element)), None
            )
            best = match or next((e for e in candidates if e.stem == row.variable), candidates[0])
            result.compared.append(
                Comparison(
                    sheet,
                    row.variable,
                    row.v2_element,
                    best.v2_element,
                    best.id,
                    match is not None,
                    row.rule_id,
                    agreement_kind(row.v2_element, best.v2_element),
                )
            )
    for entry in entries:
        if entry.bb2 and entry.by_url and (entry.v1_element or entry.v2_element):
            for sheet in entry.sheets:
                if sheet in sheets and not any((sheet, n) in seen for n in entry.names):
                    result.only_dictionary.append((sheet, entry.names[0]))
    return result
