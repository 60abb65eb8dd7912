"""Small JSON builders shared by the v1 and v2 writers (URLs, codings, extensions).

They only spell FHIR datatypes; which elements a claim has, and where, is decided by each writer.
"""

from __future__ import annotations

import re
from typing import Any

from codebook import DISPLAYS, LABELS

BB = "https://bluebutton.cms.gov/resources/"
VAR = BB + "variables/"
CODESYSTEM = BB + "codesystem/"
NPI = "http://hl7.org/fhir/sid/us-npi"
NDC = "http://hl7.org/fhir/sid/ndc"
UCUM = "http://unitsofmeasure.org"
HCPCS = CODESYSTEM + "hcpcs"
NUCC = "http://nucc.org/provider-taxonomy"
NUBC_ADMIT = "https://www.nubc.org/CodeSystem/PriorityTypeOfAdmitOrVisit"
NUBC_REVENUE = "https://www.nubc.org/CodeSystem/RevenueCodes"
ICD10_SID = "http://hl7.org/fhir/sid/icd-10"
ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD9_CM = "http://hl7.org/fhir/sid/icd-9-cm"
ICD10_PCS_CMS = "http://www.cms.gov/Medicare/Coding/ICD10"

Json = dict[str, Any]

_MONTHLY = re.compile(r"^([a-z_]+?)_?\d{2}$")


def var(name: str) -> str:
    return VAR + name


def display(system: str, code: str) -> str | None:
    """The codebook display of ``code`` in ``system`` (a BB variable name or a system URL)."""
    table = DISPLAYS.get(system)
    if table is None and (m := _MONTHLY.match(system)):
        table = DISPLAYS.get(m.group(1) + "*")
    return (table or {}).get(code)


def coding(system: str, code: str, *, with_display: bool = True) -> Json:
    """A Coding; ``system`` is a BB variable name or a full URL."""
    url = system if "://" in system else var(system)
    out: Json = {"system": url, "code": code}
    label = display(system, code) if with_display else None
    if label:
        out["display"] = label
    return out


def concept(system: str, code: str) -> Json:
    return {"coding": [coding(system, code)]}


def bb_category(codesystem: str, variable: str) -> Json:
    """A coding of the BB codebooks whose code is a variable URL (adjudication, information...)."""
    return {"system": CODESYSTEM + codesystem, "code": var(variable), "display": LABELS[variable]}


def ext_coding(name: str, code: str, *, system: str | None = None) -> Json:
    return {"url": var(name), "valueCoding": coding(system or name, code)}


def ext_identifier(name: str, value: str) -> Json:
    return {"url": var(name), "valueIdentifier": {"system": var(name), "value": value}}


def ext_quantity(name: str, value: float | int, **extra: Any) -> Json:
    return {"url": var(name), "valueQuantity": {"value": value, **extra}}


def ext_date(name: str, value: str) -> Json:
    return {"url": var(name), "valueDate": value}


def period(start: str | None, end: str | None = None) -> Json:
    out: Json = {}
    if start:
        out["start"] = start
    if end:
        out["end"] = end
    return out


def compact(doc: Any) -> Any:
    """Drop None values and empty containers: BFD never emits ``{}``, ``[]`` or ``""``."""
    if isinstance(doc, dict):
        items = ((k, compact(v)) for k, v in doc.items())
        return {k: v for k, v in items if v not in (None, {}, [], "")}
    if isinstance(doc, list):
        items = [compact(v) for v in doc]
        return [v for v in items if v not in (None, {}, [], "")]
    return doc


def extension(kind: str, column: str, record: dict[str, Any], money: Any) -> Json | None:
    """One extension for ``record[column]`` spelled as ``kind``; None when the column is empty.

    Kinds: coding, identifier, money, date, quantity, reference, ndc (an NDC coding under the
    NDC system URL). ``money`` spells Money, which differs between STU3 and R4.
    """
    value = record.get(column)
    if value is None or value == "":
        return None
    if kind == "money":
        return {"url": var(column), "valueMoney": money(value)}
    if kind == "identifier":
        return ext_identifier(column, value)
    if kind == "date":
        return ext_date(column, value)
    if kind == "quantity":
        return ext_quantity(column, value)
    if kind == "reference":
        return {"url": var(column), "valueReference": {"reference": value}}
    if kind == "ndc":
        return {"url": NDC, "valueCoding": coding(NDC, value)}
    if kind == "coding":
        return ext_coding(column, value)
    raise ValueError(f"unknown extension kind {kind!r} for {column}")


def extensions(table: list[tuple[str, str]], record: dict[str, Any], money: Any) -> list[Json]:
    """The extensions a table of (kind, column) gives for ``record``, empty columns left out."""
    out = (extension(kind, column, record, money) for kind, column in table)
    return [e for e in out if e]


def address(bene: dict[str, Any]) -> Json:
    """The mailing address as BFD sends it: derived lines and city only when on file."""
    out: Json = {"state": bene["state"], "postalCode": bene["zip"]}
    if bene.get("address_lines"):
        out = {"line": list(bene["address_lines"]), "city": bene["city"], **out}
    return out
