"""The variables facts file: every BFD variable's names and per-version FHIR paths, as data.

``mappings/variables.json`` is derived by ``scripts/derive_variables.py`` from BFD's CC0 data
dictionary (``data-dictionary/data/V1|V2/*.json``) and committed, so the tables list every
variable without reading the reference data at run time. It holds facts only: the dictionary
id, the BFD column name, the URL name (``.../resources/variables/<name>``), the label (the
variable's name in the dictionary), the sheets it applies to, and per version the element,
its discriminators and (V2) FHIRPath. Descriptions are prose and stay out; the tables' Note
column is our own text.

Reading the dictionary checks the type of every field this module uses in every file before
anything is derived, so a malformed dictionary is one error naming the file and field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..jsonio import read_json
from .rows import CLAIM_TYPES

FACTS_FILE = "variables.json"
VERSIONS = ("V1", "V2")
_RESOURCES = ("Patient", "Coverage", "ExplanationOfBenefit")
_URL_NAME = re.compile(r"resources/variables/([A-Za-z0-9_]+)")
_APPLIES_TO = {name: name for name in CLAIM_TYPES}
# Field -> the JSON types a well-formed dictionary file has there (None: may be null).
_FIELDS: dict[str, tuple[type, ...]] = {
    "id": (int,),
    "name": (str,),
    "appliesTo": (list,),
    "suppliedIn": (list,),
    "bfdColumnName": (str,),
    "fhirMapping": (list,),
}
_MAPPING_FIELDS: dict[str, tuple[type, ...]] = {
    "version": (str,),
    "resource": (str,),
    "element": (str,),
    "fhirPath": (str,),
    "discriminator": (list,),
}


@dataclass(frozen=True)
class VersionFacts:
    """Where one version of the API puts a variable (empty element: this version lacks it)."""

    element: str = ""
    discriminator: tuple[str, ...] = ()
    fhirpath: str = ""


@dataclass(frozen=True)
class VariableFact:
    """One BFD data-dictionary variable."""

    id: int
    column: str  # bfdColumnName ("" for some structural entries)
    url_name: str  # the name in its .../resources/variables/<name> URL ("" when none)
    label: str
    resource: str
    sheets: tuple[str, ...]
    v1: VersionFacts
    v2: VersionFacts

    @property
    def names(self) -> tuple[str, ...]:
        """Names a table row may carry for this variable: URL name, then column name."""
        return tuple(dict.fromkeys(n for n in (self.url_name, self.column) if n))

    @property
    def ordinal(self) -> int | None:
        """For a numbered variable among siblings at the same element (``icd_dgns_cd21``), the
        1-based position the V2 FHIRPath selects (``...)[20]``), else None."""
        match = re.search(r"\)\[(\d+)\]", self.v2.fhirpath)
        return int(match.group(1)) + 1 if match else None

    @property
    def last_position(self) -> int | None:
        """The index the V2 FHIRPath gives the element's last list (``address[%n].line[1]``:
        the second address line), else None."""
        match = re.search(r"\.\w+\[(\d+)\]$", self.v2.fhirpath)
        return int(match.group(1)) if match else None


# -- reading and checking the dictionary ----------------------------------------------------------
def _check(doc: Any, path: Path) -> dict[str, Any]:
    """``doc`` when every field the facts use has its expected type, else a one-line error."""
    if not isinstance(doc, dict):
        raise InputError("expected a JSON object", where=str(path))
    for key, types in _FIELDS.items():
        if key not in doc or not isinstance(doc[key], types) or isinstance(doc[key], bool):
            raise InputError(f"field {key!r} must be {types[0].__name__}", where=str(path))
    for key in ("appliesTo", "suppliedIn"):
        if not all(isinstance(v, str) for v in doc[key]):
            raise InputError(f"field {key!r} must be a list of strings", where=str(path))
    for number, mapping in enumerate(doc["fhirMapping"]):
        if not isinstance(mapping, dict):
            raise InputError(f"fhirMapping[{number}] must be an object", where=str(path))
        for key, types in _MAPPING_FIELDS.items():
            if key in mapping and not isinstance(mapping[key], types):
                raise InputError(
                    f"field 'fhirMapping[{number}].{key}' must be {types[0].__name__}",
                    where=str(path),
                )
        if not all(isinstance(v, str) for v in mapping.get("discriminator") or ()):
            raise InputError(
                f"field 'fhirMapping[{number}].discriminator' must be a list of strings",
                where=str(path),
            )
    return doc


def read_checked(root: str | Path) -> dict[str, dict[int, tuple[dict[str, Any], Path]]]:
    """Every file of ``root/data/V1`` and ``root/data/V2``, checked: version -> id -> (doc, path).

    ``root`` is the ``data-dictionary`` folder. All files are read and checked before returning,
    so a caller can refuse a bad dictionary before writing anything.
    """
    base = Path(root)
    result: dict[str, dict[int, tuple[dict[str, Any], Path]]] = {}
    for version in reversed(VERSIONS):  # V2 first: every dictionary has it
        folder = base / "data" / version
        if not folder.is_dir():
            raise InputError(
                f"no data/{version} folder: not a BFD data dictionary", where=str(base)
            )
        docs: dict[int, tuple[dict[str, Any], Path]] = {}
        for path in sorted(folder.glob("*.json")):
            doc = _check(read_json(path), path)
            if doc["id"] in docs:
                raise InputError(f"duplicate id {doc['id']}", where=str(path))
            docs[doc["id"]] = (doc, path)
        result[version] = docs
    return result


def _clean(text: str) -> str:
    return " ".join(text.split())


def _version(doc: dict[str, Any] | None) -> tuple[str, VersionFacts]:
    mapping = (doc or {}).get("fhirMapping") or [{}]
    first = mapping[0]
    resource = first.get("resource") or ""
    element = _clean(first.get("element") or "")
    if resource not in _RESOURCES or not element:
        return resource, VersionFacts()
    return resource, VersionFacts(
        element,
        tuple(_clean(d) for d in first.get("discriminator") or () if _clean(d)),
        _clean(first.get("fhirPath") or ""),
    )


def _sheets(resource: str, applies_to: Iterable[str]) -> tuple[str, ...]:
    if resource in ("Patient", "Coverage"):
        return (resource.lower(),)
    found = {_APPLIES_TO.get(a.strip().lower().replace("-", "")) for a in applies_to}
    return tuple(s for s in CLAIM_TYPES if s in found)


def derive_facts(root: str | Path) -> list[VariableFact]:
    """The facts of every variable the dictionary maps for Patient, Coverage or EOB in V1 or V2."""
    docs = read_checked(root)
    facts = []
    for number in sorted(set(docs["V1"]) | set(docs["V2"])):
        v1_doc = docs["V1"].get(number, (None, None))[0]
        v2_doc = docs["V2"].get(number, (None, None))[0]
        r1, v1 = _version(v1_doc)
        r2, v2 = _version(v2_doc)
        if not (v1.element or v2.element):
            continue
        main = v2_doc or v1_doc or {}
        urls = " ".join([*v2.discriminator, *v1.discriminator])
        url_names = _URL_NAME.findall(urls)
        resource = r2 if v2.element else r1
        facts.append(
            VariableFact(
                id=number,
                column=_clean(main["bfdColumnName"]),
                url_name=url_names[0] if url_names else "",
                label=_clean(main["name"]),
                resource=resource,
                sheets=_sheets(resource, main["appliesTo"]),
                v1=v1,
                v2=v2,
            )
        )
    return facts


# -- the committed file ---------------------------------------------------------------------------
def _version_dict(facts: VersionFacts) -> dict[str, Any]:
    out: dict[str, Any] = {"element": facts.element}
    if facts.discriminator:
        out["discriminator"] = list(facts.discriminator)
    if facts.fhirpath:
        out["fhirpath"] = facts.fhirpath
    return out


def facts_json(facts: Iterable[VariableFact]) -> str:
    """The facts file's text: one variable per line, so a change reads as a one-line diff."""
    lines = []
    for fact in facts:
        entry = {
            "id": fact.id,
            "column": fact.column,
            "url_name": fact.url_name,
            "label": fact.label,
            "resource": fact.resource,
            "sheets": list(fact.sheets),
            "v1": _version_dict(fact.v1),
            "v2": _version_dict(fact.v2),
        }
        lines.append(json.dumps(entry, ensure_ascii=False, sort_keys=False))
    header = (
        '{"source": "BFD data dictionary (CC0), facts only; regenerate with '
        'scripts/derive_variables.py", "variables": ['
    )
    return header + "\n" + ",\n".join(lines) + "\n]}\n"


def _from_dict(entry: dict[str, Any]) -> VariableFact:
    def version(d: dict[str, Any]) -> VersionFacts:
        return VersionFacts(
            str(d.get("element") or ""),
            tuple(str(x) for x in d.get("discriminator") or ()),
            str(d.get("fhirpath") or ""),
        )

    return VariableFact(
        id=int(entry["id"]),
        column=str(entry["column"]),
        url_name=str(entry["url_name"]),
        label=str(entry["label"]),
        resource=str(entry["resource"]),
        sheets=tuple(str(s) for s in entry["sheets"]),
        v1=version(entry.get("v1") or {}),
        v2=version(entry.get("v2") or {}),
    )


def load_variables(path: str | Path | None = None) -> tuple[VariableFact, ...]:
    """The committed facts (default: ``variables.json`` in the project's mapping folder);
    an absent file gives no facts (a mapping folder of one's own need not have one)."""
    if path is None:
        from ..resources import mappings_dir

        path = mappings_dir() / FACTS_FILE
    path = Path(path)
    if not path.is_file():
        return ()
    data = read_json(path)
    try:
        return tuple(_from_dict(entry) for entry in data["variables"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"not a variables facts file ({exc})", where=str(path)) from None
